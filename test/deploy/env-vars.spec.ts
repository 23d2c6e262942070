import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

/**
 * docker/env-vars.json is the one list of environment variables that compose
 * and the Helm chart may set. These tests hold it equal to what the code
 * reads, so it cannot drift: a variable read by the code and missing from the
 * list fails, and so does a listed variable nothing reads any more.
 */

const root = resolve(import.meta.dirname, '../..');

interface EnvRead {
  name: string;
  file: string;
}

interface Scan {
  reads: EnvRead[];
  /** `env[someVariable]` and the like: a name the scan cannot see. */
  dynamic: string[];
}

/** Source files of what the images run: every app but all-in-one, every library but the test helpers. */
function deployableSources(): string[] {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) {
        if (entry !== 'node_modules') walk(path);
      } else if (path.endsWith('.ts') && !/\.(spec|e2e-spec|int-spec)\.ts$/.test(path) && !path.endsWith('.d.ts') && path.includes('/src/')) {
        files.push(path);
      }
    }
  };
  for (const app of readdirSync(join(root, 'apps'))) if (app !== 'all-in-one') walk(join(root, 'apps', app, 'src'));
  for (const lib of readdirSync(join(root, 'libs'))) if (lib !== 'testing') walk(join(root, 'libs', lib));
  return files.sort();
}

/**
 * Finds every environment read in TypeScript source: env['X'], env["X"],
 * env.X, process.env.X, const { X } = process.env. A read through a variable
 * (`env[name]`) is accepted only in a file that passes the names as literals
 * next to the environment, as in `positive(env, 'RATE_LIMIT_TTL_MS', ...)`:
 * those names are the reads. The one generic reader, `envInt` in
 * libs/contracts/src/settings.ts, is exempt for the same reason: every caller
 * passes the name as a literal (`envInt(env, 'RPC_TIMEOUT_MS', ...)`).
 */
const GENERIC_READERS = ['libs/contracts/src/settings.ts'];

function scanEnvReads(sources: Array<{ file: string; code: string }>): Scan {
  const reads: EnvRead[] = [];
  const dynamic: string[] = [];
  for (const { file, code } of sources) {
    for (const m of code.matchAll(/\benv\s*\[\s*(['"`])([A-Za-z_][A-Za-z0-9_]*)\1\s*\]/g)) reads.push({ name: m[2]!, file });
    const passed = [...code.matchAll(/\(\s*(?:process\.)?env\s*,\s*(['"])([A-Z_][A-Z0-9_]*)\1/g)].map((m) => m[2]!);
    for (const name of passed) reads.push({ name, file });
    for (const m of code.matchAll(/\benv\s*\[\s*(?!['"`][A-Za-z_][A-Za-z0-9_]*['"`]\s*\])([^\]]*)\]/g)) {
      if (!passed.length && !GENERIC_READERS.some((g) => file.endsWith(g))) dynamic.push(`${file}: env[${m[1]}]`);
    }
    for (const m of code.matchAll(/\benv\??\.([A-Z_][A-Z0-9_]*)\b/g)) reads.push({ name: m[1]!, file });
    for (const m of code.matchAll(/\{([^{}]*)\}\s*=\s*(?:process\.)?env\b/g)) {
      for (const part of m[1]!.split(',')) {
        const name = part.split(/[:=]/)[0]!.trim();
        if (name) reads.push({ name, file });
      }
    }
  }
  return { reads, dynamic };
}

/** The differences between the list and the code, as readable lines (empty when they agree). */
function envListProblems(listed: string[], scan: Scan): string[] {
  const read = new Map<string, string>();
  for (const r of scan.reads) if (!read.has(r.name)) read.set(r.name, r.file);
  const problems: string[] = [];
  for (const [name, file] of read) if (!listed.includes(name)) problems.push(`${name} is read in ${file} but missing from docker/env-vars.json`);
  for (const name of listed) if (!read.has(name)) problems.push(`${name} is listed in docker/env-vars.json but nothing reads it`);
  for (const d of scan.dynamic) problems.push(`dynamic environment read (name not visible to the check): ${d}`);
  return problems;
}

interface EnvList {
  app: Record<string, string>;
  secrets: string[];
  runtime: Record<string, string>;
}

function readEnvList(): EnvList {
  return JSON.parse(readFileSync(join(root, 'docker/env-vars.json'), 'utf8')) as EnvList;
}

function sourcesOnDisk(): Array<{ file: string; code: string }> {
  return deployableSources().map((path) => ({ file: relative(root, path), code: readFileSync(path, 'utf8') }));
}

describe('docker/env-vars.json: the environment the apps read', () => {
  it('lists exactly the variables the deployable code reads, no more, no less', () => {
    const scan = scanEnvReads(sourcesOnDisk());
    expect(scan.reads.length).toBeGreaterThan(20);
    expect(envListProblems(Object.keys(readEnvList().app), scan)).toEqual([]);
  });

  it('marks the credentials among them, which the chart may set from Secrets only', () => {
    const list = readEnvList();
    expect(list.secrets.filter((name) => !(name in list.app))).toEqual([]);
    expect(list.secrets).toEqual(expect.arrayContaining(['DB_PASSWORD', 'RABBITMQ_URL']));
  });

  it('scans the libraries and apps that the images contain (database, messaging, platform, services)', () => {
    const files = new Set(scanEnvReads(sourcesOnDisk()).reads.map((r) => r.file.split('/').slice(0, 2).join('/')));
    expect([...files]).toEqual(expect.arrayContaining(['libs/database', 'libs/messaging', 'libs/platform', 'libs/services']));
  });

  it('catches a variable the code starts reading without listing it', () => {
    const sources = [...sourcesOnDisk(), { file: 'libs/messaging/src/new-feature.ts', code: "const retries = Number(env['OUTBOX_MAX_RETRIES'] ?? 3);" }];
    expect(envListProblems(Object.keys(readEnvList().app), scanEnvReads(sources))).toEqual([
      'OUTBOX_MAX_RETRIES is read in libs/messaging/src/new-feature.ts but missing from docker/env-vars.json',
    ]);
  });

  it('catches a listed variable that nothing reads any more', () => {
    expect(envListProblems([...Object.keys(readEnvList().app), 'SHOP_LEGACY_MODE'], scanEnvReads(sourcesOnDisk()))).toEqual([
      'SHOP_LEGACY_MODE is listed in docker/env-vars.json but nothing reads it',
    ]);
  });

  it('sees process.env.X, optional chaining and destructuring, and refuses names it cannot see', () => {
    const scan = scanEnvReads([
      { file: 'a.ts', code: 'const a = process.env.ALPHA; const b = env?.BETA;' },
      { file: 'b.ts', code: 'const { GAMMA, DELTA: d = "x" } = process.env;' },
      { file: 'c.ts', code: 'const key = `${name}_PORT`; const v = env[key];' },
      { file: 'd.ts', code: "const get = (env, name) => env[name]; const t = get(env, 'EPSILON');" },
    ]);
    expect(scan.reads.map((r) => r.name).sort()).toEqual(['ALPHA', 'BETA', 'DELTA', 'EPSILON', 'GAMMA']);
    expect(scan.dynamic).toEqual(['c.ts: env[key]']);
  });
});
