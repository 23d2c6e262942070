import { Ajv, type ErrorObject } from 'ajv';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { parse } from 'yaml';

/**
 * docker/compose.yaml (the whole platform) and docker/compose.infra.yaml (the
 * infrastructure only), checked without a Docker engine: the Compose
 * specification's JSON schema (as shipped by dclint), then what the schema
 * cannot know about this repository. Every check runs once on the real files
 * and once on a copy broken on purpose, to show it catches what it claims to.
 */

const root = resolve(import.meta.dirname, '../..');
const dockerDir = join(root, 'docker');
const require = createRequire(import.meta.url);

type Json = Record<string, unknown>;
interface Service {
  image?: string;
  build?: string | { context?: string; dockerfile?: string; args?: Record<string, unknown> | string[] };
  environment?: Record<string, unknown> | string[];
  ports?: Array<string | number | { published?: string | number; host_ip?: string; target?: number }>;
  depends_on?: string[] | Record<string, { condition: string }>;
  healthcheck?: { test?: unknown; disable?: boolean };
  volumes?: Array<string | { type?: string; source?: string; target?: string }>;
}
interface ComposeFile {
  include?: Array<string | { path: string | string[] }>;
  services: Record<string, Service>;
  [key: string]: unknown;
}

const clone = <T>(v: T): T => structuredClone(v);

function loadYaml(path: string): ComposeFile {
  // Compose resolves YAML merge keys (<<: *anchor), so the model is read the same way.
  return parse(readFileSync(path, 'utf8'), { merge: true }) as ComposeFile;
}

/** The Compose application model of a file: its services and those of the files it includes (include copies, never merges). */
function loadModel(file: string): { services: Record<string, Service>; problems: string[] } {
  const doc = loadYaml(file);
  const services: Record<string, Service> = {};
  const problems: string[] = [];
  for (const entry of doc.include ?? []) {
    const paths = typeof entry === 'string' ? [entry] : [entry.path].flat();
    for (const p of paths) {
      const included = loadModel(resolve(dirname(file), p));
      problems.push(...included.problems);
      for (const [name, svc] of Object.entries(included.services)) {
        if (name in services) problems.push(`service ${name} is defined twice`);
        services[name] = svc;
      }
    }
  }
  for (const [name, svc] of Object.entries(doc.services ?? {})) {
    if (name in services) problems.push(`service ${name} conflicts with an included service`);
    services[name] = svc;
  }
  return { services, problems };
}

// ------------------------------------------------------------------ the checks

const composeSchema = (() => {
  const schema = JSON.parse(readFileSync(join(dirname(require.resolve('dclint/package.json')), 'schemas/compose.schema.json'), 'utf8')) as Json;
  // Its $schema names draft-07 by an https URL that Ajv does not register; the schema is draft-07, Ajv's default.
  delete schema['$schema'];
  return new Ajv({ allErrors: true, strict: false, allowUnionTypes: true }).compile(schema);
})();

function schemaErrors(doc: unknown): string[] {
  if (composeSchema(doc)) return [];
  return (composeSchema.errors ?? []).map((e: ErrorObject) => `${e.instancePath || '/'} ${e.message ?? ''}`.trim());
}

/** The deployable apps: apps/<name>/src/main.ts, all-in-one excepted. */
const APPS = readdirSync(join(root, 'apps'))
  .filter((a) => a !== 'all-in-one' && existsSync(join(root, 'apps', a, 'src/main.ts')))
  .sort();

function buildArgs(svc: Service): Record<string, string> {
  if (typeof svc.build !== 'object' || !svc.build.args) return {};
  const args = svc.build.args;
  if (Array.isArray(args)) return Object.fromEntries(args.map((a) => a.split('=') as [string, string]));
  return Object.fromEntries(Object.entries(args).map(([k, v]) => [k, String(v)]));
}

/** Every service built here uses docker/Dockerfile with an APP that is a deployable app, and every app has one. */
function appBuildProblems(services: Record<string, Service>): string[] {
  const problems: string[] = [];
  const built = new Map<string, string>();
  for (const [name, svc] of Object.entries(services)) {
    if (!svc.build) {
      if (svc.image?.startsWith('shop/')) problems.push(`${name}: image ${svc.image} is one of ours but has no build`);
      continue;
    }
    if (typeof svc.build === 'string') {
      problems.push(`${name}: build must name docker/Dockerfile and an APP build arg`);
      continue;
    }
    const dockerfile = resolve(dockerDir, svc.build.context ?? '.', svc.build.dockerfile ?? 'Dockerfile');
    if (dockerfile !== join(dockerDir, 'Dockerfile')) problems.push(`${name}: builds ${dockerfile}, not docker/Dockerfile`);
    const app = buildArgs(svc)['APP'];
    if (!app) problems.push(`${name}: no APP build arg`);
    else if (!APPS.includes(app)) problems.push(`${name}: APP=${app} is not an app (${APPS.join(', ')})`);
    else built.set(app, name);
  }
  for (const app of APPS) if (!built.has(app)) problems.push(`no service builds the ${app} app`);
  return problems;
}

function environmentNames(svc: Service): string[] {
  const env = svc.environment;
  if (!env) return [];
  return Array.isArray(env) ? env.map((e) => e.split('=')[0]!) : Object.keys(env);
}

/** Variables set on the app services that the apps do not read (per docker/env-vars.json, itself checked against the code). */
function unknownEnvProblems(services: Record<string, Service>, known: string[]): string[] {
  const problems: string[] = [];
  for (const [name, svc] of Object.entries(services)) {
    if (!svc.build) continue;
    for (const v of environmentNames(svc)) if (!known.includes(v)) problems.push(`${name}: ${v} is not an environment variable the apps read`);
  }
  return problems;
}

interface Published {
  service: string;
  ip: string;
  port: number;
}

/** Host ports a service publishes, from the short ("[ip:]host:container[/proto]", ranges too) and long syntax. */
function publishedPorts(name: string, svc: Service): Published[] {
  const out: Published[] = [];
  const add = (ip: string, spec: string) => {
    const [from, to] = spec.split('-').map(Number);
    for (let p = from!; p <= (to ?? from!); p++) out.push({ service: name, ip, port: p });
  };
  for (const port of svc.ports ?? []) {
    if (typeof port === 'object') {
      if (port.published !== undefined) add(port.host_ip ?? '0.0.0.0', String(port.published));
      continue;
    }
    const parts = String(port).replace(/\/(tcp|udp)$/, '').split(':');
    if (parts.length === 3) add(parts[0]!, parts[1]!);
    else if (parts.length === 2) add('0.0.0.0', parts[0]!);
    // A lone container port publishes on a random host port: no clash possible.
  }
  return out;
}

/** Two services publishing the same host port (on the same address, or one on all addresses) cannot both start. */
function portClashProblems(services: Record<string, Service>): string[] {
  const all = Object.entries(services).flatMap(([name, svc]) => publishedPorts(name, svc));
  const problems: string[] = [];
  for (let i = 0; i < all.length; i++) {
    for (let j = i + 1; j < all.length; j++) {
      const a = all[i]!;
      const b = all[j]!;
      const sameAddress = a.ip === b.ip || a.ip === '0.0.0.0' || b.ip === '0.0.0.0';
      if (a.port === b.port && sameAddress && a.service !== b.service) problems.push(`host port ${a.port} is published by ${a.service} and ${b.service}`);
    }
  }
  return problems;
}

/** depends_on names existing services, and service_healthy waits only on services that have a healthcheck. */
function dependencyProblems(services: Record<string, Service>, dockerfileHasHealthcheck: boolean): string[] {
  const problems: string[] = [];
  const healthchecked = (svc: Service) => (svc.healthcheck && !svc.healthcheck.disable) || (svc.build !== undefined && dockerfileHasHealthcheck);
  for (const [name, svc] of Object.entries(services)) {
    const deps = Array.isArray(svc.depends_on) ? Object.fromEntries(svc.depends_on.map((d) => [d, { condition: 'service_started' }])) : (svc.depends_on ?? {});
    for (const [dep, { condition }] of Object.entries(deps)) {
      const target = services[dep];
      if (!target) problems.push(`${name} depends on ${dep}, which is not a service`);
      else if (condition === 'service_healthy' && !healthchecked(target)) problems.push(`${name} waits for ${dep} to be healthy, but ${dep} has no healthcheck`);
    }
  }
  return problems;
}

/** Bind mounts name files of this repository. */
function bindMountProblems(services: Record<string, Service>, baseDir: string): string[] {
  const problems: string[] = [];
  for (const [name, svc] of Object.entries(services)) {
    for (const v of svc.volumes ?? []) {
      const source = typeof v === 'string' ? v.split(':')[0]! : (v.type === 'bind' ? v.source : undefined);
      if (source && (source.startsWith('.') || source.startsWith('/')) && !existsSync(resolve(baseDir, source))) problems.push(`${name}: mounts ${source}, which does not exist`);
    }
  }
  return problems;
}

// ------------------------------------------------------------------ the tests

const envList = JSON.parse(readFileSync(join(dockerDir, 'env-vars.json'), 'utf8')) as { app: Record<string, string>; runtime: Record<string, string> };
const knownEnv = [...Object.keys(envList.app), ...Object.keys(envList.runtime)];
const dockerfileHasHealthcheck = /^HEALTHCHECK\s/m.test(readFileSync(join(dockerDir, 'Dockerfile'), 'utf8'));
const full = loadModel(join(dockerDir, 'compose.yaml'));
const infra = loadModel(join(dockerDir, 'compose.infra.yaml'));

describe('docker/compose.yaml and compose.infra.yaml', () => {
  describe('the Compose specification', () => {
    it.each(['compose.yaml', 'compose.infra.yaml'])('%s parses and matches the compose-spec JSON schema', (file) => {
      expect(schemaErrors(loadYaml(join(dockerDir, file)))).toEqual([]);
    });

    it('refuses a file that breaks the specification (a wrong depends_on condition, ports not a list)', () => {
      const broken = clone(loadYaml(join(dockerDir, 'compose.yaml')));
      (broken.services['gateway']!.depends_on as Record<string, { condition: string }>)['user']!.condition = 'healthy';
      broken.services['prometheus']!.ports = 9090 as never;
      const errors = schemaErrors(broken);
      expect(errors.join('\n')).toMatch(/\/services\/gateway\/depends_on/);
      expect(errors.join('\n')).toMatch(/\/services\/prometheus\/ports/);
    });

    it('includes the infrastructure file without redefining any of its services', () => {
      expect(full.problems).toEqual([]);
      expect(Object.keys(infra.services).sort()).toEqual(['kafka', 'mysql', 'rabbitmq']);
      for (const name of Object.keys(infra.services)) expect(full.services).toHaveProperty(name);
    });
  });

  describe('the apps', () => {
    it('builds every app, each from docker/Dockerfile with its own valid APP', () => {
      expect(APPS).toEqual(['cart', 'config', 'discovery', 'gateway', 'notification', 'order', 'product', 'user']);
      expect(appBuildProblems(full.services)).toEqual([]);
    });

    it('catches an unknown APP, another Dockerfile and a missing app', () => {
      const broken = clone(full.services);
      (broken['order']!.build as { args: Record<string, string> }).args['APP'] = 'payments';
      (broken['cart']!.build as { dockerfile: string }).dockerfile = 'docker/Dockerfile.dev';
      delete broken['config'];
      expect(appBuildProblems(broken)).toEqual([
        expect.stringContaining('cart: builds'),
        'order: APP=payments is not an app (cart, config, discovery, gateway, notification, order, product, user)',
        'no service builds the config app',
        'no service builds the order app',
      ]);
    });

    it('sets only environment variables the apps read', () => {
      expect(unknownEnvProblems(full.services, knownEnv)).toEqual([]);
    });

    it('catches a compose service with an unknown environment variable', () => {
      const broken = clone(full.services);
      (broken['product']!.environment as Record<string, string>)['PRODUCT_CACHE_TTL'] = '60';
      expect(unknownEnvProblems(broken, knownEnv)).toEqual(['product: PRODUCT_CACHE_TTL is not an environment variable the apps read']);
    });

    it('points the apps at the compose infrastructure, not at the host defaults', () => {
      for (const app of APPS) {
        const env = full.services[app]!.environment as Record<string, string>;
        expect(env).toMatchObject({ SHOP_TRANSPORT: 'broker', DB_DRIVER: 'mysql', DB_HOST: 'mysql', KAFKA_BROKERS: 'kafka:19092' });
        expect(env['RABBITMQ_URL']).toMatch(/@rabbitmq:5672/);
      }
    });
  });

  describe('ports', () => {
    it.each([
      ['compose.yaml', full],
      ['compose.infra.yaml', infra],
    ])('%s publishes no host port twice', (_file, model) => {
      expect(portClashProblems(model.services)).toEqual([]);
    });

    it('publishes only on 127.0.0.1, and the gateway on its own port 3000', () => {
      const ports = Object.entries(full.services).flatMap(([name, svc]) => publishedPorts(name, svc));
      expect(ports.filter((p) => p.ip !== '127.0.0.1')).toEqual([]);
      expect(ports).toContainEqual({ service: 'gateway', ip: '127.0.0.1', port: 3000 });
    });

    it('catches two services publishing the same host port, in every port syntax', () => {
      const broken = clone(full.services);
      broken['grafana']!.ports = ['127.0.0.1:3000:3000'];
      broken['prometheus']!.ports = [{ published: '15670-15680', target: 9090 }];
      expect(portClashProblems(broken).sort()).toEqual(['host port 15672 is published by rabbitmq and prometheus', 'host port 3000 is published by gateway and grafana']);
    });
  });

  describe('start order and mounts', () => {
    it('waits only on services that exist and, for service_healthy, have a healthcheck (the apps get the Dockerfile HEALTHCHECK)', () => {
      expect(dockerfileHasHealthcheck).toBe(true);
      expect(dependencyProblems(full.services, dockerfileHasHealthcheck)).toEqual([]);
      for (const app of APPS) expect(Object.keys(full.services[app]!.depends_on ?? {})).toEqual(expect.arrayContaining(['mysql', 'kafka', 'rabbitmq']));
    });

    it('catches waiting for the health of a service that has no healthcheck, or of one that does not exist', () => {
      const broken = clone(full.services);
      delete broken['kafka']!.healthcheck;
      (broken['grafana']!.depends_on as Record<string, { condition: string }>)['loki'] = { condition: 'service_started' };
      expect(dependencyProblems(broken, dockerfileHasHealthcheck)).toEqual(expect.arrayContaining([
        'grafana depends on loki, which is not a service',
        'discovery waits for kafka to be healthy, but kafka has no healthcheck',
      ]));
    });

    it('mounts files that exist: the Prometheus config, Grafana provisioning, the dashboards', () => {
      expect(bindMountProblems(full.services, dockerDir)).toEqual([]);
      const broken = clone(full.services);
      broken['grafana']!.volumes = ['../observability/dashbords:/var/lib/grafana/dashboards/shop:ro'];
      expect(bindMountProblems(broken, dockerDir)).toEqual(['grafana: mounts ../observability/dashbords, which does not exist']);
    });

    it('has Prometheus discover the apps through the discovery service, and Grafana load the mounted dashboards', () => {
      const prometheus = parse(readFileSync(join(dockerDir, 'prometheus/prometheus.yml'), 'utf8')) as { scrape_configs: Array<{ job_name: string; http_sd_configs?: Array<{ url: string }> }> };
      const sd = prometheus.scrape_configs.flatMap((j) => j.http_sd_configs ?? []).map((c) => new URL(c.url));
      expect(sd.map((u) => `${u.hostname}:${u.port}`)).toEqual(['discovery:8761']);
      const provider = parse(readFileSync(join(dockerDir, 'grafana/provisioning/dashboards/shop.yaml'), 'utf8')) as { providers: Array<{ options: { path: string } }> };
      const mounted = (full.services['grafana']!.volumes as string[]).map((v) => v.split(':')[1]);
      expect(mounted).toContain(provider.providers[0]!.options.path);
      expect(readdirSync(join(root, 'observability/dashboards')).filter((f) => f.endsWith('.json')).length).toBeGreaterThan(0);
    });
  });
});
