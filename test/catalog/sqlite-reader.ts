import { createRequire } from 'node:module';
import { join } from 'node:path';

/** A read-only connection of its own to a service's SQLite file: it sees committed data only. */
export interface SqliteReader {
  all<T>(sql: string, ...params: unknown[]): T[];
  get<T>(sql: string, ...params: unknown[]): T;
  close(): void;
}

interface Statement {
  all(...params: unknown[]): unknown[];
  get(...params: unknown[]): unknown;
}
type Database = new (file: string, options: { readonly: boolean }) => { prepare(sql: string): Statement; close(): void };

export function openSqliteReader(dataDir: string, service: string): SqliteReader {
  const BetterSqlite3 = createRequire(import.meta.url)('better-sqlite3') as Database;
  const db = new BetterSqlite3(join(dataDir, `${service}.sqlite`), { readonly: true });
  return {
    all: <T>(sql: string, ...params: unknown[]) => db.prepare(sql).all(...params) as T[],
    get: <T>(sql: string, ...params: unknown[]) => db.prepare(sql).get(...params) as T,
    close: () => db.close(),
  };
}
