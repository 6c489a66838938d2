/**
 * The ledger: the only code that writes `balance`, `held` and the usage counters of users and keys
 * (reliability.md 2.1). Every statement is a conditional UPDATE by deltas whose returned row count decides;
 * nothing reads a balance into TypeScript, compares and writes back. The rules that combine them are in
 * src/db/ledger/jobs.ts; these builders are what PostgreSQL runs (SQLite runs the same SQL compiled once,
 * src/db/ledger/sqlite-ops.ts), plus the reads of recovery and of the ledger check.
 */
import { and, eq, inArray, isNull, lte, sql } from 'drizzle-orm';
import type { Db, Store } from '../client.ts';
import { LOG_TYPE_SYSTEM, USER_ENABLED } from '../codes.ts';
import type { AccountMove, HoldFigures, SystemLogRow } from '../ledger/jobs.ts';

export { LOG_TYPE_SYSTEM };

export type HoldState = 'open' | 'settled' | 'released' | 'expired';

export interface HoldRow {
  id: number;
  requestId: string;
  userId: number;
  tokenId: number | null;
  amount: number;
  state: string;
  expiresAt: number;
}

/** Raises the owner's `held` by `amount` if the free balance covers it and the owner is enabled; true on success. */
export async function holdOnUser(store: Store, db: Db, userId: number, amount: number): Promise<boolean> {
  const { users } = store.tables;
  const rows = await db
    .update(users)
    .set({ held: sql`${users.held} + ${amount}` })
    .where(and(eq(users.id, userId), eq(users.status, USER_ENABLED), isNull(users.deletedAt), sql`${users.balance} - ${users.held} >= ${amount}`))
    .returning({ id: users.id });
  return rows.length === 1;
}

/** Raises the key's `held` by `amount` if its budget covers it (an unlimited key always does); true on success. */
export async function holdOnToken(store: Store, db: Db, tokenId: number, amount: number): Promise<boolean> {
  const { tokens } = store.tables;
  const rows = await db
    .update(tokens)
    .set({ held: sql`${tokens.held} + ${amount}` })
    .where(and(eq(tokens.id, tokenId), isNull(tokens.deletedAt), sql`(${tokens.unlimited} = ${true} OR ${tokens.balance} - ${tokens.held} >= ${amount})`))
    .returning({ id: tokens.id });
  return rows.length === 1;
}

export async function insertHold(
  store: Store,
  db: Db,
  hold: { requestId: string; userId: number; tokenId: number; amount: number; now: number; expiresAt: number },
): Promise<boolean> {
  const { holds } = store.tables;
  const rows = await db
    .insert(holds)
    .values({ requestId: hold.requestId, userId: hold.userId, tokenId: hold.tokenId, amount: hold.amount, state: 'open', createdAt: hold.now, expiresAt: hold.expiresAt })
    .onConflictDoNothing()
    .returning({ id: holds.id });
  return rows.length === 1;
}

/** Moves an open hold to `state`; returns the hold, or undefined when it was not open (already resolved). */
export async function resolveHold(store: Store, db: Db, requestId: string, state: Exclude<HoldState, 'open'>, now: number): Promise<HoldFigures | undefined> {
  const { holds } = store.tables;
  const rows = await db
    .update(holds)
    .set({ state, resolvedAt: now })
    .where(and(eq(holds.requestId, requestId), eq(holds.state, 'open')))
    .returning({ userId: holds.userId, tokenId: holds.tokenId, amount: holds.amount });
  return rows[0];
}

/** Holds still open whose deadline passed (at most `limit`), for recovery. */
export async function findExpiredHolds(store: Store, now: number, limit: number): Promise<HoldRow[]> {
  const { holds } = store.tables;
  return store.db
    .select()
    .from(holds)
    .where(and(eq(holds.state, 'open'), lte(holds.expiresAt, now)))
    .limit(limit);
}

/**
 * Takes `charge` from the owner's balance while releasing `hold` from `held`. When the charge is above the hold,
 * the difference must be free on the balance: the statement is conditional on it and returns undefined when it
 * is not (the caller then charges no more than the hold). Returns the balance after the move.
 */
export async function chargeUser(store: Store, db: Db, move: AccountMove, now: number): Promise<{ balance: number } | undefined> {
  const { users } = store.tables;
  const extra = move.charge - move.hold;
  const rows = await db
    .update(users)
    .set({
      held: sql`${users.held} - ${move.hold}`,
      balance: sql`${users.balance} - ${move.charge}`,
      usedAmount: sql`${users.usedAmount} + ${move.charge}`,
      requestCount: sql`${users.requestCount} + ${move.requests}`,
      updatedAt: now,
    })
    .where(and(eq(users.id, move.userId), extra > 0 ? sql`${users.balance} - ${users.held} >= ${extra}` : undefined))
    .returning({ balance: users.balance });
  return rows[0];
}

/**
 * The key's side of a charge: `held` released, `used_amount` raised, and — for a limited key — the budget
 * lowered, conditional on the difference above the hold being free. Returns the key's budget afterwards
 * (null for an unlimited key), or undefined when the condition failed.
 */
export async function chargeToken(store: Store, db: Db, move: AccountMove & { tokenId: number }, now: number): Promise<{ balance: number | null } | undefined> {
  const { tokens } = store.tables;
  const extra = move.charge - move.hold;
  const rows = await db
    .update(tokens)
    .set({
      held: sql`${tokens.held} - ${move.hold}`,
      balance: sql`CASE WHEN ${tokens.unlimited} = ${true} THEN ${tokens.balance} ELSE ${tokens.balance} - ${move.charge} END`,
      usedAmount: sql`${tokens.usedAmount} + ${move.charge}`,
      requestCount: sql`${tokens.requestCount} + ${move.requests}`,
      accessedAt: now,
    })
    .where(and(eq(tokens.id, move.tokenId), extra > 0 ? sql`(${tokens.unlimited} = ${true} OR ${tokens.balance} - ${tokens.held} >= ${extra})` : undefined))
    .returning({ balance: tokens.balance, unlimited: tokens.unlimited });
  const row = rows[0];
  if (row === undefined) return undefined;
  return { balance: row.unlimited ? null : row.balance };
}

export async function insertLedgerEntry(
  store: Store,
  db: Db,
  entry: { kind: 'debit' | 'overrun'; externalId: string; userId: number; tokenId: number | null; amount: number; note: string; now: number },
): Promise<boolean> {
  const { ledgerEntries } = store.tables;
  const rows = await db
    .insert(ledgerEntries)
    .values({ kind: entry.kind, externalId: entry.externalId, userId: entry.userId, tokenId: entry.tokenId, amount: entry.amount, note: entry.note, createdAt: entry.now })
    .onConflictDoNothing()
    .returning({ id: ledgerEntries.id });
  return rows.length === 1;
}

/** A system log row (New API log type 4), written in the caller's transaction. */
export async function insertSystemLog(store: Store, db: Db, row: SystemLogRow): Promise<void> {
  const { logs } = store.tables;
  await db
    .insert(logs)
    .values({ createdAt: row.now, type: LOG_TYPE_SYSTEM, userId: row.userId, tokenId: row.tokenId, content: row.content, other: JSON.stringify(row.other) })
    .returning({ id: logs.id });
}

// ---- The checker's reads (reliability.md G4) ----

export interface AccountFigures {
  id: number;
  name: string;
  balance: number;
  held: number;
  unlimited: boolean;
}

export async function userFigures(store: Store): Promise<AccountFigures[]> {
  const { users } = store.tables;
  const rows = await store.db
    .select({ id: users.id, name: users.username, balance: users.balance, held: users.held })
    .from(users);
  return rows.map((row) => ({ ...row, unlimited: false }));
}

export async function tokenFigures(store: Store): Promise<AccountFigures[]> {
  const { tokens } = store.tables;
  return store.db
    .select({ id: tokens.id, name: tokens.name, balance: tokens.balance, held: tokens.held, unlimited: tokens.unlimited })
    .from(tokens);
}

/** Σ credits − Σ debits per user, from the ledger rows. */
export async function ledgerNetByUser(store: Store): Promise<Map<number, number>> {
  const { ledgerEntries } = store.tables;
  const rows = await store.db
    .select({
      userId: ledgerEntries.userId,
      credits: sql<string>`coalesce(sum(CASE WHEN ${ledgerEntries.kind} = 'credit' THEN ${ledgerEntries.amount} ELSE 0 END), 0)`,
      debits: sql<string>`coalesce(sum(CASE WHEN ${ledgerEntries.kind} = 'debit' THEN ${ledgerEntries.amount} ELSE 0 END), 0)`,
    })
    .from(ledgerEntries)
    .groupBy(ledgerEntries.userId);
  return new Map(rows.map((row) => [row.userId, Number(row.credits) - Number(row.debits)]));
}

/** Σ amount of open holds per user and per key. */
export async function openHoldSums(store: Store): Promise<{ byUser: Map<number, number>; byToken: Map<number, number> }> {
  const { holds } = store.tables;
  const rows = await store.db
    .select({ userId: holds.userId, tokenId: holds.tokenId, amount: sql<string>`sum(${holds.amount})` })
    .from(holds)
    .where(eq(holds.state, 'open'))
    .groupBy(holds.userId, holds.tokenId);
  const byUser = new Map<number, number>();
  const byToken = new Map<number, number>();
  for (const row of rows) {
    const amount = Number(row.amount);
    byUser.set(row.userId, (byUser.get(row.userId) ?? 0) + amount);
    if (row.tokenId !== null) byToken.set(row.tokenId, (byToken.get(row.tokenId) ?? 0) + amount);
  }
  return { byUser, byToken };
}

/** External ids with more than one debit (the unique index should make this impossible). */
export async function duplicateDebits(store: Store): Promise<string[]> {
  const { ledgerEntries } = store.tables;
  const rows = await store.db
    .select({ externalId: ledgerEntries.externalId, total: sql<string>`count(*)` })
    .from(ledgerEntries)
    .where(inArray(ledgerEntries.kind, ['debit', 'credit']))
    .groupBy(ledgerEntries.kind, ledgerEntries.externalId)
    .having(sql`count(*) > 1`);
  return rows.map((row) => row.externalId);
}

/** Open holds whose deadline passed more than `graceMs` ago. */
export async function staleOpenHolds(store: Store, now: number): Promise<number> {
  const { holds } = store.tables;
  const rows = await store.db
    .select({ total: sql<string>`count(*)` })
    .from(holds)
    .where(and(eq(holds.state, 'open'), lte(holds.expiresAt, now)));
  return Number(rows[0]?.total ?? 0);
}
