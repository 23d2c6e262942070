import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { type AnnouncementBus, type Properties, type Scalar, announcementBus, flatten } from '@shop/config-client';
import { DomainError, ErrorCodes } from '@shop/contracts';
import { IN_PROCESS_BROKER, type InProcessBroker, MESSAGING_OPTIONS, METRICS_REGISTRY, type MessagingOptions } from '@shop/messaging';
import { APP_ENV } from '@shop/platform';
import { type FSWatcher, mkdirSync, readFileSync, renameSync, watch, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Counter, Gauge, type Registry } from 'prom-client';
import { SOURCE_NAME, readRepository } from './config-repository.js';
import { type Actor, ConfigRefused, ConfigState, type HistoryEntry, type Overrides, type Resolved, overridesFor } from './config-state.js';

export interface ConfigServerSettings {
  dir: string;
  historySize: number;
  /** Where overrides, history and audit survive restarts; undefined: memory only. */
  stateFile?: string;
  /** Rescan interval, behind the file watcher (some mounts do not report changes). */
  scanMs: number;
}

export function configServerSettingsFromEnv(env: NodeJS.ProcessEnv): ConfigServerSettings {
  const int = (source: NodeJS.ProcessEnv, name: string, fallback: number) => {
    const n = Number(source[name] || fallback);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer`);
    return n;
  };
  const stateFile = env['CONFIG_STATE_FILE'] || '.data/config-server-state.json';
  return {
    dir: resolve(env['CONFIG_DIR'] || 'config'),
    historySize: int(env, 'CONFIG_HISTORY_SIZE', 20),
    stateFile: stateFile === 'none' ? undefined : resolve(stateFile),
    scanMs: int(env, 'CONFIG_SCAN_MS', 2_000),
  };
}

interface Waiter {
  service: string;
  profiles: string[];
  version: string;
  done(resolved: Resolved | undefined): void;
}

/**
 * The config server: serves merged configuration per service and profile,
 * watches its directory, refuses invalid content (the last good revision keeps
 * being served, the error is logged and counted), keeps a history of
 * revisions with their changes, applies audited admin updates and rollbacks
 * as overrides (the files may be a read-only ConfigMap), and announces every
 * new revision on the fanout exchange (or the in-process broker).
 */
@Injectable()
export class ConfigServer implements OnModuleInit, OnModuleDestroy, OnApplicationShutdown {
  private readonly logger = new Logger('ConfigServer');
  readonly settings: ConfigServerSettings;
  readonly state: ConfigState;
  private lastContentHash = '';
  private lastError?: { at: string; errors: string[] };
  private watcher?: FSWatcher;
  private scanTimer?: NodeJS.Timeout;
  private debounce?: NodeJS.Timeout;
  private readonly waiters = new Set<Waiter>();
  private readonly bus: AnnouncementBus;
  private readonly reloads: Counter<'outcome'>;
  private readonly valid: Gauge;
  private readonly revisionGauge: Gauge;

  constructor(
    @Inject(APP_ENV) env: NodeJS.ProcessEnv,
    @Inject(MESSAGING_OPTIONS) messaging: MessagingOptions,
    @Inject(IN_PROCESS_BROKER) broker: InProcessBroker,
    @Inject(METRICS_REGISTRY) metrics: Registry,
  ) {
    this.settings = configServerSettingsFromEnv(env);
    this.state = new ConfigState(this.settings.historySize);
    this.bus = announcementBus(messaging, broker);
    this.reloads = new Counter({ name: 'shop_config_reloads_total', help: 'Reads of the config directory by outcome (applied, unchanged, refused).', labelNames: ['outcome'], registers: [metrics] });
    this.valid = new Gauge({ name: 'shop_config_source_valid', help: '1 when the config files as they are now are valid; 0 when they are refused and the last good revision is served.', registers: [metrics] });
    this.revisionGauge = new Gauge({ name: 'shop_config_revision', help: 'The revision served.', registers: [metrics] });
  }

  onModuleInit(): void {
    this.loadState();
    const read = readRepository(this.settings.dir);
    this.lastContentHash = read.contentHash;
    try {
      if (read.errors.length) throw new ConfigRefused(read.errors);
      const entry = this.state.commit(read.sources, this.state.overrides, { cause: this.state.revision ? 'file' : 'boot' });
      if (entry) this.saveState();
      this.valid.set(1);
    } catch (err) {
      if (!(err instanceof ConfigRefused)) throw err;
      this.refused(err.errors);
      // The last good revision, persisted, keeps being served; without one there is nothing valid to serve.
      if (!this.state.history.length) throw new Error(`the config directory ${this.settings.dir} is invalid and there is no earlier good revision: ${err.errors.join('; ')}`);
    }
    this.revisionGauge.set(this.state.revision);
    this.logger.log({ msg: 'configuration loaded', dir: this.settings.dir, revision: this.state.revision, sources: Object.keys(this.state.sources()) });
    try {
      this.watcher = watch(this.settings.dir, () => this.scheduleReload());
      this.watcher.on('error', () => undefined);
    } catch (err) {
      this.logger.warn({ msg: 'cannot watch the config directory; rescanning only', err: String(err) });
    }
    this.scanTimer = setInterval(() => this.reload(), this.settings.scanMs).unref();
  }

  onModuleDestroy(): void {
    this.watcher?.close();
    clearInterval(this.scanTimer);
    clearTimeout(this.debounce);
    for (const w of [...this.waiters]) w.done(undefined);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.bus.close();
  }

  private scheduleReload(): void {
    clearTimeout(this.debounce);
    // Editors write a file in several steps; Kubernetes swaps a symlink: read once things settle.
    this.debounce = setTimeout(() => this.reload(), 100);
  }

  /** Reads the directory again; applies it if it changed and is valid. */
  reload(): HistoryEntry | undefined {
    const read = readRepository(this.settings.dir);
    if (read.contentHash === this.lastContentHash) return undefined;
    this.lastContentHash = read.contentHash;
    try {
      if (read.errors.length) throw new ConfigRefused(read.errors);
      const entry = this.state.commit(read.sources, this.state.overrides, { cause: 'file' });
      this.valid.set(1);
      this.lastError = undefined;
      this.reloads.inc({ outcome: entry ? 'applied' : 'unchanged' });
      if (entry) this.published(entry);
      return entry;
    } catch (err) {
      if (!(err instanceof ConfigRefused)) throw err;
      this.refused(err.errors);
      return undefined;
    }
  }

  private refused(errors: string[]): void {
    this.lastError = { at: new Date().toISOString(), errors };
    this.valid.set(0);
    this.reloads.inc({ outcome: 'refused' });
    this.logger.error({ msg: 'refused the config files; the last good revision is still served', revision: this.state.revision, errors });
  }

  private published(entry: HistoryEntry): void {
    this.saveState();
    this.revisionGauge.set(entry.revision);
    const sources = [...new Set(entry.changes.map((c) => c.source))];
    const keys = [...new Set(entry.changes.map((c) => c.key))];
    this.logger.log({ msg: 'new configuration revision', revision: entry.revision, cause: entry.cause, actor: entry.actor?.userId, changes: entry.changes.map((c) => `${c.source}:${c.key}`) });
    for (const w of [...this.waiters]) {
      const now = this.state.resolve(w.service, w.profiles);
      if (now.version !== w.version) w.done(now);
    }
    const cause = entry.cause === 'boot' ? 'file' : entry.cause;
    this.bus.publish({ type: 'config.changed', revision: entry.revision, at: entry.at, cause, sources, keys }).catch((err: unknown) => {
      this.logger.warn({ msg: 'could not announce the new revision (apps will pick it up by polling)', revision: entry.revision, err: err instanceof Error ? err.message : String(err) });
    });
  }

  resolve(service: string, profiles: string[]): Resolved {
    return this.state.resolve(service, profiles);
  }

  /** Resolves when the version differs from the one given, or with undefined after the wait. */
  waitForChange(service: string, profiles: string[], version: string, waitMs: number): Promise<Resolved | undefined> {
    const now = this.resolve(service, profiles);
    if (now.version !== version) return Promise.resolve(now);
    return new Promise((done) => {
      const waiter: Waiter = {
        service,
        profiles,
        version,
        done: (r) => {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          done(r);
        },
      };
      const timer = setTimeout(() => waiter.done(undefined), waitMs);
      this.waiters.add(waiter);
    });
  }

  status() {
    return {
      dir: this.settings.dir,
      revision: this.state.revision,
      valid: !this.lastError,
      ...(this.lastError ? { lastError: this.lastError } : {}),
      sources: Object.keys(this.state.sources()).sort(),
      overridden: Object.keys(this.state.overrides).sort(),
    };
  }

  /** An admin update of one source: set values, unset keys (even those a file sets), reset keys to what the files say. */
  update(source: string, body: { set?: Record<string, unknown>; unset?: string[]; reset?: string[]; reason?: string }, actor: Actor): HistoryEntry | undefined {
    if (!SOURCE_NAME.test(source)) throw new DomainError(ErrorCodes.VALIDATION_FAILED, `"${source}" is not a source name (application, application-<profile>, <service>, <service>-<profile>)`);
    let set: Properties;
    try {
      set = flatten(body.set ?? {}, 'set');
    } catch (err) {
      throw new DomainError(ErrorCodes.VALIDATION_FAILED, err instanceof Error ? err.message : String(err));
    }
    const overrides: Overrides = structuredClone(this.state.overrides);
    const own: Record<string, Scalar | null> = { ...(overrides[source] ?? {}) };
    for (const [k, v] of Object.entries(set)) own[k] = v;
    for (const k of body.unset ?? []) {
      if (this.state.files[source]?.[k] !== undefined) own[k] = null;
      else delete own[k];
    }
    for (const k of body.reset ?? []) delete own[k];
    if (Object.keys(own).length) overrides[source] = own;
    else delete overrides[source];
    return this.commitAdmin(overrides, { cause: 'admin', actor, ...(body.reason ? { reason: body.reason } : {}) });
  }

  /** Restores the content of an earlier revision (still in the history), by overrides. */
  rollback(revision: number, actor: Actor, reason?: string): HistoryEntry | undefined {
    const target = this.state.history.find((h) => h.revision === revision);
    if (!target) throw new DomainError(ErrorCodes.NOT_FOUND, `revision ${revision} is not in the history (the last ${this.settings.historySize} are kept)`);
    return this.commitAdmin(overridesFor(this.state.files, target.sources), { cause: 'rollback', actor, restored: revision, ...(reason ? { reason } : {}) });
  }

  private commitAdmin(overrides: Overrides, meta: Omit<HistoryEntry, 'revision' | 'at' | 'changes' | 'sources'>): HistoryEntry | undefined {
    let entry: HistoryEntry | undefined;
    try {
      entry = this.state.commit(this.state.files, overrides, meta);
    } catch (err) {
      if (err instanceof ConfigRefused) throw new DomainError(ErrorCodes.VALIDATION_FAILED, err.message, { errors: err.errors });
      throw err;
    }
    if (entry) {
      this.logger.log({ msg: 'config audit', action: meta.cause, actor: meta.actor?.userId, revision: entry.revision, restored: meta.restored, reason: meta.reason, keys: entry.changes.map((c) => `${c.source}:${c.key}`) });
      this.published(entry);
    } else {
      this.saveState();
    }
    return entry;
  }

  private loadState(): void {
    const file = this.settings.stateFile;
    if (!file) return;
    try {
      this.state.restore(JSON.parse(readFileSync(file, 'utf8')));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.logger.warn({ msg: 'cannot read the saved config state; starting without history', file, err: String(err) });
    }
  }

  private saveState(): void {
    const file = this.settings.stateFile;
    if (!file) return;
    try {
      mkdirSync(dirname(file), { recursive: true });
      const { revision, overrides, history, audit } = this.state;
      writeFileSync(`${file}.tmp`, JSON.stringify({ revision, overrides, history, audit }), { mode: 0o600 });
      renameSync(`${file}.tmp`, file);
    } catch (err) {
      this.logger.error({ msg: 'cannot save the config state (overrides and history live in memory only)', file, err: String(err) });
    }
  }
}
