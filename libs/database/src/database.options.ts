import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AsyncLocalStorage } from 'node:async_hooks';
import { DataSource, type DataSourceOptions, type EntityManager, type Logger, type MixedList, type EntitySchema } from 'typeorm';

export type DatabaseDriver = 'mysql' | 'sqlite';

export interface DatabaseOptions {
  driver: DatabaseDriver;
  host: string;
  port: number;
  user: string;
  password: string;
  /** MySQL database name, or SQLite file path (`:memory:` for tests). */
  database: string;
  poolSize: number;
  /** Run pending migrations when the app boots (cluster dev, all-in-one); off where a migration job runs them. */
  migrateOnBoot: boolean;
  logging: boolean;
}

/** The tables of one service: its entities and the migrations that create them. */
export interface ServiceSchema {
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities: MixedList<Function | string | EntitySchema>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations: MixedList<Function | string>;
}

/**
 * Reads the database settings of one service. The cluster uses MySQL/MariaDB
 * (one database `shop_<service>` per service); the all-in-one mode uses one
 * SQLite file per service under DB_SQLITE_DIR (default `.data`).
 */
export function databaseOptionsFromEnv(service: string, env: NodeJS.ProcessEnv = process.env): DatabaseOptions {
  const driver = (env['DB_DRIVER'] ?? 'mysql') as DatabaseDriver;
  if (driver !== 'mysql' && driver !== 'sqlite') throw new Error(`DB_DRIVER must be "mysql" or "sqlite", got "${driver}"`);
  const prefix = env['DB_NAME_PREFIX'] ?? 'shop_';
  const sqliteDir = env['DB_SQLITE_DIR'] ?? '.data';
  const port = Number(env['DB_PORT'] ?? 3306);
  if (!Number.isInteger(port)) throw new Error(`DB_PORT must be a port number, got "${env['DB_PORT']}"`);
  return {
    driver,
    host: env['DB_HOST'] ?? '127.0.0.1',
    port,
    user: env['DB_USER'] ?? 'root',
    password: env['DB_PASSWORD'] ?? '',
    database: driver === 'sqlite' ? (sqliteDir === ':memory:' ? ':memory:' : join(sqliteDir, `${service}.sqlite`)) : `${prefix}${service}`,
    poolSize: Number(env['DB_POOL_SIZE'] ?? 10),
    migrateOnBoot: (env['DB_MIGRATE_ON_BOOT'] ?? 'true') !== 'false',
    logging: env['DB_LOGGING'] === 'true',
  };
}

/** A TypeORM data source for one service; `synchronize` is never used: migrations own the schema. */
export function createDataSource(options: DatabaseOptions, schema: ServiceSchema): DataSource {
  // The SQL log never shows parameters: they carry password hashes and tokens.
  const common = { entities: schema.entities, migrations: schema.migrations, synchronize: false, logging: options.logging, logger: options.logging ? new StatementsOnlyLogger() : undefined, migrationsTransactionMode: 'each' as const };
  let config: DataSourceOptions;
  if (options.driver === 'sqlite') {
    if (options.database !== ':memory:') mkdirSync(resolve(options.database, '..'), { recursive: true });
    config = {
      ...common,
      type: 'better-sqlite3',
      database: options.database,
      enableWAL: true,
      // One writer at a time: wait for the lock instead of failing at once.
      prepareDatabase: (db: { pragma(sql: string): unknown }) => {
        db.pragma('busy_timeout = 5000');
        db.pragma('foreign_keys = ON');
      },
    };
  } else {
    config = {
      ...common,
      type: 'mysql',
      host: options.host,
      port: options.port,
      username: options.user,
      password: options.password,
      database: options.database,
      charset: 'utf8mb4_unicode_ci',
      timezone: 'Z',
      poolSize: options.poolSize,
      supportBigNumbers: true,
      bigNumberStrings: false,
    };
  }
  const ds = new DataSource(config);
  if (options.driver === 'sqlite') takeTurns(ds);
  return ds;
}

/**
 * SQLite has one connection per data source, on which TypeORM runs concurrent
 * transactions as savepoints nested in whichever one is open: one caller's
 * rollback then undoes another's writes, and its own partial writes get
 * committed by the other. So top-level transactions take turns; a transaction
 * opened from within a turn (same async flow) nests, as TypeORM intends.
 */
function takeTurns(ds: DataSource): void {
  const turns = new AsyncLocalStorage<{ open: boolean }>();
  const manager = ds.manager;
  const transaction = manager.transaction.bind(manager) as (...args: unknown[]) => Promise<unknown>;
  let tail: Promise<unknown> = Promise.resolve();
  const takingTurns = (...args: unknown[]): Promise<unknown> => {
    if (turns.getStore()?.open) return transaction(...args);
    const turn = { open: true };
    const run = tail.then(() => turns.run(turn, () => transaction(...args)).finally(() => (turn.open = false)));
    tail = run.catch(() => undefined);
    return run;
  };
  manager.transaction = takingTurns as EntityManager['transaction'];
}

/** Logs SQL statements and errors without their parameters. */
export class StatementsOnlyLogger implements Logger {
  logQuery(query: string): void {
    console.log(JSON.stringify({ level: 'debug', context: 'sql', query }));
  }
  logQueryError(error: string | Error, query: string): void {
    console.error(JSON.stringify({ level: 'error', context: 'sql', query, error: error instanceof Error ? error.message : error }));
  }
  logQuerySlow(time: number, query: string): void {
    console.warn(JSON.stringify({ level: 'warn', context: 'sql', slowMs: time, query }));
  }
  logSchemaBuild(message: string): void {
    console.log(JSON.stringify({ level: 'debug', context: 'sql', message }));
  }
  logMigration(message: string): void {
    console.log(JSON.stringify({ level: 'log', context: 'migrations', message }));
  }
  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    console.log(JSON.stringify({ level, context: 'typeorm', message: String(message) }));
  }
}

/** Opens the data source and, when asked, applies pending migrations. */
export async function openDataSource(options: DatabaseOptions, schema: ServiceSchema): Promise<DataSource> {
  const ds = createDataSource(options, schema);
  await ds.initialize();
  if (options.migrateOnBoot) await ds.runMigrations({ transaction: 'each' });
  return ds;
}

/** The driver's error code (mysql2's `ER_*`, better-sqlite3's `SQLITE_*`) of an error, wrapped by TypeORM or not. */
export function driverErrorCode(err: unknown): string | undefined {
  const e = err as { code?: string; driverError?: { code?: string } } | undefined;
  return e?.driverError?.code ?? e?.code;
}

/** `true` for a duplicate-key error on MySQL/MariaDB or SQLite. */
export function isDuplicateKeyError(err: unknown): boolean {
  const code = driverErrorCode(err);
  return code === 'ER_DUP_ENTRY' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}

/** `true` when the data source is driven by MySQL/MariaDB (row locks with SKIP LOCKED are available). */
export function supportsSkipLocked(ds: DataSource): boolean {
  return ds.options.type === 'mysql' || ds.options.type === 'mariadb';
}

/** A UTC timestamp literal both MySQL `datetime(3)` and SQLite accept as a bound parameter. */
export function sqlTimestamp(date: Date): string {
  return date.toISOString().replace('T', ' ').replace('Z', '');
}

/** Reads a timestamp column from a raw query: a Date (mysql2) or a UTC string without zone (SQLite). */
export function fromSqlTimestamp(value: string | Date | null | undefined): Date | undefined {
  if (value === null || value === undefined) return undefined;
  if (value instanceof Date) return value;
  return new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value.replace(' ', 'T')}Z`);
}
