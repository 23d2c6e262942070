import { Inject, Injectable, Optional } from '@nestjs/common';
import { type EventMap, type EventType, createEnvelope, topicOf } from '@shop/contracts';
import type { EntityManager } from 'typeorm';
import { SpanKind, endSpan, spanHeaders, startSpan } from '@shop/observability';
import { MessageContextStore } from '../context.js';
import { MESSAGING_OPTIONS, type MessagingOptions } from '../options.js';
import { OutboxMessage } from './outbox.entity.js';

/** queryRunner.data key marking a transaction that wrote to the outbox. */
export const OUTBOX_DIRTY = 'shop:outbox-dirty';

/**
 * Records a domain event in the outbox inside the caller's transaction: the
 * event exists if and only if the state change committed. The relay publishes
 * it right after the commit.
 */
@Injectable()
export class OutboxService {
  constructor(@Optional() @Inject(MESSAGING_OPTIONS) private readonly options?: MessagingOptions) {}

  async add<K extends EventType>(manager: EntityManager, type: K, aggregateId: string, payload: EventMap[K]): Promise<string> {
    const runner = manager.queryRunner;
    if (!runner?.isTransactionActive) {
      throw new Error(`outbox.add(${type}) needs the EntityManager of an open transaction`);
    }
    const envelope = createEnvelope(type, payload, MessageContextStore.origin());
    const topic = topicOf(type);
    // The event's creation, in the trace of the work that caused it: the relay
    // later publishes it as a child of this span, however long after.
    const span = startSpan(this.options?.service ?? 'outbox', `${topic} create`, {
      kind: SpanKind.PRODUCER,
      attributes: { 'messaging.operation.type': 'create', 'messaging.destination.name': topic, 'messaging.message.id': envelope.id, 'shop.event_type': type, 'shop.correlation_id': envelope.correlationId },
    });
    const trace = spanHeaders(span);
    endSpan(span);
    await manager.insert(OutboxMessage, {
      id: envelope.id,
      topic,
      type,
      aggregateId,
      envelope: JSON.stringify(envelope),
      traceContext: trace.traceparent ? JSON.stringify(trace) : null,
      createdAt: new Date(),
      publishedAt: null,
    });
    runner.data[OUTBOX_DIRTY] = true;
    return envelope.id;
  }
}
