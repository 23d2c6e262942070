import { Logger } from '@nestjs/common';
import { type Envelope, newId } from '@shop/contracts';
import { type InProcessBroker, type MessagingOptions, namespaced } from '@shop/messaging';
import amqp, { type AmqpConnectionManager, type ChannelWrapper } from 'amqp-connection-manager';
import type { Channel, ConfirmChannel } from 'amqplib';

/** What the config server announces when its configuration changes. */
export interface ConfigAnnouncement {
  type: 'config.changed';
  revision: number;
  at: string;
  cause: 'file' | 'admin' | 'rollback';
  /** The sources that changed (`gateway-dev`, `application`), and their changed keys. */
  sources: string[];
  keys: string[];
}

/**
 * The fanout exchange of announcements (`<namespace>.config.changes`) on
 * RabbitMQ, or the topic of the same name on the in-process broker: every app
 * gets every announcement and refetches its own configuration if its version
 * changed.
 */
export function announcementChannelName(options: Pick<MessagingOptions, 'namespace'>): string {
  return namespaced(options, 'config.changes');
}

export interface AnnouncementBus {
  publish(a: ConfigAnnouncement): Promise<void>;
  subscribe(listener: (a: ConfigAnnouncement) => void): Promise<void>;
  close(): Promise<void>;
}

/** Announcements over the configured transport. */
export function announcementBus(options: MessagingOptions, broker?: InProcessBroker): AnnouncementBus {
  return options.transport === 'in-process' && broker ? new InProcessAnnouncementBus(options, broker) : new RmqAnnouncementBus(options);
}

function isAnnouncement(v: unknown): v is ConfigAnnouncement {
  return typeof v === 'object' && v !== null && (v as { type?: unknown }).type === 'config.changed' && typeof (v as { revision?: unknown }).revision === 'number';
}

class InProcessAnnouncementBus implements AnnouncementBus {
  private readonly unsubscribe: Array<() => void> = [];
  private readonly topic: string;

  constructor(
    options: MessagingOptions,
    private readonly broker: InProcessBroker,
  ) {
    this.topic = announcementChannelName(options);
  }

  async publish(a: ConfigAnnouncement): Promise<void> {
    const value: Envelope<ConfigAnnouncement> = { id: newId(), type: a.type, version: 1, occurredAt: a.at, correlationId: newId(), payload: a };
    // Not awaited: delivery runs each subscriber's refetch, which must not hold the publisher.
    void this.broker.publish([{ topic: this.topic, key: 'config', value, headers: {} }]);
  }

  async subscribe(listener: (a: ConfigAnnouncement) => void): Promise<void> {
    // One group per subscriber: every app gets every announcement (a fanout).
    this.unsubscribe.push(
      this.broker.subscribe(this.topic, `config-subscriber-${newId()}`, async (record) => {
        if (isAnnouncement(record.value.payload)) listener(record.value.payload);
      }),
    );
  }

  async close(): Promise<void> {
    for (const u of this.unsubscribe.splice(0)) u();
  }
}

/** A durable fanout exchange; each subscriber binds its own exclusive, auto-deleted queue. */
class RmqAnnouncementBus implements AnnouncementBus {
  private readonly logger = new Logger('ConfigAnnouncements');
  private connection?: AmqpConnectionManager;
  private publisher?: ChannelWrapper;
  private readonly consumers: ChannelWrapper[] = [];
  private readonly exchange: string;

  constructor(private readonly options: MessagingOptions) {
    this.exchange = announcementChannelName(options);
  }

  private connect(): AmqpConnectionManager {
    if (!this.connection) {
      this.connection = amqp.connect([this.options.rabbitmqUrl], { connectionOptions: { noDelay: true } });
      this.connection.on('disconnect', ({ err }: { err?: Error }) => this.logger.warn({ msg: 'RabbitMQ disconnected (config announcements)', err: err?.message }));
    }
    return this.connection;
  }

  async publish(a: ConfigAnnouncement): Promise<void> {
    this.publisher ??= this.connect().createChannel({
      json: true,
      confirm: true,
      setup: (ch: ConfirmChannel) => ch.assertExchange(this.exchange, 'fanout', { durable: true }),
    });
    // Best effort within a few seconds: apps also poll, so a lost announcement only delays a refresh.
    await this.publisher.publish(this.exchange, '', a, { contentType: 'application/json', messageId: newId(), persistent: false, timeout: 5_000 } as never);
  }

  async subscribe(listener: (a: ConfigAnnouncement) => void): Promise<void> {
    const channel = this.connect().createChannel({
      json: false,
      setup: async (ch: Channel) => {
        await ch.assertExchange(this.exchange, 'fanout', { durable: true });
        const { queue } = await ch.assertQueue('', { exclusive: true, autoDelete: true, durable: false });
        await ch.bindQueue(queue, this.exchange, '');
        await ch.consume(
          queue,
          (msg) => {
            if (!msg) return;
            try {
              const parsed: unknown = JSON.parse(msg.content.toString('utf8'));
              if (isAnnouncement(parsed)) listener(parsed);
            } catch {
              this.logger.warn({ msg: 'ignored a malformed config announcement' });
            }
          },
          { noAck: true },
        );
      },
    });
    this.consumers.push(channel);
    // Do not hold the boot on RabbitMQ: the channel binds as soon as it connects.
    void channel.waitForConnect().catch(() => undefined);
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.publisher?.close(), ...this.consumers.map((c) => c.close())]);
    await this.connection?.close().catch(() => undefined);
  }
}
