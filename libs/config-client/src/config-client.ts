import type { LoggerService } from '@nestjs/common';
import { envInt } from '@shop/contracts';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { AnnouncementBus, ConfigAnnouncement } from './announcements.js';
import { type ConfigOrigin, LiveConfig } from './live-config.js';
import { resolvePlaceholders } from './placeholders.js';
import type { Properties } from './properties.js';
import { checkValue } from './schema.js';

/** What `GET /config/<service>/<profile>` answers. */
export interface ServedConfig {
  name: string;
  profiles: string[];
  /** Content hash of `properties`; also the ETag. */
  version: string;
  /** The config server's revision (its whole repository) this was served from. */
  revision: number;
  properties: Properties;
  /** Highest precedence first, like Spring Cloud Config's propertySources. */
  sources: Array<{ name: string; properties: Properties }>;
}

export interface ConfigClientOptions {
  service: string;
  profile: string;
  /** The config server; undefined: configuration from the environment only. */
  url?: string;
  /** Fail the boot when the server cannot be reached (else: last cached copy, or the environment). */
  failFast: boolean;
  attempts: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
  /** Where the last good served copy is kept; undefined: no cache. */
  cacheDir?: string;
  /** Safety-net poll, in case an announcement is lost. */
  pollMs: number;
  timeoutMs: number;
}

/**
 * The config client's own settings come from the environment only (they say
 * where the configuration is): CONFIG_URL (default http://127.0.0.1:8888,
 * `none` for none), SHOP_PROFILE (default dev), CONFIG_FAIL_FAST,
 * CONFIG_RETRY_ATTEMPTS, CONFIG_RETRY_INITIAL_MS, CONFIG_RETRY_MAX_MS,
 * CONFIG_CACHE_DIR (default .data/config-cache, `none` for none),
 * CONFIG_POLL_MS, CONFIG_TIMEOUT_MS.
 */
export function configClientOptionsFromEnv(service: string, env: NodeJS.ProcessEnv = process.env): ConfigClientOptions {
  const url = env['CONFIG_URL'] || 'http://127.0.0.1:8888';
  const cacheDir = env['CONFIG_CACHE_DIR'] || '.data/config-cache';
  const profile = env['SHOP_PROFILE'] || 'dev';
  if (!/^[a-z0-9][a-z0-9-]*(,[a-z0-9][a-z0-9-]*)*$/.test(profile)) throw new Error(`SHOP_PROFILE must be profile names separated by commas, got "${profile}"`);
  return {
    service,
    profile,
    url: url === 'none' ? undefined : url.replace(/\/+$/, ''),
    failFast: env['CONFIG_FAIL_FAST'] === 'true',
    attempts: envInt(env, 'CONFIG_RETRY_ATTEMPTS', 3, 1),
    initialBackoffMs: envInt(env, 'CONFIG_RETRY_INITIAL_MS', 100, 0),
    maxBackoffMs: envInt(env, 'CONFIG_RETRY_MAX_MS', 5_000, 0),
    cacheDir: cacheDir === 'none' ? undefined : resolve(cacheDir),
    pollMs: envInt(env, 'CONFIG_POLL_MS', 30_000, 100),
    timeoutMs: envInt(env, 'CONFIG_TIMEOUT_MS', 2_000, 1),
  };
}

export class ConfigInvalidError extends Error {}

const silent: LoggerService = { log: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * Each app's view of the config server: loads its configuration at boot
 * (retrying with backoff; then fail-fast, or the last copy cached on disk, or
 * the environment alone), validates it after resolving `${ENV}` placeholders
 * from the app's own environment, and on every announcement (or poll) fetches
 * the new version and applies it: refreshable keys live, the others logged as
 * needing a restart. An invalid new version is refused and the current one
 * stays in effect.
 */
export class ConfigClient {
  readonly live: LiveConfig;
  private served?: ServedConfig;
  private timer?: NodeJS.Timeout;
  private refreshing?: Promise<void>;
  private again?: string;
  private stopped = false;
  private metrics?: { info: Gauge<string>; refreshes: Counter<string>; restart: Gauge<string>; appliedAt: Gauge<string> };

  constructor(
    readonly options: ConfigClientOptions,
    private readonly baseEnv: NodeJS.ProcessEnv,
    private readonly logger: LoggerService = silent,
  ) {
    this.live = new LiveConfig(baseEnv);
  }

  private cacheFile(): string | undefined {
    return this.options.cacheDir ? join(this.options.cacheDir, `${this.options.service}-${this.options.profile.replace(/,/g, '+')}.json`) : undefined;
  }

  /** Fetches and validates the served configuration; undefined when it did not change (304). */
  private async fetchServed(ifNoneMatch?: string): Promise<ServedConfig | undefined> {
    const url = `${this.options.url}/config/${encodeURIComponent(this.options.service)}/${encodeURIComponent(this.options.profile)}`;
    const res = await fetch(url, { headers: ifNoneMatch ? { 'if-none-match': `"${ifNoneMatch}"` } : {}, signal: AbortSignal.timeout(this.options.timeoutMs) });
    if (res.status === 304) return undefined;
    if (!res.ok) throw new Error(`${url} answered ${res.status}`);
    return (await res.json()) as ServedConfig;
  }

  /** Resolves placeholders and checks every known key; throws ConfigInvalidError. */
  resolve(served: ServedConfig): Properties {
    const { properties, missing } = resolvePlaceholders(served.properties, this.baseEnv);
    const errors = missing.map((m) => `${m.key}: the environment variable ${m.variable} is not set and the placeholder has no default`);
    const out: Properties = {};
    for (const [key, value] of Object.entries(properties)) {
      const r = checkValue(key, value);
      if ('error' in r) errors.push(r.error);
      else out[key] = r.value;
    }
    if (errors.length) throw new ConfigInvalidError(`configuration version ${served.version} is invalid: ${errors.join('; ')}`);
    return out;
  }

  /** At boot, the configuration becomes the app's whole configuration; later, a refresh (refreshable keys only). */
  private adopt(served: ServedConfig, origin: ConfigOrigin, boot = false) {
    const props = this.resolve(served);
    this.served = served;
    if (boot) {
      this.live.load(props, served.version, origin);
      this.updateMetrics();
      return undefined;
    }
    const change = this.live.apply(props, served.version, origin);
    this.updateMetrics();
    return change;
  }

  /** Boot: the served configuration, or the cache, or the environment only (or throws when fail-fast). */
  async load(): Promise<void> {
    if (!this.options.url) return;
    let lastError: unknown;
    for (let attempt = 1; attempt <= this.options.attempts; attempt++) {
      try {
        const served = (await this.fetchServed())!;
        this.adopt(served, 'server', true);
        this.writeCache(served);
        this.logger.log({ msg: 'configuration loaded', service: this.options.service, profile: this.options.profile, version: served.version, revision: served.revision, sources: served.sources.map((s) => s.name) }, 'Config');
        return;
      } catch (err) {
        if (err instanceof ConfigInvalidError) throw err;
        lastError = err;
        if (attempt < this.options.attempts) {
          const delay = Math.min(this.options.maxBackoffMs, this.options.initialBackoffMs * 2 ** (attempt - 1));
          await new Promise((r) => setTimeout(r, delay + Math.floor(Math.random() * (delay / 5 + 1))));
        }
      }
    }
    const reason = lastError instanceof Error ? (lastError.cause instanceof Error ? `${lastError.message}: ${lastError.cause.message}` : lastError.message) : String(lastError);
    if (this.options.failFast) {
      throw new Error(`config server ${this.options.url} could not be reached after ${this.options.attempts} attempts (CONFIG_FAIL_FAST=true): ${reason}`);
    }
    const cached = this.readCache();
    if (cached) {
      this.adopt(cached, 'cache', true);
      this.logger.warn({ msg: 'config server unreachable: starting from the cached copy', url: this.options.url, version: cached.version, reason }, 'Config');
    } else {
      this.logger.warn({ msg: 'config server unreachable and no cached copy: starting from the environment only', url: this.options.url, reason }, 'Config');
    }
  }

  /** Applies new versions as they are announced, and polls as a safety net. */
  watch(bus?: AnnouncementBus): void {
    if (!this.options.url) return;
    const schedule = () => {
      if (this.stopped) return;
      this.timer = setTimeout(() => void this.refresh('poll').finally(schedule), this.options.pollMs);
      this.timer.unref();
    };
    schedule();
    void bus?.subscribe((a: ConfigAnnouncement) => void this.refresh(`announcement of revision ${a.revision}`)).catch((err: unknown) => this.logger.warn({ msg: 'cannot subscribe to config announcements; polling only', err: String(err) }, 'Config'));
  }

  /** Fetches the configuration if it changed and applies it. A call during a fetch makes one more fetch after it. */
  refresh(reason: string): Promise<void> {
    if (this.refreshing) {
      this.again = reason;
      return this.refreshing;
    }
    this.refreshing = (async () => {
      try {
        await this.doRefresh(reason);
        while (this.again !== undefined) {
          const next = this.again;
          this.again = undefined;
          await this.doRefresh(next);
        }
      } finally {
        this.refreshing = undefined;
      }
    })();
    return this.refreshing;
  }

  private async doRefresh(reason: string): Promise<void> {
    let served: ServedConfig | undefined;
    try {
      served = await this.fetchServed(this.served?.version);
    } catch (err) {
      this.metrics?.refreshes.inc({ outcome: 'unreachable' });
      this.logger.warn({ msg: 'config server unreachable: keeping the configuration in effect', url: this.options.url, reason, err: err instanceof Error ? err.message : String(err) }, 'Config');
      return;
    }
    if (!served || served.version === this.served?.version) {
      this.metrics?.refreshes.inc({ outcome: 'unchanged' });
      if (this.live.origin !== 'server' && this.served) {
        this.live.origin = 'server';
        this.updateMetrics();
      }
      return;
    }
    try {
      const change = this.adopt(served, 'server')!;
      this.writeCache(served);
      this.metrics?.refreshes.inc({ outcome: 'applied' });
      this.logger.log({ msg: 'configuration refreshed', version: served.version, revision: served.revision, reason, applied: change.applied, changed: change.changed }, 'Config');
      if (change.restartNeeded.length) {
        this.logger.warn({ msg: 'configuration keys changed that take effect only after a restart', keys: change.restartNeeded, version: served.version }, 'Config');
      }
      if (change.shadowedByEnv.length) {
        this.logger.warn({ msg: 'configuration keys changed but the environment overrides them', keys: change.shadowedByEnv }, 'Config');
      }
    } catch (err) {
      this.metrics?.refreshes.inc({ outcome: 'refused' });
      this.logger.error({ msg: 'refused a new configuration version; the current one stays in effect', err: err instanceof Error ? err.message : String(err) }, undefined, 'Config');
    }
  }

  private writeCache(served: ServedConfig): void {
    const file = this.cacheFile();
    if (!file) return;
    try {
      mkdirSync(this.options.cacheDir!, { recursive: true, mode: 0o700 });
      // What the server served: placeholders unresolved, so no secret reaches the disk.
      writeFileSync(`${file}.tmp`, JSON.stringify(served), { mode: 0o600 });
      renameSync(`${file}.tmp`, file);
    } catch (err) {
      this.logger.warn({ msg: 'could not write the config cache', file, err: err instanceof Error ? err.message : String(err) }, 'Config');
    }
  }

  private readCache(): ServedConfig | undefined {
    const file = this.cacheFile();
    if (!file) return undefined;
    try {
      const served = JSON.parse(readFileSync(file, 'utf8')) as ServedConfig;
      return served && typeof served.version === 'string' && typeof served.properties === 'object' ? served : undefined;
    } catch {
      return undefined;
    }
  }

  /** `shop_config_info{version,origin,profile}`, refresh outcomes and the restart-needed flag on the app's /metrics. */
  bindMetrics(registry: Registry): void {
    const get = <T>(name: string, make: () => T): T => (registry.getSingleMetric(name) as T | undefined) ?? make();
    this.metrics = {
      info: get('shop_config_info', () => new Gauge({ name: 'shop_config_info', help: 'The configuration version in effect (1 for the current one).', labelNames: ['version', 'origin', 'profile'], registers: [registry] })),
      refreshes: get('shop_config_refresh_total', () => new Counter({ name: 'shop_config_refresh_total', help: 'Configuration refresh attempts by outcome (applied, unchanged, refused, unreachable).', labelNames: ['outcome'], registers: [registry] })),
      restart: get('shop_config_restart_required', () => new Gauge({ name: 'shop_config_restart_required', help: '1 when a changed non-refreshable key waits for a restart.', registers: [registry] })),
      appliedAt: get('shop_config_applied_timestamp_seconds', () => new Gauge({ name: 'shop_config_applied_timestamp_seconds', help: 'When the configuration in effect was applied.', registers: [registry] })),
    };
    this.updateMetrics();
  }

  private updateMetrics(): void {
    if (!this.metrics) return;
    this.metrics.info.reset();
    this.metrics.info.set({ version: this.live.version ?? 'none', origin: this.live.origin, profile: this.options.profile }, 1);
    this.metrics.restart.set(this.live.pendingRestart.size ? 1 : 0);
    this.metrics.appliedAt.set(this.live.appliedAt.getTime() / 1000);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.refreshing?.catch(() => undefined);
  }
}
