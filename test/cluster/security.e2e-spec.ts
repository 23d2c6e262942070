import { resolve } from 'node:path';
import amqp from 'amqplib';
import { RmqRpcChannel, RpcClient, messagingOptionsFromEnv } from '@shop/messaging';
import { type SpawnedProcess, createDatabases, dropDatabases, spawnNode, uniqueName, waitForHttp, freePort } from '@shop/testing';
import { type SecurityTarget, type TargetSpec, describeSecuritySuite, waitUntilServing } from '../security/security-suite.js';

const root = resolve(import.meta.dirname, '../..');
const RABBITMQ_URL = process.env['RABBITMQ_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672';
const REDIS_URL = process.env['RATE_LIMIT_REDIS_URL'] ?? 'redis://127.0.0.1:6379';


/**
 * The cluster mode: the built apps (dist/) as processes, one MariaDB database
 * per service, RabbitMQ for RPC, Kafka for events, every app logging at debug.
 * A unique namespace and database prefix isolate each target.
 */
async function startCluster(spec: TargetSpec): Promise<SecurityTarget> {
  const namespace = uniqueName(`sec${spec.name}`).replace(/-/g, '');
  const dbPrefix = `${namespace}_`;
  const apps = spec.catalog ? (['user', 'product', 'cart'] as const) : (['user'] as const);
  const databases = apps.map((app) => `${dbPrefix}${app}`);
  const env: Record<string, string> = {
    SHOP_TRANSPORT: 'broker',
    SHOP_NAMESPACE: namespace,
    DB_NAME_PREFIX: dbPrefix,
    RABBITMQ_URL,
    KAFKA_BROKERS: process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092',
    SEED_DEMO_PRODUCTS: '0',
    LOG_LEVEL: 'debug',
    ...spec.env,
  };
  const processes: SpawnedProcess[] = [];
  const spawnApp = async (app: 'user' | 'product' | 'cart' | 'gateway', extra: Record<string, string> = {}): Promise<string> => {
    const port = await freePort();
    const child = spawnNode(resolve(root, `dist/apps/${app}/src/main.js`), { ...env, ...extra, HTTP_PORT: String(port) });
    processes.push(child);
    const url = `http://127.0.0.1:${port}`;
    await waitForHttp(`${url}/health/ready`, { timeoutMs: 60_000 }).catch((err: unknown) => {
      throw new Error(`${app} of ${spec.name} did not get ready: ${err instanceof Error ? err.message : String(err)}\n${child.output().slice(-3000)}`);
    });
    return url;
  };
  const options = messagingOptionsFromEnv('gateway', { ...process.env, ...env });
  const rpc = new RpcClient(options, (queue) => new RmqRpcChannel(options, queue));
  const stop = async () => {
    await rpc.onApplicationShutdown();
    await Promise.all(processes.map((p) => p.stop('SIGTERM', 5_000)));
    await dropDatabases(databases);
    const connection = await amqp.connect(RABBITMQ_URL);
    try {
      const channel = await connection.createChannel();
      for (const service of apps) await channel.deleteQueue(`${namespace}.${service}.rpc`);
      await channel.close();
    } finally {
      await connection.close();
    }
  };
  try {
    await createDatabases(databases);
    const [gatewayUrl] = await Promise.all([spawnApp('gateway'), ...apps.map((app) => spawnApp(app))]);
    await waitUntilServing(gatewayUrl!, { catalog: spec.catalog });
    const startGateway = async (extra: Record<string, string>) => {
      const url = await spawnApp('gateway', extra);
      // A gateway of another namespace has no services to serve.
      if (!extra['SHOP_NAMESPACE']) await waitUntilServing(url, { catalog: spec.catalog });
      return url;
    };
    return { gatewayUrl, rpc, startGateway, logs: () => processes.map((p) => p.output()).join('\n'), stop };
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
}

describeSecuritySuite('cluster: identity and the gateway security (processes, MariaDB, RabbitMQ, Kafka, Redis)', startCluster, { sharedRateLimitRedisUrl: REDIS_URL });
