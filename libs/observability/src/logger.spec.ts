import { JsonLogger } from './logger.js';

function capture(level = 'log', context?: () => Record<string, unknown> | undefined) {
  const lines: Array<Record<string, unknown>> = [];
  const logger = new JsonLogger({ service: 'cart', level, context, destination: { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) } });
  return { logger, lines };
}

describe('JsonLogger', () => {
  it('writes one JSON line with service, instance, level, context name, the current correlation id and the message fields', () => {
    const { logger, lines } = capture('log', () => ({ correlationId: 'c-1' }));
    logger.log({ msg: 'cart updated', lines: 2 }, 'CartService');
    logger.error('failed', 'Error: x\n    at y', 'Rpc');
    expect(lines).toEqual([
      expect.objectContaining({ service: 'cart', instance: expect.stringMatching(/\/\d+$/), level: 'info', context: 'CartService', correlationId: 'c-1', msg: 'cart updated', lines: 2 }),
      expect.objectContaining({ level: 'error', context: 'Rpc', msg: 'failed', stack: 'Error: x\n    at y' }),
    ]);
  });

  it('honours the level and applies a new one live, as Nest passes it', () => {
    const { logger, lines } = capture('warn');
    logger.log('hidden');
    logger.warn('shown');
    logger.setLogLevels(['fatal', 'error', 'warn', 'log', 'debug']);
    logger.debug('now shown');
    logger.verbose('still hidden');
    logger.setLevel('error');
    logger.warn('hidden again');
    expect(lines.map((l) => [l['level'], l['msg']])).toEqual([
      ['warn', 'shown'],
      ['debug', 'now shown'],
    ]);
  });

  it('names the service of the context over its own (several services in one process)', () => {
    const { logger, lines } = capture('log', () => ({ service: 'user', correlationId: 'c-2' }));
    logger.log('handled');
    expect(lines[0]).toMatchObject({ service: 'user', correlationId: 'c-2' });
  });

  it('never writes a password or a token, at any depth or in the message', () => {
    const { logger, lines } = capture('verbose');
    logger.verbose({ msg: 'request detail', headers: { authorization: 'Bearer s3cr3t-token' }, body: { email: 'a@b.test', password: 'hunter2', nested: [{ refreshToken: 'r-tok' }] } });
    logger.warn('login with Bearer eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln failed');
    const text = JSON.stringify(lines);
    for (const secret of ['s3cr3t-token', 'hunter2', 'r-tok', 'eyJhbGciOiJFUzI1NiJ9']) expect(text).not.toContain(secret);
    expect(lines[0]).toMatchObject({ body: { email: 'a@b.test', password: '[REDACTED]' } });
  });
});
