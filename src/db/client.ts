/**
 * Opens the configured store: the embedded SQLite file (default) or PostgreSQL (`SQL_DSN` / `DATABASE_URL`).
 * Repositories see one `Store` and use the same drizzle query builder for both dialects.
 */
import { Database as SqliteConnection, type Statement } from 'bun:sqlite';
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { drizzle as drizzleSqlite, type BunSQLiteDatabase } from 'drizzle-orm/bun-sqlite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { GatewayError } from '../errors/gateway-error.ts';
import { type Checkpointer, startCheckpointer } from './checkpointer.ts';
import { Gate } from './gate.ts';
import { drizzleLedgerOps } from './ledger/drizzle-ops.ts';
import { sqliteLedgerOps } from './ledger/sqlite-ops.ts';
import { createLedgerWriter, type LedgerWriter } from './ledger/writer.ts';
import * as postgresSchema from './schema/postgres.ts';
import * as sqliteSchema from './schema/sqlite.ts';

export type Tables = typeof sqliteSchema;

/**
 * The query-builder type repositories program against. drizzle has no dialect-neutral database type, so both
 * dialects are typed as the SQLite builder: the subset repositories use (select/insert/update/delete with
 * `await` and `.returning()`, `sql` templates, `onConflictDo*`) has the same shape and row types in both,
 * which the schema parity test guarantees. Never call `.run()`, `.all()` or `.get()`: PostgreSQL lacks them.
 */
export type Db = BunSQLiteDatabase<Tables>;

export type Dialect = 'sqlite' | 'postgres';

export interface SqliteSettings {
  journalMode: string;
  busyTimeoutMs: number;
  synchronous: string;
  foreignKeys: boolean;
}

export interface Store {
  readonly dialect: Dialect;
  readonly db: Db;
  readonly tables: Tables;
  /** A human description without credentials: `sqlite /path/gateway.db` or `postgres host:5432/name`. */
  readonly location: string;
  /** Read back from the connection at open (SQLite only). */
  readonly sqliteSettings: SqliteSettings | undefined;
  /**
   * Runs `fn` in one transaction (SQLite: BEGIN IMMEDIATE, so a read-then-write never fails half way with
   * SQLITE_BUSY). Rolls back when `fn` throws.
   */
  transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T>;
  /** Runs a write outside a transaction; on SQLite it waits for any open transaction of this process. */
  write<T>(fn: (db: Db) => Promise<T>): Promise<T>;
  /** Rows of a raw query with `?` placeholders (migration bookkeeping, health). Only src/db may call this. */
  query<Row>(statement: string, parameters?: readonly (string | number)[]): Promise<Row[]>;
  /**
   * Runs `fn` on one connection inside one transaction while holding the store-wide migration lock
   * (SQLite: BEGIN IMMEDIATE; PostgreSQL: a transaction-scoped advisory lock). Only src/db may call this.
   */
  exclusive<T>(fn: (query: RawQuery) => Promise<T>): Promise<T>;
  ping(): Promise<void>;
  /** Runs the ledger's jobs: reservations, settlements, expiries and request-log batches (src/db/ledger). */
  readonly ledger: LedgerWriter;
  /**
   * SQLite only: moves WAL checkpoints off this thread (src/db/checkpointer.ts) for a long-running server.
   * Resolves once the worker runs; on any failure auto-checkpoint is back on and `onFailure` says why.
   */
  backgroundCheckpoints?(options: { intervalMs: number; onFailure: (message: string) => void }): Promise<void>;
  close(): Promise<void>;
}

export type RawQuery = <Row>(statement: string, parameters?: readonly (string | number)[]) => Promise<Row[]>;

/** Arbitrary constant for pg_advisory_xact_lock; "gateway" in ASCII. */
const POSTGRES_LOCK_ID = 0x67617465776179;

export const SQLITE_BUSY_TIMEOUT_MS = 5000;
/** SQLite's own auto-checkpoint threshold, restored when background checkpoints fail. */
const SQLITE_AUTOCHECKPOINT_PAGES = 1000;

export interface OpenOptions {
  databaseUrl: string | undefined;
  sqlitePath: string;
  sqliteSynchronous: 'normal' | 'full';
  /** Test hook: a pragma that the connection must not honour, to prove the read-back check. */
  breakPragma?: 'journal_mode' | 'busy_timeout' | 'synchronous' | 'foreign_keys';
}

export async function openStore(options: OpenOptions): Promise<Store> {
  if (options.databaseUrl !== undefined) return openPostgres(options.databaseUrl);
  return openSqlite(options);
}

function ensureDirectory(path: string): void {
  if (!existsSync(path)) {
    mkdirSync(path, { recursive: true, mode: 0o700 });
    chmodSync(path, 0o700);
  }
}

function readPragma(connection: SqliteConnection, name: string): string | number {
  const row = connection.query(`PRAGMA ${name}`).get() as Record<string, string | number> | null;
  const value = row === null ? undefined : Object.values(row)[0];
  if (value === undefined) throw new GatewayError({ code: 'database_unavailable', message: `cannot read PRAGMA ${name}` });
  return value;
}

/**
 * Switching a new file to WAL needs an exclusive lock, and SQLite answers SQLITE_BUSY at once (without the
 * busy handler) when another process is switching it at the same moment; retry for up to the busy timeout.
 */
function runPragmaWithRetry(connection: SqliteConnection, statement: string): void {
  const deadline = performance.now() + SQLITE_BUSY_TIMEOUT_MS;
  for (;;) {
    try {
      connection.run(statement);
      return;
    } catch (error) {
      const busy = (error as { code?: unknown }).code === 'SQLITE_BUSY';
      if (!busy || performance.now() > deadline) throw error;
      Bun.sleepSync(10 + Math.floor(Math.random() * 20));
    }
  }
}

/** Compiled statements kept per connection; the SQL texts an application issues are a small, fixed set. */
const STATEMENT_CACHE_SIZE = 512;

/**
 * drizzle's bun:sqlite driver compiles every statement anew (`Database.prepare`), which costs more than running
 * it: an UPDATE … RETURNING took ~85 µs, almost all of it compiling. The SQL text drizzle builds is the same for
 * every call of a query (values are bound as parameters), so compiled statements are kept in a small LRU keyed
 * by that text. Statements run synchronously one at a time, so sharing one is safe; an evicted one is finalized.
 */
function withStatementCache(connection: SqliteConnection): SqliteConnection {
  const cache = new Map<string, Statement>();
  const prepare = (sqlText: string): Statement => {
    const hit = cache.get(sqlText);
    if (hit !== undefined) {
      // Most recently used last, so the first key is the eviction candidate.
      cache.delete(sqlText);
      cache.set(sqlText, hit);
      return hit;
    }
    const statement = connection.prepare(sqlText);
    cache.set(sqlText, statement);
    if (cache.size > STATEMENT_CACHE_SIZE) {
      const oldest = cache.keys().next();
      if (oldest.done !== true) {
        cache.get(oldest.value)?.finalize();
        cache.delete(oldest.value);
      }
    }
    return statement;
  };
  return new Proxy(connection, {
    get(target, property) {
      if (property === 'prepare') return prepare;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

function openSqlite(options: OpenOptions): Store {
  ensureDirectory(dirname(options.sqlitePath));
  const isNew = !existsSync(options.sqlitePath);
  let connection: SqliteConnection;
  try {
    connection = new SqliteConnection(options.sqlitePath, { create: true, strict: true });
  } catch (error) {
    throw new GatewayError({
      code: 'database_unavailable',
      message: `cannot open SQLite database ${options.sqlitePath}: ${(error as Error).message}; check --sqlite-path / SQLITE_PATH and the directory's permissions`,
    });
  }
  if (isNew) chmodSync(options.sqlitePath, 0o600);
  // busy_timeout comes first: switching a new file to WAL takes a lock, and another process may hold it.
  const wanted = {
    busy_timeout: SQLITE_BUSY_TIMEOUT_MS,
    journal_mode: 'wal',
    synchronous: options.sqliteSynchronous === 'full' ? 2 : 1,
    foreign_keys: 1,
  } as const;
  for (const [name, value] of Object.entries(wanted)) {
    // auto_vacuum only takes effect before the file is first written (the switch to WAL writes it); log
    // retention relies on incremental_vacuum.
    if (name === 'journal_mode' && isNew) connection.run('PRAGMA auto_vacuum = INCREMENTAL');
    if (options.breakPragma === name) continue;
    runPragmaWithRetry(connection, `PRAGMA ${name} = ${typeof value === 'string' ? value.toUpperCase() : value}`);
  }
  const actual = {
    journal_mode: String(readPragma(connection, 'journal_mode')).toLowerCase(),
    busy_timeout: Number(readPragma(connection, 'busy_timeout')),
    synchronous: Number(readPragma(connection, 'synchronous')),
    foreign_keys: Number(readPragma(connection, 'foreign_keys')),
  };
  for (const name of Object.keys(wanted) as (keyof typeof wanted)[]) {
    if (actual[name] !== wanted[name]) {
      connection.close();
      throw new GatewayError({
        code: 'database_unavailable',
        message: `SQLite PRAGMA ${name} is ${actual[name]} but must be ${wanted[name]} on ${options.sqlitePath}; the file system may not support it (WAL needs a local disk, not NFS)`,
      });
    }
  }
  const db = drizzleSqlite({ client: withStatementCache(connection), schema: sqliteSchema });
  const gate = new Gate();
  let checkpointer: Checkpointer | undefined;
  const rawSqlite: RawQuery = async <Row>(statement: string, parameters: readonly (string | number)[] = []) => {
    if (parameters.length === 0 && !/^\s*(select|pragma)/i.test(statement)) {
      // DDL from migrations may hold several statements; `run` executes them all.
      connection.run(statement);
      return [];
    }
    return connection.query(statement).all(...parameters) as Row[];
  };
  const store: Store = {
    dialect: 'sqlite',
    db,
    tables: sqliteSchema,
    location: `sqlite ${options.sqlitePath}`,
    sqliteSettings: {
      journalMode: actual.journal_mode,
      busyTimeoutMs: actual.busy_timeout,
      synchronous: actual.synchronous === 2 ? 'full' : 'normal',
      foreignKeys: actual.foreign_keys === 1,
    },
    transaction: (fn) =>
      gate.run(async () => {
        connection.run('BEGIN IMMEDIATE');
        try {
          const result = await fn(db);
          connection.run('COMMIT');
          return result;
        } catch (error) {
          if (connection.inTransaction) connection.run('ROLLBACK');
          throw error;
        }
      }),
    write: (fn) => gate.run(() => fn(db)),
    query: rawSqlite,
    exclusive: (fn) =>
      gate.run(async () => {
        connection.run('BEGIN IMMEDIATE');
        try {
          const result = await fn(rawSqlite);
          connection.run('COMMIT');
          return result;
        } catch (error) {
          if (connection.inTransaction) connection.run('ROLLBACK');
          throw error;
        }
      }),
    ping: async () => {
      connection.query('SELECT 1').get();
    },
    get ledger() {
      return ledger;
    },
    backgroundCheckpoints: async ({ intervalMs, onFailure }) => {
      if (checkpointer !== undefined) return;
      connection.run('PRAGMA wal_autocheckpoint = 0');
      const restoreAutomatic = (message: string): void => {
        connection.run(`PRAGMA wal_autocheckpoint = ${SQLITE_AUTOCHECKPOINT_PAGES}`);
        onFailure(message);
      };
      checkpointer = startCheckpointer({ path: options.sqlitePath, intervalMs, busyTimeoutMs: SQLITE_BUSY_TIMEOUT_MS, onFailure: restoreAutomatic });
      await checkpointer.started.catch(() => {});
    },
    close: async () => {
      // The worker's connection closes first, so the last one to close (this one) checkpoints and removes the WAL.
      await checkpointer?.stop();
      connection.close();
    },
  };
  // The ledger's statements run compiled on this connection, in the group committer's shared transactions.
  const ops = sqliteLedgerOps(connection);
  const ledger = createLedgerWriter(store, () => ops);
  return store;
}

async function openPostgres(url: string): Promise<Store> {
  const parsed = new URL(url);
  const location = `postgres ${parsed.hostname}:${parsed.port || '5432'}${parsed.pathname}`;
  const client = postgres(url, { max: 10, onnotice: () => {}, connect_timeout: 10 });
  try {
    await client`SELECT 1`;
  } catch (error) {
    await client.end({ timeout: 1 });
    throw new GatewayError({
      code: 'database_unavailable',
      message: `cannot connect to ${location}: ${(error as Error).message}; check SQL_DSN / DATABASE_URL and that the database exists`,
    });
  }
  // Typed as the SQLite builder on purpose; see the `Db` type above.
  const db = drizzlePostgres({ client, schema: postgresSchema }) as unknown as Db;
  const toPositional = (statement: string): string => {
    let index = 0;
    return statement.replace(/\?/g, () => `$${++index}`);
  };
  const store: Store = {
    dialect: 'postgres',
    db,
    tables: postgresSchema as unknown as Tables,
    location,
    sqliteSettings: undefined,
    transaction: (fn) =>
      (db as unknown as ReturnType<typeof drizzlePostgres>).transaction((tx) => fn(tx as unknown as Db)),
    write: (fn) => fn(db),
    query: async <Row>(statement: string, parameters: readonly (string | number)[] = []) =>
      (await client.unsafe(toPositional(statement), parameters as (string | number)[])) as unknown as Row[],
    exclusive: async (fn) => {
      const reserved = await client.reserve();
      try {
        const raw: RawQuery = async <Row>(statement: string, parameters: readonly (string | number)[] = []) =>
          (await reserved.unsafe(toPositional(statement), parameters as (string | number)[])) as unknown as Row[];
        await reserved.unsafe('BEGIN');
        try {
          await reserved.unsafe('SELECT pg_advisory_xact_lock($1)', [POSTGRES_LOCK_ID]);
          const result = await fn(raw);
          await reserved.unsafe('COMMIT');
          return result;
        } catch (error) {
          await reserved.unsafe('ROLLBACK');
          throw error;
        }
      } finally {
        reserved.release();
      }
    },
    ping: async () => {
      await client`SELECT 1`;
    },
    get ledger() {
      return ledger;
    },
    close: async () => {
      await client.end({ timeout: 5 });
    },
  };
  // Each job in its own transaction: row locks let unrelated accounts proceed in parallel, and a shared batch
  // could deadlock with another node's.
  const ledger = createLedgerWriter(store, (tx) => drizzleLedgerOps(store, tx));
  return store;
}
