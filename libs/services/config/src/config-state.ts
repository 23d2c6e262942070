import { type Properties, type Scalar, canonical, validateProperties, versionOf } from '@shop/config-client';

/** An admin override: a value, or null to remove the key the file sets. */
export type Overrides = Record<string, Record<string, Scalar | null>>;

export interface Change {
  source: string;
  key: string;
  before?: Scalar;
  after?: Scalar;
}

export interface Actor {
  userId: string;
}

export interface HistoryEntry {
  revision: number;
  at: string;
  cause: 'boot' | 'file' | 'admin' | 'rollback';
  actor?: Actor;
  reason?: string;
  /** For a rollback: the revision whose content was restored. */
  restored?: number;
  changes: Change[];
  /** The effective sources of this revision (what a rollback restores). */
  sources: Record<string, Properties>;
}

export interface AuditEntry {
  at: string;
  actor: Actor;
  action: 'update' | 'rollback';
  source?: string;
  keys: string[];
  reason?: string;
  revision: number;
  restored?: number;
}

export interface Resolved {
  name: string;
  profiles: string[];
  version: string;
  revision: number;
  properties: Properties;
  sources: Array<{ name: string; properties: Properties }>;
}

/**
 * The precedence of the sources of `<service>` with profiles p1, p2
 * (lowest first), as Spring Cloud Config orders them: profile-specific
 * sources over the others, the service's own over `application`, a later
 * profile over an earlier one. The app's environment overrides all of them.
 *
 *   application < <service> < application-p1 < <service>-p1 < application-p2 < <service>-p2
 */
export function layerNames(service: string, profiles: string[]): string[] {
  const names = ['application', service];
  for (const p of profiles) names.push(`application-${p}`, `${service}-${p}`);
  return [...new Set(names)];
}

/** Files' sources with the admin overrides applied. */
export function effectiveSources(files: Record<string, Properties>, overrides: Overrides): Record<string, Properties> {
  const out: Record<string, Properties> = {};
  for (const name of new Set([...Object.keys(files), ...Object.keys(overrides)])) {
    const props: Properties = { ...(files[name] ?? {}) };
    for (const [k, v] of Object.entries(overrides[name] ?? {})) {
      if (v === null) delete props[k];
      else props[k] = v;
    }
    if (Object.keys(props).length) out[name] = props;
  }
  return out;
}

export function diffSources(before: Record<string, Properties>, after: Record<string, Properties>): Change[] {
  const changes: Change[] = [];
  for (const source of [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()) {
    const b = before[source] ?? {};
    const a = after[source] ?? {};
    for (const key of [...new Set([...Object.keys(b), ...Object.keys(a)])].sort()) {
      if (b[key] !== a[key]) changes.push({ source, key, ...(key in b ? { before: b[key] } : {}), ...(key in a ? { after: a[key] } : {}) });
    }
  }
  return changes;
}

/** Schema errors of every source, prefixed by its name; placeholders are left to the apps. */
export function validateSources(sources: Record<string, Properties>): string[] {
  return Object.entries(sources).flatMap(([name, props]) => validateProperties(props, { placeholders: 'allow' }).map((e) => `${name}: ${e}`));
}

/** The overrides that turn the files into the target content (a rollback that leaves the files, perhaps read-only, alone). */
export function overridesFor(files: Record<string, Properties>, target: Record<string, Properties>): Overrides {
  const out: Overrides = {};
  for (const source of new Set([...Object.keys(files), ...Object.keys(target)])) {
    const f = files[source] ?? {};
    const t = target[source] ?? {};
    const o: Record<string, Scalar | null> = {};
    for (const key of new Set([...Object.keys(f), ...Object.keys(t)])) {
      if (!(key in t)) o[key] = null;
      else if (f[key] !== t[key]) o[key] = t[key]!;
    }
    if (Object.keys(o).length) out[source] = o;
  }
  return out;
}

/**
 * The configuration repository's state: the files as last read successfully,
 * the admin overrides, the revision and its history (the last N), and the
 * audit trail of admin actions.
 */
export class ConfigState {
  files: Record<string, Properties> = {};
  overrides: Overrides = {};
  revision = 0;
  history: HistoryEntry[] = [];
  audit: AuditEntry[] = [];
  private current: Record<string, Properties> = {};

  constructor(
    private readonly historySize = 20,
    private readonly auditSize = 1_000,
  ) {}

  sources(): Record<string, Properties> {
    return this.current;
  }

  /** Restores a persisted state (history, audit, overrides); the files are read again. */
  restore(saved: { revision: number; overrides: Overrides; history: HistoryEntry[]; audit: AuditEntry[] }): void {
    this.revision = saved.revision;
    this.overrides = saved.overrides ?? {};
    this.history = saved.history ?? [];
    this.audit = saved.audit ?? [];
    this.current = this.history[0]?.sources ?? {};
  }

  /**
   * Makes files + overrides the new content if it is valid and different:
   * returns the new history entry, undefined when nothing changed, or throws
   * with the validation errors (the state is then unchanged).
   */
  commit(files: Record<string, Properties>, overrides: Overrides, meta: Omit<HistoryEntry, 'revision' | 'at' | 'changes' | 'sources'>): HistoryEntry | undefined {
    const next = effectiveSources(files, overrides);
    const errors = validateSources(next);
    if (errors.length) throw new ConfigRefused(errors);
    const changes = diffSources(this.current, next);
    this.files = files;
    this.overrides = overrides;
    if (!changes.length && this.revision > 0) return undefined;
    const entry: HistoryEntry = { revision: ++this.revision, at: new Date().toISOString(), ...meta, changes, sources: next };
    this.current = next;
    this.history.unshift(entry);
    this.history.splice(this.historySize);
    if (meta.actor && (meta.cause === 'admin' || meta.cause === 'rollback')) {
      this.audit.unshift({
        at: entry.at,
        actor: meta.actor,
        action: meta.cause === 'admin' ? 'update' : 'rollback',
        ...(meta.cause === 'admin' ? { source: [...new Set(changes.map((c) => c.source))].join(',') } : {}),
        keys: [...new Set(changes.map((c) => `${c.source}:${c.key}`))],
        ...(meta.reason ? { reason: meta.reason } : {}),
        revision: entry.revision,
        ...(meta.restored ? { restored: meta.restored } : {}),
      });
      this.audit.splice(this.auditSize);
    }
    return entry;
  }

  /** The merged properties of a service and its profiles, with their version and sources (highest precedence first). */
  resolve(service: string, profiles: string[]): Resolved {
    const layers = layerNames(service, profiles).filter((n) => this.current[n]);
    const properties: Properties = {};
    for (const name of layers) Object.assign(properties, this.current[name]);
    const sorted = JSON.parse(canonical(properties)) as Properties;
    return {
      name: service,
      profiles,
      version: versionOf(sorted),
      revision: this.revision,
      properties: sorted,
      sources: layers.reverse().map((name) => ({ name, properties: this.current[name]! })),
    };
  }
}

export class ConfigRefused extends Error {
  constructor(readonly errors: string[]) {
    super(`configuration refused: ${errors.join('; ')}`);
  }
}
