import { Inject, Injectable } from '@nestjs/common';
import { AUTH_OPTIONS, type AuthOptions } from '@shop/auth';
import { DomainError, ErrorCodes, newId } from '@shop/contracts';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { sqlTimestamp } from '@shop/database';
import { DataSource, type EntityManager, IsNull } from 'typeorm';
import { RefreshToken } from './refresh-token.entity.js';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/**
 * Opaque refresh tokens `<id>.<secret>` in families (one per login). Each use
 * rotates: the presented token is marked used by a conditional update, so of
 * two concurrent uses at most one wins; presenting a used token again is taken
 * as theft and revokes the whole family.
 */
@Injectable()
export class RefreshTokensService {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(AUTH_OPTIONS) private readonly options: AuthOptions,
  ) {}

  /** Issues a token in a family (a new family when none is given). */
  async issue(manager: EntityManager, userId: string, familyId: string = newId()): Promise<string> {
    const id = newId();
    const secret = randomBytes(32).toString('base64url');
    const now = Date.now();
    // Plain SQL: one login's INSERT through TypeORM's query builder cost twice the CPU.
    await manager.query('INSERT INTO refresh_tokens (id, family_id, user_id, secret_hash, expires_at, used_at, revoked_at, created_at) VALUES (?, ?, ?, ?, ?, NULL, NULL, ?)', [
      id,
      familyId,
      userId,
      sha256(secret),
      sqlTimestamp(new Date(now + this.options.refreshTtlSeconds * 1000)),
      sqlTimestamp(new Date(now)),
    ]);
    return `${id}.${secret}`;
  }

  /** Marks the token used and returns its row; throws AUTH.REFRESH_* otherwise (AUTH.REFRESH_REUSED: the caller revokes the family). */
  async consume(manager: EntityManager, presented: string): Promise<RefreshToken> {
    const row = await this.find(manager, presented);
    const now = new Date();
    const result = await manager
      .createQueryBuilder()
      .update(RefreshToken)
      .set({ usedAt: now })
      .where('id = :id AND used_at IS NULL AND revoked_at IS NULL AND expires_at > :now', { id: row.id, now: sqlTimestamp(now) })
      .execute();
    if (result.affected === 1) return row;
    const current = await manager.findOneByOrFail(RefreshToken, { id: row.id });
    if (current.usedAt && !current.revokedAt) {
      // The caller revokes the family once this transaction has rolled back (AuthService.refresh): revoking here
      // was undone by that rollback, and deadlocked concurrent reuses on MySQL.
      throw new DomainError(ErrorCodes.AUTH_REFRESH_REUSED, 'this refresh token was already used; the session has been revoked');
    }
    throw new DomainError(ErrorCodes.AUTH_REFRESH_INVALID, 'the refresh token is expired or revoked');
  }

  /** Revokes the family of a presented token (logout); false when the token is unknown. */
  async revokeFamilyOf(presented: string): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      const row = await this.find(manager, presented).catch(() => undefined);
      if (!row) return false;
      await this.revokeFamilyWith(manager, row.familyId);
      return true;
    });
  }

  async revokeAllOfUser(manager: EntityManager, userId: string): Promise<void> {
    await manager.update(RefreshToken, { userId, revokedAt: IsNull() }, { revokedAt: new Date() });
  }

  private async revokeFamilyWith(manager: EntityManager, familyId: string): Promise<void> {
    await manager.update(RefreshToken, { familyId, revokedAt: IsNull() }, { revokedAt: new Date() });
  }

  private async find(manager: EntityManager, presented: string): Promise<RefreshToken> {
    const invalid = () => new DomainError(ErrorCodes.AUTH_REFRESH_INVALID, 'the refresh token is not valid');
    if (typeof presented !== 'string' || presented.length > 200) throw invalid();
    const [id, secret] = presented.split('.');
    if (!id || !secret) throw invalid();
    const row = await manager.findOneBy(RefreshToken, { id });
    if (!row) throw invalid();
    const a = Buffer.from(row.secretHash, 'hex');
    const b = Buffer.from(sha256(secret), 'hex');
    if (a.length !== b.length || !timingSafeEqual(a, b)) throw invalid();
    return row;
  }
}
