/** Personal access tokens (`access_tokens`): stored as SHA-256 plus a display prefix; revoking sets `revoked_at`. */
import { and, asc, eq, isNull, lte, or } from 'drizzle-orm';
import type { Store, Tables } from '../client.ts';

export type AccessTokenRow = Tables['accessTokens']['$inferSelect'];
export type NewAccessTokenRow = Tables['accessTokens']['$inferInsert'];

export async function insertAccessToken(store: Store, values: NewAccessTokenRow): Promise<AccessTokenRow> {
  const rows = await store.write((db) => db.insert(store.tables.accessTokens).values(values).returning());
  return rows[0] as AccessTokenRow;
}

export async function findAccessTokenByHash(store: Store, tokenHash: string): Promise<AccessTokenRow | undefined> {
  const { accessTokens } = store.tables;
  const rows = await store.db.select().from(accessTokens).where(eq(accessTokens.tokenHash, tokenHash));
  return rows[0];
}

/** A user's tokens that are not revoked (expired ones included, so their owner sees why they stopped). */
export async function listUserAccessTokens(store: Store, userId: number): Promise<AccessTokenRow[]> {
  const { accessTokens } = store.tables;
  return store.db
    .select()
    .from(accessTokens)
    .where(and(eq(accessTokens.userId, userId), isNull(accessTokens.revokedAt)))
    .orderBy(asc(accessTokens.id));
}

/** Revokes one token of `userId`; false when there is no such live token of that user. */
export async function revokeAccessToken(store: Store, userId: number, id: number, now: number): Promise<boolean> {
  const { accessTokens } = store.tables;
  const rows = await store.write((db) =>
    db
      .update(accessTokens)
      .set({ revokedAt: now })
      .where(and(eq(accessTokens.id, id), eq(accessTokens.userId, userId), isNull(accessTokens.revokedAt)))
      .returning({ id: accessTokens.id }),
  );
  return rows.length > 0;
}

/** Records use at most once per `everyMs`. */
export async function touchAccessToken(store: Store, id: number, now: number, everyMs: number): Promise<void> {
  const { accessTokens } = store.tables;
  await store.write((db) =>
    db
      .update(accessTokens)
      .set({ lastUsedAt: now })
      .where(and(eq(accessTokens.id, id), or(isNull(accessTokens.lastUsedAt), lte(accessTokens.lastUsedAt, now - everyMs))))
      .returning({ id: accessTokens.id }),
  );
}
