import 'reflect-metadata';
import { ConsoleLogger, type DynamicModule, type INestApplication, type LoggerService, Module, type Provider, type Type, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { ServiceName } from '@shop/contracts';
import { DatabaseModule, type DatabaseOptions, type ServiceSchema, createDataSource, databaseOptionsFromEnv, pingDatabase } from '@shop/database';
import {
  EventPublisher,
  InboxEntry,
  InProcessBroker,
  JobQueue,
  MESSAGING_MIGRATIONS,
  METRICS_REGISTRY,
  MessageContextStore,
  MessagingModule,
  type MessagingOptions,
  OutboxMessage,
  SERVICE_AVAILABILITY,
  messagingOptionsFromEnv,
  startMessaging,
} from '@shop/messaging';
import { JsonLogger, startTracing, tracingOptionsFromEnv } from '@shop/observability';
import type { DestinationStream } from 'pino';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { AuthModule, authOptionsFromEnv } from '@shop/auth';
import { type AnnouncementBus, ConfigClient, LiveConfig, announcementBus, configClientOptionsFromEnv } from '@shop/config-client';
import { DiscoveryClient, discoveryClientOptionsFromEnv } from '@shop/discovery-client';
import { DataSource } from 'typeorm';
import { HealthController } from './health.controller.js';
import { installHttpObservability } from './http-observability.js';
import { instrumentHttp } from './http-metrics.js';
import { MetricsController } from './metrics.controller.js';
import { ProblemDetailsFilter } from './problem.filter.js';
import { READINESS_CHECKS, type ReadinessCheck } from './readiness.js';

/** The environment the app was booted with (the all-in-one app boots several with one merged environment). */
export const APP_ENV = Symbol('APP_ENV');

/** What one service is: everything the boot code needs to run it in any mode. */
export interface ServiceDefinition {
  name: ServiceName;
  /** The service's feature module (controllers, providers). */
  module: Type<unknown> | DynamicModule;
  defaultHttpPort: number;
  /** The service's tables; the outbox and inbox tables are added to them. */
  schema?: ServiceSchema;
  /** Classes with @OnEvent handlers. */
  eventHandlers?: Array<Type<unknown>>;
  /** Answers RPCs on `<name>.rpc`. */
  rpc?: boolean;
  /** Runs once the app is up (for example the demo seed). */
  afterStart?: (app: INestApplication, env: NodeJS.ProcessEnv) => Promise<void>;
  /** `main.js seed`: creates the service's demo data and returns what it made (printed as JSON). */
  seed?: (app: INestApplication, env: NodeJS.ProcessEnv) => Promise<unknown>;
  /** The services this one calls: its /health/ready names those discovery has no live instance of. */
  requires?: ServiceName[];
  /**
   * The level of the app's `request completed` lines: `log` for the public
   * API, `debug` (the default) for internal HTTP (health, registry, config).
   */
  accessLogLevel?: 'log' | 'debug';
  /** Extra HTTP setup for public-facing apps (the gateway). */
  configureHttp?: (app: NestFastifyApplication, env: NodeJS.ProcessEnv) => Promise<void> | void;
}

export interface BootOptions {
  env?: NodeJS.ProcessEnv;
  /** 0 picks a free port. */
  httpPort?: number;
  host?: string;
  broker?: InProcessBroker;
  logger?: LoggerService | false;
  /** Where the app's JSON log lines go (stdout by default); ignored with `logger`. */
  logDestination?: DestinationStream;
  /** Overrides of the settings read from the environment (tests). */
  messaging?: Partial<MessagingOptions>;
  database?: Partial<DatabaseOptions>;
}

export interface RunningService {
  name: ServiceName;
  app: NestFastifyApplication;
  url: string;
  close(): Promise<void>;
}

function withMessagingTables(schema: ServiceSchema): ServiceSchema {
  return {
    entities: [...(schema.entities as unknown[]), OutboxMessage, InboxEntry] as ServiceSchema['entities'],
    migrations: [...MESSAGING_MIGRATIONS, ...(schema.migrations as unknown[])] as ServiceSchema['migrations'],
  };
}

function readinessChecks(messaging: MessagingOptions, hasDatabase: boolean, requires: ServiceName[] = []): Provider {
  return {
    provide: READINESS_CHECKS,
    inject: [JobQueue, EventPublisher, { token: DataSource, optional: true }, { token: DiscoveryClient, optional: true }],
    useFactory: (jobs: JobQueue, publisher: EventPublisher, ds?: DataSource, discovery?: DiscoveryClient): ReadinessCheck[] => {
      const checks: ReadinessCheck[] = [];
      if (requires.length && discovery) {
        checks.push({
          name: 'services',
          check: async () => {
            // Unknown (no registry copy yet, or a stale one while discovery is down) counts as present.
            const missing = discovery.missing(requires);
            if (missing?.length) throw new Error(`no live instance of ${missing.join(', ')}`);
          },
        });
      }
      if (hasDatabase && ds) checks.push({ name: 'database', check: () => pingDatabase(ds) });
      if (messaging.transport === 'broker') {
        checks.push({
          name: 'rabbitmq',
          check: async () => {
            if (!jobs.isConnected()) throw new Error('not connected');
          },
        });
        if (hasDatabase) checks.push({ name: 'kafka', check: () => publisher.ready() });
      }
      return checks;
    },
  };
}

/** The app's live configuration and discovery client, when it has them. */
export interface ServiceRuntime {
  live?: LiveConfig;
  discovery?: DiscoveryClient;
}

/** Builds the root module of one app: platform endpoints, database, messaging and the service's module. */
export function serviceRootModule(def: ServiceDefinition, messaging: MessagingOptions, database: DatabaseOptions, broker?: InProcessBroker, env: NodeJS.ProcessEnv = process.env, runtime: ServiceRuntime = {}): DynamicModule {
  const registry = new Registry();
  registry.setDefaultLabels({ service: def.name });
  collectDefaultMetrics({ register: registry });
  const imports: Array<Type<unknown> | DynamicModule> = [];
  if (def.schema) imports.push(DatabaseModule.forService(database, withMessagingTables(def.schema)));
  imports.push(MessagingModule.forService({ options: messaging, eventHandlers: def.eventHandlers, persistence: !!def.schema, broker }));
  imports.push(AuthModule.forService(authOptionsFromEnv(env)));
  imports.push(def.module);
  @Module({})
  class ServiceRootModule {}
  Object.defineProperty(ServiceRootModule, 'name', { value: `${def.name[0]!.toUpperCase()}${def.name.slice(1)}RootModule` });
  return {
    module: ServiceRootModule,
    global: true,
    imports,
    controllers: [HealthController, MetricsController],
    providers: [
      { provide: METRICS_REGISTRY, useValue: registry },
      { provide: APP_ENV, useValue: env },
      { provide: LiveConfig, useValue: runtime.live ?? LiveConfig.fromEnv(env) },
      ...(runtime.discovery ? [{ provide: DiscoveryClient, useValue: runtime.discovery }, { provide: SERVICE_AVAILABILITY, useValue: runtime.discovery }] : []),
      readinessChecks(messaging, !!def.schema, def.requires),
    ],
    exports: [METRICS_REGISTRY, APP_ENV, LiveConfig, ...(runtime.discovery ? [DiscoveryClient, SERVICE_AVAILABILITY] : [])],
  };
}

/**
 * Boots one service: HTTP (health, metrics, and the service's routes) on
 * Fastify, its database and its message transports, as configured by the
 * environment. The same call serves `nx serve <app>` and the all-in-one app.
 */
export async function bootstrapService(def: ServiceDefinition, opts: BootOptions = {}): Promise<RunningService> {
  const baseEnv = opts.env ?? process.env;
  const logger = opts.logger ?? createLogger(def.name, baseEnv, opts.logDestination);
  // Layered configuration: the config server's files, the environment over
  // them. The config server itself is configured by its environment.
  const config = def.name === 'config' ? undefined : new ConfigClient(configClientOptionsFromEnv(def.name, baseEnv), baseEnv, logger || undefined);
  await config?.load();
  const live = config?.live ?? LiveConfig.fromEnv(baseEnv);
  const env = live.env();
  if (logger instanceof ConsoleLogger || logger instanceof JsonLogger) {
    logger.setLogLevels(logLevels(env['LOG_LEVEL']));
    live.onChange((keys) => {
      if (keys.includes('log.level')) logger.setLogLevels(logLevels(live.get('log.level')));
    });
  }
  const messaging = messagingOptionsFromEnv(def.name, env, opts.messaging);
  const database = { ...databaseOptionsFromEnv(def.name, env), ...opts.database };
  const host = opts.host ?? env['HTTP_HOST'] ?? '127.0.0.1';
  // Discovery registers itself with itself unless told its replicas.
  const selfRegistering = def.name === 'discovery' && !env['DISCOVERY_URLS'];
  const discoveryOptions = discoveryClientOptionsFromEnv(def.name, selfRegistering ? { ...env, DISCOVERY_URLS: 'http://127.0.0.1:0' } : env, host);
  const discovery = discoveryOptions ? new DiscoveryClient(selfRegistering ? { ...discoveryOptions, urls: [] } : discoveryOptions, logger || undefined) : undefined;
  const app = await NestFactory.create<NestFastifyApplication>(
    serviceRootModule(def, messaging, database, opts.broker, env, { live, discovery }),
    new FastifyAdapter({ bodyLimit: 1024 * 1024, trustProxy: trustProxyFromEnv(env) }),
    { logger, abortOnError: false },
  );
  installHttpObservability(app, def.name, logger, def.accessLogLevel ?? 'debug');
  // Before any route is registered (that happens at init), so every route is measured.
  instrumentHttp(app.getHttpAdapter().getInstance(), app.get<Registry>(METRICS_REGISTRY));
  app.useGlobalFilters(new ProblemDetailsFilter());
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
  await def.configureHttp?.(app, env);
  config?.bindMetrics(app.get<Registry>(METRICS_REGISTRY));
  await startMessaging(app, messaging, { rpc: !!def.rpc, events: !!def.eventHandlers?.length });
  const port = opts.httpPort ?? Number(env['HTTP_PORT'] || env['PORT'] || def.defaultHttpPort);
  await app.listen(port, host);
  const address = app.getHttpServer().address();
  const boundPort = typeof address === 'object' && address ? address.port : port;
  const url = `http://127.0.0.1:${boundPort}`;
  await def.afterStart?.(app, env);
  let bus: AnnouncementBus | undefined;
  if (config) {
    bus = announcementBus(messaging, opts.broker ?? InProcessBroker.shared);
    config.watch(bus);
  }
  if (discovery) {
    if (selfRegistering) discovery.addReplica(url);
    discovery.start(boundPort);
  }
  return {
    name: def.name,
    app,
    url,
    close: async () => {
      // Leave the registry first, so nobody is sent here while the app drains.
      await discovery?.stop();
      await config?.stop();
      await bus?.close();
      await app.close();
    },
  };
}

/**
 * JSON lines over pino (service, instance, level, correlation and trace ids,
 * secrets redacted); LOG_FORMAT=pretty gives Nest's colored console instead,
 * for a developer's terminal.
 */
export function createLogger(name: string, env: NodeJS.ProcessEnv, destination?: DestinationStream): LoggerService {
  if (env['LOG_FORMAT'] === 'pretty') return new ConsoleLogger({ prefix: name, logLevels: logLevels(env['LOG_LEVEL']) });
  return new JsonLogger({ service: name, level: env['LOG_LEVEL'], destination, context: () => correlationOf() });
}

function correlationOf(): { correlationId?: string; service?: string } | undefined {
  const ctx = MessageContextStore.current();
  if (!ctx) return undefined;
  return ctx.service ? { correlationId: ctx.correlationId, service: ctx.service } : { correlationId: ctx.correlationId };
}

/**
 * TRUST_PROXY: which proxies may set X-Forwarded-For (the client address that
 * rate limits key on). `false` (default): none, the socket address counts;
 * a number: that many hops; otherwise comma-separated addresses or CIDRs.
 * Trusting everyone would let any client pick its own address.
 */
export function trustProxyFromEnv(env: NodeJS.ProcessEnv): boolean | string[] | ((address: string, hop: number) => boolean) {
  const raw = (env['TRUST_PROXY'] ?? 'false').trim();
  if (raw === '' || raw === 'false') return false;
  if (raw === 'true') return true;
  if (/^\d+$/.test(raw)) {
    const hops = Number(raw);
    return (_address: string, hop: number) => hop < hops;
  }
  return raw.split(',').map((s) => s.trim()).filter(Boolean);
}

function logLevels(level = 'log'): Array<'fatal' | 'error' | 'warn' | 'log' | 'debug' | 'verbose'> {
  const order = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'] as const;
  const i = order.indexOf(level as (typeof order)[number]);
  return order.slice(0, i < 0 ? 4 : i + 1);
}

/** Applies the service's pending migrations (the cluster's `db:migrate`, the Helm migration job). */
export async function migrateService(def: ServiceDefinition, env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  if (!def.schema) return [];
  const ds = createDataSource(databaseOptionsFromEnv(def.name, env), withMessagingTables(def.schema));
  await ds.initialize();
  try {
    return (await ds.runMigrations({ transaction: 'each' })).map((m) => m.name);
  } finally {
    await ds.destroy();
  }
}

/**
 * For an app's main.ts: `main.js` boots the service and closes it cleanly on
 * SIGTERM/SIGINT; `main.js migrate` applies its migrations and exits.
 */
export async function runService(def: ServiceDefinition): Promise<void> {
  if (process.argv[2] === 'seed') {
    if (!def.seed) throw new Error(`${def.name} has no demo data to seed`);
    const service = await bootstrapService(def, { httpPort: 0, env: { ...process.env, SEED_DEMO_PRODUCTS: '' } });
    const seeded = await def.seed(service.app, process.env);
    await service.close();
    console.log(JSON.stringify({ seeded: def.name, result: seeded }));
    return;
  }
  if (process.argv[2] === 'migrate') {
    const applied = await migrateService(def);
    console.log(JSON.stringify({ level: 'log', context: def.name, message: `migrations applied: ${applied.length ? applied.join(', ') : 'none pending'}` }));
    return;
  }
  // One tracer provider per process, named after the app; off unless OTEL_TRACES_EXPORTER=otlp.
  const stopTracing = await startTracing(tracingOptionsFromEnv(def.name, process.env));
  const service = await bootstrapService(def);
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    console.log(JSON.stringify({ level: 'log', context: def.name, message: `received ${signal}, shutting down` }));
    service
      .close()
      .then(() => stopTracing())
      .then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}
