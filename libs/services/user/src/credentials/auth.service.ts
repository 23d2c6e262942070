import { Inject, Injectable, Optional } from '@nestjs/common';
import { AUTH_OPTIONS, type AuthOptions } from '@shop/auth';
import { DomainError, ErrorCodes, type Login, type Register, type ServiceCredentials, type ServiceToken, type TokenPair, type UserView, newId } from '@shop/contracts';
import { isDuplicateKeyError } from '@shop/database';
import { METRICS_REGISTRY, OutboxService, counterIn } from '@shop/messaging';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Counter, Registry } from 'prom-client';
import { DataSource, type EntityManager } from 'typeorm';
import { User } from '../accounts/user.entity.js';
import { normalizeEmail, rolesOf, toUserView } from '../accounts/user.view.js';
import { TokenIssuer } from '../tokens/token-issuer.js';
import { PasswordHasher } from './password-hasher.js';
import { checkPasswordPolicy } from './password-policy.js';
import { RefreshTokensService } from './refresh-tokens.service.js';

export const SERVICE_SECRETS = Symbol('SERVICE_SECRETS');

/** What a login reads of its account. */
interface LoginRow {
  id: string;
  password_hash: string;
  roles: string;
  status: User['status'];
}

@Injectable()
export class AuthService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly hasher: PasswordHasher,
    private readonly issuer: TokenIssuer,
    private readonly refreshTokens: RefreshTokensService,
    private readonly outbox: OutboxService,
    @Inject(AUTH_OPTIONS) private readonly options: AuthOptions,
    @Inject(SERVICE_SECRETS) private readonly serviceSecrets: Map<string, string>,
    @Optional() @Inject(METRICS_REGISTRY) registry?: Registry,
  ) {
    // rate_limited is counted by the gateway, which refuses those logins before they get here.
    this.logins = registry && counterIn(registry, 'shop_logins_total', 'Login attempts by outcome (success, invalid_credentials, disabled, rate_limited).', ['outcome']);
  }

  private readonly logins?: Counter<'outcome'>;

  /** New accounts are customers; roles come only from an admin. */
  async register(cmd: Register, roles: User['roles'] = 'CUSTOMER'): Promise<UserView> {
    const email = normalizeEmail(cmd.email);
    if (!email) throw new DomainError(ErrorCodes.VALIDATION_FAILED, 'email is not a valid e-mail address');
    const displayName = typeof cmd.displayName === 'string' ? cmd.displayName.trim() : '';
    if (!displayName || displayName.length > 100) throw new DomainError(ErrorCodes.VALIDATION_FAILED, 'displayName must be 1 to 100 characters');
    checkPasswordPolicy(cmd.password, email);
    const now = new Date();
    const user = Object.assign(new User(), {
      id: newId(),
      email,
      emailVerified: false,
      displayName,
      passwordHash: await this.hasher.hash(cmd.password),
      roles,
      status: 'ACTIVE' as const,
      createdAt: now,
      updatedAt: now,
      version: 1,
    });
    try {
      await this.dataSource.transaction(async (manager) => {
        await manager.insert(User, user);
        await this.outbox.add(manager, 'user.registered', user.id, { userId: user.id, email, displayName, roles: rolesOf(user) });
      });
    } catch (err) {
      if (isDuplicateKeyError(err)) throw new DomainError(ErrorCodes.USER_EMAIL_TAKEN, 'an account with this e-mail address exists');
      throw err;
    }
    return toUserView(user);
  }

  async login(cmd: Login): Promise<TokenPair> {
    const email = normalizeEmail(cmd.email);
    // Plain SQL, only the columns a login reads: TypeORM's findOneBy built and hydrated it for twice the CPU.
    const [user] = email ? await this.dataSource.query<LoginRow[]>('SELECT id, password_hash, roles, status FROM users WHERE email = ?', [email]) : [];
    // Verified even when the account is unknown, so timing does not tell which e-mails exist.
    const ok = await this.hasher.verify(user?.password_hash, typeof cmd.password === 'string' ? cmd.password : '');
    if (!user || !ok) {
      this.logins?.inc({ outcome: 'invalid_credentials' });
      throw new DomainError(ErrorCodes.AUTH_INVALID_CREDENTIALS, 'e-mail or password is wrong');
    }
    if (user.status !== 'ACTIVE') {
      this.logins?.inc({ outcome: 'disabled' });
      throw new DomainError(ErrorCodes.AUTH_ACCOUNT_DISABLED, 'this account is disabled');
    }
    // One INSERT (the refresh token): atomic alone, no transaction around it.
    const pair = await this.tokenPair(this.dataSource.manager, user);
    this.logins?.inc({ outcome: 'success' });
    return pair;
  }

  async refresh(presented: string): Promise<TokenPair> {
    try {
      return await this.dataSource.transaction(async (manager) => {
        const row = await this.refreshTokens.consume(manager, presented);
        const user = await manager.findOneBy(User, { id: row.userId });
        if (!user || user.status !== 'ACTIVE') throw new DomainError(ErrorCodes.AUTH_REFRESH_INVALID, 'the refresh token is not valid');
        return this.tokenPair(manager, user, row.familyId);
      });
    } catch (err) {
      // The error rolled the transaction back, with the family revocation consume() made in it: revoke in a transaction of its own.
      if (err instanceof DomainError && err.code === ErrorCodes.AUTH_REFRESH_REUSED) await this.refreshTokens.revokeFamilyOf(presented);
      throw err;
    }
  }

  logout(presented: string): Promise<boolean> {
    return this.refreshTokens.revokeFamilyOf(presented);
  }

  /** Client credentials of a service (its secret) for a short-lived service token. */
  async serviceToken(cmd: ServiceCredentials): Promise<ServiceToken> {
    const expected = this.serviceSecrets.get(cmd.service);
    const digest = (s: string) => createHash('sha256').update(s).digest();
    if (!expected || typeof cmd.secret !== 'string' || !timingSafeEqual(digest(expected), digest(cmd.secret))) {
      throw new DomainError(ErrorCodes.AUTH_INVALID_CREDENTIALS, 'unknown service or wrong secret');
    }
    const { token, expiresIn } = await this.issuer.forService(cmd.service);
    return { accessToken: token, expiresIn };
  }

  /** Access token plus a refresh token in the given family (a new one at login). */
  async tokenPair(manager: EntityManager, user: Pick<User, 'id' | 'roles'>, familyId?: string): Promise<TokenPair> {
    const access = await this.issuer.forUser(user.id, rolesOf(user));
    const refreshToken = await this.refreshTokens.issue(manager, user.id, familyId);
    return { tokenType: 'Bearer', accessToken: access.token, expiresIn: access.expiresIn, refreshToken, refreshExpiresIn: this.options.refreshTtlSeconds };
  }
}
