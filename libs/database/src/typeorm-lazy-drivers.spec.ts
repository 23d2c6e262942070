import { execFileSync } from 'node:child_process';

/**
 * patches/typeorm+1.1.1.patch: TypeORM requires a driver when a DataSource of
 * its type is created, not all seventeen when it loads (patches/README.md).
 * Checked in a fresh process: the drivers whose modules are loaded once
 * TypeORM is imported and a SQLite DataSource is up.
 */
function driversLoaded(type: 'better-sqlite3' | undefined): string[] {
  const script = `
    import { createRequire } from 'node:module';
    const { DataSource } = await import('typeorm');
    ${type ? `const ds = new DataSource({ type: '${type}', database: ':memory:' }); await ds.initialize(); await ds.query('SELECT 1'); await ds.destroy();` : ''}
    const cache = Object.keys(createRequire(import.meta.url).cache);
    const dirs = cache.map((k) => /[\\\\/]typeorm[\\\\/]driver[\\\\/]([^\\\\/]+)[\\\\/]/.exec(k)?.[1]).filter(Boolean);
    console.log(JSON.stringify([...new Set(dirs)].sort()));
  `;
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', cwd: process.cwd() })) as string[];
}

describe('TypeORM drivers', () => {
  it('loads none when TypeORM is imported (MssqlParameter, a small value class its index exports, aside)', () => {
    expect(driversLoaded(undefined)).toEqual(['sqlserver']);
  });

  it('loads only the driver of a DataSource that is created, with its shared SQLite base (and driver/types, helpers of the query runners)', () => {
    expect(driversLoaded('better-sqlite3')).toEqual(['better-sqlite3', 'sqlite-abstract', 'sqlserver', 'types']);
  });
});
