import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DomainError, ErrorCodes, type RpcErrorPayload } from '@shop/contracts';
import { isDuplicateKeyError, sqlTimestamp } from '@shop/database';
import { DataSource, type EntityManager } from 'typeorm';
import { IdempotencyRecord } from './order.entities.js';

/** Keys are kept this long (the IETF draft and Stripe: at least 24 hours). */
export const IDEMPOTENCY_RETENTION_MS = 24 * 60 * 60 * 1000;
/** A request still IN_PROGRESS after this was abandoned by a crashed process: a retry may take it over. */
export const IDEMPOTENCY_LEASE_MS = 30_000;
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

export type Claim<T> = { kind: 'claimed' } | { kind: 'replay'; body: T };

/** A stable digest of a request body: the same fields in any order hash alike. */
export function requestHash(body: unknown): string {
  const canonical = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(canonical) : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical((v as Record<string, unknown>)[k])])) : v;
  return createHash('sha256').update(JSON.stringify(canonical(body))).digest('hex');
}

export function checkIdempotencyKey(key: unknown): string {
  if (typeof key !== 'string' || !key) throw new DomainError(ErrorCodes.IDEMPOTENCY_KEY_REQUIRED, 'the Idempotency-Key header is required');
  if (!KEY_PATTERN.test(key)) throw new DomainError(ErrorCodes.VALIDATION_FAILED, 'Idempotency-Key must be 1 to 255 visible ASCII characters');
  return key;
}

/**
 * Idempotent requests (draft-ietf-httpapi-idempotency-key-header, Stripe's
 * behaviour), per user and key: the first request claims the key; a second
 * one with the same body replays the first answer once there is one, gets
 * IDEMPOTENCY.IN_PROGRESS while the first still runs, and
 * IDEMPOTENCY.KEY_REUSED when its body differs. The answer is stored in the
 * transaction that makes the request's effects, so an effect never exists
 * without its answer.
 */
@Injectable()
export class IdempotencyService {
  constructor(private readonly dataSource: DataSource) {}

  async claim<T>(userId: string, key: string, hash: string, now = new Date()): Promise<Claim<T>> {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await this.dataSource.getRepository(IdempotencyRecord).insert({
          userId,
          key,
          requestHash: hash,
          state: 'IN_PROGRESS',
          response: null,
          lockedUntil: new Date(now.getTime() + IDEMPOTENCY_LEASE_MS),
          createdAt: now,
          expiresAt: new Date(now.getTime() + IDEMPOTENCY_RETENTION_MS),
        });
        return { kind: 'claimed' };
      } catch (err) {
        if (!isDuplicateKeyError(err)) throw err;
      }
      const seen = await this.dataSource.getRepository(IdempotencyRecord).findOneBy({ userId, key });
      if (!seen) continue; // expired and purged meanwhile: claim again
      if (seen.expiresAt <= now) {
        await this.dataSource.getRepository(IdempotencyRecord).delete({ userId, key });
        continue;
      }
      if (seen.requestHash !== hash) throw new DomainError(ErrorCodes.IDEMPOTENCY_KEY_REUSED, 'this Idempotency-Key was used with another request body');
      if (seen.state === 'DONE') {
        const stored = JSON.parse(seen.response ?? '{}') as { body?: T; error?: RpcErrorPayload };
        if (stored.error) throw new DomainError(stored.error.code, stored.error.message, stored.error.details);
        return { kind: 'replay', body: stored.body as T };
      }
      if (seen.lockedUntil > now) throw new DomainError(ErrorCodes.IDEMPOTENCY_IN_PROGRESS, 'a request with this Idempotency-Key is still being processed; retry later');
      // Abandoned by a process that died mid-request (nothing of it was committed): take it over.
      const taken = await this.dataSource
        .createQueryBuilder()
        .update(IdempotencyRecord)
        .set({ lockedUntil: new Date(now.getTime() + IDEMPOTENCY_LEASE_MS) })
        .where('user_id = :u AND idem_key = :k AND state = :s AND locked_until = :l', { u: userId, k: key, s: 'IN_PROGRESS', l: sqlTimestamp(seen.lockedUntil) })
        .execute();
      if (taken.affected === 1) return { kind: 'claimed' };
    }
    throw new DomainError(ErrorCodes.IDEMPOTENCY_IN_PROGRESS, 'a request with this Idempotency-Key is still being processed; retry later');
  }

  /** Stores the answer in the transaction that made the request's effects. */
  async complete(manager: EntityManager, userId: string, key: string, body: unknown): Promise<void> {
    await manager.update(IdempotencyRecord, { userId, key }, { state: 'DONE', response: JSON.stringify({ body }) });
  }

  /** A business refusal is an answer too: replayed like a success. */
  async completeWithError(userId: string, key: string, error: DomainError): Promise<void> {
    await this.dataSource.getRepository(IdempotencyRecord).update({ userId, key }, { state: 'DONE', response: JSON.stringify({ error: error.toPayload() }) });
  }

  /** An unexpected failure (a timeout, a crash of a dependency): the key is freed so the client can retry. */
  async abandon(userId: string, key: string): Promise<void> {
    await this.dataSource.getRepository(IdempotencyRecord).delete({ userId, key, state: 'IN_PROGRESS' });
  }

  /** Drops keys past their retention. */
  async purgeExpired(now = new Date()): Promise<number> {
    const result = await this.dataSource.createQueryBuilder().delete().from(IdempotencyRecord).where('expires_at <= :now', { now: sqlTimestamp(now) }).execute();
    return result.affected ?? 0;
  }
}
