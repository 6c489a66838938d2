/**
 * Change counters. Every write that the daemon caches (channels, tokens, users, settings) bumps its scope in
 * the same transaction; the daemon polls the counters and reloads what moved, so a CLI edit made from another
 * process applies within one poll interval.
 */
import { sql } from 'drizzle-orm';
import type { Db, Store } from '../client.ts';

export type RevisionScope = 'channels' | 'tokens' | 'users' | 'settings' | 'prices';

export async function bumpRevision(store: Store, db: Db, scope: RevisionScope, now: number): Promise<void> {
  const { revisions } = store.tables;
  await db
    .insert(revisions)
    .values({ scope, version: 1, updatedAt: now })
    .onConflictDoUpdate({ target: revisions.scope, set: { version: sql`${revisions.version} + 1`, updatedAt: now } });
}

export async function readRevisions(store: Store): Promise<Record<string, number>> {
  const rows = await store.db.select().from(store.tables.revisions);
  return Object.fromEntries(rows.map((row) => [row.scope, row.version]));
}

/**
 * One write transaction that bumps `scope` first. The bump is the first write, so on PostgreSQL it locks the
 * counter row and writers of one scope run one after another (a check-then-act such as "is this the last
 * root?" cannot race), and the daemon reloads the scope once the transaction commits.
 */
export function writeWithRevision<T>(
  store: Store,
  scope: RevisionScope,
  now: () => number,
  fn: (db: Db, now: number) => Promise<T>,
): Promise<T> {
  return store.transaction(async (db) => {
    const at = now();
    await bumpRevision(store, db, scope, at);
    return fn(db, at);
  });
}
