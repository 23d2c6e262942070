import { DemoCatalog } from '@shop/services/product';
import { AccountBootstrap, type DemoAccount } from '@shop/services/user';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ALL_IN_ONE_DEFAULTS, startPlatform } from './platform.js';

const started = Date.now();
const platform = await startPlatform(process.env);
const dataDir = process.env['DB_SQLITE_DIR'] ?? ALL_IN_ONE_DEFAULTS['DB_SQLITE_DIR']!;

/** Demo accounts with random passwords, created on first start and kept in the data folder (git-ignored). */
async function demoAccounts(): Promise<DemoAccount[]> {
  const file = join(dataDir, 'demo-accounts.json');
  const user = platform.services.find((s) => s.name === 'user')!;
  const created = await user.app.get(AccountBootstrap).seedDemoAccounts();
  if (created.length) {
    writeFileSync(file, JSON.stringify(created, null, 2));
    chmodSync(file, 0o600);
    return created;
  }
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as DemoAccount[];
  } catch {
    return [];
  }
}

const accounts = process.env['SEED_DEMO_ACCOUNTS'] === 'false' ? [] : await demoAccounts();
// The demo catalog (categories, products with stock), owned by the demo seller; skipped once the catalog has products.
const catalog = await platform.services
  .find((s) => s.name === 'product')!
  .app.get(DemoCatalog)
  .seed(Number(process.env['DEMO_PRODUCTS'] ?? 1000), accounts.filter((a) => a.roles === 'SELLER').map((a) => a.id));
const lines = platform.services.map((s) => `  ${s.name.padEnd(13)} ${s.url}/health/ready`);
console.log(
  [
    '',
    `shop is up in ${((Date.now() - started) / 1000).toFixed(1)} s (all-in-one: in-process messaging, SQLite under ${dataDir}/)`,
    '',
    `  API          ${platform.gatewayUrl}/api/v1/products${catalog.products ? `   (seeded ${catalog.products} demo products)` : ''}`,
    ...lines,
    '',
    ...(accounts.length
      ? ['Demo accounts (also in ' + join(dataDir, 'demo-accounts.json') + '):', ...accounts.map((a) => `  ${a.roles.padEnd(9)} ${a.email.padEnd(22)} ${a.password}`), '']
      : []),
    'Stop with Ctrl+C.',
  ].join('\n'),
);

let closing = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    if (closing) return;
    closing = true;
    platform.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  });
}
