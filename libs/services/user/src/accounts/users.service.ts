import { Injectable } from '@nestjs/common';
import { requireRole, requireUser } from '@shop/auth';
import { type Actor, type ChangePassword, DomainError, ErrorCodes, type ListUsers, ROLES, type Role, type TokenPair, type UpdateProfile, type UserPage, type UserView } from '@shop/contracts';
import { OutboxService } from '@shop/messaging';
import { DataSource, type EntityManager } from 'typeorm';
import { AuthService } from '../credentials/auth.service.js';
import { PasswordHasher } from '../credentials/password-hasher.js';
import { checkPasswordPolicy } from '../credentials/password-policy.js';
import { RefreshTokensService } from '../credentials/refresh-tokens.service.js';
import { User } from './user.entity.js';
import { rolesOf, toUserView } from './user.view.js';

export const MAX_USERS_PAGE = 100;

@Injectable()
export class UsersService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly hasher: PasswordHasher,
    private readonly auth: AuthService,
    private readonly refreshTokens: RefreshTokensService,
    private readonly outbox: OutboxService,
  ) {}

  async me(actor: Actor | undefined): Promise<UserView> {
    const { userId } = requireUser(actor);
    return toUserView(await this.load(this.dataSource.manager, userId));
  }

  /** Only the display name can change here: roles, e-mail and its verification are not the user's to set. */
  async updateMe(actor: Actor | undefined, cmd: UpdateProfile): Promise<UserView> {
    const { userId } = requireUser(actor);
    const extra = Object.keys(cmd ?? {}).filter((k) => k !== 'displayName');
    if (extra.length) throw new DomainError(ErrorCodes.VALIDATION_FAILED, `these fields cannot be changed: ${extra.join(', ')}`);
    const user = await this.load(this.dataSource.manager, userId);
    if (cmd.displayName !== undefined) {
      const name = typeof cmd.displayName === 'string' ? cmd.displayName.trim() : '';
      if (!name || name.length > 100) throw new DomainError(ErrorCodes.VALIDATION_FAILED, 'displayName must be 1 to 100 characters');
      user.displayName = name;
      user.updatedAt = new Date();
      await this.dataSource.getRepository(User).save(user);
    }
    return toUserView(user);
  }

  /** Needs the current password; signs out every other session and returns a fresh one. */
  async changePassword(actor: Actor | undefined, cmd: ChangePassword): Promise<TokenPair> {
    const { userId } = requireUser(actor);
    const user = await this.load(this.dataSource.manager, userId);
    if (!(await this.hasher.verify(user.passwordHash, cmd.currentPassword))) {
      throw new DomainError(ErrorCodes.USER_WRONG_PASSWORD, 'the current password is wrong');
    }
    checkPasswordPolicy(cmd.newPassword, user.email);
    user.passwordHash = await this.hasher.hash(cmd.newPassword);
    user.updatedAt = new Date();
    return this.dataSource.transaction(async (manager) => {
      await manager.save(user);
      await this.refreshTokens.revokeAllOfUser(manager, user.id);
      return this.auth.tokenPair(manager, user);
    });
  }

  async list(actor: Actor | undefined, q: ListUsers): Promise<UserPage> {
    requireRole(actor, 'ADMIN');
    const page = Math.max(1, Math.floor(Number(q.page ?? 1)) || 1);
    const pageSize = Math.min(MAX_USERS_PAGE, Math.max(1, Math.floor(Number(q.pageSize ?? 20)) || 20));
    const qb = this.dataSource.getRepository(User).createQueryBuilder('u');
    if (q.role) {
      if (!ROLES.includes(q.role)) throw new DomainError(ErrorCodes.VALIDATION_FAILED, `role must be one of ${ROLES.join(', ')}`);
      // Portable: `||` concatenates on SQLite but is OR on MySQL.
      qb.andWhere('(u.roles = :role OR u.roles LIKE :first OR u.roles LIKE :middle OR u.roles LIKE :last)', { role: q.role, first: `${q.role},%`, middle: `%,${q.role},%`, last: `%,${q.role}` });
    }
    if (q.email) qb.andWhere('u.email LIKE :email', { email: `%${String(q.email).toLowerCase().replace(/[%_\\]/g, (c) => `\\${c}`)}%` });
    const [users, total] = await qb.orderBy('u.created_at', 'ASC').addOrderBy('u.id', 'ASC').skip((page - 1) * pageSize).take(pageSize).getManyAndCount();
    return { items: users.map(toUserView), total, page, pageSize };
  }

  async setRoles(actor: Actor | undefined, userId: string, roles: Role[]): Promise<UserView> {
    requireRole(actor, 'ADMIN');
    if (!Array.isArray(roles) || !roles.length || roles.some((r) => !ROLES.includes(r))) {
      throw new DomainError(ErrorCodes.VALIDATION_FAILED, `roles must be a non-empty list of ${ROLES.join(', ')}`);
    }
    return this.dataSource.transaction(async (manager) => {
      const user = await this.load(manager, userId);
      const previousRoles = rolesOf(user);
      user.roles = [...new Set(roles)].sort().join(',');
      user.updatedAt = new Date();
      await manager.save(user);
      await this.outbox.add(manager, 'user.role-changed', user.id, { userId: user.id, roles: rolesOf(user), previousRoles });
      return toUserView(user);
    });
  }

  /** A disabled account cannot log in or refresh; its access tokens die within their lifetime. */
  async setDisabled(actor: Actor | undefined, userId: string, disabled: boolean): Promise<UserView> {
    const admin = requireRole(actor, 'ADMIN');
    if (disabled && admin.userId === userId) throw new DomainError(ErrorCodes.CONFLICT, 'admins cannot disable themselves');
    return this.dataSource.transaction(async (manager) => {
      const user = await this.load(manager, userId);
      user.status = disabled ? 'DISABLED' : 'ACTIVE';
      user.updatedAt = new Date();
      await manager.save(user);
      if (disabled) await this.refreshTokens.revokeAllOfUser(manager, user.id);
      await this.outbox.add(manager, 'user.disabled', user.id, { userId: user.id, disabled });
      return toUserView(user);
    });
  }

  private async load(manager: EntityManager, userId: string): Promise<User> {
    const user = typeof userId === 'string' ? await manager.findOneBy(User, { id: userId }) : null;
    if (!user) throw new DomainError(ErrorCodes.USER_NOT_FOUND, 'no such user');
    return user;
  }
}
