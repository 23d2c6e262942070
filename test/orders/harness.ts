import { resolve } from 'node:path';
import type { Role, StockView, TokenPair, UserView } from '@shop/contracts';
import { RmqRpcChannel, RpcClient, messagingOptionsFromEnv } from '@shop/messaging';
import { type SpawnedProcess, createDatabases, dropDatabases, queryDatabase, spawnNode, uniqueName, waitForHttp, freePortBlock } from '@shop/testing';
import { DataSource } from 'typeorm';
import { type Account, type Reply, type RequestOptions, gatewayClient, startShop } from '../catalog/shop.js';

/**
 * The platform as the order tests see it, in either mode: HTTP through the
 * gateway, accounts, the stock of a product, and SQL on a service's own
 * database (to read what the API does not show, or to put an order in a
 * given state). The cluster harness also kills and restarts apps.
 */
export interface OrderShop {
  mode: 'all-in-one' | 'cluster';
  admin: Account;
  http<T = any>(method: string, path: string, opts?: RequestOptions): Promise<Reply<T>>;
  account(roles: Role[]): Promise<Account>;
  stock(productId: string): Promise<StockView>;
  sql<T = Record<string, unknown>>(service: 'order' | 'product' | 'cart' | 'notification', query: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

export interface ClusterShop extends OrderShop {
  kill(app: ClusterApp): Promise<void>;
  restart(app: ClusterApp): Promise<void>;
  output(app: ClusterApp): string;
}

export const ADMIN = { email: 'orders.admin@shop.test', password: 'amber-orchard-lighthouse-19' };
const HIGH_LIMITS = { RATE_LIMIT_PER_USER: '1000000', RATE_LIMIT_AUTH_PER_IP: '1000000', RATE_LIMIT_LOGIN_PER_ACCOUNT: '1000000' };

export async function allInOneShop(env: Record<string, string> = {}): Promise<OrderShop> {
  const shop = await startShop({ ...HIGH_LIMITS, ...env });
  const rpc = shop.service('gateway').app.get(RpcClient);
  return {
    mode: 'all-in-one',
    admin: shop.admin,
    http: shop.http,
    account: shop.account,
    stock: (productId) => rpc.send('product.stock', { productId }, { token: shop.admin.token }),
    sql: (service, query, params = []) => shop.service(service).app.get(DataSource).query(query, params),
    close: shop.close,
  };
}

export const CLUSTER_APPS = ['user', 'product', 'cart', 'order', 'notification', 'gateway'] as const;
export type ClusterApp = (typeof CLUSTER_APPS)[number];

let accounts = 0;

/** Every app its own process from dist/ on MariaDB, RabbitMQ and Kafka, in a namespace of its own. */
export async function clusterShop(env: Record<string, string> = {}): Promise<ClusterShop> {
  const root = resolve(import.meta.dirname, '../..');
  const namespace = uniqueName('ord').replace(/-/g, '');
  const prefix = `${namespace}_`;
  const base = freePortBlock(10);
  const ports: Record<ClusterApp, number> = { gateway: base, user: base + 1, product: base + 2, cart: base + 3, order: base + 4, notification: base + 5 };
  const appEnv: Record<string, string> = {
    SHOP_NAMESPACE: namespace,
    DB_NAME_PREFIX: prefix,
    SEED_DEMO_PRODUCTS: '0',
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    KAFKA_BROKERS: process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092',
    LOG_LEVEL: 'warn',
    ...HIGH_LIMITS,
    ...env,
  };
  const databases = ['user', 'product', 'cart', 'order', 'notification'].map((s) => `${prefix}${s}`);
  await createDatabases(databases);
  const processes = new Map<ClusterApp, SpawnedProcess>();
  const start = (app: ClusterApp) => processes.set(app, spawnNode(resolve(root, `dist/apps/${app}/src/main.js`), { ...appEnv, HTTP_PORT: String(ports[app]) }));
  const ready = (app: ClusterApp) =>
    waitForHttp(`http://127.0.0.1:${ports[app]}/health/ready`, { timeoutMs: 180_000 }).catch((err: unknown) => {
      throw new Error(`${app} did not get ready: ${err instanceof Error ? err.message : String(err)}\n${processes.get(app)?.output().slice(-4000)}`);
    });
  for (const app of CLUSTER_APPS) start(app);
  const options = messagingOptionsFromEnv('gateway', { ...process.env, ...appEnv, SHOP_TRANSPORT: 'broker' });
  const rpc = new RpcClient(options, (queue) => new RmqRpcChannel(options, queue));
  const gateway = `http://127.0.0.1:${ports.gateway}`;

  const close = async () => {
    await rpc.onApplicationShutdown();
    await Promise.all([...processes.values()].map((p) => p.stop('SIGTERM', 5_000)));
    await dropDatabases(databases);
  };
  const http = gatewayClient(gateway, 60_000);
  const login = async (email: string, password: string) => {
    const res = await http<TokenPair>('POST', '/auth/login', { body: { email, password } });
    if (res.status !== 200) throw new Error(`login of ${email} answered ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body.accessToken;
  };

  let admin: Account;
  try {
    await Promise.all(CLUSTER_APPS.map(ready));
    const token = await login(ADMIN.email, ADMIN.password);
    admin = { id: (await http<UserView>('GET', '/users/me', { token })).body.id, token, roles: ['ADMIN'] };
  } catch (err) {
    await close().catch(() => undefined);
    throw err;
  }

  return {
    mode: 'cluster',
    admin,
    http,
    async account(roles) {
      const n = ++accounts;
      const email = `c${n}.${Date.now().toString(36)}@orders.test`;
      const password = `copper-violet-window-${n}${n}`;
      const reg = await http<UserView>('POST', '/auth/register', { body: { email, password, displayName: `Customer ${n}` } });
      if (reg.status !== 201) throw new Error(`register answered ${reg.status}: ${JSON.stringify(reg.body)}`);
      if (!(roles.length === 1 && roles[0] === 'CUSTOMER')) {
        const set = await http('PUT', `/admin/users/${reg.body.id}/roles`, { token: admin.token, body: { roles } });
        if (set.status !== 200) throw new Error(`setting roles answered ${set.status}: ${JSON.stringify(set.body)}`);
      }
      return { id: reg.body.id, token: await login(email, password), roles };
    },
    stock: (productId) => rpc.send('product.stock', { productId }, { token: admin.token }),
    sql: (service, query, params = []) => queryDatabase(`${prefix}${service}`, query, params),
    async kill(app) {
      await processes.get(app)?.stop('SIGKILL');
    },
    async restart(app) {
      start(app);
      await ready(app);
    },
    output: (app) => processes.get(app)?.output() ?? '',
    close,
  };
}
