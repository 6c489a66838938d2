/**
 * Redemption codes (the `redemptions` table). A code is stored only as the SHA-256 of its 32 characters plus a
 * display prefix. The claim is one conditional UPDATE whose row count decides who wins (reliability.md 2.1.7):
 * no lock hints, no read-then-write, so two redeemers of one code get one row and zero rows on every dialect.
 */
import { and, asc, count, desc, eq, gt, isNotNull, isNull, lte, ne, or, type SQL } from 'drizzle-orm';
import type { Db, Store, Tables } from '../client.ts';
import { containsText, type PageWindow } from './search.ts';

export type RedemptionRow = Tables['redemptions']['$inferSelect'];
export type NewRedemptionRow = Tables['redemptions']['$inferInsert'];

/** New API's redemption status numbers. */
export const REDEMPTION_STATUS = { unused: 1, disabled: 2, used: 3 } as const;

/** `expired` is an unused code whose expiry has passed at `now`; it is never stored as a status. */
export type RedemptionFilter = { status?: 'unused' | 'disabled' | 'used' | 'expired'; prefix?: string };

export async function insertRedemptions(store: Store, db: Db, rows: readonly NewRedemptionRow[]): Promise<RedemptionRow[]> {
  if (rows.length === 0) return [];
  return db.insert(store.tables.redemptions).values([...rows]).returning();
}

export async function findRedemptionById(store: Store, db: Db, id: number): Promise<RedemptionRow | undefined> {
  const { redemptions } = store.tables;
  const rows = await db.select().from(redemptions).where(eq(redemptions.id, id));
  return rows[0];
}

export async function findRedemptionByHash(store: Store, db: Db, codeHash: string): Promise<RedemptionRow | undefined> {
  const { redemptions } = store.tables;
  const rows = await db.select().from(redemptions).where(eq(redemptions.codeHash, codeHash));
  return rows[0];
}

function unexpiredAt(store: Store, now: number): SQL {
  const { redemptions } = store.tables;
  return or(isNull(redemptions.expiresAt), gt(redemptions.expiresAt, now)) as SQL;
}

export async function listRedemptions(store: Store, filter: RedemptionFilter, now: number): Promise<RedemptionRow[]> {
  const { redemptions } = store.tables;
  const conditions = filterConditions(store, filter, now);
  return store.db
    .select()
    .from(redemptions)
    .where(conditions.length === 0 ? undefined : and(...conditions))
    .orderBy(asc(redemptions.id));
}

export interface RedemptionPageFilter extends RedemptionFilter {
  /** Literal text in the batch name, ignoring case. */
  search?: string;
}

/** One page of codes, newest first, and how many match in all. */
export async function pageRedemptions(
  store: Store,
  filter: RedemptionPageFilter,
  now: number,
  window: PageWindow,
): Promise<{ rows: RedemptionRow[]; total: number }> {
  const { redemptions } = store.tables;
  const conditions = filterConditions(store, filter, now);
  if (filter.search !== undefined && filter.search !== '') conditions.push(containsText(redemptions.name, filter.search));
  const where = conditions.length === 0 ? undefined : and(...conditions);
  const [rows, totals] = await Promise.all([
    store.db.select().from(redemptions).where(where).orderBy(desc(redemptions.id)).limit(window.limit).offset(window.offset),
    store.db.select({ total: count() }).from(redemptions).where(where),
  ]);
  return { rows, total: totals[0]?.total ?? 0 };
}

function filterConditions(store: Store, filter: RedemptionFilter, now: number): SQL[] {
  const { redemptions } = store.tables;
  const conditions: SQL[] = [];
  if (filter.prefix !== undefined) conditions.push(eq(redemptions.codePrefix, filter.prefix));
  switch (filter.status) {
    case 'unused':
      conditions.push(eq(redemptions.status, REDEMPTION_STATUS.unused), unexpiredAt(store, now));
      break;
    case 'expired':
      conditions.push(eq(redemptions.status, REDEMPTION_STATUS.unused), isNotNull(redemptions.expiresAt), lte(redemptions.expiresAt, now));
      break;
    case 'disabled':
      conditions.push(eq(redemptions.status, REDEMPTION_STATUS.disabled));
      break;
    case 'used':
      conditions.push(eq(redemptions.status, REDEMPTION_STATUS.used));
      break;
    case undefined:
      break;
  }
  return conditions;
}

/**
 * Claims an unused, unexpired code for `userId` at `now`: one conditional UPDATE. Returns the claimed row, or
 * undefined when the code is unknown, already used, disabled or expired. On PostgreSQL a concurrent claim
 * waits for the first to commit, re-evaluates the WHERE on the new row (status 3) and changes nothing.
 */
export async function claimRedemption(
  store: Store,
  db: Db,
  claim: { codeHash: string; userId: number; now: number },
): Promise<RedemptionRow | undefined> {
  const { redemptions } = store.tables;
  const rows = await db
    .update(redemptions)
    .set({ status: REDEMPTION_STATUS.used, usedBy: claim.userId, redeemedAt: claim.now })
    .where(and(eq(redemptions.codeHash, claim.codeHash), eq(redemptions.status, REDEMPTION_STATUS.unused), unexpiredAt(store, claim.now)))
    .returning();
  return rows[0];
}

/** Unused → disabled; returns undefined when the code is gone or no longer unused. */
export async function disableRedemption(store: Store, db: Db, id: number): Promise<RedemptionRow | undefined> {
  const { redemptions } = store.tables;
  const rows = await db
    .update(redemptions)
    .set({ status: REDEMPTION_STATUS.disabled })
    .where(and(eq(redemptions.id, id), eq(redemptions.status, REDEMPTION_STATUS.unused)))
    .returning();
  return rows[0];
}

/** Deletes a code that was never redeemed; a used code stays as the record of its credit (returns undefined). */
export async function deleteUnredeemed(store: Store, db: Db, id: number): Promise<RedemptionRow | undefined> {
  const { redemptions } = store.tables;
  const rows = await db
    .delete(redemptions)
    .where(and(eq(redemptions.id, id), ne(redemptions.status, REDEMPTION_STATUS.used)))
    .returning();
  return rows[0];
}
