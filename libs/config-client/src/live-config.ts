import { type Properties, changedKeys, envNameOf } from './properties.js';
import { isRefreshable } from './schema.js';

/** Where the app's configuration came from. */
export type ConfigOrigin = 'server' | 'cache' | 'environment';

export interface AppliedChange {
  /** Keys whose served value changed. */
  changed: string[];
  /** Refreshable keys now in effect. */
  applied: string[];
  /** Non-refreshable keys that changed: in effect after a restart. */
  restartNeeded: string[];
  /** Keys whose environment variable overrides the served value: the change has no effect. */
  shadowedByEnv: string[];
}

/**
 * The app's configuration as it is in effect now: the environment overrides
 * the served properties; refreshable keys follow the latest served version,
 * the others keep the value the app booted with until it restarts.
 * Business code reads it by key (`live.int('rate-limit.per-user', 600)`) or
 * as an environment (`live.env()`), at the time it needs the value.
 */
export class LiveConfig {
  private boot: Properties;
  private current: Properties;
  private effective: NodeJS.ProcessEnv;
  private readonly listeners = new Set<(keys: string[]) => void>();
  version?: string;
  origin: ConfigOrigin;
  appliedAt = new Date();
  /** Non-refreshable keys changed since boot. */
  readonly pendingRestart = new Set<string>();

  constructor(
    private readonly baseEnv: NodeJS.ProcessEnv,
    props: Properties = {},
    version?: string,
    origin: ConfigOrigin = 'environment',
  ) {
    this.boot = { ...props };
    this.current = { ...props };
    this.version = version;
    this.origin = origin;
    this.effective = this.compute();
  }

  /** A live configuration of the environment only (tests, tools). */
  static fromEnv(env: NodeJS.ProcessEnv): LiveConfig {
    return new LiveConfig(env);
  }

  private overriddenByEnv(key: string): boolean {
    const v = this.baseEnv[envNameOf(key)];
    return v !== undefined && v !== '';
  }

  private compute(): NodeJS.ProcessEnv {
    const props: Properties = { ...this.boot };
    for (const key of new Set([...Object.keys(this.boot), ...Object.keys(this.current)])) {
      if (!isRefreshable(key)) continue;
      if (key in this.current) props[key] = this.current[key]!;
      else delete props[key];
    }
    // Each served key becomes its environment variable (relaxed binding), unless the environment sets it.
    const merged: NodeJS.ProcessEnv = { ...this.baseEnv };
    for (const [key, value] of Object.entries(props)) {
      if (!this.overriddenByEnv(key)) merged[envNameOf(key)] = String(value);
    }
    return merged;
  }

  /** The settings in effect, as environment variables (files first, the environment over them). */
  env(): NodeJS.ProcessEnv {
    return this.effective;
  }

  /** The served properties the app booted with (after placeholders), for display. */
  properties(): Properties {
    return { ...this.current };
  }

  get(key: string): string | undefined {
    const v = this.effective[envNameOf(key)];
    return v === '' ? undefined : v;
  }

  int(key: string, fallback: number): number {
    const v = this.get(key);
    const n = v === undefined ? NaN : Number(v);
    return Number.isInteger(n) ? n : fallback;
  }

  bool(key: string, fallback: boolean): boolean {
    const v = this.get(key);
    return v === 'true' ? true : v === 'false' ? false : fallback;
  }

  /** The configuration the app boots with (before anything reads it): every key is in effect. */
  load(props: Properties, version: string, origin: ConfigOrigin): void {
    this.boot = { ...props };
    this.current = { ...props };
    this.pendingRestart.clear();
    this.version = version;
    this.origin = origin;
    this.appliedAt = new Date();
    this.effective = this.compute();
  }

  /** Replaces the served properties (already resolved and validated) and tells the listeners which keys took effect. */
  apply(props: Properties, version: string, origin: ConfigOrigin): AppliedChange {
    const changed = changedKeys(this.current, props);
    const shadowedByEnv = changed.filter((k) => this.overriddenByEnv(k));
    const effective = changed.filter((k) => !this.overriddenByEnv(k));
    const applied = effective.filter(isRefreshable);
    const restartNeeded = effective.filter((k) => !isRefreshable(k));
    this.current = { ...props };
    for (const k of restartNeeded) {
      if (this.boot[k] === props[k]) this.pendingRestart.delete(k);
      else this.pendingRestart.add(k);
    }
    this.version = version;
    this.origin = origin;
    this.appliedAt = new Date();
    this.effective = this.compute();
    if (applied.length) for (const l of this.listeners) l(applied);
    return { changed, applied, restartNeeded, shadowedByEnv };
  }

  /** Called with the refreshable keys that changed, once they are in effect. */
  onChange(listener: (keys: string[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
