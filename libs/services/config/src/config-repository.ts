import { type Properties, flatten } from '@shop/config-client';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';

/** `application.yaml`, `application-dev.yaml`, `gateway.yaml`, `gateway-prod.yml`: the Spring Cloud Config layout. */
export const SOURCE_FILE = /^([a-z0-9][a-z0-9-]*)\.ya?ml$/;
export const SOURCE_NAME = /^[a-z0-9][a-z0-9-]{0,100}$/;

export interface RepositoryRead {
  /** Parsed sources by name (file name without extension). */
  sources: Record<string, Properties>;
  /** The file of each source. */
  files: Record<string, string>;
  /** Hash of every file's bytes: unchanged files are not re-announced. */
  contentHash: string;
  errors: string[];
}

/**
 * Reads every YAML file of the directory (a Kubernetes ConfigMap mount works:
 * its `..data` links are skipped, the files they point to are read). A file
 * that does not parse, or whose top level is not a mapping, is an error; the
 * caller then keeps its last good version.
 */
export function readRepository(dir: string): RepositoryRead {
  const sources: Record<string, Properties> = {};
  const files: Record<string, string> = {};
  const errors: string[] = [];
  const hash = createHash('sha256');
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => SOURCE_FILE.test(n)).sort();
  } catch (err) {
    return { sources, files, contentHash: '', errors: [`cannot read the config directory ${dir}: ${err instanceof Error ? err.message : String(err)}`] };
  }
  for (const file of names) {
    const name = SOURCE_FILE.exec(file)![1]!;
    const path = join(dir, file);
    let text: string;
    try {
      if (!statSync(path).isFile()) continue;
      text = readFileSync(path, 'utf8');
    } catch (err) {
      errors.push(`${file}: ${err instanceof Error ? err.message : String(err)}`);
      continue;
    }
    hash.update(file).update('\u0000').update(text).update('\u0000');
    if (files[name]) {
      errors.push(`${file}: ${files[name]} defines the same source; keep one of them`);
      continue;
    }
    files[name] = file;
    const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
    if (doc.errors.length) {
      errors.push(`${file}: invalid YAML: ${doc.errors.map((e) => e.message.split('\n')[0]).join('; ')}`);
      continue;
    }
    try {
      sources[name] = flatten(doc.toJS({ maxAliasCount: 50 }), file);
    } catch (err) {
      errors.push(err instanceof Error ? err.message : String(err));
    }
  }
  return { sources, files, contentHash: hash.digest('hex'), errors };
}
