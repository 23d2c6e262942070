/** The bench's HTTP calls outside the measured runs: set-up, seeding, checks. */
import { setTimeout as sleep } from 'node:timers/promises';

export async function http(method: string, url: string, opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<{ status: number; json: any }> {
  const res = await fetch(url, {
    method,
    headers: { ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}), ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}), ...opts.headers },
    ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  let json: any = text;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON
  }
  return { status: res.status, json };
}

const failed = (method: string, url: string, r: { status: number; json: unknown }) => new Error(`${method} ${url}: ${r.status} ${JSON.stringify(r.json).slice(0, 300)}`);

export async function expectOk(method: string, url: string, opts: Parameters<typeof http>[2] = {}): Promise<any> {
  const r = await http(method, url, opts);
  if (r.status >= 300) throw failed(method, url, r);
  return r.json;
}

const TRANSIENT = new Set([502, 503, 504]);

/**
 * expectOk for the set-up while the cluster starts and seeds: an app with no live instance yet (503) or an RPC
 * that timed out behind the seed (504) is asked again until `withinMs`. After such an answer `alreadyDone` (e.g. 409
 * for a registration the timed-out attempt did store) counts as success.
 */
export async function expectOkStarting(method: string, url: string, opts: Parameters<typeof http>[2] = {}, alreadyDone?: number, withinMs = 120_000): Promise<any> {
  const deadline = Date.now() + withinMs;
  for (let retried = false; ; retried = true) {
    const r = await http(method, url, opts);
    if (r.status < 300 || (retried && r.status === alreadyDone)) return r.json;
    if (!TRANSIENT.has(r.status) || Date.now() > deadline) throw failed(method, url, r);
    await sleep(500);
  }
}
