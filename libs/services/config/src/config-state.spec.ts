import { ConfigRefused, ConfigState, layerNames, overridesFor, effectiveSources } from './config-state.js';

describe('ConfigState', () => {
  it('orders the layers like Spring Cloud Config: profile-specific over plain, the service over application, later profiles last', () => {
    expect(layerNames('gateway', ['dev', 'local'])).toEqual(['application', 'gateway', 'application-dev', 'gateway-dev', 'application-local', 'gateway-local']);
  });

  it('merges the layers of a service and profile, and lists the sources highest first', () => {
    const state = new ConfigState();
    state.commit({ application: { k: 'a', only: 1 }, gateway: { k: 'g' }, 'application-dev': { k: 'ad' }, 'gateway-dev': { k: 'gd' }, product: { k: 'p' } }, {}, { cause: 'boot' });
    const r = state.resolve('gateway', ['dev']);
    expect(r.properties).toEqual({ k: 'gd', only: 1 });
    expect(r.sources.map((s) => s.name)).toEqual(['gateway-dev', 'application-dev', 'gateway', 'application']);
    expect(state.resolve('gateway', []).properties.k).toBe('g');
    expect(state.resolve('product', ['dev']).properties.k).toBe('ad');
  });

  it('refuses invalid content and keeps the state it had', () => {
    const state = new ConfigState();
    state.commit({ gateway: { 'rate-limit.per-user': 5 } }, {}, { cause: 'boot' });
    expect(() => state.commit({ gateway: { 'rate-limit.per-user': 0 } }, {}, { cause: 'file' })).toThrow(ConfigRefused);
    expect(state.revision).toBe(1);
    expect(state.resolve('gateway', []).properties['rate-limit.per-user']).toBe(5);
  });

  it('computes rollback overrides that restore the target whatever the files say now', () => {
    const files = { gateway: { a: 1, b: 2 }, extra: { x: 1 } };
    const target = { gateway: { a: 9, c: 3 } };
    expect(effectiveSources(files, overridesFor(files, target))).toEqual(target);
  });

  it('keeps the last N revisions and audits admin changes with who, which keys and why', () => {
    const state = new ConfigState(2);
    state.commit({ gateway: { a: 1 } }, {}, { cause: 'boot' });
    state.commit({ gateway: { a: 2 } }, {}, { cause: 'file' });
    state.commit({ gateway: { a: 2 } }, { gateway: { a: 3 } }, { cause: 'admin', actor: { userId: 'u1' }, reason: 'incident' });
    expect(state.history.map((h) => h.revision)).toEqual([3, 2]);
    expect(state.history[0]!.changes).toEqual([{ source: 'gateway', key: 'a', before: 2, after: 3 }]);
    expect(state.audit).toEqual([expect.objectContaining({ actor: { userId: 'u1' }, action: 'update', keys: ['gateway:a'], reason: 'incident', revision: 3 })]);
  });
});
