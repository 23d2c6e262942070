/** The bench's results: the JSON shape, the Markdown report and the latency-against-throughput chart. */
import type { RunResult } from './load.js';

export interface ScenarioResult {
  name: string;
  title: string;
  available: boolean;
  note?: string;
  unit: string;
  warmUp?: RunResult;
  /** The fixed-concurrency run: the maximum. */
  max?: RunResult;
  /** The fixed-rate run at 50% of the maximum: the latency the targets read. */
  half?: RunResult;
  rates?: RunResult[];
  /** CPU ms per request (per order for checkout) of each process, during the max run and the 50% run. */
  cpuMsPerRequest?: Record<string, number>;
  cpuMsPerRequestHalf?: Record<string, number>;
  eventLoopP99Ms?: Record<string, number>;
  eventLoopP99MsHalf?: Record<string, number>;
  rssStartMb?: Record<string, number>;
  rssEndMb?: Record<string, number>;
  /** The machine's 1-minute load average when the scenario started and ended (other work on a shared machine shows here). */
  loadAverage?: [number, number];
}

export interface BenchReport {
  mode: 'quick' | 'full';
  startedAt: string;
  durationS: number;
  commit: string;
  machine: { cpus: number; cpuModel: string; node: string; loadAverageAtStart: number };
  target: string;
  parameters: Record<string, unknown>;
  baselines: {
    bareMaxPerSecond: number;
    argon2: { sequentialMs: number; perSecond: number; inFlight: number };
    handlers: Array<{ what: string; perSecond: number; p50Ms: number; p99Ms: number }>;
  };
  memory: { bootRssMb?: Record<string, number>; idleRssMb: Record<string, number>; idleAnonMb?: Record<string, number>; endRssMb: Record<string, number>; allInOneIdleMb: number; idleAfterS?: number };
  /** CPU ms per second of each watched process at rest, over the last `overS` seconds of the idle wait. */
  idleCpu?: { overS: number; msPerS: Record<string, number> };
  scenarios: ScenarioResult[];
  problems: string[];
}

export interface TargetCheck {
  what: string;
  measured: string;
  target: string;
  verdict: 'met' | 'MISSED' | 'not available';
}

/** The sum of `cpu`'s figures but the one under `except` (a part of another, or not the platform's). */
const sumExcept = (cpu: Record<string, number>, except: string) => Object.entries(cpu).reduce((sum, [k, v]) => (k === except ? sum : sum + v), 0);
const f = (n: number | undefined, digits = 1) => (n === undefined || Number.isNaN(n) ? 'n/a' : n.toFixed(digits));
const ms = (n: number | undefined) => (n === undefined || Number.isNaN(n) ? 'n/a' : n < 10 ? n.toFixed(2) : n.toFixed(0));

/** The login scenario's column for the user service's main thread alone (part of 'user'). */
export const USER_MAIN_THREAD = 'user main thread';
/** The bench process's own column. */
export const LOAD_GENERATOR = 'load generator';

export function targets(r: BenchReport): TargetCheck[] {
  const bare = r.baselines.bareMaxPerSecond;
  const s = (name: string) => r.scenarios.find((x) => x.name === name);
  const checks: TargetCheck[] = [];
  const ratio = (name: string, min: number, p99Max?: number) => {
    const x = s(name);
    if (!x?.available || !x.max) {
      checks.push({ what: name, measured: x?.note ?? 'not run', target: `>= ${min} of bare${p99Max ? `, p99 < ${p99Max} ms at half max` : ''}`, verdict: 'not available' });
      return;
    }
    const q = x.max.perSecond / bare;
    const p99 = x.half?.latencyMs.p99 ?? Number.NaN;
    const ok = q >= min && (p99Max === undefined || p99 < p99Max);
    checks.push({
      what: name,
      measured: `${f(x.max.perSecond)} ${x.unit} = ${q.toFixed(4)} of bare${p99Max ? `, p99 ${ms(p99)} ms at ${f(x.half?.targetRate)}/s` : ''}`,
      target: `>= ${min} of bare${p99Max ? `, p99 < ${p99Max} ms at half max` : ''}`,
      verdict: ok ? 'met' : 'MISSED',
    });
  };
  ratio('product-by-id', 0.1, 25);
  ratio('catalog-list', 0.06);
  ratio('add-to-cart', 0.04);
  ratio('checkout', 0.005, 1000);
  const login = s('login');
  if (login?.max) {
    const q = login.max.perSecond / r.baselines.argon2.perSecond;
    // Where a login's CPU goes: the user service's other threads (the argon2 pool, V8's helpers) against all the rest.
    const cpu = login.cpuMsPerRequest ?? {};
    const hashing = (cpu['user'] ?? Number.NaN) - (cpu[USER_MAIN_THREAD] ?? Number.NaN);
    const rest = sumExcept(cpu, USER_MAIN_THREAD) - hashing;
    const split = Number.isNaN(hashing) ? '' : `; CPU per login: ${ms(hashing)} ms in the user service's thread pool and helper threads, ${ms(rest)} ms in everything else`;
    // 0.8 of argon2 alone gives each login the machine's CPU divided by that rate; hashing takes its own share of it.
    const rate = 0.8 * r.baselines.argon2.perSecond;
    const budget = (r.machine.cpus * 1000) / rate;
    const hashAlone = budget * 0.8;
    const atRest = r.idleCpu ? sumExcept(r.idleCpu.msPerS, LOAD_GENERATOR) : Number.NaN;
    const hop = sumExcept(s('rpc-hop')?.cpuMsPerRequest ?? {}, USER_MAIN_THREAD);
    const floor = Number.isNaN(atRest) || !hop ? '' : `. At 0.8 a login may cost ${ms(budget)} ms of CPU in all: ${ms(hashAlone)} for argon2 (as alone), ${ms(budget - hashAlone)} for the rest, of which the platform at rest takes ${ms(atRest / rate)} (${f(atRest, 0)} ms/s) and the cheapest hop (rpc-hop) ${ms(hop)}`;
    checks.push({ what: 'login', measured: `${f(login.max.perSecond)} req/s = ${q.toFixed(2)} of argon2 verify alone (${f(r.baselines.argon2.perSecond)}/s)${split}${floor}`, target: '>= 0.8 of argon2 alone', verdict: q >= 0.8 ? 'met' : 'MISSED' });
  }
  const idle = Object.entries(r.memory.idleRssMb);
  const worst = idle.reduce((a, b) => (b[1] > a[1] ? b : a), ['', 0] as [string, number]);
  checks.push({ what: 'memory: every app idle', measured: `largest ${worst[0]} ${f(worst[1], 0)} MB RSS`, target: '< 120 MB RSS', verdict: idle.every(([, v]) => v < 120) ? 'met' : 'MISSED' });
  checks.push({ what: 'memory: all-in-one idle', measured: `${f(r.memory.allInOneIdleMb, 0)} MB RSS`, target: '< 350 MB RSS', verdict: r.memory.allInOneIdleMb < 350 ? 'met' : Number.isNaN(r.memory.allInOneIdleMb) ? 'not available' : 'MISSED' });
  return checks;
}

function table(head: string[], rows: string[][]): string {
  return [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

export function renderMarkdown(r: BenchReport, svgFile: string): string {
  const bare = r.baselines.bareMaxPerSecond;
  const out: string[] = [];
  out.push(`# Bench report (${r.mode})`, '');
  out.push(`${r.startedAt}, commit ${r.commit}, ${r.machine.cpus} CPU(s) ${r.machine.cpuModel}, Node ${r.machine.node}; ${r.durationS.toFixed(0)} s in all. Load average (1 min) at start: ${f(r.machine.loadAverageAtStart)}; per scenario in the last column of the summary (the machine is shared: read the figures with it).`);
  out.push(`Target: ${r.target}. Catalog ${String(r.parameters['productsInCatalog'])} products, ${String(r.parameters['customers'])} customers (tokens obtained before measuring), ${String(r.parameters['pool'])} products with a large stock for carts and orders.`);
  out.push(`Each scenario: a ${String(r.parameters['warmS'])} s warm-up, a ${String(r.parameters['maxS'])} s fixed-concurrency run (the maximum), then ${String(r.parameters['rateS'])} s fixed-rate runs at ${(r.parameters['fractions'] as number[]).map((x) => `${x * 100}%`).join(', ')} of it (autocannon paces them and corrects for coordinated omission; checkout's are open-loop).`, '');
  out.push('## Summary', '');
  out.push(
    table(
      ['scenario', 'max', 'ratio to bare', 'conc.', 'rate run (50%)', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'errors (all runs)', 'load avg'],
      r.scenarios.map((s) => {
        if (!s.available || !s.max || !s.half) return [s.name, `**${s.note ?? 'not available'}**`, '', '', '', '', '', '', '', '', ''];
        const errors = [s.warmUp, s.max, ...(s.rates ?? [])].reduce((n, x) => n + (x?.errors ?? 0), 0);
        return [s.name, `${f(s.max.perSecond)} ${s.unit}`, (s.max.perSecond / bare).toFixed(s.name === 'checkout' ? 4 : 3), String(s.max.concurrency), `${f(s.half.perSecond)} of ${f(s.half.targetRate)}/s`, ms(s.half.latencyMs.p50), ms(s.half.latencyMs.p90), ms(s.half.latencyMs.p99), ms(s.half.latencyMs.max), String(errors), s.loadAverage ? `${f(s.loadAverage[0])} -> ${f(s.loadAverage[1])}` : ''];
      }),
    ),
  );
  out.push('', 'Latency columns are from the fixed-rate run at 50% of the maximum. Checkout: orders/s reaching CONFIRMED; latency from the POST until the order is seen CONFIRMED (polled, the error is at most the last poll delay, <= 10% + 10 ms).', '');
  out.push('## Targets', '');
  out.push(table(['what', 'measured', 'target', 'verdict'], targets(r).map((t) => [t.what, t.measured, t.target, t.verdict === 'met' ? 'met' : `**${t.verdict}**`])));
  out.push('', '## Baselines (same run)', '');
  const bareS = r.scenarios.find((s) => s.name === 'bare');
  out.push(`- Bare NestJS-on-Fastify route (own process, ${bareS?.max?.concurrency} connections): **${f(bare, 0)} req/s**, p99 ${ms(bareS?.half?.latencyMs.p99)} ms at half of it. Every ratio above divides by this.`);
  out.push(`- argon2id verify alone (@node-rs/argon2, m=19456 t=2 p=1): ${f(r.baselines.argon2.sequentialMs)} ms sequential, **${f(r.baselines.argon2.perSecond)} verifies/s** with ${r.baselines.argon2.inFlight} in flight.`);
  for (const h of r.baselines.handlers) out.push(`- ${h.what}: ${f(h.perSecond, 0)}/s sequential, p50 ${ms(h.p50Ms)} ms, p99 ${ms(h.p99Ms)} ms.`);
  if (r.baselines.handlers.length === 0) out.push('- Product service handlers alone: not measured (needs the spawned cluster, not --url).');
  const procs = [...new Set(r.scenarios.flatMap((s) => Object.keys(s.cpuMsPerRequest ?? {})))];
  out.push('', '## CPU ms per request, per process (max run)', '');
  out.push(table(['scenario', ...procs], r.scenarios.filter((s) => s.cpuMsPerRequest).map((s) => [s.name, ...procs.map((p) => ms(s.cpuMsPerRequest![p]))])));
  out.push('', `From /proc/<pid>/stat (utime+stime) before and after the run, divided by the requests completed (orders for checkout, which include the add to cart and the polls). MariaDB, RabbitMQ and Kafka are shared with whatever else runs on the machine. '${USER_MAIN_THREAD}' is part of 'user' (/proc/<pid>/task/<pid>/stat): the rest of the user service's CPU is its thread pool (argon2) and V8's helper threads.`, '');
  const apps = Object.keys(r.memory.idleRssMb);
  out.push('## Event-loop delay p99 per app, ms (max run / 50% run)', '');
  out.push(table(['scenario', ...apps], r.scenarios.filter((s) => s.eventLoopP99Ms).map((s) => [s.name, ...apps.map((a) => `${ms(s.eventLoopP99Ms![a])} / ${ms(s.eventLoopP99MsHalf?.[a])}`)])));
  out.push('', "prom-client's nodejs_eventloop_lag_p99_seconds, read from each app's /metrics before (which resets it) and after each run.", '');
  out.push('## Resident memory, MB', '');
  const boot = r.memory.bootRssMb;
  out.push(
    table(
      ['app', ...(boot ? ['started (before seeding)'] : []), `idle (${r.memory.idleAfterS ?? 3} s after seeding)`, ...r.scenarios.filter((s) => s.rssEndMb).map((s) => `after ${s.name}`), 'end'],
      apps.map((a) => [a, ...(boot ? [f(boot[a], 0)] : []), f(r.memory.idleRssMb[a], 0), ...r.scenarios.filter((s) => s.rssEndMb).map((s) => f(s.rssEndMb![a], 0)), f(r.memory.endRssMb[a], 0)]),
    ),
  );
  if (r.idleCpu) {
    const cpu = r.idleCpu.msPerS;
    out.push('', `CPU at rest (the last ${r.idleCpu.overS} s of that wait), ms per second: ${Object.entries(cpu).map(([k, v]) => `${k} ${f(v)}`).join(', ')}; ${f(sumExcept(cpu, LOAD_GENERATOR), 0)} in all but the load generator.`);
  }
  if (r.memory.idleAnonMb) {
    const anon = r.memory.idleAnonMb;
    out.push('', `Idle, of which private (anonymous: V8 heap, malloc): ${apps.map((a) => `${a} ${f(anon[a], 0)}`).join(', ')} MB. The rest is mapped files (the node binary, native modules), shared by every Node process on the machine.`);
  }
  out.push('', `All-in-one (\`node dist/apps/all-in-one/src/main.js\`, SQLite in a temp folder, its default demo data), idle: **${f(r.memory.allInOneIdleMb, 0)} MB**.`, '');
  out.push('## Every run', '');
  const rows: string[][] = [];
  for (const s of r.scenarios) {
    for (const x of [s.warmUp, s.max, ...(s.rates ?? [])]) {
      if (!x) continue;
      rows.push([s.name, x.mode, String(x.concurrency), x.targetRate ? f(x.targetRate) : '', f(x.perSecond), ms(x.latencyMs.p50), ms(x.latencyMs.p90), ms(x.latencyMs.p99), ms(x.latencyMs.max), String(x.errors), Object.entries(x.statusCodes).map(([k, v]) => `${k}:${v}`).join(' ')]);
    }
  }
  out.push(table(['scenario', 'run', 'conc.', 'target/s', 'achieved/s', 'p50', 'p90', 'p99', 'max', 'errors', 'statuses'], rows));
  out.push('', `![latency against throughput](${svgFile})`, '');
  out.push('## Problems', '');
  out.push(r.problems.length ? r.problems.map((p) => `- ${p}`).join('\n') : 'None: no request errors, no app crashed.');
  return out.join('\n') + '\n';
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** One panel per scenario: p50 and p99 latency (ms) against achieved throughput, from every rate run and the max run. */
export function renderSvg(r: BenchReport): string {
  const shown = r.scenarios.filter((s) => s.available && s.max);
  const W = 320;
  const H = 230;
  const cols = 3;
  const pad = { l: 52, r: 14, t: 28, b: 36 };
  const rowsN = Math.ceil(shown.length / cols);
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W * cols}" height="${H * rowsN + 30}" font-family="sans-serif" font-size="11">`);
  parts.push(`<rect width="100%" height="100%" fill="white"/>`);
  parts.push(`<text x="8" y="18" font-size="13" font-weight="bold">Latency against throughput (${esc(r.mode)} run, ${esc(r.startedAt)}, ${esc(r.commit)}): p50 blue, p99 red</text>`);
  shown.forEach((s, i) => {
    const ox = (i % cols) * W;
    const oy = 30 + Math.floor(i / cols) * H;
    const pts = [...(s.rates ?? []), s.max!].filter((x) => x.perSecond > 0).sort((a, b) => a.perSecond - b.perSecond);
    const xMax = Math.max(...pts.map((p) => p.perSecond)) * 1.1 || 1;
    const yMax = Math.max(1, ...pts.map((p) => p.latencyMs.p99).filter((v) => Number.isFinite(v))) * 1.1;
    const px = (v: number) => ox + pad.l + (v / xMax) * (W - pad.l - pad.r);
    const py = (v: number) => oy + H - pad.b - (v / yMax) * (H - pad.t - pad.b);
    parts.push(`<g>`);
    parts.push(`<text x="${ox + pad.l}" y="${oy + 16}" font-weight="bold">${esc(s.name)}</text>`);
    parts.push(`<line x1="${px(0)}" y1="${py(0)}" x2="${px(xMax)}" y2="${py(0)}" stroke="#444"/><line x1="${px(0)}" y1="${py(0)}" x2="${px(0)}" y2="${py(yMax)}" stroke="#444"/>`);
    for (let k = 0; k <= 4; k++) {
      const xv = (xMax * k) / 4;
      const yv = (yMax * k) / 4;
      parts.push(`<text x="${px(xv)}" y="${py(0) + 13}" text-anchor="middle">${xv >= 100 ? xv.toFixed(0) : xv.toFixed(1)}</text>`);
      parts.push(`<text x="${px(0) - 4}" y="${py(yv) + 4}" text-anchor="end">${yv >= 10 ? yv.toFixed(0) : yv.toFixed(1)}</text>`);
      if (k > 0) parts.push(`<line x1="${px(0)}" y1="${py(yv)}" x2="${px(xMax)}" y2="${py(yv)}" stroke="#ddd"/>`);
    }
    parts.push(`<text x="${ox + W / 2}" y="${oy + H - 6}" text-anchor="middle">${esc(s.unit)}</text>`);
    parts.push(`<text x="${ox + 12}" y="${oy + H / 2}" transform="rotate(-90 ${ox + 12} ${oy + H / 2})" text-anchor="middle">ms</text>`);
    for (const [key, color] of [['p50', '#1f6fd1'], ['p99', '#d1341f']] as const) {
      const line = pts.map((p) => `${px(p.perSecond).toFixed(1)},${py(p.latencyMs[key]).toFixed(1)}`).join(' ');
      parts.push(`<polyline points="${line}" fill="none" stroke="${color}" stroke-width="1.5"/>`);
      for (const p of pts) parts.push(`<circle cx="${px(p.perSecond).toFixed(1)}" cy="${py(p.latencyMs[key]).toFixed(1)}" r="3" fill="${p.mode === 'max' ? 'white' : color}" stroke="${color}"><title>${p.mode}${p.targetRate ? ` @${p.targetRate.toFixed(1)}/s` : ''}: ${p.perSecond.toFixed(1)} ${esc(s.unit)}, ${key} ${p.latencyMs[key]} ms</title></circle>`);
    }
    parts.push(`</g>`);
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
