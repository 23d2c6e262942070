import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Actor, Role, TokenPair, UserView } from '@shop/contracts';
import type { RunningService } from '@shop/platform';
import { type Platform, startPlatform } from '../../apps/all-in-one/src/platform.js';

/**
 * The all-in-one shop for the catalog tests: every service in this process
 * (in-process messaging, SQLite in a temporary folder), an admin from the
 * environment, limits out of the way, and a small HTTP client of the gateway.
 */

export const ADMIN = { email: 'catalog.admin@shop.test', password: 'amber-orchard-lighthouse-19' };
export const SERVICE_ACTOR: Actor = { kind: 'service', service: 'order' };

export interface Reply<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export interface RequestOptions {
  token?: string;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface Account {
  id: string;
  token: string;
  roles: Role[];
}

export interface Shop {
  platform: Platform;
  gatewayUrl: string;
  admin: Account;
  service(name: string): RunningService;
  /** Stops one service for good (platform.close() will not close it again). */
  stopService(name: string): Promise<void>;
  http<T = any>(method: string, path: string, opts?: RequestOptions): Promise<Reply<T>>;
  /** Registers a user and, for other roles than CUSTOMER, has the admin set them; returns a fresh token. */
  account(roles: Role[]): Promise<Account>;
  close(): Promise<void>;
}

let counter = 0;

/** A JSON client of the gateway's /api/v1: the status, the parsed body (or the text) and the headers. */
export function gatewayClient(gatewayUrl: string, timeoutMs = 15_000) {
  return async <T = any>(method: string, path: string, opts: RequestOptions = {}): Promise<Reply<T>> => {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.token) headers['authorization'] = `Bearer ${opts.token}`;
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${gatewayUrl}/api/v1${path}`, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body), signal: AbortSignal.timeout(timeoutMs) });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, body: body as T, headers: res.headers };
  };
}

export async function startShop(env: Record<string, string> = {}): Promise<Shop> {
  const dataDir = mkdtempSync(join(tmpdir(), 'shop-catalog-'));
  const platform = await startPlatform(
    {
      DB_SQLITE_DIR: dataDir,
      SEED_DEMO_PRODUCTS: '0',
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      RATE_LIMIT_PER_USER: '100000',
      RATE_LIMIT_AUTH_PER_IP: '100000',
      RATE_LIMIT_LOGIN_PER_ACCOUNT: '100000',
      ...env,
    },
    { freePorts: true, logger: false },
  ).catch((err: unknown) => {
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  });
  const gatewayUrl = platform.gatewayUrl;

  const http = gatewayClient(gatewayUrl);

  const login = async (email: string, password: string): Promise<string> => {
    const res = await http<TokenPair>('POST', '/auth/login', { body: { email, password } });
    if (res.status !== 200) throw new Error(`login of ${email} answered ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body.accessToken;
  };

  const close = async () => {
    await platform.close();
    rmSync(dataDir, { recursive: true, force: true });
  };
  let admin: Account;
  try {
    const adminToken = await login(ADMIN.email, ADMIN.password);
    const me = await http<UserView>('GET', '/users/me', { token: adminToken });
    admin = { id: me.body.id, token: adminToken, roles: ['ADMIN'] };
  } catch (err) {
    await close();
    throw err;
  }

  return {
    platform,
    gatewayUrl,
    admin,
    service: (name) => platform.services.find((s) => s.name === name)!,
    async stopService(name) {
      const i = platform.services.findIndex((s) => s.name === name);
      const [service] = platform.services.splice(i, 1);
      await service!.close();
    },
    http,
    async account(roles) {
      const n = ++counter;
      const email = `user${n}.${Date.now().toString(36)}@catalog.test`;
      const password = `copper-violet-window-${n}${n}`;
      const reg = await http<UserView>('POST', '/auth/register', { body: { email, password, displayName: `User ${n}` } });
      if (reg.status !== 201) throw new Error(`register answered ${reg.status}: ${JSON.stringify(reg.body)}`);
      if (!(roles.length === 1 && roles[0] === 'CUSTOMER')) {
        const set = await http('PUT', `/admin/users/${reg.body.id}/roles`, { token: admin.token, body: { roles } });
        if (set.status !== 200) throw new Error(`setting roles answered ${set.status}: ${JSON.stringify(set.body)}`);
      }
      return { id: reg.body.id, token: await login(email, password), roles };
    },
    close,
  };
}
