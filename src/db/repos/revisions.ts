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
