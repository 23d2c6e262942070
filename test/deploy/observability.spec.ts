import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { ALERTS_FILE, DASHBOARDS_DIR, ROOT, alertRules, dashboardQueries } from '../observability/prometheus.js';

/**
 * observability/: the alert rules checked and unit-tested by promtool
 * (Debian's prometheus package, installed by .ci/run), the compose
 * Prometheus configuration that loads them, and the dashboards' structure.
 * Which metric names the expressions read is checked against real scrapes in
 * test/all-in-one/metrics.e2e-spec.ts.
 */

const PROMTOOL = ['/usr/bin/promtool', '/usr/local/bin/promtool'].find((p) => existsSync(p));
const NO_PROMTOOL = 'promtool is not installed (apt-get install -y prometheus; .ci/run installs it)';

function promtool(args: string[], cwd = ROOT): { status: number | null; output: string } {
  const run = spawnSync(PROMTOOL!, args, { cwd, encoding: 'utf8', timeout: 60_000 });
  return { status: run.status, output: `${run.stdout}\n${run.stderr}` };
}

describe('alert rules', () => {
  it('name every alert once, with a severity, a summary and a description', () => {
    const rules = alertRules();
    const names = rules.map((r) => r.alert);
    expect(names.length).toBeGreaterThanOrEqual(10);
    expect(new Set(names).size).toBe(names.length);
    for (const r of rules) {
      expect(r.labels?.['severity'], r.alert).toMatch(/^(critical|warning|info)$/);
      expect(r.annotations?.['summary'], r.alert).toBeTruthy();
      expect(r.annotations?.['description'], r.alert).toBeTruthy();
    }
    // What the issue asks alerts for.
    expect(names).toEqual(expect.arrayContaining(['ShopHttpErrorRate', 'ShopHttpLatencyHigh', 'ShopOutboxLag', 'ShopDeadLetters', 'ShopTargetDown', 'ShopServiceDown']));
  });

  describe.skipIf(!PROMTOOL)(`promtool${PROMTOOL ? '' : ` (skipped: ${NO_PROMTOOL})`}`, () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'shop-promtool-'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('promtool check rules passes', () => {
      const run = promtool(['check', 'rules', ALERTS_FILE]);
      expect(run.output).toMatch(/SUCCESS: \d+ rules found/);
      expect(run.status).toBe(0);
    });

    it('promtool check rules catches a broken expression', () => {
      const doc = parse(readFileSync(ALERTS_FILE, 'utf8')) as { groups: Array<{ rules: Array<{ expr: string }> }> };
      doc.groups[0]!.rules[0]!.expr = 'sum by (service) (rate(shop_http_requests_total[5m])';
      writeFileSync(join(dir, 'broken.yaml'), stringify(doc));
      const run = promtool(['check', 'rules', join(dir, 'broken.yaml')]);
      expect(run.status).not.toBe(0);
      expect(run.output).toMatch(/unclosed left parenthesis|parse error/);
    });

    it('promtool test rules: every tested alert fires on the series that should trigger it, and only then', () => {
      const run = promtool(['test', 'rules', 'shop-alerts.test.yaml'], join(ROOT, 'observability/alerts'));
      expect(run.output).toMatch(/SUCCESS/);
      expect(run.status).toBe(0);
    });

    it('promtool test rules catches an alert with a wrong threshold', () => {
      copyFileSync(join(ROOT, 'observability/alerts/shop-alerts.test.yaml'), join(dir, 'shop-alerts.test.yaml'));
      writeFileSync(join(dir, 'shop-alerts.yaml'), readFileSync(ALERTS_FILE, 'utf8').replace('max by (service) (shop_outbox_oldest_pending_age_seconds) > 60', 'max by (service) (shop_outbox_oldest_pending_age_seconds) > 6000'));
      const run = promtool(['test', 'rules', 'shop-alerts.test.yaml'], dir);
      expect(run.status).not.toBe(0);
      expect(run.output).toMatch(/alertname: ShopOutboxLag/);
    });

    it('every dashboard query is valid PromQL (checked as recording rules, Grafana variables given values)', () => {
      const grafana = (expr: string) => expr.replace(/\$__rate_interval|\$__interval/g, '1m').replace(/\$__range/g, '1h').replace(/\$\{?service\}?/g, '.*').replace(/\$\{?datasource\}?/g, 'prometheus');
      const queries = dashboardQueries();
      expect(queries.length).toBeGreaterThan(20);
      const asRules = { groups: [{ name: 'dashboards', rules: queries.map((q, i) => ({ record: `dashboard:query_${i}`, expr: grafana(q.expr) })) }] };
      writeFileSync(join(dir, 'dashboards.rules.yaml'), stringify(asRules));
      const run = promtool(['check', 'rules', join(dir, 'dashboards.rules.yaml')]);
      expect(run.output).toMatch(new RegExp(`SUCCESS: ${queries.length} rules found`));
      expect(run.status).toBe(0);
      // And it would catch a broken one.
      asRules.groups[0]!.rules[0]!.expr = 'sum by (service (rate(x[1m]))';
      writeFileSync(join(dir, 'dashboards.rules.yaml'), stringify(asRules));
      expect(promtool(['check', 'rules', join(dir, 'dashboards.rules.yaml')]).status).not.toBe(0);
    });

    it('the compose Prometheus configuration is valid and loads the alert rules', () => {
      const config = readFileSync(join(ROOT, 'docker/prometheus/prometheus.yml'), 'utf8');
      const compose = parse(readFileSync(join(ROOT, 'docker/compose.yaml'), 'utf8')) as { services: Record<string, { volumes?: string[] }> };
      // The rule files' container path, through the compose mount, to the repository's file.
      const ruleFiles = (parse(config) as { rule_files: string[] }).rule_files;
      const mounts = compose.services['prometheus']!.volumes!.map((v) => v.split(':')).filter(([src]) => src!.startsWith('.'));
      const resolved = ruleFiles.map((f) => {
        const mount = mounts.find(([, target]) => f.startsWith(`${target}/`));
        return mount ? join(ROOT, 'docker', mount[0]!, f.slice(mount[1]!.length + 1)) : f;
      });
      expect(resolved).toEqual([ALERTS_FILE]);
      writeFileSync(join(dir, 'prometheus.yml'), ruleFiles.reduce((c, f, i) => c.replace(f, resolved[i]!), config));
      const run = promtool(['check', 'config', join(dir, 'prometheus.yml')]);
      expect(run.output).toMatch(/SUCCESS: 1 rule files found/);
      expect(run.status).toBe(0);
    });
  });
});

describe('dashboards', () => {
  const files = readdirSync(DASHBOARDS_DIR).filter((f) => f.endsWith('.json')).sort();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- walked field by field below
  const load = (f: string) => JSON.parse(readFileSync(join(DASHBOARDS_DIR, f), 'utf8')) as Record<string, any>;

  it('are the overview, RED, messaging and business dashboards, each with a unique uid', () => {
    expect(files).toEqual(['shop-business.json', 'shop-messaging.json', 'shop-overview.json', 'shop-red.json']);
    const uids = files.map((f) => load(f)['uid']);
    expect(new Set(uids).size).toBe(files.length);
    for (const f of files) expect(load(f)['uid'], f).toBe(f.replace(/\.json$/, ''));
  });

  it.each(files)('%s: Prometheus data source variable, a service variable, panels on it without overlaps', (file) => {
    const d = load(file);
    const vars = d['templating'].list as Array<{ name: string; type: string; query?: unknown }>;
    expect(vars.find((v) => v.name === 'datasource')).toMatchObject({ type: 'datasource', query: 'prometheus' });
    expect(vars.find((v) => v.name === 'service')).toMatchObject({ type: 'query', datasource: { type: 'prometheus', uid: '${datasource}' } });
    const panels = d['panels'] as Array<{ id: number; type: string; datasource?: unknown; gridPos: { x: number; y: number; w: number; h: number }; targets?: Array<{ expr: string }> }>;
    expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
    const cells = new Set<string>();
    for (const p of panels) {
      if (p.type !== 'row') {
        expect(p.datasource, `${file} panel ${p.id}`).toEqual({ type: 'prometheus', uid: '${datasource}' });
        expect(p.targets?.length, `${file} panel ${p.id}`).toBeGreaterThan(0);
      }
      expect(p.gridPos.x + p.gridPos.w, `${file} panel ${p.id}`).toBeLessThanOrEqual(24);
      for (let x = p.gridPos.x; x < p.gridPos.x + p.gridPos.w; x++) {
        for (let y = p.gridPos.y; y < p.gridPos.y + p.gridPos.h; y++) {
          expect(cells.has(`${x},${y}`), `${file} panel ${p.id} overlaps another at ${x},${y}`).toBe(false);
          cells.add(`${x},${y}`);
        }
      }
    }
  });

  it('are all provisioned by compose (Grafana mounts the folder) and by the chart (dashboards/ links to it)', () => {
    expect(readdirSync(join(ROOT, 'helm/shop/dashboards')).filter((f) => f.endsWith('.json')).sort()).toEqual(files);
    expect(readdirSync(join(ROOT, 'helm/shop/alerts'))).toContain('shop-alerts.yaml');
    const compose = parse(readFileSync(join(ROOT, 'docker/compose.yaml'), 'utf8')) as { services: Record<string, { volumes?: string[] }> };
    expect(compose.services['grafana']!.volumes).toContain('../observability/dashboards:/var/lib/grafana/dashboards/shop:ro');
  });
});
