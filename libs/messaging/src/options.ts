import { type ServiceName, envInt } from '@shop/contracts';

/** `broker`: RabbitMQ + Kafka (cluster). `in-process`: one process, no broker (all-in-one, fast tests). */
export type TransportKind = 'broker' | 'in-process';

export interface MessagingOptions {
  service: ServiceName;
  transport: TransportKind;
  /**
   * Prefix of every queue, topic and consumer group name (`<namespace>.product.rpc`):
   * lets several environments or test runs share one RabbitMQ and one Kafka.
   */
  namespace: string;
  rabbitmqUrl: string;
  kafkaBrokers: string[];
  /** Every RPC call fails with RPC.TIMEOUT after this long. */
  rpcTimeoutMs: number;
  /** Unacknowledged RPC requests one consumer holds at a time. */
  rpcPrefetch: number;
  /** Attempts of an event handler before the event goes to the dead-letter topic. */
  eventMaxAttempts: number;
  eventRetryDelayMs: number;
  /** Kafka partitions one consumer handles at the same time (order is kept within a partition, i.e. per aggregate). */
  eventConcurrency: number;
  /** Attempts of a job before it goes to the dead-letter queue. */
  jobMaxAttempts: number;
  jobRetryDelayMs: number;
  jobPrefetch: number;
  /** How often the outbox relay looks for rows when nothing woke it. */
  outboxPollMs: number;
}

export const MESSAGING_OPTIONS = Symbol('MESSAGING_OPTIONS');

/** Reads the messaging settings from the environment, with local defaults. */
export function messagingOptionsFromEnv(service: ServiceName, env: NodeJS.ProcessEnv = process.env, overrides: Partial<MessagingOptions> = {}): MessagingOptions {
  const transport = (env['SHOP_TRANSPORT'] ?? 'broker') as TransportKind;
  if (transport !== 'broker' && transport !== 'in-process') {
    throw new Error(`SHOP_TRANSPORT must be "broker" or "in-process", got "${transport}"`);
  }
  return {
    service,
    transport,
    namespace: env['SHOP_NAMESPACE'] ?? '',
    rabbitmqUrl: env['RABBITMQ_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672',
    kafkaBrokers: (env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',').map((b) => b.trim()).filter(Boolean),
    rpcTimeoutMs: envInt(env, 'RPC_TIMEOUT_MS', 5_000, 0),
    rpcPrefetch: envInt(env, 'RPC_PREFETCH', 32, 0),
    eventMaxAttempts: envInt(env, 'EVENT_MAX_ATTEMPTS', 5, 0),
    eventRetryDelayMs: envInt(env, 'EVENT_RETRY_DELAY_MS', 200, 0),
    eventConcurrency: envInt(env, 'EVENT_CONCURRENCY', 3),
    jobMaxAttempts: envInt(env, 'JOB_MAX_ATTEMPTS', 5, 0),
    jobRetryDelayMs: envInt(env, 'JOB_RETRY_DELAY_MS', 1_000, 0),
    jobPrefetch: envInt(env, 'JOB_PREFETCH', 8, 0),
    outboxPollMs: envInt(env, 'OUTBOX_POLL_MS', 1_000, 0),
    ...overrides,
  };
}

/** A queue, topic or group name inside the configured namespace. */
export function namespaced(options: Pick<MessagingOptions, 'namespace'>, name: string): string {
  return options.namespace ? `${options.namespace}.${name}` : name;
}
