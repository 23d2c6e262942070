import type { BootOptions, RunningService, ServiceDefinition } from '@shop/platform';
import { bootstrapService } from '@shop/platform';
import { InProcessBroker } from '@shop/messaging';
import { startTracing, tracingOptionsFromEnv } from '@shop/observability';
import { randomBytes } from 'node:crypto';
import { type AddressInfo, createServer } from 'node:net';
import { SERVICE_NAMES } from '@shop/contracts';
import { cartService } from '@shop/services/cart';
import { configService } from '@shop/services/config';
import { discoveryService } from '@shop/services/discovery';
import { gatewayService } from '@shop/services/gateway';
import { notificationService } from '@shop/services/notification';
import { orderService } from '@shop/services/order';
import { productService } from '@shop/services/product';
import { userService } from '@shop/services/user';

/**
 * Boot order: infrastructure first (config, whose files every other app
 * loads; then discovery, which every other app registers with), the gateway
 * last, so it opens onto ready services.
 */
export const ALL_SERVICES: ServiceDefinition[] = [configService, discoveryService, userService, productService, cartService, orderService, notificationService, gatewayService];

/** The settings the all-in-one mode runs with unless the environment says otherwise. */
export const ALL_IN_ONE_DEFAULTS: Record<string, string> = {
  SHOP_TRANSPORT: 'in-process',
  DB_DRIVER: 'sqlite',
  DB_SQLITE_DIR: '.data',
};

export interface Platform {
  services: RunningService[];
  gatewayUrl: string;
  close(): Promise<void>;
}

/**
 * Boots every service in this process on the in-process broker and SQLite,
 * each with its own Nest application, database file and HTTP port, exactly as
 * it would run alone. `freePorts: true` picks free ports (tests).
 */
export async function startPlatform(env: NodeJS.ProcessEnv, options: { freePorts?: boolean; logger?: BootOptions['logger']; logDestination?: BootOptions['logDestination'] } = {}): Promise<Platform> {
  // Service identities: one secret per process run, known to the user service and to each service.
  const secret = randomBytes(24).toString('base64url');
  const merged: NodeJS.ProcessEnv = { ...ALL_IN_ONE_DEFAULTS, SERVICE_SECRET: secret, SERVICE_SECRETS: JSON.stringify(Object.fromEntries(SERVICE_NAMES.map((n) => [n, secret]))), ...env };
  // The config server's state and the apps' config cache live beside the databases.
  const dataDir = merged['DB_SQLITE_DIR'] ?? '.data';
  merged['CONFIG_STATE_FILE'] ??= dataDir === ':memory:' ? 'none' : `${dataDir}/config-server-state.json`;
  merged['CONFIG_CACHE_DIR'] ??= dataDir === ':memory:' ? 'none' : `${dataDir}/config-cache`;
  // The other apps use the in-process config and discovery apps, by the same HTTP clients as in the cluster:
  // their ports are chosen first, so that every app (config included) knows both addresses from its start.
  const ports = new Map<string, number>();
  for (const def of [configService, discoveryService]) ports.set(def.name, options.freePorts ? await freePort() : portOf(def, merged));
  merged['CONFIG_URL'] ??= `http://127.0.0.1:${ports.get('config')}`;
  merged['DISCOVERY_URLS'] ??= `http://127.0.0.1:${ports.get('discovery')}`;
  // One broker per platform: the services of this platform talk to each other only.
  const broker = new InProcessBroker();
  const services: RunningService[] = [];
  // One process, one tracer provider: spans carry each service's name as their scope.
  const stopTracing = await startTracing(tracingOptionsFromEnv('all-in-one', merged));
  const close = async () => {
    for (const s of [...services].reverse()) await s.close();
    await stopTracing();
  };
  try {
    for (const def of ALL_SERVICES) {
      services.push(await bootstrapService(def, { env: merged, broker, httpPort: ports.get(def.name) ?? (options.freePorts ? 0 : portOf(def, merged)), logger: options.logger, logDestination: options.logDestination }));
    }
  } catch (err) {
    await close();
    throw err;
  }
  return { services, gatewayUrl: services.find((s) => s.name === 'gateway')!.url, close };
}

/** A port free now (the OS picks it), for apps whose address others must know before they start. */
function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolvePort(port));
    });
  });
}

function portOf(def: ServiceDefinition, env: NodeJS.ProcessEnv): number {
  const own = env[`${def.name.toUpperCase()}_HTTP_PORT`];
  return own ? Number(own) : def.defaultHttpPort;
}
