import type { ServiceName } from '@shop/contracts';

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
  /** Attempts of a job before it goes to the dead-letter queue. */
  jobMaxAttempts: number;
  jobRetryDelayMs: number;
  jobPrefetch: number;
  /** How often the outbox relay looks for rows when nothing woke it. */
  outboxPollMs: number;
}

export const MESSAGING_OPTIONS = Symbol('MESSAGING_OPTIONS');

function int(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got "${value}"`);
  return n;
}

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
    rpcTimeoutMs: int(env['RPC_TIMEOUT_MS'], 5_000, 'RPC_TIMEOUT_MS'),
    rpcPrefetch: int(env['RPC_PREFETCH'], 32, 'RPC_PREFETCH'),
    eventMaxAttempts: int(env['EVENT_MAX_ATTEMPTS'], 5, 'EVENT_MAX_ATTEMPTS'),
    eventRetryDelayMs: int(env['EVENT_RETRY_DELAY_MS'], 200, 'EVENT_RETRY_DELAY_MS'),
    jobMaxAttempts: int(env['JOB_MAX_ATTEMPTS'], 5, 'JOB_MAX_ATTEMPTS'),
    jobRetryDelayMs: int(env['JOB_RETRY_DELAY_MS'], 1_000, 'JOB_RETRY_DELAY_MS'),
    jobPrefetch: int(env['JOB_PREFETCH'], 8, 'JOB_PREFETCH'),
    outboxPollMs: int(env['OUTBOX_POLL_MS'], 1_000, 'OUTBOX_POLL_MS'),
    ...overrides,
  };
}

/** A queue, topic or group name inside the configured namespace. */
export function namespaced(options: Pick<MessagingOptions, 'namespace'>, name: string): string {
  return options.namespace ? `${options.namespace}.${name}` : name;
}
