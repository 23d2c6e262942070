import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';

/**
 * Helpers of the observability tests: a reader of the Prometheus text format
 * (what /metrics serves), a tokenizer that finds the metric names a PromQL
 * expression reads, and the expressions of the dashboards and alert rules.
 */

export const ROOT = resolve(import.meta.dirname, '../..');
export const DASHBOARDS_DIR = join(ROOT, 'observability/dashboards');
export const ALERTS_FILE = join(ROOT, 'observability/alerts/shop-alerts.yaml');

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Exposition {
  samples: Sample[];
  /** `# TYPE` of every metric family the registry holds, samples or not. */
  types: Map<string, string>;
}

const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parseExposition(text: string): Exposition {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) {
      types.set(type[1]!, type[2]!);
      continue;
    }
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/.exec(line);
    if (!m) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, k, v] of (m[2] ?? '').matchAll(LABEL)) labels[k!] = v!.replace(/\\"/g, '"').replace(/\\n/g, '\n').replace(/\\\\/g, '\\');
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return { samples, types };
}

/** Every series name an exposition offers to PromQL: samples, and the families declared (histograms with their _bucket/_sum/_count). */
export function exportedNames(exp: Exposition): Set<string> {
  const names = new Set(exp.samples.map((s) => s.name));
  for (const [name, type] of exp.types) {
    names.add(name);
    if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(name + suffix);
    if (type === 'summary') for (const suffix of ['_sum', '_count']) names.add(name + suffix);
  }
  return names;
}

const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset', 'inf', 'nan', 'start', 'end']);

/**
 * The metric names a PromQL expression reads. Strings, label matchers,
 * range/subquery brackets, grouping clauses, Grafana variables and numbers
 * are removed first; what is left that is not a function call or a keyword
 * is a metric name.
 */
export function metricNamesOf(expr: string): string[] {
  let e = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, ' ') // strings
    .replace(/\$\{[^}]*\}|\$[a-zA-Z_][a-zA-Z0-9_]*/g, ' 1 ') // Grafana variables ($__rate_interval, ${service})
    .replace(/\{[^}]*\}/g, ' ') // label matchers
    .replace(/\[[^\]]*\]/g, ' ') // ranges and subqueries
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' '); // grouping label lists
  e = e.replace(/\b\d+(\.\d+)?(e[+-]?\d+)?([smhdwy]|ms)?\b/gi, ' '); // numbers and durations
  const names: string[] = [];
  for (const m of e.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const id = m[0];
    const after = e.slice(m.index + id.length).trimStart();
    if (after.startsWith('(')) continue; // a function or aggregation
    if (KEYWORDS.has(id.toLowerCase())) continue;
    names.push(id);
  }
  return [...new Set(names)];
}

export interface Query {
  where: string;
  expr: string;
}

interface Panel {
  title?: string;
  targets?: Array<{ expr?: string }>;
  panels?: Panel[];
}

/** Every PromQL expression of every dashboard: panel targets (rows included) and query variables. */
export function dashboardQueries(dir = DASHBOARDS_DIR): Query[] {
  const out: Query[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    const d = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { panels?: Panel[]; templating?: { list?: Array<{ name: string; type: string; query?: string | { query?: string } }> } };
    const walk = (panels: Panel[] = []) => {
      for (const p of panels) {
        for (const t of p.targets ?? []) if (t.expr) out.push({ where: `${file} panel "${p.title}"`, expr: t.expr });
        walk(p.panels);
      }
    };
    walk(d.panels);
    for (const v of d.templating?.list ?? []) {
      if (v.type !== 'query') continue;
      const q = typeof v.query === 'string' ? v.query : v.query?.query;
      if (!q) continue;
      // label_values(metric{...}, label) reads metric; query_result(expr) reads expr.
      const lv = /^label_values\((.*),\s*[a-zA-Z_][a-zA-Z0-9_]*\s*\)$/.exec(q.trim());
      const qr = /^query_result\((.*)\)$/.exec(q.trim());
      out.push({ where: `${file} variable $${v.name}`, expr: lv ? lv[1]! : qr ? qr[1]! : q });
    }
  }
  return out;
}

export interface AlertRule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export function alertRules(file = ALERTS_FILE): AlertRule[] {
  const doc = parse(readFileSync(file, 'utf8')) as { groups: Array<{ name: string; rules: AlertRule[] }> };
  return doc.groups.flatMap((g) => g.rules);
}

export function alertQueries(file = ALERTS_FILE): Query[] {
  return alertRules(file).map((r) => ({ where: `alert ${r.alert ?? r.record}`, expr: r.expr }));
}
