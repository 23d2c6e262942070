import { type DynamicModule, Global, Inject, Module, type OnApplicationShutdown, type Provider, type Type } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import type { Registry } from 'prom-client';
import { KafkaEventFeed, KafkaEventPublisher } from './broker/kafka-events.js';
import { RmqJobQueue } from './broker/rmq-jobs.js';
import { RmqRpcChannel } from './broker/rmq-rpc.js';
import { EventDispatcher } from './events/event-dispatcher.js';
import { EventFeed, InProcessEventFeed } from './events/event-feed.js';
import { EventPublisher } from './events/event-publisher.js';
import { consumedTopics, createEventsController } from './events/events-controller.factory.js';
import { InboxService } from './inbox/inbox.service.js';
import { InProcessBroker } from './in-process/in-process.broker.js';
import { InProcessJobQueue } from './in-process/in-process.jobs.js';
import { InProcessEventPublisher } from './in-process/in-process.publisher.js';
import { InProcessRpcChannel } from './in-process/in-process.transport.js';
import { JobQueue } from './jobs/job-queue.js';
import { METRICS_REGISTRY, MessagingMetrics } from './metrics.js';
import { MESSAGING_OPTIONS, type MessagingOptions } from './options.js';
import { OutboxRelay } from './outbox/outbox.relay.js';
import { OutboxService } from './outbox/outbox.service.js';
import { RPC_CHANNEL_FACTORY, type RpcChannelFactory } from './rpc/rpc-channel.js';
import { RpcClient } from './rpc/rpc-client.js';

export const IN_PROCESS_BROKER = Symbol('IN_PROCESS_BROKER');

export interface MessagingModuleOptions {
  options: MessagingOptions;
  /** Classes with @OnEvent handlers; their topics are consumed in the service's group. */
  eventHandlers?: Array<Type<unknown>>;
  /** The service has a database: provide the outbox (and its relay) and the inbox. */
  persistence?: boolean;
  /** The in-process broker to use (defaults to the process-wide one). */
  broker?: InProcessBroker;
}

/**
 * One messaging API for business code (RpcClient, OutboxService, JobQueue,
 * @RpcHandler, @OnEvent) over the binding chosen by configuration: RabbitMQ
 * and Kafka, or the in-process broker.
 */
@Global()
@Module({})
export class MessagingModule implements OnApplicationShutdown {
  constructor(
    @Inject(JobQueue) private readonly jobs: JobQueue,
    @Inject(EventPublisher) private readonly publisher: EventPublisher,
    @Inject(EventFeed) private readonly feed: EventFeed,
  ) {}

  static forService(config: MessagingModuleOptions): DynamicModule {
    const { options } = config;
    const inProcess = options.transport === 'in-process';
    const broker = config.broker ?? InProcessBroker.shared;
    const topics = consumedTopics(config.eventHandlers ?? []);
    if (topics.length && !config.persistence) {
      throw new Error(`${options.service} consumes events but has no database for its inbox`);
    }
    const channelFactory: RpcChannelFactory = inProcess ? (queue) => new InProcessRpcChannel(broker, queue) : (queue) => new RmqRpcChannel(options, queue);
    const providers: Provider[] = [
      { provide: MESSAGING_OPTIONS, useValue: options },
      { provide: IN_PROCESS_BROKER, useValue: broker },
      { provide: RPC_CHANNEL_FACTORY, useValue: channelFactory },
      { provide: MessagingMetrics, useFactory: (registry: Registry) => new MessagingMetrics(registry), inject: [METRICS_REGISTRY] },
      RpcClient,
      {
        provide: EventPublisher,
        useFactory: () => (inProcess ? new InProcessEventPublisher(broker, options) : new KafkaEventPublisher(options)),
      },
      // Nothing connects until something follows topics (the gateway's catalog cache does).
      { provide: EventFeed, useFactory: () => (inProcess ? new InProcessEventFeed(broker, options) : new KafkaEventFeed(options)) },
      {
        provide: JobQueue,
        useFactory: (metrics: MessagingMetrics) => (inProcess ? new InProcessJobQueue(options, metrics) : new RmqJobQueue(options, metrics)),
        inject: [MessagingMetrics],
      },
    ];
    if (config.persistence) providers.push(OutboxService, OutboxRelay, InboxService, EventDispatcher);
    return {
      module: MessagingModule,
      imports: [DiscoveryModule],
      controllers: topics.length ? [createEventsController(topics, options)] : [],
      providers,
      exports: [MESSAGING_OPTIONS, IN_PROCESS_BROKER, RpcClient, EventPublisher, EventFeed, JobQueue, MessagingMetrics, ...(config.persistence ? [OutboxService, OutboxRelay, InboxService] : [])],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.feed.close();
    await this.jobs.close();
    const closable = this.publisher as EventPublisher & { close?: () => Promise<void> };
    await closable.close?.();
  }
}
