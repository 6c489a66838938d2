/**
 * Console sign-ins (`sessions`). The primary key is the SHA-256 of the random session id the cookie carries,
 * so a copy of the database cannot be replayed as a cookie. Revoking a sign-in deletes its row.
 */
import { and, asc, eq, gt, lt, lte } from 'drizzle-orm';
import type { Db, Store, Tables } from '../client.ts';

export type SessionRow = Tables['sessions']['$inferSelect'];
export type NewSessionRow = Tables['sessions']['$inferInsert'];

export async function insertSession(store: Store, values: NewSessionRow): Promise<SessionRow> {
  const rows = await store.write((db) => db.insert(store.tables.sessions).values(values).returning());
  return rows[0] as SessionRow;
}

export async function findSession(store: Store, idHash: string): Promise<SessionRow | undefined> {
  const { sessions } = store.tables;
  const rows = await store.db.select().from(sessions).where(eq(sessions.id, idHash));
  return rows[0];
}

/** Live sign-ins of a user, oldest first. */
export async function listUserSessions(store: Store, userId: number, now: number): Promise<SessionRow[]> {
  const { sessions } = store.tables;
  return store.db
    .select()
    .from(sessions)
    .where(and(eq(sessions.userId, userId), gt(sessions.expiresAt, now)))
    .orderBy(asc(sessions.createdAt));
}

export async function deleteSession(store: Store, idHash: string): Promise<boolean> {
  const { sessions } = store.tables;
  const rows = await store.write((db) => db.delete(sessions).where(eq(sessions.id, idHash)).returning({ id: sessions.id }));
  return rows.length > 0;
}

/** Records activity at most once per `everyMs`, so a busy console does not write on every request. */
export async function touchSession(store: Store, idHash: string, now: number, everyMs: number): Promise<void> {
  const { sessions } = store.tables;
  await store.write((db) =>
    db
      .update(sessions)
      .set({ lastSeenAt: now })
      .where(and(eq(sessions.id, idHash), lte(sessions.lastSeenAt, now - everyMs)))
      .returning({ id: sessions.id }),
  );
}

/** Removes a user's expired sign-ins and those made before the current auth_version (at each new sign-in). */
export async function pruneUserSessions(store: Store, db: Db, userId: number, now: number, authVersion: number): Promise<void> {
  const { sessions } = store.tables;
  await db.delete(sessions).where(and(eq(sessions.userId, userId), lte(sessions.expiresAt, now))).returning({ id: sessions.id });
  await db.delete(sessions).where(and(eq(sessions.userId, userId), lt(sessions.authVersion, authVersion))).returning({ id: sessions.id });
}
