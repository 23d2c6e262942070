import { type CanActivate, type ExecutionContext, Injectable, SetMetadata, applyDecorators, createParamDecorator } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { type Actor, DomainError, ErrorCodes, type Role } from '@shop/contracts';
import { MessageContextStore } from '@shop/messaging';
import type { FastifyRequest } from 'fastify';
import { TokenVerifier } from './token-verifier.js';

export const PUBLIC_ROUTE = 'shop:public';
export const ROUTE_ROLES = 'shop:roles';

/** Anyone may call this route, signed in or not. */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);

/** Only signed-in users with one of these roles may call this route. */
export const Roles = (...roles: Role[]) => applyDecorators(SetMetadata(ROUTE_ROLES, roles));

/** Any signed-in user may call this route. */
export const SignedIn = () => SetMetadata(ROUTE_ROLES, [] as Role[]);

type AuthedRequest = FastifyRequest & { actor?: Actor };

/** The verified caller of an HTTP route. */
export const CurrentActor = createParamDecorator((_: unknown, ctx: ExecutionContext): Actor | undefined => ctx.switchToHttp().getRequest<AuthedRequest>().actor);

/** What a route allows, from its decorators: public, a role list ([] = any signed-in user), or nothing (denied). */
export function accessRuleOf(reflector: Reflector, targets: Array<object>): { public: true } | { roles: Role[] } | undefined {
  if (reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets as never)) return { public: true };
  const roles = reflector.getAllAndOverride<Role[] | undefined>(ROUTE_ROLES, targets as never);
  return roles ? { roles } : undefined;
}

/**
 * The gateway's global guard: a route must say who may call it (@Public,
 * @SignedIn or @Roles), or nobody may. A bearer token is verified and its
 * actor and token travel with every RPC made while handling the request.
 */
@Injectable()
export class HttpAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly verifier: TokenVerifier,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const rule = accessRuleOf(this.reflector, [context.getHandler(), context.getClass()]);
    if (!rule) throw new DomainError(ErrorCodes.FORBIDDEN, 'this route has no access rule');
    const request = context.switchToHttp().getRequest<AuthedRequest>();
    const header = request.headers.authorization;
    // On a public route a token is optional, but one that is sent must be valid.
    if ('public' in rule && header === undefined) return true;
    const match = typeof header === 'string' ? /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(header) : null;
    if (!match) throw new DomainError(ErrorCodes.UNAUTHENTICATED, 'a bearer access token is required');
    const token = match[1]!;
    const { actor } = await this.verifier.verify(token);
    if (actor.kind !== 'user') throw new DomainError(ErrorCodes.FORBIDDEN, 'service tokens are not accepted here');
    if ('roles' in rule && rule.roles.length && !actor.roles.some((r) => rule.roles.includes(r))) {
      throw new DomainError(ErrorCodes.FORBIDDEN, `this needs the role ${rule.roles.join(' or ')}`);
    }
    request.actor = actor;
    const ctx = MessageContextStore.current();
    if (ctx) {
      ctx.actor = actor;
      ctx.token = token;
    }
    return true;
  }
}
