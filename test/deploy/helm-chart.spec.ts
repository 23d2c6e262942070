import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { parse, parseAllDocuments, stringify } from 'yaml';

/**
 * helm/shop, checked with real Helm (its Go code, run by tools/helm-check
 * through com.marcnuri.helm-java; no Helm binary, no cluster): `helm lint`,
 * then `helm template` for the default, laptop, production, AWS and
 * secret-marker values. The rendered objects are validated against the
 * Kubernetes API schemas (kubernetes-models) and checked for what the chart
 * promises. Each check also runs on a copy broken on purpose, to show it
 * catches what it claims to.
 */

const root = resolve(import.meta.dirname, '../..');
const require = createRequire(import.meta.url);

type K8s = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; annotations?: Record<string, string>; labels?: Record<string, string> };
  [key: string]: unknown;
};
// The rendered objects are checked field by field; `any` keeps those walks readable.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;
interface Rendered {
  /** The release manifest: what `helm install` creates and tracks. */
  manifests: K8s[];
  /** The hooks, which Helm runs around the install or upgrade. */
  hooks: K8s[];
}
interface Report {
  helmVersion: string;
  lint?: { failed: boolean; messages: string[] };
  renders: Array<{ name: string; ok: boolean; error: string | null; documents: number }>;
}

const SETS = ['default', 'laptop', 'production', 'aws', 'secrets'] as const;
const APPS = readdirSync(join(root, 'apps')).filter((a) => a !== 'all-in-one').sort();
/** The apps with a database: their service definition declares a schema. */
const DATABASE_APPS = APPS.filter((app) => /\bschema:/.test(readFileSync(join(root, `libs/services/${app}/src/${app}.service-definition.ts`), 'utf8')));
const ENV_LIST = JSON.parse(readFileSync(join(root, 'docker/env-vars.json'), 'utf8')) as { app: Record<string, string>; secrets: string[]; runtime: Record<string, string> };
const KNOWN_ENV = [...Object.keys(ENV_LIST.app), ...Object.keys(ENV_LIST.runtime)];

function helmCheck(args: string[], out: string, extraEnv: Record<string, string> = {}): { status: number | null; output: string } {
  const run = spawnSync('bash', [join(root, 'tools/helm-check/run.sh'), ...args], {
    cwd: root,
    env: { ...process.env, HELM_CHECK_OUT: out, ...extraEnv },
    encoding: 'utf8',
    timeout: 290_000,
  });
  return { status: run.status, output: `${run.stdout}\n${run.stderr}` };
}

function loadDocs(file: string): K8s[] {
  return parseAllDocuments(readFileSync(file, 'utf8'))
    .map((d) => d.toJS() as K8s | null)
    .filter((d): d is K8s => d !== null);
}

function load(out: string, set: string): Rendered {
  return { manifests: loadDocs(join(out, `${set}.yaml`)), hooks: loadDocs(join(out, `${set}.hooks.yaml`)) };
}

const all = (r: Rendered) => [...r.manifests, ...r.hooks];
const ofKind = (docs: K8s[], kind: string) => docs.filter((d) => d.kind === kind);
const clone = <T>(v: T): T => structuredClone(v);
const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

// ------------------------------------------------------------------ Kubernetes API schemas

type ModelClass = new (data: unknown) => { validate(): void };
const MODELS: Record<string, Record<string, ModelClass>> = {
  v1: require('kubernetes-models/v1') as Record<string, ModelClass>,
  'apps/v1': require('kubernetes-models/apps/v1') as Record<string, ModelClass>,
  'autoscaling/v2': require('kubernetes-models/autoscaling/v2') as Record<string, ModelClass>,
  'batch/v1': require('kubernetes-models/batch/v1') as Record<string, ModelClass>,
  'policy/v1': require('kubernetes-models/policy/v1') as Record<string, ModelClass>,
  'networking.k8s.io/v1': require('kubernetes-models/networking.k8s.io/v1') as Record<string, ModelClass>,
  'monitoring.coreos.com/v1': require('@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1') as Record<string, ModelClass>,
};

function schemaProblems(docs: K8s[]): string[] {
  const problems: string[] = [];
  for (const doc of docs) {
    const Model = MODELS[doc.apiVersion]?.[doc.kind];
    if (!Model) {
      problems.push(`${doc.apiVersion} ${doc.kind}/${doc.metadata?.name}: no schema to validate it against`);
      continue;
    }
    try {
      new Model(doc).validate();
    } catch (err) {
      problems.push(`${doc.kind}/${doc.metadata.name}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return problems;
}

// ------------------------------------------------------------------ what the chart promises

function containersOf(workload: Any): Any[] {
  const spec = workload.spec?.template?.spec ?? {};
  return [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
}

/** Probes, resources, a non-root read-only security context, a rolling update and the config checksum, per Deployment. */
function deploymentProblems(docs: K8s[]): string[] {
  const problems: string[] = [];
  for (const d of ofKind(docs, 'Deployment') as Any[]) {
    const at = `Deployment/${d.metadata.name}`;
    const strategy = d.spec.strategy ?? {};
    if (strategy.type !== 'RollingUpdate' || strategy.rollingUpdate?.maxSurge === undefined || strategy.rollingUpdate?.maxUnavailable === undefined) {
      problems.push(`${at}: no RollingUpdate strategy with maxSurge and maxUnavailable`);
    }
    const pod = d.spec.template.spec;
    const annotations = d.spec.template.metadata?.annotations ?? {};
    if (!annotations['checksum/config'] || !annotations['checksum/secrets']) problems.push(`${at}: no checksum annotations: a config change would not roll the pods`);
    for (const c of pod.containers) {
      const where = `${at} container ${c.name}`;
      if (c.startupProbe?.httpGet?.path !== '/health/live') problems.push(`${where}: no startupProbe on /health/live`);
      if (c.livenessProbe?.httpGet?.path !== '/health/live') problems.push(`${where}: no livenessProbe on /health/live`);
      if (c.readinessProbe?.httpGet?.path !== '/health/ready') problems.push(`${where}: no readinessProbe on /health/ready`);
      if (!c.resources?.requests?.cpu || !c.resources?.requests?.memory || !c.resources?.limits?.memory) problems.push(`${where}: resources need requests.cpu, requests.memory and limits.memory`);
      const sc = c.securityContext ?? {};
      if ((sc.runAsNonRoot ?? pod.securityContext?.runAsNonRoot) !== true) problems.push(`${where}: not runAsNonRoot`);
      if ((sc.runAsUser ?? pod.securityContext?.runAsUser) === 0) problems.push(`${where}: runs as uid 0`);
      if (sc.readOnlyRootFilesystem !== true) problems.push(`${where}: root filesystem is writable`);
      if (sc.allowPrivilegeEscalation !== false) problems.push(`${where}: allows privilege escalation`);
      if (!(sc.capabilities?.drop ?? []).includes('ALL')) problems.push(`${where}: keeps Linux capabilities`);
    }
  }
  return problems;
}

/** Every app has a Deployment, and an HPA and a PDB that target it. */
function scalingProblems(docs: K8s[], apps: string[]): string[] {
  const problems: string[] = [];
  const deployments = ofKind(docs, 'Deployment') as Any[];
  for (const app of apps) {
    const d = deployments.find((x) => x.metadata.labels?.['app.kubernetes.io/component'] === app);
    if (!d) {
      problems.push(`${app}: no Deployment`);
      continue;
    }
    const podLabels = d.spec.template.metadata.labels as Record<string, string>;
    const hpa = (ofKind(docs, 'HorizontalPodAutoscaler') as Any[]).find((h) => h.spec.scaleTargetRef.kind === 'Deployment' && h.spec.scaleTargetRef.name === d.metadata.name);
    if (!hpa) problems.push(`${app}: no HorizontalPodAutoscaler for Deployment/${d.metadata.name}`);
    else {
      if (!(hpa.spec.minReplicas <= hpa.spec.maxReplicas)) problems.push(`${app}: HPA minReplicas > maxReplicas`);
      if (!hpa.spec.metrics?.some((m: Any) => m.type === 'Resource' && m.resource.name === 'cpu')) problems.push(`${app}: HPA does not scale on CPU`);
    }
    const pdb = (ofKind(docs, 'PodDisruptionBudget') as Any[]).find((p) => Object.entries(p.spec.selector?.matchLabels ?? {}).every(([k, v]) => podLabels[k] === v) && p.metadata.labels?.['app.kubernetes.io/component'] === app);
    if (!pdb) problems.push(`${app}: no PodDisruptionBudget selecting its pods`);
  }
  return problems;
}

/** Each marker (and its base64) appears only inside Secrets, and every marker does reach a Secret. */
function secretLeakProblems(docs: K8s[], markers: string[]): string[] {
  const problems: string[] = [];
  const secretText = ofKind(docs, 'Secret')
    .flatMap((s: Any) => [...Object.values<string>(s.data ?? {}).map((v) => Buffer.from(v, 'base64').toString('utf8')), ...Object.values<string>(s.stringData ?? {})])
    .join('\n');
  for (const doc of docs.filter((d) => d.kind !== 'Secret')) {
    const text = stringify(doc);
    for (const m of markers) if (text.includes(m) || text.includes(b64(m))) problems.push(`${doc.kind}/${doc.metadata.name} holds the secret value ${m}`);
  }
  for (const m of markers) if (!secretText.includes(m)) problems.push(`${m} is in no Secret`);
  return problems;
}

/** Credentials (docker/env-vars.json "secrets") are set from Secrets only: never a literal env value, never a ConfigMap key. */
function credentialProblems(docs: K8s[], credentials: string[]): string[] {
  const problems: string[] = [];
  for (const w of docs.filter((d) => d.kind === 'Deployment' || d.kind === 'Job') as Any[]) {
    for (const c of containersOf(w)) {
      for (const e of c.env ?? []) {
        if (credentials.includes(e.name) && !e.valueFrom?.secretKeyRef) problems.push(`${w.kind}/${w.metadata.name} container ${c.name}: ${e.name} is not taken from a Secret`);
      }
    }
  }
  for (const cm of ofKind(docs, 'ConfigMap') as Any[]) {
    for (const key of Object.keys(cm.data ?? {})) if (credentials.includes(key)) problems.push(`ConfigMap/${cm.metadata.name} holds the credential ${key}`);
  }
  return problems;
}

/** Every environment variable a container gets (env, and the keys of the ConfigMaps it loads with envFrom) is one the apps read. */
function envNameProblems(docs: K8s[], known: string[]): string[] {
  const problems: string[] = [];
  const configMaps = new Map((ofKind(docs, 'ConfigMap') as Any[]).map((cm) => [cm.metadata.name as string, Object.keys(cm.data ?? {})]));
  for (const w of docs.filter((d) => d.kind === 'Deployment' || d.kind === 'Job') as Any[]) {
    for (const c of containersOf(w)) {
      const names = [...(c.env ?? []).map((e: Any) => e.name as string), ...(c.envFrom ?? []).flatMap((f: Any) => (f.configMapRef ? (configMaps.get(f.configMapRef.name) ?? []) : []))];
      for (const n of names) if (!known.includes(n)) problems.push(`${w.kind}/${w.metadata.name} container ${c.name}: ${n} is not an environment variable the apps read`);
    }
  }
  return problems;
}

function hookPhases(doc: K8s): string[] {
  return (doc.metadata.annotations?.['helm.sh/hook'] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}
const hookWeight = (doc: K8s) => Number(doc.metadata.annotations?.['helm.sh/hook-weight'] ?? 0);

/**
 * The migration Job runs before the Deployments: Helm ranks it a
 * pre-install/pre-upgrade hook (so it is not in the release manifest), the
 * Deployments are not hooks, everything the Job needs exists before it
 * (lower-weight hooks, or Secrets the chart does not create at all), and it
 * migrates every service that has a database, with that service's image.
 */
function migrationProblems(r: Rendered, databaseApps: string[]): string[] {
  const problems: string[] = [];
  if (ofKind(r.manifests, 'Job').length) problems.push('a Job is in the release manifest: Helm would create it alongside the Deployments, not before them');
  if (ofKind(r.hooks, 'Deployment').length) problems.push('a Deployment is a hook');
  const jobs = ofKind(r.hooks, 'Job') as Any[];
  const job = jobs.find((j) => j.metadata.labels?.['app.kubernetes.io/component'] === 'migrate');
  if (!job) return [...problems, 'no migration Job among the hooks'];
  const phases = hookPhases(job);
  for (const p of ['pre-install', 'pre-upgrade']) if (!phases.includes(p)) problems.push(`the migration Job is not a ${p} hook (helm.sh/hook: ${phases.join(',') || 'none'})`);
  const needs: Array<[string, string]> = [];
  const pod = job.spec.template.spec;
  if (pod.serviceAccountName) needs.push(['ServiceAccount', pod.serviceAccountName]);
  for (const c of containersOf(job)) {
    for (const f of c.envFrom ?? []) if (f.configMapRef) needs.push(['ConfigMap', f.configMapRef.name]);
    for (const e of c.env ?? []) if (e.valueFrom?.secretKeyRef) needs.push(['Secret', e.valueFrom.secretKeyRef.name]);
  }
  for (const [kind, name] of needs) {
    const hook = r.hooks.find((d) => d.kind === kind && d.metadata.name === name);
    const regular = r.manifests.find((d) => d.kind === kind && d.metadata.name === name);
    if (hook) {
      if (!(hookWeight(hook) < hookWeight(job)) || !phases.every((p) => hookPhases(hook).includes(p))) problems.push(`${kind}/${name} is not a hook that runs before the Job`);
    } else if (regular) {
      problems.push(`the Job needs ${kind}/${name}, which the release creates only after the pre-install hooks`);
    } else if (kind !== 'Secret') {
      problems.push(`the Job needs ${kind}/${name}, which nothing creates`);
    }
  }
  const migrating = (pod.containers as Any[]).filter((c) => (c.args ?? []).includes('migrate'));
  const migrated = migrating.map((c) => String(c.image).match(/\/([a-z-]+):[^/]+$/)?.[1]).sort();
  if (JSON.stringify(migrated) !== JSON.stringify([...databaseApps].sort())) problems.push(`the Job migrates [${migrated.join(', ')}], the services with a database are [${databaseApps.join(', ')}]`);
  const env = (ofKind(r.manifests, 'ConfigMap') as Any[]).find((cm) => cm.data?.['DB_MIGRATE_ON_BOOT'] !== undefined);
  if (env?.data['DB_MIGRATE_ON_BOOT'] !== 'false') problems.push('the apps still migrate on boot (DB_MIGRATE_ON_BOOT is not "false"): they would race the Job');
  return problems;
}

// ------------------------------------------------------------------ the tests

const OUT = join(root, 'tmp/helm-rendered');
/** The chart's monitoring objects carry the repository's alert rules and dashboards, unchanged, and the ServiceMonitor keeps the apps' labels. */
function monitoringProblems(docs: K8s[]): string[] {
  const problems: string[] = [];
  const rules = parse(readFileSync(join(root, 'observability/alerts/shop-alerts.yaml'), 'utf8')) as { groups: unknown[] };
  const prometheusRules = ofKind(docs, 'PrometheusRule') as Any[];
  if (prometheusRules.length !== 1) problems.push(`${prometheusRules.length} PrometheusRules, expected 1`);
  for (const pr of prometheusRules) {
    if (!isDeepStrictEqual(pr.spec?.groups, rules.groups)) problems.push(`PrometheusRule/${pr.metadata.name}: its groups are not those of observability/alerts/shop-alerts.yaml`);
  }
  const dashboards = readdirSync(join(root, 'observability/dashboards')).filter((f) => f.endsWith('.json')).sort();
  const shipped = new Map((ofKind(docs, 'ConfigMap') as Any[]).filter((cm) => cm.metadata.labels?.['grafana_dashboard'] === '1').flatMap((cm) => Object.entries(cm.data ?? {}) as Array<[string, string]>));
  if (JSON.stringify([...shipped.keys()].sort()) !== JSON.stringify(dashboards)) problems.push(`dashboard ConfigMaps hold [${[...shipped.keys()].sort().join(', ')}], the repository has [${dashboards.join(', ')}]`);
  for (const [file, json] of shipped) {
    if (dashboards.includes(file) && !isDeepStrictEqual(JSON.parse(json), JSON.parse(readFileSync(join(root, 'observability/dashboards', file), 'utf8')))) problems.push(`dashboard ${file} differs from the repository's`);
  }
  for (const sm of ofKind(docs, 'ServiceMonitor') as Any[]) {
    for (const ep of sm.spec.endpoints) {
      if (ep.honorLabels !== true) problems.push(`ServiceMonitor/${sm.metadata.name}: honorLabels is not true (the apps' service label would become exported_service)`);
      if (!(ep.relabelings ?? []).some((r: Any) => r.targetLabel === 'service')) problems.push(`ServiceMonitor/${sm.metadata.name}: no relabeling to the service label (up would not carry it)`);
    }
  }
  return problems;
}

let report: Report;
const rendered: Record<string, Rendered> = {};

describe('helm/shop with real Helm (helm-java)', () => {
  beforeAll(() => {
    const run = helmCheck([], OUT);
    if (run.status !== 0) throw new Error(`tools/helm-check/run.sh failed (exit ${run.status}):\n${run.output}`);
    report = JSON.parse(readFileSync(join(OUT, 'report.json'), 'utf8')) as Report;
    for (const set of SETS) rendered[set] = load(OUT, set);
  });

  it('helm lint --strict passes', () => {
    expect(report.helmVersion).toMatch(/^v3\./);
    expect(report.lint).toMatchObject({ failed: false });
    expect(report.lint!.messages.filter((m) => /^\[(WARNING|ERROR)\]/.test(m))).toEqual([]);
  });

  it.each(SETS)('helm template renders the %s values', (set) => {
    expect(report.renders.find((r) => r.name === set)).toMatchObject({ ok: true, error: null });
    expect(rendered[set]!.manifests.length).toBeGreaterThan(30);
  });

  describe('Kubernetes API schemas', () => {
    it.each(SETS)('every object of the %s render validates against its API schema', (set) => {
      expect(schemaProblems(all(rendered[set]!))).toEqual([]);
    });

    it('catches a wrongly typed field and a kind it has no schema for', () => {
      const docs = clone(rendered['default']!.manifests);
      const deployment = ofKind(docs, 'Deployment')[0] as Any;
      deployment.spec.template.spec.containers[0].ports[0].containerPort = '3003';
      docs.push({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } });
      expect(schemaProblems(docs)).toEqual([
        expect.stringMatching(/^Deployment\/shop-cart: .*containerPort must be integer/),
        'example.com/v1 Widget/w: no schema to validate it against',
      ]);
    });
  });

  describe('Deployments', () => {
    it.each(SETS)('%s: every Deployment has probes, resources, a non-root read-only security context, a rolling update and config checksums', (set) => {
      expect(ofKind(rendered[set]!.manifests, 'Deployment')).toHaveLength(APPS.length);
      expect(deploymentProblems(rendered[set]!.manifests)).toEqual([]);
    });

    it('catches a Deployment without probes', () => {
      const docs = clone(rendered['default']!.manifests);
      const c = (ofKind(docs, 'Deployment')[0] as Any).spec.template.spec.containers[0];
      delete c.readinessProbe;
      delete c.startupProbe;
      expect(deploymentProblems(docs)).toEqual(['Deployment/shop-cart container cart: no startupProbe on /health/live', 'Deployment/shop-cart container cart: no readinessProbe on /health/ready']);
    });

    it('catches a Deployment that recreates, has no limits, or may write its root filesystem', () => {
      const docs = clone(rendered['default']!.manifests);
      const d = (ofKind(docs, 'Deployment') as Any[]).find((x) => x.metadata.name === 'shop-order');
      d.spec.strategy = { type: 'Recreate' };
      delete d.spec.template.spec.containers[0].resources.limits;
      d.spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem = false;
      expect(deploymentProblems(docs)).toEqual([
        'Deployment/shop-order: no RollingUpdate strategy with maxSurge and maxUnavailable',
        'Deployment/shop-order container order: resources need requests.cpu, requests.memory and limits.memory',
        'Deployment/shop-order container order: root filesystem is writable',
      ]);
    });

    it('runs every app from its own image, built with APP=<app>', () => {
      for (const set of SETS) {
        for (const d of ofKind(rendered[set]!.manifests, 'Deployment') as Any[]) {
          const app = d.metadata.labels['app.kubernetes.io/component'];
          expect(d.spec.template.spec.containers[0].image).toMatch(new RegExp(`(^|/)${app}:[^/]+$`));
        }
      }
    });

    it('gives each app its own port, the one its service definition defaults to', () => {
      for (const d of ofKind(rendered['default']!.manifests, 'Deployment') as Any[]) {
        const app = d.metadata.labels['app.kubernetes.io/component'] as string;
        const definition = readFileSync(join(root, `libs/services/${app}/src/${app}.service-definition.ts`), 'utf8');
        expect(String(d.spec.template.spec.containers[0].ports[0].containerPort)).toBe(definition.match(/defaultHttpPort:\s*(\d+)/)?.[1]);
      }
    });
  });

  describe('scaling and disruption', () => {
    it.each(SETS)('%s: every app has an HPA and a PodDisruptionBudget', (set) => {
      expect(scalingProblems(rendered[set]!.manifests, APPS)).toEqual([]);
    });

    it('catches an app without an HPA, and a PDB that selects no pod of its app', () => {
      const docs = clone(rendered['default']!.manifests).filter((d) => !(d.kind === 'HorizontalPodAutoscaler' && d.metadata.name === 'shop-user'));
      const pdb = (ofKind(docs, 'PodDisruptionBudget') as Any[]).find((p) => p.metadata.name === 'shop-cart');
      pdb.spec.selector.matchLabels['app.kubernetes.io/component'] = 'kart';
      expect(scalingProblems(docs, APPS)).toEqual(['cart: no PodDisruptionBudget selecting its pods', 'user: no HorizontalPodAutoscaler for Deployment/shop-user']);
    });
  });

  describe('secrets', () => {
    const markers = () => [...readFileSync(join(root, 'helm/shop/ci/secrets-values.yaml'), 'utf8').matchAll(/SECRET-MARKER-[A-Z0-9-]+/g)].map((m) => m[0]);

    it('puts every credential of the secret-marker values in a Secret and nowhere else (no ConfigMap, env value or annotation)', () => {
      expect(markers().length).toBeGreaterThanOrEqual(10);
      expect(secretLeakProblems(all(rendered['secrets']!), markers())).toEqual([]);
    });

    it('catches a secret value in a ConfigMap', () => {
      const docs = clone(all(rendered['secrets']!));
      (ofKind(docs, 'ConfigMap')[0] as Any).data['DB_PASSWORD'] = 'SECRET-MARKER-DB-PASSWORD';
      expect(secretLeakProblems(docs, markers())).toEqual(['ConfigMap/shop-env holds the secret value SECRET-MARKER-DB-PASSWORD']);
    });

    it.each(SETS)('%s: sets every credential from a Secret, never as a literal value or ConfigMap key', (set) => {
      expect(credentialProblems(all(rendered[set]!), ENV_LIST.secrets)).toEqual([]);
    });

    it('catches a credential given as a literal env value', () => {
      const docs = clone(rendered['default']!.manifests);
      (ofKind(docs, 'Deployment') as Any[]).find((d) => d.metadata.name === 'shop-user').spec.template.spec.containers[0].env.push({ name: 'ADMIN_PASSWORD', value: 'hunter2hunter2' });
      expect(credentialProblems(docs, ENV_LIST.secrets)).toEqual(['Deployment/shop-user container user: ADMIN_PASSWORD is not taken from a Secret']);
    });
  });

  describe('environment', () => {
    it.each(SETS)('%s: every container gets only environment variables the apps read', (set) => {
      expect(envNameProblems(all(rendered[set]!), KNOWN_ENV)).toEqual([]);
    });

    it('catches an unknown variable in the shared ConfigMap', () => {
      const docs = clone(rendered['default']!.manifests);
      (ofKind(docs, 'ConfigMap') as Any[]).find((c) => c.metadata.name === 'shop-env').data['SHOP_FEATURE_X'] = 'on';
      expect(envNameProblems(docs, KNOWN_ENV)).toEqual(APPS.map((app) => `Deployment/shop-${app} container ${app}: SHOP_FEATURE_X is not an environment variable the apps read`));
    });

    it('values.schema.json accepts as per-app env exactly the variables the apps read, less those the chart sets itself', () => {
      const schema = JSON.parse(readFileSync(join(root, 'helm/shop/values.schema.json'), 'utf8')) as Any;
      const accepted = schema.definitions.app.properties.env.propertyNames.enum as string[];
      const chartSet = ['HTTP_PORT', 'CORS_ORIGINS', 'ADMIN_EMAIL', ...ENV_LIST.secrets, 'DB_USER'];
      expect([...accepted].sort()).toEqual(Object.keys(ENV_LIST.app).filter((n) => !chartSet.includes(n)).sort());
    });
  });

  describe('the migration Job', () => {
    it('migrates exactly the services whose definition has a database schema', () => {
      expect(DATABASE_APPS).toEqual(['cart', 'notification', 'order', 'product', 'user']);
    });

    it.each(SETS)('%s: runs as a pre-install/pre-upgrade hook before the Deployments, with everything it needs', (set) => {
      expect(migrationProblems(rendered[set]!, DATABASE_APPS)).toEqual([]);
    });

    it('catches a migration Job that runs after the install, or as a plain release object', () => {
      const late = clone(rendered['default']!);
      (ofKind(late.hooks, 'Job')[0] as Any).metadata.annotations['helm.sh/hook'] = 'post-install,post-upgrade';
      expect(migrationProblems(late, DATABASE_APPS)).toEqual(expect.arrayContaining(['the migration Job is not a pre-install hook (helm.sh/hook: post-install,post-upgrade)']));
      const plain = clone(rendered['default']!);
      plain.manifests.push(...plain.hooks.map((h) => ({ ...h, metadata: { ...h.metadata, annotations: {} } })));
      plain.hooks = [];
      expect(migrationProblems(plain, DATABASE_APPS)).toEqual(['a Job is in the release manifest: Helm would create it alongside the Deployments, not before them', 'no migration Job among the hooks']);
    });

    it('catches a Job that needs an object the release creates only after the hooks, or that misses a service', () => {
      const broken = clone(rendered['default']!);
      const job = ofKind(broken.hooks, 'Job')[0] as Any;
      job.spec.template.spec.serviceAccountName = 'shop';
      job.spec.template.spec.containers = job.spec.template.spec.containers.filter((c: Any) => c.name !== 'migrate-order');
      expect(migrationProblems(broken, DATABASE_APPS)).toEqual([
        'the Job needs ServiceAccount/shop, which the release creates only after the pre-install hooks',
        'the Job migrates [cart, notification, product, user], the services with a database are [cart, notification, order, product, user]',
      ]);
    });
  });

  describe('ingress', () => {
    it('exposes only the gateway, and only its API and docs (not /metrics or /health)', () => {
      for (const set of SETS) {
        for (const ing of ofKind(rendered[set]!.manifests, 'Ingress') as Any[]) {
          const paths = ing.spec.rules.flatMap((r: Any) => r.http.paths);
          expect(paths.map((p: Any) => p.backend.service.name)).toEqual(paths.map(() => 'shop-gateway'));
          expect(paths.map((p: Any) => p.path).sort()).toEqual(['/api', '/docs']);
        }
      }
      expect(ofKind(rendered['aws']!.manifests, 'Ingress')[0]).toMatchObject({ spec: { ingressClassName: 'alb' } });
    });
  });

  describe('values.schema.json and the Helm releases it guards', () => {
    const OUT_CASES = join(root, 'tmp/helm-rendered-cases');
    const CASES: Record<string, unknown> = {
      'replicas-as-string': { appDefaults: { autoscaling: { enabled: false } }, apps: { order: { replicas: 'two' } } },
      'port-as-string': { database: { port: '3306' } },
      'flag-as-string': { ingress: { enabled: 'true' } },
      'misspelt-key': { databse: { host: 'db.internal' } },
      'writable-root': { securityContext: { readOnlyRootFilesystem: false } },
      'unknown-env': { apps: { gateway: { env: { GATEWAY_DEBUG: '1' } } } },
      'credential-in-env': { apps: { user: { env: { DB_PASSWORD: 'hunter2hunter2' } } } },
      'short-service-secret': { auth: { serviceSecrets: { values: { gateway: 'short' } } } },
      'valid-override': { appDefaults: { autoscaling: { enabled: false } }, apps: { order: { replicas: 3 } }, database: { port: 3307 } },
      upgrade: {},
    };
    let cases: Report;
    let output: string;

    beforeAll(() => {
      rmSync(OUT_CASES, { recursive: true, force: true });
      mkdirSync(OUT_CASES, { recursive: true });
      const sets = Object.entries(CASES).map(([name, values]) => {
        const file = join(OUT_CASES, `${name}.values.yaml`);
        writeFileSync(file, stringify(values));
        return `${name}=${file}`;
      });
      // The "upgrade" case runs against a cluster that already holds the generated service secrets of an earlier install.
      const installed = join(OUT_CASES, 'installed-service-secrets.json');
      const kept = Object.fromEntries(APPS.map((app) => [app, b64(`kept-${app}-secret-from-install`)]));
      writeFileSync(installed, JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'shop-service-secrets', namespace: 'shop' }, data: kept }));
      const run = helmCheck(['--no-lint', '--installed-secret', `shop-service-secrets=${installed}`, ...sets], OUT_CASES);
      output = run.output;
      cases = JSON.parse(readFileSync(join(OUT_CASES, 'report.json'), 'utf8')) as Report;
      expect(run.status).toBe(1);
    });

    const errorOf = (name: string) => cases.renders.find((r) => r.name === name);

    it.each([
      ['replicas-as-string', /\/apps\/order\/replicas'?: got string, want integer/],
      ['port-as-string', /\/database\/port'?: got string, want integer/],
      ['flag-as-string', /\/ingress\/enabled'?: got string, want boolean/],
      ['misspelt-key', /additional propert.*databse|databse.*not allowed/],
      ['writable-root', /\/securityContext\/readOnlyRootFilesystem/],
      ['unknown-env', /\/apps\/gateway\/env.*GATEWAY_DEBUG|GATEWAY_DEBUG/],
      ['credential-in-env', /\/apps\/user\/env.*DB_PASSWORD|DB_PASSWORD/],
      ['short-service-secret', /\/auth\/serviceSecrets\/values\/gateway/],
    ])('refuses %s at install time (helm template fails on values.schema.json)', (name, expected) => {
      const r = errorOf(name);
      expect(r, output).toMatchObject({ ok: false });
      expect(r!.error).toMatch(/values don't meet the specifications of the schema/);
      expect(r!.error).toMatch(expected);
    });

    it('accepts the same keys with the right types (the refusals are about the values, nothing else)', () => {
      expect(errorOf('valid-override'), output).toMatchObject({ ok: true, error: null });
      const order = ofKind(load(OUT_CASES, 'valid-override').manifests, 'Deployment').find((d) => d.metadata.name === 'shop-order') as Any;
      expect(order.spec.replicas).toBe(3);
    });

    it('keeps the service secrets it generated at install on upgrade (lookup of the installed Secret)', () => {
      expect(errorOf('upgrade'), output).toMatchObject({ ok: true });
      const secret = ofKind(load(OUT_CASES, 'upgrade').manifests, 'Secret').find((s) => s.metadata.name === 'shop-service-secrets') as Any;
      for (const app of APPS) expect(Buffer.from(secret.data[app], 'base64').toString()).toBe(`kept-${app}-secret-from-install`);
      const table = JSON.parse(Buffer.from(secret.data['service-secrets.json'], 'base64').toString()) as Record<string, string>;
      expect(table['order']).toBe('kept-order-secret-from-install');
    });

    it('generates a service secret per app on a first install', () => {
      const secret = ofKind(rendered['default']!.manifests, 'Secret').find((s) => s.metadata.name === 'shop-service-secrets') as Any;
      const values = APPS.map((app) => Buffer.from(secret.data[app], 'base64').toString());
      expect(new Set(values).size).toBe(APPS.length);
      for (const v of values) expect(v).toMatch(/^[A-Za-z0-9]{32}$/);
    });
  });

  describe('monitoring', () => {
    it('production: ships the alert rules as a PrometheusRule and every dashboard as a ConfigMap for Grafana\'s sidecar', () => {
      expect(monitoringProblems(rendered['production']!.manifests)).toEqual([]);
      expect(ofKind(rendered['production']!.manifests, 'PrometheusRule')[0]!.metadata.labels).toMatchObject({ release: 'prometheus' });
    });

    it('default: none of them (they need the Prometheus Operator and Grafana\'s sidecar)', () => {
      const kinds = rendered['default']!.manifests.map((d) => d.kind);
      expect(kinds).not.toContain('PrometheusRule');
      expect(kinds).not.toContain('ServiceMonitor');
      expect((ofKind(rendered['default']!.manifests, 'ConfigMap') as Any[]).filter((cm) => cm.metadata.labels?.['grafana_dashboard'])).toEqual([]);
    });

    it('catches a rule group or a dashboard missing, and a ServiceMonitor that would rename the service label', () => {
      const docs = clone(rendered['production']!.manifests) as Any[];
      docs.find((d) => d.kind === 'PrometheusRule').spec.groups.pop();
      const cm = docs.find((d) => d.kind === 'ConfigMap' && d.data?.['shop-red.json']);
      docs.splice(docs.indexOf(cm), 1);
      for (const ep of docs.find((d) => d.kind === 'ServiceMonitor').spec.endpoints) delete ep.honorLabels;
      expect(monitoringProblems(docs)).toEqual([
        'PrometheusRule/shop: its groups are not those of observability/alerts/shop-alerts.yaml',
        expect.stringMatching(/^dashboard ConfigMaps hold \[shop-business.json, shop-messaging.json, shop-overview.json\]/),
        'ServiceMonitor/shop: honorLabels is not true (the apps\' service label would become exported_service)',
      ]);
    });
  });

  describe('README.md', () => {
    /** Maps whose keys are the user's, documented as one row. */
    const FREE_FORM = ['configServer.files', 'metrics.dashboards.labels'];
    /** Every key path of values.yaml, down to the free-form maps (and apps.<app>, whose keys are those of appDefaults). */
    function valuePaths(node: unknown, prefix = ''): string[] {
      if (node === null || typeof node !== 'object' || Array.isArray(node) || Object.keys(node).length === 0 || FREE_FORM.includes(prefix)) return [prefix];
      if (prefix === 'apps') return Object.keys(node).map((k) => `apps.${k}`);
      return Object.entries(node).flatMap(([k, v]) => valuePaths(v, prefix ? `${prefix}.${k}` : k));
    }
    const undocumented = (readme: string) => valuePaths(parse(readFileSync(join(root, 'helm/shop/values.yaml'), 'utf8'))).filter((p) => !readme.includes(`\`${p}\``));

    it('documents every key of values.yaml in its values table', () => {
      expect(undocumented(readFileSync(join(root, 'helm/shop/README.md'), 'utf8'))).toEqual([]);
    });

    it('catches a key missing from the table', () => {
      const readme = readFileSync(join(root, 'helm/shop/README.md'), 'utf8').replace('`database.poolSize`', '`database.pool`');
      expect(undocumented(readme)).toEqual(['database.poolSize']);
    });
  });
});
