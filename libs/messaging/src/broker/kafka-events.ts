import { Logger } from '@nestjs/common';
import { ServerKafka } from '@nestjs/microservices';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { ALL_EVENT_TOPICS, deadLetterTopic, isEnvelope } from '@shop/contracts';
import { type Consumer, Kafka, Partitioners, type Producer, logLevel } from 'kafkajs';
import { EventFeed, type FeedHandler } from '../events/event-feed.js';
import { EventPublisher } from '../events/event-publisher.js';
import type { EventRecord } from '../in-process/in-process.broker.js';
import { type MessagingOptions, namespaced } from '../options.js';
import { stopKafkajsIdleTimerLoop } from './kafkajs-idle-loop.js';

stopKafkajsIdleTimerLoop();

const logger = new Logger('Kafka');

function kafkaLogCreator() {
  return ({ level, log }: { level: logLevel; log: { message: string } & Record<string, unknown> }) => {
    const { message, ...extra } = log;
    if (level <= logLevel.ERROR) logger.error({ msg: message, ...extra });
    else if (level === logLevel.WARN) logger.warn({ msg: message, ...extra });
  };
}

/**
 * The service's consumer group on Kafka (group id = service name): one
 * consumer per instance, partitions shared among instances and handled
 * EVENT_CONCURRENCY at a time (one message at a time within a partition, so
 * per aggregate), offsets committed after the handler returns (at least once).
 */
export function createKafkaEventServer(options: MessagingOptions): ServerKafka {
  return new ServerKafka({
    client: { clientId: options.service, brokers: options.kafkaBrokers, logLevel: logLevel.WARN, logCreator: kafkaLogCreator },
    consumer: { groupId: namespaced(options, options.service), sessionTimeout: 30_000, heartbeatInterval: 3_000, allowAutoTopicCreation: false },
    subscribe: { fromBeginning: true },
    postfixId: '',
    run: { autoCommit: true, partitionsConsumedConcurrently: options.eventConcurrency },
  });
}

/** Creates every event topic and its dead-letter topic; existing ones are kept. */
export async function ensureKafkaTopics(options: Pick<MessagingOptions, 'kafkaBrokers' | 'namespace'>, partitions = 3): Promise<void> {
  const admin = new Kafka({ clientId: 'shop-admin', brokers: options.kafkaBrokers, logLevel: logLevel.ERROR }).admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const wanted = ALL_EVENT_TOPICS.flatMap((t) => [t, deadLetterTopic(t)])
      .map((t) => namespaced(options, t))
      .filter((t) => !existing.has(t));
    if (wanted.length) {
      await admin.createTopics({ waitForLeaders: true, topics: wanted.map((topic) => ({ topic, numPartitions: partitions, replicationFactor: 1 })) });
    }
  } finally {
    await admin.disconnect();
  }
}

/**
 * Publishes with an idempotent producer and acks from all in-sync replicas;
 * one request in flight keeps records of one key in order.
 */
export class KafkaEventPublisher extends EventPublisher {
  private readonly producer: Producer;
  private connected = false;
  private connecting?: Promise<void>;

  constructor(private readonly options: MessagingOptions) {
    super();
    const kafka = new Kafka({ clientId: `${options.service}-publisher`, brokers: options.kafkaBrokers, logLevel: logLevel.WARN, logCreator: kafkaLogCreator });
    this.producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    this.producer.on(this.producer.events.CONNECT, () => (this.connected = true));
    this.producer.on(this.producer.events.DISCONNECT, () => (this.connected = false));
  }

  private connect(): Promise<void> {
    this.connecting ??= this.producer.connect().catch((err: unknown) => {
      this.connecting = undefined;
      throw err;
    });
    return this.connecting;
  }

  async publish(records: EventRecord[]): Promise<void> {
    if (!records.length) return;
    await this.connect();
    const byTopic = new Map<string, EventRecord[]>();
    for (const r of records) byTopic.set(r.topic, [...(byTopic.get(r.topic) ?? []), r]);
    await this.producer.sendBatch({
      acks: -1,
      topicMessages: [...byTopic].map(([topic, list]) => ({
        topic: namespaced(this.options, topic),
        messages: list.map((r) => ({ key: r.key, value: JSON.stringify(r.value), headers: r.headers })),
      })),
    });
  }

  async ready(): Promise<void> {
    await this.connect();
    if (!this.connected) throw new Error('Kafka producer is not connected');
  }

  async close(): Promise<void> {
    this.connecting = undefined;
    await this.producer.disconnect();
  }
}

/**
 * The instance's own feed: a consumer group of one (`<service>.feed.<host>.<pid>.<random>`)
 * that starts at the end of each topic, so every instance sees every record
 * published after it joined. Live from the first fetch after a join (offsets
 * resolved) until a rebalance, a crash or a disconnect; kafkajs rejoins by
 * itself. The group is deleted on close, so restarts leave none behind.
 */
export class KafkaEventFeed extends EventFeed {
  private readonly kafka: Kafka;
  private readonly groupId: string;
  private consumer?: Consumer;

  constructor(private readonly options: MessagingOptions) {
    super();
    this.kafka = new Kafka({ clientId: `${options.service}-feed`, brokers: options.kafkaBrokers, logLevel: logLevel.WARN, logCreator: kafkaLogCreator });
    this.groupId = namespaced(options, `${options.service}.feed.${hostname()}.${process.pid}.${randomUUID().slice(0, 8)}`);
  }

  async follow(topics: readonly string[], handler: FeedHandler): Promise<void> {
    // Short fetch waits: an idle long poll would hold a shutdown up to its wait (kafkajs' default 5 s).
    const consumer = this.kafka.consumer({ groupId: this.groupId, sessionTimeout: 10_000, heartbeatInterval: 1_000, maxWaitTimeInMs: 500, allowAutoTopicCreation: false });
    this.consumer = consumer;
    let joined = false;
    consumer.on(consumer.events.GROUP_JOIN, () => (joined = true));
    consumer.on(consumer.events.FETCH_START, () => this.setLive(joined));
    for (const lost of [consumer.events.REBALANCING, consumer.events.CRASH, consumer.events.DISCONNECT, consumer.events.STOP]) {
      consumer.on(lost, () => {
        joined = false;
        this.setLive(false);
      });
    }
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: topics.map((t) => namespaced(this.options, t)), fromBeginning: false });
      await consumer.run({
        autoCommit: true,
        eachMessage: async ({ message }) => {
          let value: unknown;
          try {
            value = JSON.parse(message.value?.toString('utf8') ?? '');
          } catch {
            return;
          }
          if (isEnvelope(value)) handler(value);
        },
      });
    } catch (err) {
      // Leave nothing half-started behind: the caller may follow again later.
      this.consumer = undefined;
      await consumer.disconnect().catch(() => undefined);
      throw err;
    }
  }

  async close(): Promise<void> {
    this.setLive(false);
    const consumer = this.consumer;
    this.consumer = undefined;
    if (!consumer) return;
    await consumer.disconnect();
    const admin = this.kafka.admin();
    try {
      await admin.connect();
      await admin.deleteGroups([this.groupId]);
    } catch (err) {
      logger.warn({ msg: 'could not delete the feed consumer group', groupId: this.groupId, err: err instanceof Error ? err.message : String(err) });
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }
}
