import { newId } from '@shop/contracts';
import type { ProductView } from '@shop/contracts';
import { EventPublisher, RpcClient } from '@shop/messaging';
import { eventually } from '@shop/testing';
import { DataSource } from 'typeorm';
import { type Account, type Shop, startShop } from '../catalog/shop.js';
import { type Exposition, type Sample, alertQueries, alertRules, dashboardQueries, exportedNames, metricNamesOf, parseExposition } from '../observability/prometheus.js';

/**
 * The metrics every app serves, after real traffic through the all-in-one
 * platform (register, login, a wrong and a disabled login, logins past the
 * limit, browsing, a 404, adding to the cart, stock reservations, an event
 * delivered twice): RED per HTTP route and per RPC pattern, messaging and
 * business series, Node runtime metrics, and that every dashboard panel and
 * alert rule reads only series the apps really export.
 */

/** Series Prometheus makes itself for every target (not served by the apps). */
const PROMETHEUS_SERIES = ['up', 'scrape_duration_seconds', 'scrape_samples_scraped', 'scrape_series_added', 'ALERTS', 'ALERTS_FOR_STATE'];

const LOGIN_LIMIT = 3;
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

describe('all-in-one: Prometheus metrics after real traffic', () => {
  let shop: Shop;
  let customer: Account;
  let product: ProductView;
  const scraped = new Map<string, Exposition>();

  const series = (app: string, name: string, labels: Record<string, string> = {}): Sample[] =>
    scraped.get(app)!.samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  const total = (app: string, name: string, labels: Record<string, string> = {}) => series(app, name, labels).reduce((n, s) => n + s.value, 0);

  beforeAll(async () => {
    shop = await startShop({ RATE_LIMIT_LOGIN_PER_ACCOUNT: String(LOGIN_LIMIT) });
    const rpc = shop.service('gateway').app.get(RpcClient);

    // Accounts: a customer (register + login), a wrong password, a disabled account, an account hammered past the limit.
    customer = await shop.account(['CUSTOMER']);
    const disabled = await shop.account(['CUSTOMER']);
    expect((await shop.http('POST', `/admin/users/${disabled.id}/disable`, { token: shop.admin.token })).status).toBe(200);
    const disabledMe = await shop.http<{ email: string }>('GET', '/users/me', { token: customer.token });
    expect(disabledMe.status).toBe(200);
    expect((await shop.http('POST', '/auth/login', { body: { email: disabledMe.body.email, password: 'not-the-password-at-all-1' } })).status).toBe(401);
    const { body: admins } = await shop.http<{ items: Array<{ id: string; email: string }> }>('GET', '/admin/users?pageSize=100', { token: shop.admin.token });
    const disabledEmail = admins.items.find((u) => u.id === disabled.id)!.email;
    expect((await shop.http('POST', '/auth/login', { body: { email: disabledEmail, password: `copper-violet-window-${2}${2}` } })).status).toBeGreaterThanOrEqual(400);
    const statuses: number[] = [];
    for (let i = 0; i <= LOGIN_LIMIT; i++) statuses.push((await shop.http('POST', '/auth/login', { body: { email: 'nobody@metrics.test', password: 'wrong-wrong-wrong-1' } })).status);
    expect(statuses.at(-1)).toBe(429);

    // Browsing: a product made by the admin, listed, read by id and by slug, and a 404.
    product = await rpc.send('product.create', { name: 'Metrics Teapot', price: { amount: 1999, currency: 'EUR' }, stock: 5 });
    expect((await shop.http('GET', '/products?pageSize=5')).status).toBe(200);
    expect((await shop.http('GET', `/products/${product.id}`)).status).toBe(200);
    expect((await shop.http('GET', `/products/${product.slug}`)).status).toBe(200);
    expect((await shop.http('GET', `/products/${newId()}`)).status).toBe(404);
    expect((await shop.http('GET', `/no-such-route/${newId()}`)).status).toBe(404);

    // The cart learns of the product by its event, then takes it.
    await eventually(() => rpc.send('cart.productSnapshot', { productId: product.id }), { what: 'cart snapshot of the product' });
    expect((await shop.http('POST', '/cart/items', { token: customer.token, body: { productId: product.id, quantity: 2 } })).status).toBeLessThan(300);

    // An end-to-end checkout: ordered, confirmed by the inventory, paid, mailed.
    const placed = await shop.http<{ id: string }>('POST', '/orders', { token: customer.token, headers: { 'idempotency-key': newId() }, body: { shippingAddress: { name: 'Ada', line1: '1 Main St', city: 'Berlin', postalCode: '10115', country: 'DE' } } });
    expect(placed.status).toBe(201);
    await eventually(async () => ((await shop.http<{ status: string }>('GET', `/orders/${placed.body.id}`, { token: customer.token })).body.status === 'CONFIRMED' ? true : undefined), { what: 'the order confirmed' });
    expect((await shop.http('POST', `/orders/${placed.body.id}/payment`, { token: customer.token, body: { paymentToken: 'tok_visa' } })).status).toBe(200);
    await eventually(async () => {
      const text = await (await fetch(`${shop.service('notification').url}/metrics`)).text();
      return /shop_notifications_sent_total\{[^}]*template="order-paid"/.test(text) ? true : undefined;
    }, { what: 'the payment mail sent' });

    // Stock: one reservation that fits, one that does not.
    await rpc.send('product.reserveStock', { orderId: newId(), lines: [{ productId: product.id, quantity: 2 }] });
    await expect(rpc.send('product.reserveStock', { orderId: newId(), lines: [{ productId: product.id, quantity: 50 }] })).rejects.toMatchObject({ code: 'STOCK.INSUFFICIENT' });

    // At-least-once delivery: the product's last event published again; the cart's inbox drops it.
    const productApp = shop.service('product').app;
    const [row] = (await productApp.get(DataSource).query("SELECT topic, aggregate_id, envelope FROM outbox WHERE type = 'product.created' AND aggregate_id = ?", [product.id])) as Array<{ topic: string; aggregate_id: string; envelope: string }>;
    await productApp.get(EventPublisher).publish([{ topic: row!.topic, key: row!.aggregate_id, value: JSON.parse(row!.envelope), headers: {} }]);

    await eventually(async () => {
      const text = await (await fetch(`${shop.service('cart').url}/metrics`)).text();
      if (!/shop_events_consumed_total\{[^}]*outcome="duplicate"/.test(text)) throw new Error(`no duplicate counted yet: ${text.split('\n').filter((l) => l.startsWith('shop_events')).join(' ; ')}`);
      return true;
    }, { what: 'the duplicate event dropped by the cart inbox' });

    for (const s of shop.platform.services) {
      const res = await fetch(`${s.url}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      scraped.set(s.name, parseExposition(await res.text()));
    }
  }, 120_000);

  afterAll(async () => {
    await shop?.close();
  });

  it('every app serves the Node runtime metrics, every series labelled with the app name', () => {
    for (const [app, exp] of scraped) {
      for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_p99_seconds', 'nodejs_heap_size_used_bytes', 'nodejs_gc_duration_seconds_count']) {
        expect(series(app, name).length, `${app} ${name}`).toBeGreaterThan(0);
      }
      expect(exp.samples.filter((s) => s.labels['service'] !== app).map((s) => s.name)).toEqual([]);
    }
  });

  it('counts gateway HTTP requests by method, route TEMPLATE and status class, with durations', () => {
    expect(total('gateway', 'shop_http_requests_total', { method: 'GET', route: '/api/v1/products/:id', status_class: '2xx' })).toBeGreaterThanOrEqual(2);
    expect(total('gateway', 'shop_http_requests_total', { method: 'GET', route: '/api/v1/products/:id', status_class: '4xx' })).toBeGreaterThanOrEqual(1);
    expect(total('gateway', 'shop_http_requests_total', { method: 'GET', route: '/api/v1/products', status_class: '2xx' })).toBeGreaterThanOrEqual(1);
    expect(total('gateway', 'shop_http_requests_total', { method: 'POST', route: '/api/v1/cart/items', status_class: '2xx' })).toBe(1);
    expect(total('gateway', 'shop_http_requests_total', { method: 'POST', route: '/api/v1/auth/login', status_class: '4xx' })).toBeGreaterThanOrEqual(LOGIN_LIMIT + 1);
    expect(total('gateway', 'shop_http_request_duration_seconds_count', { method: 'GET', route: '/api/v1/products/:id' })).toBeGreaterThanOrEqual(3);
    const buckets = series('gateway', 'shop_http_request_duration_seconds_bucket', { method: 'GET', route: '/api/v1/products/:id', le: '+Inf' });
    expect(buckets.map((b) => b.value)).toEqual([total('gateway', 'shop_http_request_duration_seconds_count', { method: 'GET', route: '/api/v1/products/:id' })]);
    // The scrape of the gateway's /metrics is the one request in flight.
    expect(series('gateway', 'shop_http_requests_in_flight').map((s) => s.value)).toEqual([1]);
  });

  it('never puts an id or a raw URL in a label', () => {
    for (const [app, exp] of scraped) {
      const leaking = exp.samples.filter((s) => Object.values(s.labels).some((v) => UUID.test(v) || v.includes('?') || v.includes('@')));
      expect(leaking.map((s) => `${app} ${s.name} ${JSON.stringify(s.labels)}`)).toEqual([]);
      const routes = new Set(exp.samples.filter((s) => s.name === 'shop_http_requests_total').map((s) => s.labels['route']));
      for (const route of routes) expect(route, `${app} route label`).toMatch(/^(\/[a-z0-9._-]*|\/:[a-zA-Z]+|unmatched)+$|^\/$/);
    }
    expect(series('gateway', 'shop_http_requests_total').some((s) => s.labels['route']!.includes(product.slug))).toBe(false);
    // A path no route matches is counted under one label, whatever the path.
    expect(total('gateway', 'shop_http_requests_total', { method: 'GET', route: 'unmatched', status_class: '4xx' })).toBe(1);
  });

  it('counts RPC calls at the gateway (client) and in the services (server) by pattern and code, with durations', () => {
    expect(total('gateway', 'shop_rpc_client_requests_total', { pattern: 'user.login', code: 'OK' })).toBeGreaterThanOrEqual(2);
    expect(total('gateway', 'shop_rpc_client_requests_total', { pattern: 'user.login', code: 'AUTH.INVALID_CREDENTIALS' })).toBeGreaterThanOrEqual(1);
    expect(total('gateway', 'shop_rpc_client_requests_total', { pattern: 'product.reserveStock', code: 'STOCK.INSUFFICIENT' })).toBe(1);
    expect(total('gateway', 'shop_rpc_client_request_duration_seconds_count', { pattern: 'product.get' })).toBeGreaterThanOrEqual(3);
    expect(total('user', 'shop_rpc_server_requests_total', { pattern: 'user.login', code: 'OK' })).toBeGreaterThanOrEqual(2);
    expect(total('user', 'shop_rpc_server_requests_total', { pattern: 'user.login', code: 'AUTH.INVALID_CREDENTIALS' })).toBeGreaterThanOrEqual(1);
    expect(total('product', 'shop_rpc_server_requests_total', { pattern: 'product.reserveStock', code: 'OK' })).toBe(1);
    expect(total('product', 'shop_rpc_server_requests_total', { pattern: 'product.reserveStock', code: 'STOCK.INSUFFICIENT' })).toBe(1);
    expect(total('product', 'shop_rpc_server_requests_total', { pattern: 'product.get', code: 'PRODUCT.NOT_FOUND' })).toBeGreaterThanOrEqual(1);
    expect(total('cart', 'shop_rpc_server_request_duration_seconds_count', { pattern: 'cart.addItem' })).toBe(1);
    // The cart checks the item against the catalog: a service-to-service call, counted on both sides.
    expect(total('cart', 'shop_rpc_client_requests_total', { code: 'OK' })).toBeGreaterThanOrEqual(1);
  });

  it('counts events published from the outbox and consumed through the inbox, duplicates dropped, and reads the outbox lag', () => {
    expect(total('user', 'shop_events_published_total', { topic: 'user.events', type: 'user.registered' })).toBeGreaterThanOrEqual(2);
    expect(total('product', 'shop_events_published_total', { type: 'product.created' })).toBeGreaterThanOrEqual(1);
    expect(total('cart', 'shop_events_consumed_total', { type: 'product.created', outcome: 'processed' })).toBeGreaterThanOrEqual(1);
    expect(total('cart', 'shop_events_consumed_total', { outcome: 'duplicate' })).toBe(1);
    for (const app of ['user', 'product', 'cart']) {
      expect(series(app, 'shop_outbox_pending_messages').map((s) => s.value), app).toEqual([0]);
      expect(series(app, 'shop_outbox_oldest_pending_age_seconds').map((s) => s.value), app).toEqual([0]);
    }
    for (const [app, exp] of scraped) {
      for (const name of ['shop_dead_lettered_total', 'shop_job_retries_total', 'shop_jobs_enqueued_total', 'shop_jobs_processed_total', 'shop_rpc_client_requests_total']) {
        expect(exp.types.get(name), `${app} ${name}`).toBe('counter');
      }
    }
  });

  it('counts logins by outcome and stock reservations by outcome', () => {
    expect(total('user', 'shop_logins_total', { outcome: 'success' })).toBeGreaterThanOrEqual(3);
    expect(total('user', 'shop_logins_total', { outcome: 'invalid_credentials' })).toBeGreaterThanOrEqual(LOGIN_LIMIT);
    expect(total('user', 'shop_logins_total', { outcome: 'disabled' })).toBe(1);
    expect(total('gateway', 'shop_logins_total', { outcome: 'rate_limited' })).toBe(1);
    expect(total('product', 'shop_stock_reservations_total', { outcome: 'reserved' })).toBe(2);
    expect(total('product', 'shop_stock_reservations_total', { outcome: 'rejected' })).toBe(1);
  });

  it('counts orders by status, the checkout time to confirmation, payments and mails sent after a checkout', () => {
    expect(total('gateway', 'shop_http_requests_total', { method: 'POST', route: '/api/v1/orders', status_class: '2xx' })).toBe(1);
    expect(total('order', 'shop_rpc_server_requests_total', { pattern: 'order.checkout', code: 'OK' })).toBe(1);
    for (const status of ['created', 'confirmed', 'paid']) expect(total('order', 'shop_orders_total', { status }), status).toBe(1);
    expect(total('order', 'shop_checkout_duration_seconds_count', { outcome: 'confirmed' })).toBe(1);
    expect(total('order', 'shop_payments_total', { outcome: 'succeeded' })).toBe(1);
    expect(total('order', 'shop_events_published_total', { topic: 'order.events', type: 'order.created' })).toBe(1);
    expect(total('product', 'shop_events_consumed_total', { type: 'order.created', outcome: 'processed' })).toBe(1);
    expect(total('order', 'shop_events_consumed_total', { type: 'inventory.reserved', outcome: 'processed' })).toBe(1);
    expect(total('notification', 'shop_notifications_sent_total', { template: 'order-confirmed', channel: 'mailbox' })).toBe(1);
    expect(total('notification', 'shop_notifications_sent_total', { template: 'order-paid', channel: 'mailbox' })).toBe(1);
    expect(total('notification', 'shop_jobs_processed_total', { queue: 'notifications', outcome: 'succeeded' })).toBeGreaterThanOrEqual(2);
  });

  describe('dashboards and alert rules read only series the apps export', () => {
    const exported = () => {
      const names = new Set(PROMETHEUS_SERIES);
      for (const exp of scraped.values()) for (const n of exportedNames(exp)) names.add(n);
      for (const r of alertRules()) if (r.record) names.add(r.record);
      return names;
    };

    it('finds the expressions (the tokenizer sees metric names, not functions, labels or variables)', () => {
      expect(metricNamesOf('histogram_quantile(0.99, sum by (le, route) (rate(shop_http_request_duration_seconds_bucket{service=~"$service", route!~"/health.*"}[$__rate_interval])))')).toEqual(['shop_http_request_duration_seconds_bucket']);
      expect(metricNamesOf('sum(rate(a_total[5m])) / ignoring(code) group_left sum without (code) (rate(b_total{x="y"}[1h] offset 5m)) > 0.05 and on(service) up == 0')).toEqual(['a_total', 'b_total', 'up']);
      expect(dashboardQueries().length).toBeGreaterThanOrEqual(20);
      expect(alertQueries().length).toBeGreaterThanOrEqual(6);
    });

    it.each([['dashboards', dashboardQueries], ['alert rules', alertQueries]] as const)('%s', (_, queries) => {
      const names = exported();
      const unknown = queries().flatMap((q) => metricNamesOf(q.expr).filter((n) => !names.has(n)).map((n) => `${q.where}: ${n}`));
      expect(unknown).toEqual([]);
    });

  });
});
