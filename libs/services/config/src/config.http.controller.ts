import { Controller, Get, Headers, HttpStatus, Param, Query, Res } from '@nestjs/common';
import { Public } from '@shop/auth';
import { DomainError, ErrorCodes } from '@shop/contracts';
import type { FastifyReply } from 'fastify';
import { ConfigServer } from './config.server.js';
import type { Resolved } from './config-state.js';

const SERVICE = /^[a-z][a-z0-9-]{0,62}$/;
const PROFILES = /^[a-z0-9][a-z0-9-]{0,30}(,[a-z0-9][a-z0-9-]{0,30}){0,4}$/;

function target(service: string, profile: string): [string, string[]] {
  if (!SERVICE.test(service)) throw new DomainError(ErrorCodes.VALIDATION_FAILED, 'the service name must be lower-case letters, digits and dashes');
  if (!PROFILES.test(profile)) throw new DomainError(ErrorCodes.VALIDATION_FAILED, 'the profile must be up to five profile names separated by commas');
  // `default`: no profile-specific source, like Spring's default profile.
  return [service, profile.split(',').filter((p) => p !== 'default')];
}

const etagOf = (r: Resolved) => `"${r.version}"`;
const matches = (ifNoneMatch: string | undefined, r: Resolved) => !!ifNoneMatch && ifNoneMatch.split(',').some((t) => t.trim().replace(/^W\//, '') === etagOf(r));

/**
 * Reads are open inside the cluster: the config holds no secret (only
 * `${ENV}` placeholders, resolved by each app from its own environment).
 */
@Controller('config')
@Public()
export class ConfigHttpController {
  constructor(private readonly server: ConfigServer) {}

  /** The state of the repository: the revision served, and the last refusal of the files if they are invalid now. */
  @Get('status')
  status() {
    return this.server.status();
  }

  /** Merged properties, version (content hash, also the ETag) and sources, highest precedence first. */
  @Get(':service/:profile')
  get(@Param('service') service: string, @Param('profile') profile: string, @Headers('if-none-match') ifNoneMatch: string | undefined, @Res({ passthrough: true }) reply: FastifyReply): Resolved | undefined {
    const resolved = this.server.resolve(...target(service, profile));
    void reply.header('etag', etagOf(resolved)).header('cache-control', 'no-cache');
    if (matches(ifNoneMatch, resolved)) {
      void reply.status(HttpStatus.NOT_MODIFIED);
      return undefined;
    }
    return resolved;
  }

  /**
   * Long poll: answers as soon as the version differs from `version` (200
   * with the new configuration), or 304 after `waitMs` (default 30 s, at most 55 s).
   */
  @Get(':service/:profile/watch')
  async watch(@Param('service') service: string, @Param('profile') profile: string, @Query('version') version: string | undefined, @Query('waitMs') waitMs: string | undefined, @Res({ passthrough: true }) reply: FastifyReply): Promise<Resolved | undefined> {
    const wait = Math.min(55_000, Math.max(0, Number(waitMs ?? 30_000) || 0));
    const resolved = await this.server.waitForChange(...target(service, profile), String(version ?? ''), wait);
    if (!resolved) {
      void reply.status(HttpStatus.NOT_MODIFIED);
      return undefined;
    }
    void reply.header('etag', etagOf(resolved)).header('cache-control', 'no-cache');
    return resolved;
  }
}
