/** Load generation: autocannon (as a library) for single requests, a small driver for multi-step flows. */
import { createRequire } from 'node:module';

export interface Req {
  method: 'GET' | 'POST' | 'DELETE' | 'PATCH';
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

/** What one measured run gives, whatever drove it. */
export interface RunResult {
  mode: 'warm-up' | 'max' | 'rate';
  /** Connections (autocannon) or workers (flows); for rate runs, the most in flight allowed. */
  concurrency: number;
  /** Requested rate for rate runs (per second). */
  targetRate?: number;
  durationS: number;
  /** Completed requests (or flows) per second, errors included. */
  perSecond: number;
  completed: number;
  errors: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  statusCodes: Record<string, number>;
}

interface CannonResult {
  requests: { total: number; average: number };
  latency: { p50: number; p90: number; p99: number; max: number; average: number };
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  statusCodeStats?: Record<string, { count: number }>;
}
interface CannonRequest {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string;
  setupRequest?: (req: CannonRequest, context: Record<string, unknown>) => CannonRequest;
}
interface CannonOptions {
  url: string;
  connections: number;
  duration: number;
  overallRate?: number;
  timeout?: number;
  requests: CannonRequest[];
}
const autocannon = createRequire(import.meta.url)('autocannon') as (opts: CannonOptions) => Promise<CannonResult>;

/**
 * Runs autocannon against `url`; each connection plays `steps` in turn, every step choosing its
 * request (the context object lives for one pass over the steps, e.g. one storefront visit). Without a rate it is a
 * fixed-concurrency (closed-loop) run; with one, autocannon paces the requests and corrects the
 * latencies for coordinated omission.
 */
export async function cannon(opts: { url: string; connections: number; seconds: number; rate?: number; steps: Array<(context: Record<string, unknown>) => Req>; mode: RunResult['mode'] }): Promise<RunResult> {
  const r = await autocannon({
    url: opts.url,
    connections: opts.connections,
    duration: opts.seconds,
    timeout: 10,
    ...(opts.rate ? { overallRate: Math.max(1, Math.round(opts.rate)) } : {}),
    requests: opts.steps.map((step) => ({ setupRequest: (req: CannonRequest, context: Record<string, unknown>) => ({ ...req, ...step(context) }) })),
  });
  const statusCodes: Record<string, number> = {};
  for (const [code, s] of Object.entries(r.statusCodeStats ?? {})) statusCodes[code] = s.count;
  return {
    mode: opts.mode,
    concurrency: opts.connections,
    ...(opts.rate ? { targetRate: opts.rate } : {}),
    durationS: r.duration,
    perSecond: r.requests.total / r.duration,
    completed: r.requests.total,
    errors: r.errors + r.timeouts + r.non2xx,
    latencyMs: { p50: r.latency.p50, p90: r.latency.p90, p99: r.latency.p99, max: r.latency.max, mean: r.latency.average },
    statusCodes,
  };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** One multi-step flow (e.g. add to cart, order, wait until confirmed): resolves to its latency in ms, rejects on failure. */
export type Flow = () => Promise<number>;

function summarize(mode: RunResult['mode'], concurrency: number, samples: number[], errors: Map<string, number>, elapsedMs: number, targetRate?: number): RunResult {
  const sorted = [...samples].sort((a, b) => a - b);
  const statusCodes: Record<string, number> = { ok: samples.length };
  for (const [k, v] of errors) statusCodes[k] = v;
  const failed = [...errors.values()].reduce((a, b) => a + b, 0);
  return {
    mode,
    concurrency,
    ...(targetRate ? { targetRate } : {}),
    durationS: elapsedMs / 1000,
    perSecond: (samples.length / elapsedMs) * 1000,
    completed: samples.length + failed,
    errors: failed,
    latencyMs: {
      p50: percentile(sorted, 50),
      p90: percentile(sorted, 90),
      p99: percentile(sorted, 99),
      max: sorted.at(-1) ?? Number.NaN,
      mean: sorted.reduce((a, b) => a + b, 0) / (sorted.length || 1),
    },
    statusCodes,
  };
}

function countError(errors: Map<string, number>, err: unknown): void {
  const key = err instanceof Error ? err.message.slice(0, 80) : String(err).slice(0, 80);
  errors.set(key, (errors.get(key) ?? 0) + 1);
}

/** Closed loop: `workers` run the flow back to back for `seconds`; perSecond counts successful flows. */
export async function closedLoop(flow: Flow, workers: number, seconds: number, mode: RunResult['mode']): Promise<RunResult> {
  const samples: number[] = [];
  const errors = new Map<string, number>();
  const started = performance.now();
  const until = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (performance.now() < until) {
        try {
          samples.push(await flow());
        } catch (err) {
          countError(errors, err);
        }
      }
    }),
  );
  return summarize(mode, workers, samples, errors, performance.now() - started);
}

/**
 * Open loop: starts a flow every 1/rate s for `seconds`, whether or not earlier ones finished
 * (at most `maxInFlight`; a start that finds them all busy counts as an error, "overloaded"),
 * then waits for the ones in flight. perSecond counts successful flows over the start window.
 */
export async function openLoop(flow: Flow, rate: number, seconds: number, maxInFlight: number): Promise<RunResult> {
  const samples: number[] = [];
  const errors = new Map<string, number>();
  const running = new Set<Promise<void>>();
  const interval = 1000 / rate;
  const started = performance.now();
  const total = Math.max(1, Math.round(rate * seconds));
  for (let i = 0; i < total; i++) {
    const due = started + i * interval;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    if (running.size >= maxInFlight) {
      countError(errors, new Error('overloaded: too many flows in flight'));
      continue;
    }
    const p: Promise<void> = flow().then(
      (ms) => void samples.push(ms),
      (err: unknown) => countError(errors, err),
    );
    running.add(p);
    void p.finally(() => running.delete(p));
  }
  const window = performance.now() - started;
  await Promise.all(running);
  return summarize('rate', maxInFlight, samples, errors, Math.max(window, seconds * 1000), rate);
}
