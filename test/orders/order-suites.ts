import { randomUUID } from 'node:crypto';
import { type CartView, type MailboxMessageView, ORDER_STATUSES, type OrderHistoryEntry, type OrderStatus, type OrderSummary, type OrderView, type Page } from '@shop/contracts';
import { eventually } from '@shop/testing';
import { ORDER_TRANSITIONS, type OrderAction } from '@shop/services/order';
import type { Account } from '../catalog/shop.js';
import type { OrderShop } from './harness.js';
import { ADDRESS, addToCart, checkout, checkoutUntilAnswered, createProduct, settled } from './orders-helpers.js';

/**
 * The order tests, written once and run in both modes: the all-in-one
 * process (test/orders/*.spec.ts) and the cluster on MariaDB, RabbitMQ and
 * Kafka (test/cluster/orders*.e2e-spec.ts).
 */

const ts = (d: Date) => d.toISOString().replace('T', ' ').replace('Z', '');

/** Runs `fn` over `items` with at most `limit` at a time. */
export async function pool<T, R>(items: T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!, i);
      }
    }),
  );
  return out;
}

export function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]! : NaN;
}

export function mainFlowSuite(get: () => OrderShop): void {
  describe('the order flow', () => {
    let seller: Account;
    beforeAll(async () => {
      seller = await get().account(['SELLER']);
    });

    it('takes an order from cart to delivery, moving stock and writing the history', async () => {
      const shop = get();
      const customer = await shop.account(['CUSTOMER']);
      const a = await createProduct(shop.http, seller, 5, 1000);
      const b = await createProduct(shop.http, seller, 5, 250);
      // Browse: the customer finds the product in the catalog.
      const found = await shop.http<Page<{ id: string }>>('GET', `/products?q=${encodeURIComponent(a.name)}&inStock=true`);
      expect(found.status, JSON.stringify(found.body)).toBe(200);
      expect(found.body.items.map((p) => p.id)).toContain(a.id);
      await addToCart(shop.http, customer, a.id, 2);
      await addToCart(shop.http, customer, b.id, 1);

      const placed = await checkout(shop.http, customer);
      expect(placed.status).toBe(201);
      expect(placed.headers.get('location')).toBe(`/api/v1/orders/${placed.body.id}`);
      expect(placed.body).toMatchObject({ status: 'PENDING', customerId: customer.id, total: { amount: 2250, currency: 'EUR' }, shippingAddress: ADDRESS });
      expect(placed.body.lines.map((l) => `${l.productId}:${l.quantity}:${l.unitPrice.amount}`).sort()).toEqual([`${a.id}:2:1000`, `${b.id}:1:250`].sort());

      const confirmed = await settled(shop.http, customer.token, placed.body.id, ['CONFIRMED', 'REJECTED']);
      expect(confirmed.status).toBe('CONFIRMED');
      expect(Date.parse(confirmed.paymentDueAt!)).toBeGreaterThan(Date.now());
      expect(await shop.stock(a.id)).toMatchObject({ onHand: 5, reserved: 2, available: 3 });
      // The cart loses what was ordered once the order is confirmed.
      await eventually(async () => ((await shop.http<CartView>('GET', '/cart', { token: customer.token })).body.lines.length === 0 ? true : undefined), { what: 'the cart to be cleared', timeoutMs: 30_000 });

      const paid = await shop.http<OrderView>('POST', `/orders/${placed.body.id}/payment`, { token: customer.token, body: { paymentToken: 'tok_visa' } });
      expect(paid.status).toBe(200);
      expect(paid.body.status).toBe('PAID');
      expect(paid.body.payments).toEqual([expect.objectContaining({ outcome: 'SUCCEEDED', amount: { amount: 2250, currency: 'EUR' }, method: 'tok_visa' })]);
      // Paying again answers the same order: no second charge.
      const again = await shop.http<OrderView>('POST', `/orders/${placed.body.id}/payment`, { token: customer.token, body: { paymentToken: 'tok_visa' } });
      expect(again.status).toBe(200);
      expect(again.body.payments).toHaveLength(1);
      await eventually(async () => ((await shop.stock(a.id)).onHand === 3 ? true : undefined), { what: 'the reservation to be committed', timeoutMs: 30_000 });
      expect(await shop.stock(a.id)).toMatchObject({ onHand: 3, reserved: 0, available: 3 });

      const shipped = await shop.http<OrderView>('POST', `/orders/${placed.body.id}/ship`, { token: seller.token, body: { carrier: 'DHL', trackingNumber: 'JD0146-0000-1' } });
      expect(shipped.status).toBe(200);
      expect(shipped.body.status).toBe('SHIPPED');
      expect(shipped.body.lines.every((l) => l.shipment?.carrier === 'DHL' && l.shipment.trackingNumber === 'JD0146-0000-1')).toBe(true);
      const delivered = await shop.http<OrderView>('POST', `/orders/${placed.body.id}/deliver`, { token: seller.token });
      expect(delivered.body.status).toBe('DELIVERED');

      const history = await shop.http<OrderHistoryEntry[]>('GET', `/orders/${placed.body.id}/history`, { token: customer.token });
      expect(history.body.map((h) => `${h.from}->${h.to}`)).toEqual(['null->PENDING', 'PENDING->CONFIRMED', 'CONFIRMED->PAID', 'PAID->SHIPPED', 'SHIPPED->DELIVERED']);
      expect(history.body.map((h) => h.actor)).toEqual([`user:${customer.id}`, 'service:order', `user:${customer.id}`, `user:${seller.id}`, `user:${seller.id}`]);
      expect(delivered.body.history).toEqual(history.body);

      // The notification app mailed the customer at each step (kept in its mailbox when no SMTP server is configured).
      const email = (await shop.http<{ email: string }>('GET', '/users/me', { token: customer.token })).body.email;
      const mails = await eventually(
        async () => {
          const res = await shop.http<Page<MailboxMessageView>>('GET', `/admin/notifications?to=${encodeURIComponent(email)}&pageSize=50`, { token: shop.admin.token });
          return res.body.items?.length >= 3 ? res.body.items : undefined;
        },
        { timeoutMs: 30_000, what: 'the order mails in the mailbox' },
      );
      expect(mails.map((m) => m.template).sort()).toEqual(['order-confirmed', 'order-paid', 'order-shipped']);
      expect(mails.every((m) => m.to === email && m.text.includes(placed.body.id))).toBe(true);
    });

    it('prices from the catalog at checkout, not from the cart', async () => {
      const shop = get();
      const customer = await shop.account(['CUSTOMER']);
      const p = await createProduct(shop.http, seller, 5, 1000);
      await addToCart(shop.http, customer, p.id, 1);
      const changed = await shop.http('PATCH', `/products/${p.id}`, { token: seller.token, body: { price: { amount: 1500, currency: 'EUR' }, expectedVersion: p.version } });
      expect(changed.status).toBe(200);
      const placed = await checkout(shop.http, customer);
      expect(placed.body.total).toEqual({ amount: 1500, currency: 'EUR' });
    });

    it('rejects an order when the stock is gone, leaving nothing reserved', async () => {
      const shop = get();
      const [customer, other] = [await shop.account(['CUSTOMER']), await shop.account(['CUSTOMER'])];
      const p = await createProduct(shop.http, seller, 1);
      await addToCart(shop.http, customer, p.id, 1);
      await addToCart(shop.http, other, p.id, 1);
      const first = await checkout(shop.http, customer);
      expect((await settled(shop.http, customer.token, first.body.id, ['CONFIRMED', 'REJECTED'])).status).toBe('CONFIRMED');
      const second = await checkout(shop.http, other);
      const rejected = await settled(shop.http, other.token, second.body.id, ['CONFIRMED', 'REJECTED']);
      expect(rejected.status).toBe('REJECTED');
      expect(rejected.reason).toMatch(/not enough stock/);
      expect(await shop.stock(p.id)).toMatchObject({ onHand: 1, reserved: 1 });
      // A rejected order keeps its cart: nothing was bought.
      expect((await shop.http<CartView>('GET', '/cart', { token: other.token })).body.lines).toHaveLength(1);
    });

    it('answers an empty cart with 422, a missing key with 400 and a bad address with 400', async () => {
      const shop = get();
      const customer = await shop.account(['CUSTOMER']);
      expect(await checkout(shop.http, customer)).toMatchObject({ status: 422, body: { code: 'ORDER.CART_EMPTY' } });
      expect(await checkout(shop.http, customer, null)).toMatchObject({ status: 400, body: { code: 'IDEMPOTENCY.KEY_REQUIRED' } });
      expect(await checkout(shop.http, customer, randomUUID(), { ...ADDRESS, country: 'Germany' })).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
      expect(await checkout(shop.http, customer, randomUUID(), { ...ADDRESS, extra: 'x' })).toMatchObject({ status: 400 });
    });

    it('lists orders: customers their own, sellers those holding their products (their lines only), admins all; filtered and paged', async () => {
      const shop = get();
      const customer = await shop.account(['CUSTOMER']);
      const otherSeller = await shop.account(['SELLER']);
      const mineP = await createProduct(shop.http, seller, 10, 100);
      const theirsP = await createProduct(shop.http, otherSeller, 10, 7);
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        await addToCart(shop.http, customer, mineP.id, 1);
        if (i === 0) await addToCart(shop.http, customer, theirsP.id, 2);
        const o = await checkout(shop.http, customer);
        ids.push(o.body.id);
        await settled(shop.http, customer.token, o.body.id, ['CONFIRMED']);
      }
      const page = await shop.http<Page<OrderSummary>>('GET', '/orders?pageSize=2', { token: customer.token });
      expect(page.body).toMatchObject({ total: 3, page: 1, pageSize: 2 });
      expect(page.body.items.map((o) => o.id)).toEqual([ids[2], ids[1]]);
      expect((await shop.http<Page<OrderSummary>>('GET', '/orders?status=CONFIRMED', { token: customer.token })).body.total).toBe(3);
      expect((await shop.http<Page<OrderSummary>>('GET', '/orders?status=PAID', { token: customer.token })).body.total).toBe(0);
      expect((await shop.http<Page<OrderSummary>>('GET', `/orders?from=${new Date(Date.now() + 60_000).toISOString()}`, { token: customer.token })).body.total).toBe(0);
      const theirs = await shop.http<Page<OrderSummary>>('GET', '/orders?pageSize=100', { token: otherSeller.token });
      expect(theirs.body.items.map((o) => o.id)).toEqual([ids[0]]);
      expect(theirs.body.items[0]).toMatchObject({ lineCount: 1, total: { amount: 14, currency: 'EUR' } });
      const view = await shop.http<OrderView>('GET', `/orders/${ids[0]}`, { token: otherSeller.token });
      expect(view.body.lines.map((l) => l.productId)).toEqual([theirsP.id]);
      expect(view.body.payments).toEqual([]);
      const all = await shop.http<Page<OrderSummary>>('GET', '/orders?pageSize=100', { token: shop.admin.token });
      expect(all.body.total).toBeGreaterThanOrEqual(3);
      expect(await shop.http('GET', '/orders?status=LOST', { token: customer.token })).toMatchObject({ status: 400 });
      expect(await shop.http('GET', '/orders?pageSize=1000', { token: customer.token })).toMatchObject({ status: 400 });
    });
  });
}

export function idempotencySuite(get: () => OrderShop): void {
  describe('idempotent checkout (Idempotency-Key)', () => {
    let seller: Account;
    beforeAll(async () => {
      seller = await get().account(['SELLER']);
    });

    async function readyCustomer(units = 1): Promise<{ customer: Account; productId: string }> {
      const shop = get();
      const customer = await shop.account(['CUSTOMER']);
      const p = await createProduct(shop.http, seller, 50);
      await addToCart(shop.http, customer, p.id, units);
      return { customer, productId: p.id };
    }

    const ordersOf = async (customerId: string) => Number((await get().sql<{ n: number }>('order', 'SELECT COUNT(*) AS n FROM orders WHERE customer_id = ?', [customerId]))[0]!.n);

    it('20 concurrent identical requests with one key make one order; every success is the same answer', async () => {
      const shop = get();
      const { customer } = await readyCustomer();
      const key = randomUUID();
      const replies = await Promise.all(Array.from({ length: 20 }, () => checkout(shop.http, customer, key)));
      const ok = replies.filter((r) => r.status === 201);
      expect(ok.length).toBeGreaterThanOrEqual(1);
      expect(replies.every((r) => r.status === 201 || (r.status === 409 && r.body.code === 'IDEMPOTENCY.IN_PROGRESS'))).toBe(true);
      expect(new Set(ok.map((r) => r.body.id)).size).toBe(1);
      expect(await ordersOf(customer.id)).toBe(1);
      // Once done, the same key and body replay the first answer: same status, same body.
      const replay = await checkout(shop.http, customer, key);
      expect(replay.status).toBe(201);
      expect(replay.headers.get('idempotent-replayed')).toBe('true');
      expect(replay.body).toEqual(ok.find((r) => r.headers.get('idempotent-replayed') !== 'true')?.body ?? ok[0]!.body);
      expect(await ordersOf(customer.id)).toBe(1);
    });

    it('refuses the same key with another body (422), and scopes keys to the user', async () => {
      const shop = get();
      const { customer } = await readyCustomer();
      const key = randomUUID();
      expect((await checkout(shop.http, customer, key)).status).toBe(201);
      const other = await checkout(shop.http, customer, key, { ...ADDRESS, city: 'Paris' });
      expect(other).toMatchObject({ status: 422, body: { code: 'IDEMPOTENCY.KEY_REUSED' } });
      const { customer: someoneElse } = await readyCustomer();
      const theirs = await checkout(shop.http, someoneElse, key);
      expect(theirs.status).toBe(201);
      expect(theirs.headers.get('idempotent-replayed')).toBeNull();
      expect(theirs.body.customerId).toBe(someoneElse.id);
      expect(await ordersOf(someoneElse.id)).toBe(1);
    });

    it('answers 409 while the first request runs, and lets a retry take over a request abandoned by a crash', async () => {
      const shop = get();
      const { customer } = await readyCustomer();
      const key = randomUUID();
      const body = { shippingAddress: ADDRESS };
      const hash = (await import('@shop/services/order')).requestHash(body);
      // A request in flight, as a running order service records it.
      const now = Date.now();
      await shop.sql('order', 'INSERT INTO idempotency_keys (user_id, idem_key, request_hash, state, response, locked_until, created_at, expires_at) VALUES (?, ?, ?, ?, NULL, ?, ?, ?)', [
        customer.id,
        key,
        hash,
        'IN_PROGRESS',
        ts(new Date(now + 60_000)),
        ts(new Date(now)),
        ts(new Date(now + 86_400_000)),
      ]);
      expect(await checkout(shop.http, customer, key)).toMatchObject({ status: 409, body: { code: 'IDEMPOTENCY.IN_PROGRESS' } });
      expect(await ordersOf(customer.id)).toBe(0);
      // Its process died: once the lease is over, the retry does the work.
      await shop.sql('order', 'UPDATE idempotency_keys SET locked_until = ? WHERE user_id = ? AND idem_key = ?', [ts(new Date(now - 1_000)), customer.id, key]);
      const retried = await checkout(shop.http, customer, key);
      expect(retried.status).toBe(201);
      expect(await ordersOf(customer.id)).toBe(1);
    });

    it('replays a refusal too: an empty cart stays refused under its key', async () => {
      const shop = get();
      const customer = await shop.account(['CUSTOMER']);
      const key = randomUUID();
      expect(await checkout(shop.http, customer, key)).toMatchObject({ status: 422, body: { code: 'ORDER.CART_EMPTY' } });
      const p = await createProduct(shop.http, seller, 5);
      await addToCart(shop.http, customer, p.id, 1);
      expect(await checkout(shop.http, customer, key)).toMatchObject({ status: 422, body: { code: 'ORDER.CART_EMPTY' } });
      expect((await checkout(shop.http, customer, randomUUID())).status).toBe(201);
    });

    it('keeps keys for 24 hours', async () => {
      const shop = get();
      const { customer } = await readyCustomer();
      const key = randomUUID();
      await checkout(shop.http, customer, key);
      const [row] = await shop.sql<{ created_at: string | Date; expires_at: string | Date }>('order', 'SELECT created_at, expires_at FROM idempotency_keys WHERE user_id = ? AND idem_key = ?', [customer.id, key]);
      const at = (v: string | Date) => (v instanceof Date ? v.getTime() : Date.parse(`${v.replace(' ', 'T')}Z`));
      expect(at(row!.expires_at) - at(row!.created_at)).toBeGreaterThanOrEqual(24 * 3_600_000);
    });
  });
}

type Who = 'owner' | 'otherCustomer' | 'seller' | 'otherSeller' | 'admin';
const WHO: Who[] = ['owner', 'otherCustomer', 'seller', 'otherSeller', 'admin'];
const ROUTE_OF: Record<Exclude<OrderAction, 'confirm' | 'reject'>, { path: string; body?: object; gatewayRoles: string[] }> = {
  pay: { path: 'payment', body: { paymentToken: 'tok_visa' }, gatewayRoles: ['CUSTOMER'] },
  cancel: { path: 'cancel', body: { reason: 'test' }, gatewayRoles: ['CUSTOMER', 'ADMIN'] },
  ship: { path: 'ship', body: { carrier: 'UPS', trackingNumber: '1Z999AA10123456784' }, gatewayRoles: ['SELLER', 'ADMIN'] },
  deliver: { path: 'deliver', gatewayRoles: ['SELLER', 'ADMIN'] },
};

/** Adds to cart racing each other and the catalog events that follow a new product (the cart's copy of the product is written by both). */
export function cartRaceSuite(get: () => OrderShop): void {
  describe('adding to cart under concurrency', () => {
    let seller: Account;
    let customers: Account[];
    beforeAll(async () => {
      seller = await get().account(['SELLER']);
      customers = await pool(Array.from({ length: 8 }), 4, () => get().account(['CUSTOMER']));
    });

    it('8 customers adding a product the moment it is created all get their line (no deadlock answered as 500)', async () => {
      const shop = get();
      for (let round = 0; round < 12; round++) {
        const p = await createProduct(shop.http, seller, 50);
        const replies = await Promise.all(customers.map((c) => shop.http<CartView>('POST', '/cart/items', { token: c.token, body: { productId: p.id, quantity: 1 } })));
        expect(replies.map((r) => r.status)).toEqual(customers.map(() => 201));
      }
    });

    it('one customer adding 2 units of a product 6 times at once: every accepted unit counts, and the line limit (10) still holds', async () => {
      const shop = get();
      const customer = await shop.account(['CUSTOMER']);
      const p = await createProduct(shop.http, seller, 50);
      const replies = await Promise.all(Array.from({ length: 6 }, () => shop.http<CartView>('POST', '/cart/items', { token: customer.token, body: { productId: p.id, quantity: 2 } })));
      expect(replies.map((r) => r.status).sort()).toEqual([201, 201, 201, 201, 201, 400]);
      expect(replies.find((r) => r.status === 400)?.body).toMatchObject({ code: 'VALIDATION_FAILED' });
      const cart = await shop.http<CartView>('GET', '/cart', { token: customer.token });
      expect(cart.body.lines).toEqual([expect.objectContaining({ productId: p.id, quantity: 10 })]);
    });
  });
}

export function transitionSuite(get: () => OrderShop): void {
  describe('the transition table, for every status, action and role; and nobody else’s orders (BOLA)', () => {
    const accounts = {} as Record<Who, Account>;
    let orderId: string;

    beforeAll(async () => {
      const shop = get();
      accounts.owner = await shop.account(['CUSTOMER']);
      accounts.otherCustomer = await shop.account(['CUSTOMER']);
      accounts.seller = await shop.account(['SELLER']);
      accounts.otherSeller = await shop.account(['SELLER']);
      accounts.admin = shop.admin;
      const p = await createProduct(shop.http, accounts.seller, 1000);
      await addToCart(shop.http, accounts.owner, p.id, 1);
      orderId = (await checkout(shop.http, accounts.owner)).body.id;
      await settled(shop.http, accounts.owner.token, orderId, ['CONFIRMED']);
    });

    async function putInStatus(status: OrderStatus): Promise<void> {
      const shop = get();
      await shop.sql('order', 'UPDATE orders SET status = ?, reason = NULL, payment_due_at = ?, payment_lock_until = NULL, next_check_at = NULL WHERE id = ?', [status, ts(new Date(Date.now() + 3_600_000)), orderId]);
      const shipped = status === 'SHIPPED' || status === 'DELIVERED' ? ts(new Date()) : null;
      await shop.sql('order', 'UPDATE order_lines SET carrier = ?, tracking_number = ?, shipped_at = ?, delivered_at = ? WHERE order_id = ?', [shipped ? 'UPS' : null, shipped ? '1Z999AA10123456784' : null, shipped, status === 'DELIVERED' ? shipped : null, orderId]);
      await shop.sql('order', 'DELETE FROM payments WHERE order_id = ?', [orderId]);
    }

    function expected(action: Exclude<OrderAction, 'confirm' | 'reject'>, status: OrderStatus, who: Who): number {
      const role = { owner: 'CUSTOMER', otherCustomer: 'CUSTOMER', seller: 'SELLER', otherSeller: 'SELLER', admin: 'ADMIN' }[who];
      if (!ROUTE_OF[action].gatewayRoles.includes(role)) return 403;
      if (who === 'otherCustomer' || who === 'otherSeller') return 404;
      const orderRole = who === 'owner' ? 'CUSTOMER' : who === 'seller' ? 'SELLER' : 'ADMIN';
      const t = ORDER_TRANSITIONS[action];
      if (!(t.by as readonly string[]).includes(orderRole)) return 403;
      if (action === 'pay' && ['PAID', 'SHIPPED', 'DELIVERED'].includes(status)) return 200; // already paid: the same answer, no second charge
      return t.from.includes(status) ? 200 : 409;
    }

    it('allows exactly what ORDER_TRANSITIONS allows, to exactly the roles it names', async () => {
      const shop = get();
      const failures: string[] = [];
      let checked = 0;
      for (const status of ORDER_STATUSES) {
        for (const action of Object.keys(ROUTE_OF) as Array<keyof typeof ROUTE_OF>) {
          for (const who of WHO) {
            await putInStatus(status);
            const route = ROUTE_OF[action];
            const res = await shop.http<OrderView & { code?: string }>('POST', `/orders/${orderId}/${route.path}`, { token: accounts[who].token, body: route.body ?? {} });
            const want = expected(action, status, who);
            const [after] = await shop.sql<{ status: OrderStatus }>('order', 'SELECT status FROM orders WHERE id = ?', [orderId]);
            checked++;
            if (res.status !== want) failures.push(`${action} from ${status} by ${who}: ${res.status} ${res.body?.code ?? ''}, expected ${want}`);
            else if (want === 200 && !(action === 'pay' && status !== 'CONFIRMED') && after!.status !== ORDER_TRANSITIONS[action].to) failures.push(`${action} from ${status} by ${who}: status ${after!.status}`);
            else if (want !== 200 && after!.status !== status) failures.push(`${action} from ${status} by ${who} was refused but moved the order to ${after!.status}`);
            if (want === 409 && res.body.code !== 'ORDER.TRANSITION_FORBIDDEN') failures.push(`${action} from ${status} by ${who}: code ${res.body.code}`);
          }
        }
      }
      expect(failures).toEqual([]);
      expect(checked).toBe(ORDER_STATUSES.length * 4 * WHO.length);
    }, 300_000);

    it('is the documented lifecycle: no one but the saga confirms or rejects, no one pays for someone else', () => {
      // Written out here on purpose: a change to the table has to change this test too.
      expect(ORDER_TRANSITIONS).toEqual({
        confirm: { from: ['PENDING'], to: 'CONFIRMED', by: ['SYSTEM'] },
        reject: { from: ['PENDING'], to: 'REJECTED', by: ['SYSTEM'] },
        pay: { from: ['CONFIRMED'], to: 'PAID', by: ['CUSTOMER'] },
        cancel: { from: ['PENDING', 'CONFIRMED', 'PAID'], to: 'CANCELLED', by: ['CUSTOMER', 'ADMIN', 'SYSTEM'] },
        ship: { from: ['PAID'], to: 'SHIPPED', by: ['SELLER', 'ADMIN'] },
        deliver: { from: ['SHIPPED'], to: 'DELIVERED', by: ['SELLER', 'ADMIN'] },
      });
    });

    it('hides another customer’s or seller’s order: 404, as for an order that does not exist', async () => {
      const shop = get();
      await putInStatus('CONFIRMED');
      for (const who of ['otherCustomer', 'otherSeller'] as const) {
        for (const path of [`/orders/${orderId}`, `/orders/${orderId}/history`]) {
          expect(await shop.http('GET', path, { token: accounts[who].token })).toMatchObject({ status: 404, body: { code: 'ORDER.NOT_FOUND' } });
        }
        const list = await shop.http<Page<OrderSummary>>('GET', '/orders?pageSize=100', { token: accounts[who].token });
        expect(list.body.items.map((o) => o.id)).not.toContain(orderId);
      }
      expect(await shop.http('GET', `/orders/${randomUUID()}`, { token: accounts.owner.token })).toMatchObject({ status: 404, body: { code: 'ORDER.NOT_FOUND' } });
      expect(await shop.http('GET', '/orders/not-a-uuid', { token: accounts.owner.token })).toMatchObject({ status: 400 });
      expect(await shop.http('GET', `/orders/${orderId}`)).toMatchObject({ status: 401 });
      for (const who of ['owner', 'seller', 'admin'] as const) expect((await shop.http('GET', `/orders/${orderId}`, { token: accounts[who].token })).status).toBe(200);
    });
  });
}

export interface OversellResult {
  /** Checkouts the client had to send again with the same key (timeouts under the burst). */
  retries: number;
  confirmed: number;
  rejected: number;
  ordersPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

/**
 * `customers` customers each check out one unit of a product with `stock`
 * units, all at once: exactly `stock` orders are confirmed, the rest
 * rejected; available stock is never negative, at any moment or in any
 * recorded movement.
 */
export function oversellSuite(get: () => OrderShop, customers: number, stock: number, report?: (r: OversellResult) => void): void {
  describe(`no oversell: ${customers} concurrent checkouts of one unit against ${stock} units`, () => {
    it(`confirms exactly ${stock} orders and rejects ${customers - stock}; the stock equation holds throughout`, async () => {
      const shop = get();
      const seller = await shop.account(['SELLER']);
      const product = await createProduct(shop.http, seller, stock, 990, 'Limited edition');
      const buyers = await pool(Array.from({ length: customers }), 8, () => shop.account(['CUSTOMER']));
      await pool(buyers, 16, (c) => addToCart(shop.http, c, product.id, 1));

      let lowest = Infinity;
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          const s = await shop.stock(product.id);
          lowest = Math.min(lowest, s.available, s.onHand - s.reserved);
          await new Promise((r) => setTimeout(r, 25));
        }
      })();
      const started = Date.now();
      const answered = await Promise.all(buyers.map((c) => checkoutUntilAnswered(shop.http, c)));
      const placed = answered.map((a) => a.reply);
      const failed = placed.filter((r) => r.status !== 201);
      expect(failed.map((r) => `${r.status} ${JSON.stringify(r.body)}`).slice(0, 3).join("\n") + ` (${failed.length} failed)`).toBe(" (0 failed)");
      const ids = placed.map((r) => r.body.id);
      const final = await eventually(
        async () => {
          const rows = await shop.sql<{ status: string; n: number }>('order', `SELECT status, COUNT(*) AS n FROM orders WHERE id IN (${ids.map(() => '?').join(',')}) GROUP BY status`, ids);
          const by = Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
          return by['PENDING'] ? undefined : by;
        },
        { timeoutMs: 180_000, intervalMs: 250, what: 'every order confirmed or rejected' },
      );
      sampling = false;
      await sampler;
      expect(final).toEqual({ CONFIRMED: stock, REJECTED: customers - stock });
      // Refused by the reservation's own check, at once; not after the saga gave up waiting.
      const reasons = await shop.sql<{ reason: string }>('order', `SELECT DISTINCT reason FROM orders WHERE status = 'REJECTED' AND id IN (${ids.map(() => '?').join(',')})`, ids);
      expect([...new Set(reasons.map((r) => r.reason.replace(/:.*/, '')))]).toEqual(['not enough stock']);
      const s = await shop.stock(product.id);
      expect(s).toMatchObject({ onHand: stock, reserved: stock, available: 0 });
      expect(lowest).toBeGreaterThanOrEqual(0);
      const [bad] = await shop.sql<{ n: number }>('product', 'SELECT COUNT(*) AS n FROM stock_movements WHERE product_id = ? AND reserved_after > on_hand_after', [product.id]);
      expect(Number(bad!.n)).toBe(0);
      const [reserved] = await shop.sql<{ n: number }>('product', "SELECT COALESCE(SUM(quantity), 0) AS n FROM reservations WHERE product_id = ? AND status = 'RESERVED'", [product.id]);
      expect(Number(reserved!.n)).toBe(stock);

      // Server-side times from each order's creation to its confirmation.
      const rows = await shop.sql<{ created_at: string | Date; at: string | Date }>(
        'order',
        `SELECT o.created_at, h.at FROM orders o JOIN order_history h ON h.order_id = o.id AND h.to_status = 'CONFIRMED' WHERE o.id IN (${ids.map(() => '?').join(',')})`,
        ids,
      );
      const ms = (v: string | Date) => (v instanceof Date ? v.getTime() : Date.parse(`${v.replace(' ', 'T')}Z`));
      const latencies = rows.map((r) => ms(r.at) - ms(r.created_at)).sort((a, b) => a - b);
      const lastConfirmed = Math.max(...rows.map((r) => ms(r.at)));
      const result = { retries: answered.reduce((n, a) => n + a.attempts - 1, 0), confirmed: stock, rejected: customers - stock, ordersPerSecond: (stock * 1000) / (lastConfirmed - started), p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99) };
      report?.(result);
    }, 600_000);
  });
}

/**
 * Payments that fail: with a short payment window (the shop must run with
 * ORDER_PAYMENT_WINDOW_MS of a few seconds), every order whose payment was
 * declined or timed out ends CANCELLED and its stock is back; paid orders
 * stay PAID with their units sold; a customer's cancellation of a paid order
 * refunds it and puts its units back on hand.
 */
export function compensationSuite(get: () => OrderShop, windowMs: number): void {
  describe('compensation: declined and timed-out payments, cancellations', () => {
    it('cancels every order whose payment failed once its window closes, and gives its stock back', async () => {
      const shop = get();
      const seller = await shop.account(['SELLER']);
      const product = await createProduct(shop.http, seller, 40, 500);
      const outcomes = ['tok_visa', 'tok_chargeDeclined', 'tok_timeout', 'tok_chargeDeclined', 'tok_visa', 'tok_timeout', 'tok_chargeDeclined', 'tok_timeout', 'tok_visa', 'tok_chargeDeclined'];
      const buyers = await pool(outcomes, 5, () => shop.account(['CUSTOMER']));
      const orders = await pool(buyers, 5, async (c, i) => {
        await addToCart(shop.http, c, product.id, 1 + (i % 2));
        const o = await checkout(shop.http, c);
        return settled(shop.http, c.token, o.body.id, ['CONFIRMED']);
      });
      const started = Date.now();
      const paid = await Promise.all(orders.map((o, i) => shop.http<{ code?: string; status: string }>('POST', `/orders/${o.id}/payment`, { token: buyers[i]!.token, body: { paymentToken: outcomes[i] } })));
      expect(paid.map((r) => r.status)).toEqual(outcomes.map((t) => (t === 'tok_visa' ? 200 : t === 'tok_timeout' ? 504 : 402)));
      expect(paid.filter((r) => r.status !== 200).map((r) => r.body.code).sort()).toEqual(outcomes.filter((t) => t !== 'tok_visa').map((t) => (t === 'tok_timeout' ? 'PAYMENT.TIMEOUT' : 'PAYMENT.DECLINED')).sort());

      const finals = await Promise.all(orders.map((o, i) => settled(shop.http, buyers[i]!.token, o.id, outcomes[i] === 'tok_visa' ? ['PAID'] : ['CANCELLED'], windowMs + 30_000)));
      const bound = Date.now() - started;
      expect(bound).toBeLessThan(windowMs + 30_000);
      for (const [i, o] of finals.entries()) {
        if (outcomes[i] === 'tok_visa') continue;
        expect(o.reason).toBe('the payment window closed');
        expect(o.payments.map((p) => p.outcome)).toEqual([outcomes[i] === 'tok_timeout' ? 'TIMEOUT' : 'DECLINED']);
        expect(o.history.at(-1)).toMatchObject({ from: 'CONFIRMED', to: 'CANCELLED', actor: 'service:order' });
      }
      const sold = orders.reduce((n, o, i) => n + (outcomes[i] === 'tok_visa' ? o.lines[0]!.quantity : 0), 0);
      const back = await eventually(async () => {
        const s = await shop.stock(product.id);
        return s.reserved === 0 && s.onHand === 40 - sold ? s : undefined;
      }, { timeoutMs: 30_000, what: 'the stock of cancelled orders released and paid ones committed' });
      expect(back).toMatchObject({ onHand: 40 - sold, reserved: 0, available: 40 - sold });
      const [left] = await shop.sql<{ n: number }>('product', "SELECT COUNT(*) AS n FROM reservations WHERE product_id = ? AND status = 'RESERVED'", [product.id]);
      expect(Number(left!.n)).toBe(0);
    }, 180_000);

    it('refunds and restocks a paid order its customer cancels before it ships; a shipped one cannot be cancelled', async () => {
      const shop = get();
      const seller = await shop.account(['SELLER']);
      const product = await createProduct(shop.http, seller, 10, 800);
      const customer = await shop.account(['CUSTOMER']);
      const place = async (qty: number) => {
        await addToCart(shop.http, customer, product.id, qty);
        const o = await checkout(shop.http, customer);
        await settled(shop.http, customer.token, o.body.id, ['CONFIRMED']);
        expect((await shop.http('POST', `/orders/${o.body.id}/payment`, { token: customer.token, body: { paymentToken: 'tok_mastercard' } })).status).toBe(200);
        return o.body.id;
      };
      const first = await place(3);
      await eventually(async () => ((await shop.stock(product.id)).onHand === 7 ? true : undefined), { timeoutMs: 30_000, what: 'the sale committed' });
      const cancelled = await shop.http<OrderView>('POST', `/orders/${first}/cancel`, { token: customer.token, body: { reason: 'changed my mind' } });
      expect(cancelled.status).toBe(200);
      expect(cancelled.body).toMatchObject({ status: 'CANCELLED', reason: 'changed my mind' });
      expect(cancelled.body.payments.map((p) => p.outcome)).toEqual(['SUCCEEDED', 'REFUNDED']);
      await eventually(async () => ((await shop.stock(product.id)).onHand === 10 ? true : undefined), { timeoutMs: 30_000, what: 'the units back on hand' });

      const second = await place(1);
      expect((await shop.http('POST', `/orders/${second}/ship`, { token: seller.token, body: { carrier: 'DPD', trackingNumber: '0150-2222-33' } })).status).toBe(200);
      expect(await shop.http('POST', `/orders/${second}/cancel`, { token: customer.token, body: {} })).toMatchObject({ status: 409, body: { code: 'ORDER.TRANSITION_FORBIDDEN' } });
    }, 120_000);
  });
}

