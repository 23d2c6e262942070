import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import type { LoggerService } from '@nestjs/common';
import { IN_PROCESS_BROKER, type InProcessBroker, RpcClient } from '@shop/messaging';
import { APP_ENV, type RunningService, bootstrapService } from '@shop/platform';
import { gatewayService } from '@shop/services/gateway';
import { startPlatform } from '../../apps/all-in-one/src/platform.js';
import { type SecurityTarget, type TargetSpec, describeSecuritySuite, waitUntilServing } from '../security/security-suite.js';

/** A Nest logger that keeps every line at every level, objects printed in full. */
function recordingLogger(lines: string[]): LoggerService {
  const record =
    (level: string) =>
    (message: unknown, ...rest: unknown[]) => {
      lines.push([level, ...[message, ...rest].map((m) => (typeof m === 'string' ? m : inspect(m, { depth: null, breakLength: Infinity })))].join(' '));
    };
  return { log: record('log'), error: record('error'), warn: record('warn'), debug: record('debug'), verbose: record('verbose'), fatal: record('fatal') };
}

/**
 * One log for the whole process, as the all-in-one app has: Nest's static
 * Logger writes through the logger of the app created last, so a line of one
 * target's service may arrive through another target's logger.
 */
const lines: string[] = [];
const logger = recordingLogger(lines);
// What code prints by itself (console.*) is in the process log too: recorded as well, still printed.
for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
  const original = console[level].bind(console);
  console[level] = (...args: unknown[]) => {
    lines.push([`console.${level}`, ...args.map((a) => (typeof a === 'string' ? a : inspect(a, { depth: null, breakLength: Infinity })))].join(' '));
    original(...args);
  };
}

/** The all-in-one mode: every service in this process, in-process messaging, SQLite in a temporary folder. */
async function startAllInOne(spec: TargetSpec): Promise<SecurityTarget> {
  const dataDir = mkdtempSync(join(tmpdir(), `shop-sec-${spec.name}-`));
  const platform = await startPlatform({ DB_SQLITE_DIR: dataDir, SEED_DEMO_PRODUCTS: '0', ...spec.env }, { freePorts: true, logger }).catch((err: unknown) => {
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  });
  const gateway = platform.services.find((s) => s.name === 'gateway')!;
  await waitUntilServing(gateway.url);
  const extra: RunningService[] = [];
  return {
    gatewayUrl: platform.gatewayUrl,
    rpc: gateway.app.get(RpcClient),
    async startGateway(env) {
      const base = gateway.app.get<NodeJS.ProcessEnv>(APP_ENV);
      const broker = gateway.app.get<InProcessBroker>(IN_PROCESS_BROKER);
      const another = await bootstrapService(gatewayService, { env: { ...base, ...env }, broker, httpPort: 0, logger });
      extra.push(another);
      await waitUntilServing(another.url);
      return another.url;
    },
    logs: () => lines.join('\n'),
    async stop() {
      for (const s of extra) await s.close();
      await platform.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

describeSecuritySuite('all-in-one: identity and the gateway security (in-process messaging, SQLite)', startAllInOne);
