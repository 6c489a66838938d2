/**
 * Applies the embedded drizzle-kit migrations. Two processes starting together migrate once: SQLite takes the
 * write lock with BEGIN IMMEDIATE, PostgreSQL an advisory lock (Store.exclusive), and the applied list is
 * re-read under the lock.
 */
import { type EmbeddedMigration, postgresMigrations, sqliteMigrations } from '../../migrations/index.ts';
import { GatewayError } from '../errors/gateway-error.ts';
import type { Store } from './client.ts';

const TABLE = '_gateway_migrations';

export interface MigrationStatus {
  applied: string[];
  pending: string[];
  /** Tags in the database that this build does not know: the database is newer than the binary. */
  unknown: string[];
}

function embedded(store: Store): readonly EmbeddedMigration[] {
  return store.dialect === 'sqlite' ? sqliteMigrations : postgresMigrations;
}

function statements(sql: string): string[] {
  return sql
    .split('--> statement-breakpoint')
    .map((statement) => statement.trim())
    .filter((statement) => statement !== '');
}

function compare(store: Store, applied: string[]): MigrationStatus {
  const known = embedded(store).map((migration) => migration.tag);
  return {
    applied,
    pending: known.filter((tag) => !applied.includes(tag)),
    unknown: applied.filter((tag) => !known.includes(tag)),
  };
}

export async function migrationStatus(store: Store): Promise<MigrationStatus> {
  const exists =
    store.dialect === 'sqlite'
      ? await store.query<{ name: string }>(`SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?`, [TABLE])
      : await store.query<{ name: string }>(`SELECT tablename AS name FROM pg_tables WHERE tablename = ?`, [TABLE]);
  if (exists.length === 0) return compare(store, []);
  const rows = await store.query<{ tag: string }>(`SELECT tag FROM ${TABLE} ORDER BY tag`);
  return compare(store, rows.map((row) => row.tag));
}

/** Applies pending migrations in one transaction under the migration lock; returns the tags it applied. */
export async function migrate(store: Store, now: () => number = Date.now): Promise<string[]> {
  return store.exclusive(async (query) => {
    const createdAt = store.dialect === 'sqlite' ? 'integer' : 'bigint';
    await query(`CREATE TABLE IF NOT EXISTS ${TABLE} (tag text PRIMARY KEY, applied_at ${createdAt} NOT NULL)`);
    const rows = await query<{ tag: string }>(`SELECT tag FROM ${TABLE} ORDER BY tag`);
    const status = compare(store, rows.map((row) => row.tag));
    if (status.unknown.length > 0) {
      throw new GatewayError({
        code: 'database_unavailable',
        message: `the database has migrations this build does not know (${status.unknown.join(', ')}); run a newer gateway binary`,
      });
    }
    const applied: string[] = [];
    for (const migration of embedded(store)) {
      if (!status.pending.includes(migration.tag)) continue;
      for (const statement of statements(migration.sql)) await query(statement);
      await query(`INSERT INTO ${TABLE} (tag, applied_at) VALUES (?, ?)`, [migration.tag, now()]);
      applied.push(migration.tag);
    }
    return applied;
  });
}
