import { newId } from '@shop/contracts';
import { MessageContextStore } from '@shop/messaging';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

const HEADER = 'x-correlation-id';
const VALID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Accepts the caller's X-Correlation-Id (or makes one), returns it on every
 * response, and makes it the correlation id of every message sent while
 * handling the request.
 */
export function installCorrelation(app: NestFastifyApplication): void {
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', (request, reply, done) => {
    const given = request.headers[HEADER];
    const correlationId = typeof given === 'string' && VALID.test(given) ? given : newId();
    request.headers[HEADER] = correlationId;
    void reply.header(HEADER, correlationId);
    MessageContextStore.run({ correlationId }, done);
  });
}
