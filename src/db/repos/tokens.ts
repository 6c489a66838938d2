/**
 * Gateway API keys (the `tokens` table). A key is stored only as the SHA-256 of its random part plus a display
 * prefix. Every statement uses the query builder with `await` and `.returning()` so it runs on both dialects.
 */
import { and, asc, count, eq, isNull, lt, lte, or, sql } from 'drizzle-orm';
import type { Db, Store, Tables } from '../client.ts';
import { containsText, type PageWindow } from './search.ts';
import { DELETED_NAME_MARK, type UserRow } from './users.ts';

export type TokenRow = Tables['tokens']['$inferSelect'];
export type NewTokenRow = Tables['tokens']['$inferInsert'];

/** New API's token status numbers. */
export const TOKEN_STATUS = { enabled: 1, disabled: 2, expired: 3, exhausted: 4 } as const;

/**
 * Lookups below skip keys of removed users as well as removed keys: a removed user's keys are disabled in
 * the same transaction and are of no further use to anyone.
 */
export interface TokenWithOwner {
  token: TokenRow;
  username: string;
  /** The owner's role number (for "an actor manages only roles below its own"). */
  ownerRole: number;
}

function withOwnerColumns(store: Store) {
  const { tokens, users } = store.tables;
  return { token: tokens, username: users.username, ownerRole: users.role };
}

/** Inserts a key; returns undefined when the owner already has a key with that name. */
export async function insertToken(store: Store, db: Db, values: NewTokenRow): Promise<TokenRow | undefined> {
  const rows = await db.insert(store.tables.tokens).values(values).onConflictDoNothing().returning();
  return rows[0];
}

export async function findTokenById(store: Store, db: Db, id: number): Promise<TokenWithOwner | undefined> {
  const { tokens, users } = store.tables;
  const rows = await db
    .select(withOwnerColumns(store))
    .from(tokens)
    .innerJoin(users, eq(tokens.userId, users.id))
    .where(and(eq(tokens.id, id), isNull(tokens.deletedAt), isNull(users.deletedAt)));
  return rows[0];
}

/** Live keys with this name, of one owner or of every owner (names are unique per owner only). */
export async function findTokensByName(store: Store, db: Db, name: string, userId?: number): Promise<TokenWithOwner[]> {
  const { tokens, users } = store.tables;
  const conditions = [eq(tokens.name, name), isNull(tokens.deletedAt), isNull(users.deletedAt)];
  if (userId !== undefined) conditions.push(eq(tokens.userId, userId));
  return db
    .select(withOwnerColumns(store))
    .from(tokens)
    .innerJoin(users, eq(tokens.userId, users.id))
    .where(and(...conditions))
    .orderBy(asc(tokens.id));
}

export async function listTokens(store: Store, userId?: number): Promise<TokenWithOwner[]> {
  const { tokens, users } = store.tables;
  const conditions = [isNull(tokens.deletedAt), isNull(users.deletedAt)];
  if (userId !== undefined) conditions.push(eq(tokens.userId, userId));
  return store.db
    .select(withOwnerColumns(store))
    .from(tokens)
    .innerJoin(users, eq(tokens.userId, users.id))
    .where(and(...conditions))
    .orderBy(asc(tokens.id));
}

export interface TokenPageFilter {
  /** Keys of this owner only. */
  userId?: number;
  /** Keys this actor may see: its own and those of owners whose role number is below `roleBelow`. */
  visibleTo?: { userId: number; roleBelow: number };
  /** Literal text in the key's name, ignoring case. */
  search?: string;
}

/** One page of live keys, by id, and how many match in all. */
export async function pageTokens(store: Store, filter: TokenPageFilter, window: PageWindow): Promise<{ rows: TokenWithOwner[]; total: number }> {
  const { tokens, users } = store.tables;
  const conditions = [isNull(tokens.deletedAt), isNull(users.deletedAt)];
  if (filter.userId !== undefined) conditions.push(eq(tokens.userId, filter.userId));
  if (filter.visibleTo !== undefined) {
    // `or` of two defined conditions is never undefined.
    conditions.push(or(eq(tokens.userId, filter.visibleTo.userId), lt(users.role, filter.visibleTo.roleBelow)) as ReturnType<typeof eq>);
  }
  if (filter.search !== undefined && filter.search !== '') conditions.push(containsText(tokens.name, filter.search));
  const where = and(...conditions);
  const [rows, totals] = await Promise.all([
    store.db
      .select(withOwnerColumns(store))
      .from(tokens)
      .innerJoin(users, eq(tokens.userId, users.id))
      .where(where)
      .orderBy(asc(tokens.id))
      .limit(window.limit)
      .offset(window.offset),
    store.db.select({ total: count() }).from(tokens).innerJoin(users, eq(tokens.userId, users.id)).where(where),
  ]);
  return { rows, total: totals[0]?.total ?? 0 };
}

/** The live key with this digest and its live owner (for authentication). */
export async function findTokenByHash(store: Store, keyHash: string): Promise<{ token: TokenRow; owner: UserRow } | undefined> {
  const { tokens, users } = store.tables;
  const rows = await store.db
    .select({ token: tokens, owner: users })
    .from(tokens)
    .innerJoin(users, eq(tokens.userId, users.id))
    .where(and(eq(tokens.keyHash, keyHash), isNull(tokens.deletedAt), isNull(users.deletedAt)));
  return rows[0];
}

/** Settings of a key; money columns are excluded on purpose (see setTokenQuota). */
export type TokenSettingsPatch = Partial<
  Pick<NewTokenRow, 'name' | 'status' | 'unlimited' | 'models' | 'allowIps' | 'group' | 'expiresAt'>
>;

/**
 * Returns undefined when the key is gone. A rename must be checked first (the service does, inside its
 * serialised transaction): an UPDATE has no ON CONFLICT, and a failed statement aborts a PostgreSQL transaction.
 */
export async function updateTokenSettings(
  store: Store,
  db: Db,
  id: number,
  patch: TokenSettingsPatch,
  now: number,
): Promise<TokenRow | undefined> {
  const { tokens } = store.tables;
  const rows = await db
    .update(tokens)
    .set({ ...patch, updatedAt: now })
    .where(and(eq(tokens.id, id), isNull(tokens.deletedAt)))
    .returning();
  return rows[0];
}

/**
 * Sets the remaining budget to an amount the operator chose (an absolute value from outside, not a value read
 * back and rewritten). Requests in flight keep their holds, so the budget cannot go below what they hold: the
 * statement is conditional on it and returns undefined when it would. An exhausted key becomes usable again.
 */
export async function setTokenQuota(store: Store, db: Db, id: number, amount: number, now: number): Promise<TokenRow | undefined> {
  const { tokens } = store.tables;
  const rows = await db
    .update(tokens)
    .set({
      balance: amount,
      unlimited: false,
      updatedAt: now,
      status: sql`CASE WHEN ${tokens.status} = ${TOKEN_STATUS.exhausted} THEN ${TOKEN_STATUS.enabled} ELSE ${tokens.status} END`,
    })
    .where(and(eq(tokens.id, id), isNull(tokens.deletedAt), lte(tokens.held, amount)))
    .returning();
  return rows[0];
}

/** Soft delete; the name gets a suffix so the owner can reuse it (the unique index covers removed rows). */
export async function softDeleteToken(store: Store, db: Db, token: TokenRow, now: number): Promise<TokenRow | undefined> {
  const { tokens } = store.tables;
  const rows = await db
    .update(tokens)
    .set({
      name: `${token.name}${DELETED_NAME_MARK}${token.id}`,
      status: TOKEN_STATUS.disabled,
      deletedAt: now,
      updatedAt: now,
    })
    .where(and(eq(tokens.id, token.id), isNull(tokens.deletedAt)))
    .returning();
  return rows[0];
}

/** Disables every live key of a user (when the user is removed). */
export async function disableTokensOfUser(store: Store, db: Db, userId: number, now: number): Promise<number> {
  const { tokens } = store.tables;
  const rows = await db
    .update(tokens)
    .set({ status: TOKEN_STATUS.disabled, updatedAt: now })
    .where(and(eq(tokens.userId, userId), isNull(tokens.deletedAt)))
    .returning({ id: tokens.id });
  return rows.length;
}
