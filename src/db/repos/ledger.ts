/**
 * The ledger: the only code that writes `balance`, `held` and the usage counters of users and keys
 * (reliability.md 2.1). Every statement is a conditional UPDATE by deltas whose returned row count decides;
 * nothing reads a balance into TypeScript, compares and writes back. Callers run these inside one
 * `store.transaction`, so a reservation on the key and on its owner commit or roll back together.
 */
import { and, eq, inArray, isNull, lte, type Placeholder, sql } from 'drizzle-orm';
import type { Db, Store } from '../client.ts';
import { USER_ENABLED } from './users.ts';

type Values = Readonly<Record<string, string | number | boolean | null>>;
type Param = (name: string) => Placeholder | string | number | boolean | null;
interface Buildable<Row> extends PromiseLike<Row[]> {
  prepare(): { execute(values?: Values): unknown };
}

const preparedByStore = new WeakMap<Store, Map<string, { execute(values?: Values): unknown }>>();

/**
 * Runs one of the ledger's per-request statements. Building a statement with drizzle costs more than running
 * it (about 40 µs of the ~70 µs an UPDATE … RETURNING took on SQLite), and every relayed request runs five to
 * seven of them; so on SQLite each is built once, with placeholders, and reused (`key` names the shape). On
 * PostgreSQL the statement is built on the transaction's own connection each time, with the values inline
 * as bound parameters: a network round trip costs far more there than building.
 */
async function runLedgerStatement<Row>(store: Store, db: Db, key: string, build: (db: Db, param: Param) => Buildable<Row>, values: Values): Promise<Row[]> {
  if (store.dialect !== 'sqlite') return build(db, (name) => values[name] ?? null);
  let prepared = preparedByStore.get(store);
  if (prepared === undefined) {
    prepared = new Map();
    preparedByStore.set(store, prepared);
  }
  let statement = prepared.get(key);
  if (statement === undefined) {
    // Built on the store's own database: on SQLite a transaction runs on that same connection.
    statement = build(store.db, (name) => sql.placeholder(name)).prepare();
    prepared.set(key, statement);
  }
  return (await statement.execute(values)) as Row[];
}

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
  const rows = await runLedgerStatement(
    store,
    db,
    'hold-on-user',
    (on, param) =>
      on
        .update(users)
        .set({ held: sql`${users.held} + ${param('amount')}` })
        .where(
          and(
            eq(users.id, sql`${param('userId')}`),
            eq(users.status, USER_ENABLED),
            isNull(users.deletedAt),
            sql`${users.balance} - ${users.held} >= ${param('amount')}`,
          ),
        )
        .returning({ id: users.id }),
    { userId, amount },
  );
  return rows.length === 1;
}

/** Raises the key's `held` by `amount` if its budget covers it (an unlimited key always does); true on success. */
export async function holdOnToken(store: Store, db: Db, tokenId: number, amount: number): Promise<boolean> {
  const { tokens } = store.tables;
  const rows = await runLedgerStatement(
    store,
    db,
    'hold-on-token',
    (on, param) =>
      on
        .update(tokens)
        .set({ held: sql`${tokens.held} + ${param('amount')}` })
        .where(
          and(
            eq(tokens.id, sql`${param('tokenId')}`),
            isNull(tokens.deletedAt),
            sql`(${tokens.unlimited} = ${true} OR ${tokens.balance} - ${tokens.held} >= ${param('amount')})`,
          ),
        )
        .returning({ id: tokens.id }),
    { tokenId, amount },
  );
  return rows.length === 1;
}

export async function insertHold(
  store: Store,
  db: Db,
  hold: { requestId: string; userId: number; tokenId: number; amount: number; now: number; expiresAt: number },
): Promise<boolean> {
  const { holds } = store.tables;
  const rows = await runLedgerStatement(
    store,
    db,
    'insert-hold',
    (on, param) =>
      on
        .insert(holds)
        .values({
          requestId: sql`${param('requestId')}`,
          userId: sql`${param('userId')}`,
          tokenId: sql`${param('tokenId')}`,
          amount: sql`${param('amount')}`,
          state: 'open',
          createdAt: sql`${param('now')}`,
          expiresAt: sql`${param('expiresAt')}`,
        })
        .onConflictDoNothing()
        .returning({ id: holds.id }),
    hold,
  );
  return rows.length === 1;
}

/** Moves an open hold to `state`; returns the hold, or undefined when it was not open (already resolved). */
export async function resolveHold(store: Store, db: Db, requestId: string, state: Exclude<HoldState, 'open'>, now: number): Promise<HoldRow | undefined> {
  const { holds } = store.tables;
  const rows = await runLedgerStatement(
    store,
    db,
    'resolve-hold',
    (on, param) =>
      on
        .update(holds)
        .set({ state: sql`${param('state')}`, resolvedAt: sql`${param('now')}` })
        .where(and(eq(holds.requestId, sql`${param('requestId')}`), eq(holds.state, 'open')))
        .returning({
          id: holds.id,
          requestId: holds.requestId,
          userId: holds.userId,
          tokenId: holds.tokenId,
          amount: holds.amount,
          state: holds.state,
          expiresAt: holds.expiresAt,
        }),
    { requestId, state, now },
  );
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

export interface AccountMove {
  userId: number;
  tokenId: number | null;
  /** Released from `held`. */
  hold: number;
  /** Taken from `balance` (and added to `used_amount`). */
  charge: number;
  /** Added to the request counters: 1 for a settled request, 0 for a release, -1 to undo a move. */
  requests: number;
}

/**
 * Takes `charge` from the owner's balance while releasing `hold` from `held`. When the charge is above the hold,
 * the difference must be free on the balance: the statement is conditional on it and returns undefined when it
 * is not (the caller then charges no more than the hold). Returns the balance after the move.
 */
export async function chargeUser(store: Store, db: Db, move: AccountMove, now: number): Promise<{ balance: number } | undefined> {
  const { users } = store.tables;
  const extra = move.charge - move.hold;
  const rows = await runLedgerStatement(
    store,
    db,
    extra > 0 ? 'charge-user-extra' : 'charge-user',
    (on, param) =>
      on
        .update(users)
        .set({
          held: sql`${users.held} - ${param('hold')}`,
          balance: sql`${users.balance} - ${param('charge')}`,
          usedAmount: sql`${users.usedAmount} + ${param('charge')}`,
          requestCount: sql`${users.requestCount} + ${param('requests')}`,
          updatedAt: sql`${param('now')}`,
        })
        .where(and(eq(users.id, sql`${param('userId')}`), extra > 0 ? sql`${users.balance} - ${users.held} >= ${param('extra')}` : undefined))
        .returning({ balance: users.balance }),
    { userId: move.userId, hold: move.hold, charge: move.charge, requests: move.requests, now, ...(extra > 0 ? { extra } : {}) },
  );
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
  const rows = await runLedgerStatement(
    store,
    db,
    extra > 0 ? 'charge-token-extra' : 'charge-token',
    (on, param) =>
      on
        .update(tokens)
        .set({
          held: sql`${tokens.held} - ${param('hold')}`,
          balance: sql`CASE WHEN ${tokens.unlimited} = ${true} THEN ${tokens.balance} ELSE ${tokens.balance} - ${param('charge')} END`,
          usedAmount: sql`${tokens.usedAmount} + ${param('charge')}`,
          requestCount: sql`${tokens.requestCount} + ${param('requests')}`,
          accessedAt: sql`${param('now')}`,
        })
        .where(
          and(
            eq(tokens.id, sql`${param('tokenId')}`),
            extra > 0 ? sql`(${tokens.unlimited} = ${true} OR ${tokens.balance} - ${tokens.held} >= ${param('extra')})` : undefined,
          ),
        )
        .returning({ balance: tokens.balance, unlimited: tokens.unlimited }),
    { tokenId: move.tokenId, hold: move.hold, charge: move.charge, requests: move.requests, now, ...(extra > 0 ? { extra } : {}) },
  );
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
  const rows = await runLedgerStatement(
    store,
    db,
    'insert-ledger-entry',
    (on, param) =>
      on
        .insert(ledgerEntries)
        .values({
          kind: sql`${param('kind')}`,
          externalId: sql`${param('externalId')}`,
          userId: sql`${param('userId')}`,
          tokenId: sql`${param('tokenId')}`,
          amount: sql`${param('amount')}`,
          note: sql`${param('note')}`,
          createdAt: sql`${param('now')}`,
        })
        .onConflictDoNothing()
        .returning({ id: ledgerEntries.id }),
    entry,
  );
  return rows.length === 1;
}

/** A system log row (New API log type 4), written in the caller's transaction. */
export async function insertSystemLog(
  store: Store,
  db: Db,
  row: { now: number; userId: number | null; tokenId: number | null; content: string; other: Record<string, unknown> },
): Promise<void> {
  const { logs } = store.tables;
  await db
    .insert(logs)
    .values({ createdAt: row.now, type: LOG_TYPE_SYSTEM, userId: row.userId, tokenId: row.tokenId, content: row.content, other: JSON.stringify(row.other) })
    .returning({ id: logs.id });
}

export const LOG_TYPE_SYSTEM = 4;

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
