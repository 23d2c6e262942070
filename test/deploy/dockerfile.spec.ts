import dockerignore from '@balena/dockerignore';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DockerfileParser } from 'dockerfile-ast';
import { validate } from 'dockerfile-utils';

/**
 * docker/Dockerfile and .dockerignore, checked without a Docker engine (no
 * image is built here): the Dockerfile language server's validator, the
 * rules a production image must keep, the build context, and the two pieces
 * of the Dockerfile that can run outside Docker (the port lookup and the
 * healthcheck script), run for real.
 */

// A CommonJS module whose types declare a default export: `.default` is the factory either way.
const ignore = dockerignore.default;
const root = resolve(import.meta.dirname, '../..');
const dockerfileText = readFileSync(join(root, 'docker/Dockerfile'), 'utf8');
const dockerignoreText = readFileSync(join(root, '.dockerignore'), 'utf8');
const APPS = readdirSync(join(root, 'apps')).filter((a) => a !== 'all-in-one').sort();

interface Stage {
  name: string;
  base: string;
  instructions: Array<{ keyword: string; args: string; line: number }>;
}

function stages(text: string): { args: Record<string, string>; stages: Stage[] } {
  const args: Record<string, string> = {};
  const out: Stage[] = [];
  const lines = text.split('\n');
  for (const ins of DockerfileParser.parse(text).getInstructions()) {
    const keyword = ins.getKeyword();
    const range = ins.getRange();
    const line = range.start.line + 1;
    // The instruction as written, flags included, continuation lines joined.
    const raw = lines.slice(range.start.line, range.end.line + 1).join('\n').replace(/\\\n/g, ' ');
    const content = raw.slice(raw.search(/\s/) + 1).trim();
    if (keyword === 'FROM') {
      const [base, as, name] = content.split(/\s+/);
      out.push({ name: as?.toUpperCase() === 'AS' ? name! : String(out.length), base: base!, instructions: [] });
    } else if (out.length === 0 && keyword === 'ARG') {
      const [k, v] = content.split('=');
      args[k!] = v ?? '';
    } else {
      out.at(-1)?.instructions.push({ keyword, args: content, line });
    }
  }
  return { args, stages: out };
}

/** What a production image must keep: every violation, as a readable line. */
function imageRuleProblems(text: string): string[] {
  const problems: string[] = [];
  const { args, stages: all } = stages(text);
  if (all.length < 3) problems.push(`a multi-stage build is expected, found ${all.length} stage(s)`);
  const final = all.at(-1);
  if (!final) return ['no FROM'];
  const base = final.base.replace(/^\$\{?(\w+)\}?$/, (_m, name: string) => args[name] ?? '');
  if (!/^node:24(\.|-|$)/.test(base)) problems.push(`final stage is based on "${base}", not the Node 24 LTS image`);
  const of = (keyword: string) => final.instructions.filter((i) => i.keyword === keyword);
  const user = of('USER').at(-1)?.args;
  if (!user) problems.push('final stage sets no USER: the app would run as root');
  else if (!/^[1-9]\d*(:\d+)?$/.test(user)) problems.push(`final stage USER "${user}" is not a numeric non-root uid (Kubernetes' runAsNonRoot needs a number)`);
  if (!of('ENV').some((i) => /\bNODE_ENV=production\b/.test(i.args))) problems.push('final stage does not set NODE_ENV=production');
  if (!of('ENV').some((i) => /\bHTTP_HOST=0\.0\.0\.0\b/.test(i.args))) problems.push('final stage does not listen on 0.0.0.0 (HTTP_HOST)');
  if (!of('ENV').some((i) => /\bMALLOC_MMAP_THRESHOLD_=\d+\b/.test(i.args))) problems.push("final stage leaves glibc's dynamic mmap threshold on (MALLOC_MMAP_THRESHOLD_): freed memory stays in each app");
  if (!of('HEALTHCHECK').some((i) => /\bCMD\s*\[/.test(i.args))) problems.push('final stage has no exec-form HEALTHCHECK');
  const entrypoint = of('ENTRYPOINT').at(-1)?.args ?? '';
  if (!entrypoint.trim().startsWith('[')) problems.push('ENTRYPOINT is not in exec form: a shell would be PID 1 and swallow SIGTERM');
  else if (!/^\[\s*"(tini|\/usr\/bin\/tini|dumb-init)"/.test(entrypoint.trim())) problems.push('ENTRYPOINT does not start with an init (tini) that forwards signals');
  const modulesFrom = of('COPY').find((i) => /node_modules/.test(i.args))?.args.match(/--from=(\S+)/)?.[1];
  const modulesStage = all.find((s) => s.name === modulesFrom);
  if (!modulesStage) problems.push('final stage does not copy node_modules from a dependencies stage');
  else if (!modulesStage.instructions.some((i) => i.keyword === 'RUN' && /npm ci\b.*--omit=dev/.test(i.args))) problems.push(`stage ${modulesFrom} does not install with npm ci --omit=dev: dev dependencies would ship`);
  if (final.instructions.some((i) => i.keyword === 'RUN' && /\bnpm (ci|install)\b/.test(i.args))) problems.push('final stage runs npm: it should only copy');
  if (!all.some((s) => s.instructions.some((i) => i.keyword === 'ARG' && /^APP\b/.test(i.args)))) problems.push('no ARG APP');
  return problems;
}

/** Paths the Dockerfile copies from the build context (not --from another stage). */
function contextSources(text: string): string[] {
  const sources: string[] = [];
  for (const s of stages(text).stages) {
    for (const i of s.instructions) {
      if (i.keyword !== 'COPY' || /--from=/.test(i.args) || i.args.startsWith('<<')) continue;
      const parts = i.args.split(/\s+/).filter((p) => !p.startsWith('--'));
      sources.push(...parts.slice(0, -1));
    }
  }
  return sources;
}

/** Context problems: a copied source the .dockerignore drops, or something it should drop and lets in. */
function contextProblems(dockerignore: string, sources: string[]): string[] {
  const ig = ignore().add(dockerignore);
  const problems: string[] = [];
  for (const src of sources) {
    const probe = src.endsWith('.json') || src.includes('.') ? src : `${src}/some-file.ts`;
    if (ig.ignores(probe)) problems.push(`${src} is copied by the Dockerfile but excluded by .dockerignore`);
  }
  for (const path of ['node_modules/x/index.js', 'dist/apps/order/src/main.js', '.git/HEAD', 'tmp/x', '.data/order.sqlite', 'helm/shop/values.yaml', 'libs/platform/src/bootstrap.spec.ts', 'libs/messaging/test/x.ts']) {
    if (!ig.ignores(path)) problems.push(`${path} gets into the build context`);
  }
  return problems;
}

describe('docker/Dockerfile', () => {
  it('passes the Dockerfile validator (dockerfile-utils, the Docker language server\'s) with no diagnostic', () => {
    expect(validate(dockerfileText).map((d) => `${d.range.start.line + 1}: ${d.message}`)).toEqual([]);
  });

  it('the validator catches a broken instruction', () => {
    const broken = dockerfileText.replace('COPY --from=build /app/dist/libs', 'COPY --form=build /app/dist/libs');
    expect(validate(broken).map((d) => d.message)).toContain('Unknown flag: form');
  });

  it('builds a production image: multi-stage, Node 24, numeric non-root user, NODE_ENV=production, a fixed glibc mmap threshold, healthcheck, tini, production dependencies only', () => {
    expect(imageRuleProblems(dockerfileText)).toEqual([]);
  });

  it.each([
    ['runs as root', (t: string) => t.replace('USER 1000:1000', 'USER root'), /USER "root" is not a numeric non-root uid/],
    ['ships dev dependencies', (t: string) => t.replace('npm ci --omit=dev', 'npm ci'), /does not install with npm ci --omit=dev/],
    ['has a shell as PID 1', (t: string) => t.replace(/ENTRYPOINT \[.*\]/, 'ENTRYPOINT node /app/main.js'), /ENTRYPOINT is not in exec form/],
    ['has no healthcheck', (t: string) => t.replace(/HEALTHCHECK [^\n]*\\\n[^\n]*\n/, ''), /no exec-form HEALTHCHECK/],
    ['is on an old Node', (t: string) => t.replace('ARG BASE_IMAGE=node:24-slim', 'ARG BASE_IMAGE=node:18-slim'), /not the Node 24 LTS image/],
    ['runs in development mode', (t: string) => t.replace('NODE_ENV=production', 'NODE_ENV=development'), /NODE_ENV=production/],
    ["keeps glibc's dynamic mmap threshold", (t: string) => t.replace(' \\\n    MALLOC_MMAP_THRESHOLD_=131072', ''), /MALLOC_MMAP_THRESHOLD_/],
  ])('catches an image that %s', (_what, breakIt, expected) => {
    const broken = breakIt(dockerfileText);
    expect(broken).not.toBe(dockerfileText);
    expect(imageRuleProblems(broken).join('\n')).toMatch(expected);
  });

  it('.dockerignore lets in every path the Dockerfile copies and keeps out node_modules, dist, git, tests and the rest', () => {
    const sources = contextSources(dockerfileText);
    expect(sources).toEqual(expect.arrayContaining(['package.json', 'package-lock.json', 'libs', 'apps', 'scripts/build.mjs']));
    expect(contextProblems(dockerignoreText, sources)).toEqual([]);
  });

  it('catches a .dockerignore that drops a source the build needs, or lets node_modules in', () => {
    const broken = `${dockerignoreText.replace('!libs/\n', '')}\n!node_modules/**\n`;
    expect(contextProblems(broken, contextSources(dockerfileText))).toEqual([
      'libs is copied by the Dockerfile but excluded by .dockerignore',
      'node_modules/x/index.js gets into the build context',
    ]);
  });

  it('finds each app\'s HTTP port with the Dockerfile\'s own sed command, as the build stage does', () => {
    const expression = dockerfileText.match(/sed -n '([^']+)' "libs\/services\/\$\{APP\}\/src\/\$\{APP\}\.service-definition\.ts"/)?.[1];
    expect(expression).toBeDefined();
    const ports = Object.fromEntries(
      APPS.map((app) => [app, execFileSync('sed', ['-n', expression!, join(root, `libs/services/${app}/src/${app}.service-definition.ts`)], { encoding: 'utf8' }).trim()]),
    );
    expect(ports).toEqual({ cart: '3003', config: '8888', discovery: '8761', gateway: '3000', notification: '3005', order: '3004', product: '3002', user: '3001' });
  });

  describe('the HEALTHCHECK script (run with Node against a local server)', () => {
    const script = dockerfileText.match(/COPY <<'EOF' \/app\/healthcheck\.mjs\n([\s\S]*?)\nEOF\n/)?.[1];
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'healthcheck-'));
      writeFileSync(join(dir, 'healthcheck.mjs'), script ?? '');
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    async function exitCodeAgainst(status: number): Promise<number | null> {
      const server = createServer((req, res) => {
        res.statusCode = req.url === '/health/ready' ? status : 404;
        res.end();
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      try {
        const { port } = server.address() as AddressInfo;
        // Asynchronously: this process serves the requests the script makes.
        return await new Promise((done) => {
          execFile(process.execPath, [join(dir, 'healthcheck.mjs')], { env: { ...process.env, HTTP_PORT: String(port) }, timeout: 10_000 }, (err) =>
            done(err ? ((err as { code?: number }).code ?? null) : 0),
          );
        });
      } finally {
        await new Promise((r) => server.close(r));
      }
    }

    it('is healthy when /health/ready answers 200', async () => {
      expect(script).toBeDefined();
      expect(await exitCodeAgainst(200)).toBe(0);
    });

    it('is unhealthy when /health/ready answers 503 (a dependency is down)', async () => {
      expect(await exitCodeAgainst(503)).toBe(1);
    });
  });
});
