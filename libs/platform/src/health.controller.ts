import { Controller, Get, HttpCode, HttpStatus, Inject, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Public } from '@shop/auth';
import { type ReadinessCheck, READINESS_CHECKS, withTimeout } from './readiness.js';

type Status = 'up' | 'down';

/**
 * `/health/live`: the process is running. `/health/ready`: every dependency
 * (database, brokers) answers; 503 with the failing ones named otherwise.
 */
@Controller('health')
@Public()
export class HealthController {
  constructor(@Inject(READINESS_CHECKS) private readonly checks: ReadinessCheck[]) {}

  @Get('live')
  @HttpCode(HttpStatus.OK)
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<{ status: 'ok' | 'error'; checks: Record<string, { status: Status; error?: string }> }> {
    const results = await Promise.all(
      this.checks.map(async (c) => {
        try {
          await withTimeout(c.name, 2_000, c.check());
          return [c.name, { status: 'up' as const }] as const;
        } catch (err) {
          return [c.name, { status: 'down' as const, error: err instanceof Error ? err.message : String(err) }] as const;
        }
      }),
    );
    const ok = results.every(([, r]) => r.status === 'up');
    void reply.status(ok ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    return { status: ok ? 'ok' : 'error', checks: Object.fromEntries(results) };
  }
}
