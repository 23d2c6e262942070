import { InstanceRegistry } from './instance-registry.js';

const reg = (service: string, id: string, extra: Record<string, unknown> = {}) => ({ service, instanceId: id, version: '1.2.3', host: '10.0.0.7', port: 3002, healthUrl: 'http://10.0.0.7:3002/health/ready', metadata: { namespace: 'ns' }, ...extra });

describe('InstanceRegistry', () => {
  let now: number;
  let registry: InstanceRegistry;
  beforeEach(() => {
    now = Date.parse('2030-01-01T00:00:00Z');
    registry = new InstanceRegistry(() => now);
  });

  it('evicts an instance once its last heartbeat is older than the TTL, and not before', () => {
    registry.register(reg('product', 'a'));
    registry.register(reg('product', 'b'));
    now += 4_000;
    expect(registry.heartbeat('product', 'b')).toBeDefined();
    now += 1_000; // a: 5 s since its registration, b: 1 s since its heartbeat
    expect(registry.evictExpired(5_000)).toEqual([]);
    now += 1;
    expect(registry.evictExpired(5_000).map((i) => i.instanceId)).toEqual(['a']);
    expect(registry.list().map((i) => i.instanceId)).toEqual(['b']);
  });

  it('answers a heartbeat of an unknown (evicted) instance with undefined, so that the app registers again', () => {
    registry.register(reg('product', 'a'));
    now += 10_000;
    registry.evictExpired(5_000);
    expect(registry.heartbeat('product', 'a')).toBeUndefined();
  });

  it('bumps its version on registration, status change, eviction and deregistration, not on plain heartbeats', () => {
    const v0 = registry.version;
    registry.register(reg('product', 'a'));
    const v1 = registry.version;
    registry.heartbeat('product', 'a');
    expect(registry.version).toBe(v1);
    registry.markHealth('product', 'a', false, 'health check answered 503');
    expect(registry.list()[0]).toMatchObject({ status: 'DOWN', statusReason: 'health check answered 503' });
    registry.markHealth('product', 'a', false, 'health check answered 503');
    const v2 = registry.version;
    expect(v2).toBe(v1 + 1);
    registry.markHealth('product', 'a', true);
    expect(registry.list()[0]!.status).toBe('UP');
    expect(registry.list()[0]!.statusReason).toBeUndefined();
    expect(registry.deregister('product', 'a')).toBe(true);
    expect(registry.version).toBe(v0 + 4);
  });

  it('serves Prometheus target groups for UP instances only, with valid label names', () => {
    registry.register(reg('product', 'a'));
    registry.register(reg('cart', 'c', { port: 3003, healthUrl: undefined }));
    registry.markHealth('product', 'a', false);
    const groups = registry.prometheusTargets();
    expect(groups).toEqual([{ targets: ['10.0.0.7:3003'], labels: { service: 'cart', instance_id: 'c', version: '1.2.3', namespace: 'ns', __metrics_path__: '/metrics' } }]);
    for (const g of groups) for (const name of Object.keys(g.labels)) expect(name).toMatch(/^[a-zA-Z_][a-zA-Z0-9_]*$/);
  });

  it('refuses new instances beyond its capacity but accepts re-registrations', () => {
    const small = new InstanceRegistry(() => now, 1);
    small.register(reg('product', 'a'));
    expect(() => small.register(reg('product', 'b'))).toThrow(/holds 1 instances/);
    expect(() => small.register(reg('product', 'a'))).not.toThrow();
  });
});
