import { Injectable } from '@nestjs/common';
import { type EventMap, type EventType, createEnvelope, topicOf } from '@shop/contracts';
import type { EntityManager } from 'typeorm';
import { MessageContextStore } from '../context.js';
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
  async add<K extends EventType>(manager: EntityManager, type: K, aggregateId: string, payload: EventMap[K]): Promise<string> {
    const runner = manager.queryRunner;
    if (!runner?.isTransactionActive) {
      throw new Error(`outbox.add(${type}) needs the EntityManager of an open transaction`);
    }
    const envelope = createEnvelope(type, payload, MessageContextStore.origin());
    await manager.insert(OutboxMessage, {
      id: envelope.id,
      topic: topicOf(type),
      type,
      aggregateId,
      envelope: JSON.stringify(envelope),
      createdAt: new Date(),
      publishedAt: null,
    });
    runner.data[OUTBOX_DIRTY] = true;
    return envelope.id;
  }
}
