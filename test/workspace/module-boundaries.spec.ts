import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ESLint } from 'eslint';

const root = resolve(import.meta.dirname, '../..');

/** Writes a throw-away file into a project and lints it with the workspace's own config. */
async function boundaryErrors(path: string, code: string): Promise<string[]> {
  const file = resolve(root, path);
  writeFileSync(file, code);
  try {
    const [result] = await new ESLint({ cwd: root }).lintFiles([file]);
    return (result?.messages ?? []).filter((m) => m.ruleId === '@nx/enforce-module-boundaries').map((m) => m.message);
  } finally {
    rmSync(file, { force: true });
  }
}

describe('module boundaries (lint)', () => {
  beforeAll(() => {
    // The rule reads Nx's project graph; make sure it is computed.
    execFileSync(process.execPath, [resolve(root, 'node_modules/nx/dist/bin/nx.js'), 'show', 'projects'], { cwd: root, stdio: 'ignore' });
  }, 120_000);

  it('refuses a Nest import in contracts', async () => {
    const errors = await boundaryErrors('libs/contracts/src/boundary-probe.ts', "import { Injectable } from '@nestjs/common';\nexport const x = Injectable;\n");
    expect(errors.join('\n')).toMatch(/@nestjs\/common/);
  });

  it('refuses typeorm in contracts', async () => {
    const errors = await boundaryErrors('libs/contracts/src/boundary-probe.ts', "import { Entity } from 'typeorm';\nexport const x = Entity;\n");
    expect(errors.join('\n')).toMatch(/typeorm/);
  });

  it('refuses an app importing another app', async () => {
    const errors = await boundaryErrors('apps/gateway/src/boundary-probe.ts', "import '../../product/src/main.js';\n");
    expect(errors.length).toBeGreaterThan(0);
  });

  it('refuses a service importing another service', async () => {
    const errors = await boundaryErrors('libs/services/product/src/boundary-probe.ts', "import { cartService } from '@shop/services/cart';\nexport const x = cartService;\n");
    expect(errors.join('\n')).toMatch(/scope:product/);
  });

  it('refuses a shared library importing a service', async () => {
    const errors = await boundaryErrors('libs/messaging/src/boundary-probe.ts', "import { productService } from '@shop/services/product';\nexport const x = productService;\n");
    expect(errors.length).toBeGreaterThan(0);
  });

  it('allows a service to import its own scope and the shared libraries', async () => {
    const errors = await boundaryErrors('libs/services/product/src/boundary-probe.ts', "import { RpcClient } from '@shop/messaging';\nimport { newId } from '@shop/contracts';\nexport const x = [RpcClient, newId];\n");
    expect(errors).toEqual([]);
  });

  it('allows the all-in-one app to import every service', async () => {
    const errors = await boundaryErrors('apps/all-in-one/src/boundary-probe.ts', "import { productService } from '@shop/services/product';\nimport { cartService } from '@shop/services/cart';\nexport const x = [productService, cartService];\n");
    expect(errors).toEqual([]);
  });
});
