import { Body, Controller, Get, HttpCode, HttpStatus, Param, Patch, Post, UseGuards } from '@nestjs/common';
import { CurrentActor, HttpAuthGuard, Roles } from '@shop/auth';
import type { Actor } from '@shop/contracts';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsInt, IsObject, IsOptional, IsString, Matches, MaxLength, Min } from 'class-validator';
import { ConfigServer } from './config.server.js';
import type { AuditEntry, HistoryEntry } from './config-state.js';

const KEY = /^[a-z0-9][a-z0-9-]*(\.[a-z0-9][a-z0-9-]*)*$/;

export class UpdateSourceBody {
  /** Values to set (flat dotted keys or nested maps). */
  @IsOptional()
  @IsObject()
  set?: Record<string, unknown>;

  /** Keys to remove from the source, even if its file sets them. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(200)
  @Matches(KEY, { each: true })
  unset?: string[];

  /** Keys whose override is dropped: the file's value applies again. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(200)
  @Matches(KEY, { each: true })
  reset?: string[];

  @IsOptional()
  @IsString()
  @MaxLength(500)
  reason?: string;
}

export class RollbackBody {
  @Type(() => Number)
  @IsInt()
  @Min(1)
  revision!: number;

  @IsOptional()
  @IsString()
  @MaxLength(500)
  reason?: string;
}

type Summary = Omit<HistoryEntry, 'sources'>;
const summary = (h: HistoryEntry): Summary => {
  const { sources: _sources, ...rest } = h;
  return rest;
};

/**
 * Administration of the configuration, on the config app itself (internal
 * port): an admin's access token, verified like at the gateway (JWKS of the
 * user service, algorithm, issuer, audience, expiry pinned), is required.
 * Every change is audited: who, when, which keys, why.
 */
@Controller('admin/config')
@UseGuards(HttpAuthGuard)
@Roles('ADMIN')
export class ConfigAdminHttpController {
  constructor(private readonly server: ConfigServer) {}

  /** The last revisions, newest first, with their changed keys (before and after). */
  @Get('history')
  history(): Summary[] {
    return this.server.state.history.map(summary);
  }

  @Get('audit')
  audit(): AuditEntry[] {
    return this.server.state.audit;
  }

  @Patch('sources/:source')
  update(@Param('source') source: string, @Body() body: UpdateSourceBody, @CurrentActor() actor: Actor): { revision: number; changed: boolean; entry?: Summary } {
    const entry = this.server.update(source, body, { userId: actorId(actor) });
    return { revision: this.server.state.revision, changed: !!entry, ...(entry ? { entry: summary(entry) } : {}) };
  }

  @Post('rollback')
  @HttpCode(HttpStatus.OK)
  rollback(@Body() body: RollbackBody, @CurrentActor() actor: Actor): { revision: number; changed: boolean; entry?: Summary } {
    const entry = this.server.rollback(body.revision, { userId: actorId(actor) }, body.reason);
    return { revision: this.server.state.revision, changed: !!entry, ...(entry ? { entry: summary(entry) } : {}) };
  }
}

function actorId(actor: Actor): string {
  return actor.kind === 'user' ? actor.userId : `service:${actor.service}`;
}
