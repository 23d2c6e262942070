#!/usr/bin/env node
// Compiles the workspace's TypeScript to ESM JavaScript under dist/ with swc.
// Usage: node scripts/build.mjs [project-root ...]   (default: every app and lib)
// Libraries are always compiled, since every app imports them through the
// @shop/* path aliases, which swc rewrites to relative imports.
import { transformFile } from '@swc/core';
import { mkdir, readFile, readdir, writeFile, copyFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'dist');
const tsconfig = JSON.parse(await readFile(join(root, 'tsconfig.base.json'), 'utf8'));
const ASSET = /\.(html|css|svg|ya?ml)$/;

const swcOptions = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2022',
    keepClassNames: true,
    baseUrl: root,
    paths: tsconfig.compilerOptions.paths,
  },
  module: { type: 'es6', resolveFully: true },
  sourceMaps: true,
};

async function* walk(dir) {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* walk(p);
    else yield p;
  }
}

async function compile(file) {
  const rel = relative(root, file);
  const target = join(outDir, rel);
  await mkdir(dirname(target), { recursive: true });
  if (ASSET.test(file)) return copyFile(file, target);
  const out = await transformFile(file, { ...swcOptions, filename: file, sourceFileName: relative(dirname(target), file) });
  const js = target.replace(/\.ts$/, '.js');
  await writeFile(js, `${out.code}\n//# sourceMappingURL=${js.split('/').pop()}.map\n`);
  await writeFile(`${js}.map`, out.map);
}

const requested = process.argv.slice(2);
const roots = requested.length ? [...requested, 'libs'] : ['apps', 'libs'];
const started = Date.now();
const jobs = [];
for (const r of new Set(roots)) {
  for await (const file of walk(join(root, r))) {
    if (!file.includes('/src/')) continue;
    if (/\.(spec|e2e-spec)\.ts$/.test(file) || file.endsWith('.d.ts')) continue;
    if (file.endsWith('.ts') || ASSET.test(file)) jobs.push(compile(file));
  }
}
await Promise.all(jobs);
await writeFile(join(outDir, 'package.json'), '{ "type": "module" }\n');
console.log(`built ${jobs.length} files into dist/ in ${Date.now() - started} ms`);
