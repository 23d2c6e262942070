import { LiveConfig } from './live-config.js';
import { resolvePlaceholders } from './placeholders.js';
import { changedKeys, envNameOf, flatten, versionOf } from './properties.js';
import { validateProperties } from './schema.js';

describe('config properties', () => {
  it('flattens nested and dotted YAML keys alike, and lists to comma-separated values', () => {
    expect(flatten({ 'rate-limit': { login: { 'per-account': 3 } }, 'log.level': 'debug', cors: { origins: ['https://a.test', 'https://b.test'] } })).toEqual({
      'rate-limit.login.per-account': 3,
      'log.level': 'debug',
      'cors.origins': 'https://a.test,https://b.test',
    });
  });

  it('refuses null values, non-mapping documents and keys that are not kebab-case', () => {
    expect(() => flatten({ log: { level: null } }, 'a.yaml')).toThrow(/a\.yaml: key "log\.level" has no value/);
    expect(() => flatten(['x'], 'b.yaml')).toThrow(/top level must be a mapping/);
    expect(() => flatten({ logLevel: 'x' }, 'c.yaml')).toThrow(/kebab-case/);
  });

  it('maps keys to environment variables by relaxed binding', () => {
    expect(envNameOf('rate-limit.login.per-account')).toBe('RATE_LIMIT_LOGIN_PER_ACCOUNT');
    expect(envNameOf('log.level')).toBe('LOG_LEVEL');
  });

  it('versions properties by content, whatever the key order', () => {
    expect(versionOf({ a: 1, b: 'x' })).toBe(versionOf({ b: 'x', a: 1 }));
    expect(versionOf({ a: 1 })).not.toBe(versionOf({ a: 2 }));
    expect(changedKeys({ a: 1, b: 2 }, { b: 3, c: 4 })).toEqual(['a', 'b', 'c']);
  });
});

describe('placeholders', () => {
  it('resolves ${VAR} and ${VAR:default} from the environment, an empty variable counting as unset, and reports the missing', () => {
    const r = resolvePlaceholders({ url: 'amqp://${USER}:${PASS}@host', d: '${NOPE:fallback}', e: '${EMPTY:dflt}', m: '${MISSING}', n: 5 }, { USER: 'u', PASS: 'p', EMPTY: '' });
    expect(r.properties).toEqual({ url: 'amqp://u:p@host', d: 'fallback', e: 'dflt', m: '', n: 5 });
    expect(r.missing).toEqual([{ key: 'm', variable: 'MISSING' }]);
  });
});

describe('schema', () => {
  it('refuses known keys with values of the wrong type or range; lets placeholders through on the server', () => {
    expect(validateProperties({ 'rate-limit.login.per-account': -1, 'log.level': 'loud', 'features.registration-open': 'yes', 'custom.key': 'anything' }, { placeholders: 'allow' })).toEqual([
      'rate-limit.login.per-account must be at least 1, got -1',
      'log.level must be one of fatal, error, warn, log, debug, verbose, got "loud"',
      'features.registration-open must be true or false, got "yes"',
    ]);
    expect(validateProperties({ 'rate-limit.per-user': '${LIMIT}' }, { placeholders: 'allow' })).toEqual([]);
    expect(validateProperties({ 'rate-limit.per-user': '${LIMIT}' }, { placeholders: 'resolved' })).toHaveLength(1);
  });
});

describe('LiveConfig', () => {
  it('lets the environment override served values, applies refreshable keys live and keeps non-refreshable ones until a restart', () => {
    const live = new LiveConfig({ LOG_LEVEL: 'warn', OTHER: 'x' }, { 'log.level': 'debug', 'rate-limit.per-user': 5, 'rpc.timeout-ms': 1000 }, 'v1', 'server');
    expect(live.get('log.level')).toBe('warn');
    expect(live.int('rate-limit.per-user', 0)).toBe(5);
    const seen: string[][] = [];
    live.onChange((keys) => seen.push(keys));
    const change = live.apply({ 'log.level': 'verbose', 'rate-limit.per-user': 7, 'rpc.timeout-ms': 2000 }, 'v2', 'server');
    expect(change).toEqual({ changed: ['log.level', 'rate-limit.per-user', 'rpc.timeout-ms'], applied: ['rate-limit.per-user'], restartNeeded: ['rpc.timeout-ms'], shadowedByEnv: ['log.level'] });
    expect(seen).toEqual([['rate-limit.per-user']]);
    expect(live.int('rate-limit.per-user', 0)).toBe(7);
    expect(live.env()['RPC_TIMEOUT_MS']).toBe('1000');
    expect([...live.pendingRestart]).toEqual(['rpc.timeout-ms']);
    expect(live.env()['OTHER']).toBe('x');
  });
});
