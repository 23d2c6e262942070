import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { randomBytes } from 'node:crypto';

export interface SpawnedProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Everything the process printed so far (stdout and stderr). */
  output(): string;
  /** Resolves when the output matches, rejects after the timeout with the output. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** Sends the signal and waits for the exit; SIGKILL after `graceMs`. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<number | null>;
  readonly exited: Promise<number | null>;
}

/**
 * Runs a Node entry point as a real process: a `.ts` file through swc's ESM
 * loader (no build needed), a `.js` file as it is. Stack traces point into the
 * TypeScript sources unless `sourceMaps` is false (as in the images, where the
 * maps of every loaded package would cost each app about 11 MB of heap).
 */
export function spawnNode(entry: string, env: NodeJS.ProcessEnv = {}, args: string[] = [], opts: { sourceMaps?: boolean } = {}): SpawnedProcess {
  const loader = entry.endsWith('.ts') ? ['--import', '@swc-node/register/esm-register'] : [];
  const child = spawn(process.execPath, [...(opts.sourceMaps === false ? [] : ['--enable-source-maps']), ...loader, entry, ...args], {
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    out += chunk.toString('utf8');
    if (out.length > 2_000_000) out = out.slice(-1_000_000);
    for (const l of listeners) l();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return {
    child,
    pid: child.pid!,
    exited,
    output: () => out,
    waitForOutput(pattern, timeoutMs = 30_000) {
      return new Promise<void>((resolve, reject) => {
        const check = () => {
          if (pattern.test(out)) {
            cleanup();
            resolve();
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`timed out waiting for ${pattern} from ${entry}; output:\n${out.slice(-4_000)}`));
        }, timeoutMs);
        const onExit = () => {
          cleanup();
          reject(new Error(`${entry} exited before printing ${pattern}; output:\n${out.slice(-4_000)}`));
        };
        const cleanup = () => {
          clearTimeout(timer);
          listeners.delete(check);
          child.off('exit', onExit);
        };
        listeners.add(check);
        child.once('exit', onExit);
        check();
      });
    },
    async stop(signal = 'SIGTERM', graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** Polls until `probe` returns a value other than undefined/null/false, or throws its last error after the timeout. */
export async function eventually<T>(probe: () => Promise<T | undefined | null | false> | T | undefined | null | false, { timeoutMs = 20_000, intervalMs = 100, what = 'condition' } = {}): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== null && value !== false) return value as T;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`${what} not reached within ${timeoutMs} ms${lastError ? `: ${lastError instanceof Error ? lastError.message : String(lastError)}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Waits until an HTTP endpoint answers with the status. */
export function waitForHttp(url: string, { status = 200, timeoutMs = 30_000 } = {}): Promise<Response> {
  return eventually(
    async () => {
      const res = await fetch(url);
      return res.status === status ? res : undefined;
    },
    { timeoutMs, intervalMs: 200, what: `${url} answering ${status}` },
  );
}

/** A name no other test run uses (queues, consumer groups, databases). */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

/** A port free now (the OS picks it), for a server the test starts itself. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * The first of `size` consecutive ports that all accept a listener on
 * 127.0.0.1 right now, for apps a test starts as processes with fixed ports.
 * Blocks lie between 20000 and 32000: below the kernel's ephemeral range (so
 * no outgoing connection takes one meanwhile) and checked, because other
 * servers live there too (RabbitMQ's distribution port is 25672). A random
 * block out of 1,200 keeps test files running side by side apart. Synchronous
 * (one short child process) so that a describe block can call it.
 */
export function freePortBlock(size = 10): number {
  const script = `
    const net = require('node:net');
    const size = ${Number(size)};
    const bindable = (port) => new Promise((ok) => {
      const server = net.createServer();
      server.once('error', () => ok(false));
      server.listen(port, '127.0.0.1', () => server.close(() => ok(true)));
    });
    (async () => {
      for (let attempt = 0; attempt < 50; attempt++) {
        const base = 20000 + Math.floor(Math.random() * Math.floor(12000 / size)) * size;
        let all = true;
        for (let i = 0; i < size && all; i++) all = await bindable(base + i);
        if (all) return process.stdout.write(String(base));
      }
      process.exit(1);
    })();`;
  const base = Number(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 20_000 }));
  if (!Number.isInteger(base) || base <= 0) throw new Error(`no free block of ${size} ports`);
  return base;
}
