import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { type Envelope, type EventType, MessageHeaders, deadLetterTopic, isEnvelope } from '@shop/contracts';
import { setTimeout as sleep } from 'node:timers/promises';
import { ROOT_CONTEXT, SpanKind, contextFromHeaders, inSpan, traceHeaders } from '@shop/observability';
import { MessageContextStore } from '../context.js';
import { InboxService } from '../inbox/inbox.service.js';
import { MessagingMetrics } from '../metrics.js';
import { MESSAGING_OPTIONS, type MessagingOptions } from '../options.js';
import { EventPublisher } from './event-publisher.js';
import { type EventCall, eventHandlersOf } from './on-event.decorator.js';

interface RegisteredHandler {
  /** Inbox consumer name: one per handler, so each one's effect happens once. */
  consumer: string;
  call(payload: unknown, call: EventCall): unknown;
}

/**
 * Routes each record of a topic to the typed handlers of its event type, each
 * inside an inbox transaction. A handler that keeps failing is retried with
 * backoff, then its event goes to the topic's dead-letter topic with the error,
 * so one poison event never blocks the partition behind it.
 */
@Injectable()
export class EventDispatcher implements OnModuleInit {
  private readonly logger = new Logger(EventDispatcher.name);
  private readonly handlers = new Map<EventType, RegisteredHandler[]>();

  constructor(
    @Inject(MESSAGING_OPTIONS) private readonly options: MessagingOptions,
    private readonly discovery: DiscoveryService,
    private readonly inbox: InboxService,
    private readonly publisher: EventPublisher,
    private readonly metrics: MessagingMetrics,
  ) {}

  onModuleInit(): void {
    const wrappers = [...this.discovery.getProviders(), ...this.discovery.getControllers()];
    for (const wrapper of wrappers) {
      const instance = wrapper.instance as Record<string | symbol, unknown> | undefined;
      if (!instance || typeof instance !== 'object' || !wrapper.metatype) continue;
      for (const { type, method } of eventHandlersOf(wrapper.metatype as never)) {
        const fn = instance[method] as (payload: unknown, call: EventCall) => unknown;
        const list = this.handlers.get(type) ?? [];
        list.push({ consumer: `${this.options.service}:${String(wrapper.name)}.${String(method)}`, call: (p, c) => fn.call(instance, p, c) });
        this.handlers.set(type, list);
      }
    }
  }

  handles(type: string): boolean {
    return this.handlers.has(type as EventType);
  }

  /** Handles one record; never throws for a handler's failure (that is dead-lettered). */
  async dispatch(topic: string, value: unknown, headers: Record<string, string> = {}): Promise<void> {
    // A child of the publisher's span, whose context travelled in the record's headers.
    const parent = contextFromHeaders(headers, ROOT_CONTEXT);
    const attributes = {
      'messaging.system': this.options.transport === 'broker' ? 'kafka' : 'in-process',
      'messaging.operation.type': 'process',
      'messaging.destination.name': topic,
      'messaging.consumer.group.name': this.options.service,
      ...(isEnvelope(value) ? { 'messaging.message.id': value.id, 'shop.event_type': value.type, 'shop.correlation_id': value.correlationId } : {}),
    };
    await inSpan(this.options.service, `${topic} process`, { kind: SpanKind.CONSUMER, parent, attributes }, async () => {
      if (!isEnvelope(value)) {
        await this.deadLetter(topic, value, headers, 'not a message envelope', 'parse');
        return;
      }
      for (const handler of this.handlers.get(value.type as EventType) ?? []) {
        await this.runWithRetries(topic, value, headers, handler);
      }
    });
  }

  private async runWithRetries(topic: string, envelope: Envelope, headers: Record<string, string>, handler: RegisteredHandler): Promise<void> {
    const max = Math.max(1, this.options.eventMaxAttempts);
    for (let attempt = 1; ; attempt++) {
      try {
        const outcome = await MessageContextStore.fromEnvelope(envelope, () =>
          this.inbox.process(envelope, handler.consumer, (manager) => handler.call(envelope.payload, { envelope, manager })), this.options.service,
        );
        this.metrics.eventsConsumed.inc({ topic, type: envelope.type, outcome });
        MessageContextStore.fromEnvelope(envelope, () => this.logger.debug({ msg: 'event handled', topic, type: envelope.type, eventId: envelope.id, consumer: handler.consumer, outcome, attempt }), this.options.service);
        return;
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        if (attempt >= max) {
          this.logger.error({ msg: 'event handler failed for good; dead-lettering', correlationId: envelope.correlationId, topic, type: envelope.type, eventId: envelope.id, consumer: handler.consumer, attempt, err: message });
          await this.deadLetter(topic, envelope, headers, message, handler.consumer);
          this.metrics.eventsConsumed.inc({ topic, type: envelope.type, outcome: 'dead_lettered' });
          return;
        }
        this.logger.warn({ msg: 'event handler failed; retrying', correlationId: envelope.correlationId, topic, type: envelope.type, eventId: envelope.id, consumer: handler.consumer, attempt, err: message });
        await sleep(this.options.eventRetryDelayMs * 2 ** (attempt - 1));
      }
    }
  }

  private async deadLetter(topic: string, value: unknown, headers: Record<string, string>, error: string, consumer: string): Promise<void> {
    const envelope = isEnvelope(value) ? value : { id: 'unparseable', type: 'unknown', version: 1, occurredAt: new Date().toISOString(), correlationId: 'unknown', payload: value };
    await this.publisher.publish([
      {
        topic: deadLetterTopic(topic),
        key: envelope.id,
        value: envelope,
        headers: { ...headers, ...traceHeaders(), [MessageHeaders.error]: error.slice(0, 2_000), 'x-consumer': consumer, 'x-original-topic': topic },
      },
    ]);
    this.metrics.deadLettered.inc({ kind: 'event', name: topic });
  }
}
