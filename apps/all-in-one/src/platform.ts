import type { BootOptions, RunningService, ServiceDefinition } from '@shop/platform';
import { bootstrapService } from '@shop/platform';
import { InProcessBroker } from '@shop/messaging';
import { randomBytes } from 'node:crypto';
import { SERVICE_NAMES } from '@shop/contracts';
import { cartService } from '@shop/services/cart';
import { configService } from '@shop/services/config';
import { discoveryService } from '@shop/services/discovery';
import { gatewayService } from '@shop/services/gateway';
import { notificationService } from '@shop/services/notification';
import { orderService } from '@shop/services/order';
import { productService } from '@shop/services/product';
import { userService } from '@shop/services/user';

/** Boot order: infrastructure first, the gateway last, so it opens onto ready services. */
export const ALL_SERVICES: ServiceDefinition[] = [discoveryService, configService, userService, productService, cartService, orderService, notificationService, gatewayService];

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
export async function startPlatform(env: NodeJS.ProcessEnv, options: { freePorts?: boolean; logger?: BootOptions['logger'] } = {}): Promise<Platform> {
  // Service identities: one secret per process run, known to the user service and to each service.
  const secret = randomBytes(24).toString('base64url');
  const merged = { ...ALL_IN_ONE_DEFAULTS, SERVICE_SECRET: secret, SERVICE_SECRETS: JSON.stringify(Object.fromEntries(SERVICE_NAMES.map((n) => [n, secret]))), ...env };
  // One broker per platform: the services of this platform talk to each other only.
  const broker = new InProcessBroker();
  const services: RunningService[] = [];
  const close = async () => {
    for (const s of [...services].reverse()) await s.close();
  };
  try {
    for (const def of ALL_SERVICES) {
      services.push(await bootstrapService(def, { env: merged, broker, httpPort: options.freePorts ? 0 : portOf(def, merged), logger: options.logger }));
    }
  } catch (err) {
    await close();
    throw err;
  }
  return { services, gatewayUrl: services.find((s) => s.name === 'gateway')!.url, close };
}

function portOf(def: ServiceDefinition, env: NodeJS.ProcessEnv): number {
  const own = env[`${def.name.toUpperCase()}_HTTP_PORT`];
  return own ? Number(own) : def.defaultHttpPort;
}
