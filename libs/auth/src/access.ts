import { type Actor, DomainError, ErrorCodes, type Role } from '@shop/contracts';

export type UserActor = Extract<Actor, { kind: 'user' }>;

/** The caller must be a signed-in user; returns it. */
export function requireUser(actor: Actor | undefined): UserActor {
  if (!actor) throw new DomainError(ErrorCodes.UNAUTHENTICATED, 'sign in first');
  if (actor.kind !== 'user') throw new DomainError(ErrorCodes.FORBIDDEN, 'this needs a user, not a service');
  return actor;
}

/** The caller must be a user with one of the roles; returns it. */
export function requireRole(actor: Actor | undefined, ...roles: Role[]): UserActor {
  const user = requireUser(actor);
  if (!user.roles.some((r) => roles.includes(r))) throw new DomainError(ErrorCodes.FORBIDDEN, `this needs the role ${roles.join(' or ')}`);
  return user;
}

export function hasRole(actor: Actor | undefined, role: Role): boolean {
  return actor?.kind === 'user' && actor.roles.includes(role);
}
