import type { Role, UserView } from '@shop/contracts';
import type { User } from './user.entity.js';

export function rolesOf(user: Pick<User, 'roles'>): Role[] {
  return user.roles.split(',').filter(Boolean) as Role[];
}

/** The only shape a user leaves this service in: no hash, no token. */
export function toUserView(u: User): UserView {
  return {
    id: u.id,
    email: u.email,
    emailVerified: u.emailVerified,
    displayName: u.displayName,
    roles: rolesOf(u),
    status: u.status,
    createdAt: u.createdAt.toISOString(),
    updatedAt: u.updatedAt.toISOString(),
  };
}

const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,185}\.[^\s@]{2,}$/;

export function normalizeEmail(email: unknown): string | undefined {
  if (typeof email !== 'string') return undefined;
  const e = email.trim().toLowerCase();
  return e.length <= 254 && EMAIL.test(e) ? e : undefined;
}
