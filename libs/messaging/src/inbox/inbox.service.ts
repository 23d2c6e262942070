import { Injectable } from '@nestjs/common';
import { isDuplicateKeyError } from '@shop/database';
import type { Envelope } from '@shop/contracts';
import { DataSource, type EntityManager } from 'typeorm';
import { InboxEntry } from './inbox.entity.js';

export type InboxOutcome = 'processed' | 'duplicate';

/**
 * Applies an event once per consumer: the inbox row and the handler's writes
 * commit together, so a redelivered event finds its row and is skipped, and a
 * failed handler leaves no row behind (the event is retried).
 */
@Injectable()
export class InboxService {
  constructor(private readonly dataSource: DataSource) {}

  async process(envelope: Envelope, consumer: string, apply: (manager: EntityManager) => unknown): Promise<InboxOutcome> {
    const seen = await this.dataSource.getRepository(InboxEntry).existsBy({ eventId: envelope.id, consumer });
    if (seen) return 'duplicate';
    let duplicate = false;
    await this.dataSource.transaction(async (manager) => {
      // Inserted first: a concurrent delivery of the same event waits on this
      // row's lock and then fails on the key, instead of applying twice.
      try {
        await manager.insert(InboxEntry, { eventId: envelope.id, consumer, eventType: envelope.type, receivedAt: new Date() });
      } catch (err) {
        if (!isDuplicateKeyError(err)) throw err;
        duplicate = true;
        return;
      }
      await apply(manager);
    });
    return duplicate ? 'duplicate' : 'processed';
  }
}
