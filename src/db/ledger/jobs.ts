/**
 * The writes a relayed request makes, as plain-data jobs: a reservation (reliability.md 2.1.2), a settlement or
 * release (2.1.3), the release of an expired hold (2.1.6), and a batch of request-log rows with their usage
 * counters (2.8). A job holds everything it needs (amounts and `now` are the caller's), and the control flow
 * here is the only copy of the ledger's rules, over `LedgerOps`: compiled SQL on SQLite (./sqlite-ops.ts), the
 * query builder on PostgreSQL (./drizzle-ops.ts). The writer (./writer.ts) runs each job inside a transaction.
 */
import type { NewLogRow } from '../repos/logs.ts';
import type { ChannelUsageDelta, UsageDelta } from '../repos/usage.ts';
import { formatUsd } from '../../services/money.ts';

export interface ReserveJob {
  readonly kind: 'reserve';
  readonly requestId: string;
  readonly userId: number;
  readonly tokenId: number;
  readonly amount: number;
  readonly now: number;
  readonly expiresAt: number;
}

/** Why a reservation was refused: the owner's balance, the key's budget, or a ledger id used before. */
export type ReserveRefusal = 'owner' | 'key' | 'request-id';

export interface SettleJob {
  readonly kind: 'settle';
  readonly requestId: string;
  /** False when nothing reached the client: the hold is released in full. */
  readonly delivered: boolean;
  /** What the usage costs at list price (0 when not delivered). */
  readonly listCost: number;
  /** The upstream's usage had to be clamped: never charge above the hold then. */
  readonly clamped: boolean;
  /** Micro-USD; a balance falling below it records a quota alert. 0 turns alerts off. */
  readonly alertThreshold: number;
  readonly now: number;
}

export type SettleOutcome =
  | { readonly state: 'settled' | 'released'; readonly hold: number; readonly cost: number; readonly overrun: number }
  | { readonly state: 'already_resolved' };

export interface ExpireJob {
  readonly kind: 'expire';
  readonly requestId: string;
  readonly now: number;
}

export interface SystemLogRow {
  readonly now: number;
  readonly userId: number | null;
  readonly tokenId: number | null;
  readonly content: string;
  readonly other: Record<string, unknown>;
}

export interface LogBatchJob {
  readonly kind: 'log-batch';
  readonly rows: readonly NewLogRow[];
  readonly usage: readonly UsageDelta[];
  readonly channels: readonly ChannelUsageDelta[];
  /** A "rows were dropped" notice written in the same transaction. */
  readonly notice: SystemLogRow | null;
}

export type LedgerJob = ReserveJob | SettleJob | ExpireJob | LogBatchJob;

export interface JobResults {
  reserve: ReserveRefusal | null;
  settle: SettleOutcome;
  expire: boolean;
  'log-batch': null;
}

export type JobResult<J extends LedgerJob> = JobResults[J['kind']];

export interface HoldFigures {
  userId: number;
  tokenId: number | null;
  amount: number;
}

/** Moves between balance, hold and usage counters of one account (see src/db/repos/ledger.ts). */
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

type MaybePromise<T> = T | Promise<T>;

/**
 * The statements of the ledger and the request log. Every balance change is a conditional UPDATE by deltas whose
 * returned row decides; nothing reads a balance, compares and writes it back.
 */
export interface LedgerOps {
  /** Raises the owner's `held` if the free balance covers it and the owner is enabled. */
  holdOnUser(userId: number, amount: number): MaybePromise<boolean>;
  /** Raises the key's `held` if its budget covers it (an unlimited key always does). */
  holdOnToken(tokenId: number, amount: number): MaybePromise<boolean>;
  /** False when a hold with this request id exists already. */
  insertHold(hold: { requestId: string; userId: number; tokenId: number; amount: number; now: number; expiresAt: number }): MaybePromise<boolean>;
  /** Moves an open hold to `state`; undefined when it was not open. */
  resolveHold(requestId: string, state: 'settled' | 'released' | 'expired', now: number): MaybePromise<HoldFigures | undefined>;
  /** Charges the owner; conditional on the free balance when the charge is above the hold. Returns the balance after. */
  chargeUser(move: AccountMove, now: number): MaybePromise<{ balance: number } | undefined>;
  /** The key's side; `balance` null for an unlimited key. */
  chargeToken(move: AccountMove & { tokenId: number }, now: number): MaybePromise<{ balance: number | null } | undefined>;
  insertLedgerEntry(entry: { kind: 'debit' | 'overrun'; externalId: string; userId: number; tokenId: number | null; amount: number; note: string; now: number }): MaybePromise<boolean>;
  insertSystemLog(row: SystemLogRow): MaybePromise<void>;
  insertLogRows(rows: readonly NewLogRow[]): MaybePromise<void>;
  addUsageDeltas(deltas: readonly UsageDelta[]): MaybePromise<void>;
  addChannelUsage(deltas: readonly ChannelUsageDelta[]): MaybePromise<void>;
}

/** Runs one job inside the caller's transaction. Expected outcomes (a refusal) are returned, never thrown. */
export async function runJob<J extends LedgerJob>(ops: LedgerOps, job: J): Promise<JobResult<J>> {
  switch (job.kind) {
    case 'reserve':
      return (await reserve(ops, job)) as JobResult<J>;
    case 'settle':
      return (await settle(ops, job)) as JobResult<J>;
    case 'expire':
      return (await expire(ops, job)) as JobResult<J>;
    case 'log-batch':
      return (await logBatch(ops, job)) as JobResult<J>;
  }
}

/**
 * Holds on owner, then key, then records the hold. A refusal gives back what this job took by the opposite
 * delta, so a refused reservation never has to roll back the other jobs of its transaction.
 */
async function reserve(ops: LedgerOps, job: ReserveJob): Promise<ReserveRefusal | null> {
  if (!(await ops.holdOnUser(job.userId, job.amount))) return 'owner';
  if (!(await ops.holdOnToken(job.tokenId, job.amount))) {
    await ops.holdOnUser(job.userId, -job.amount);
    return 'key';
  }
  if (!(await ops.insertHold(job))) {
    await ops.holdOnToken(job.tokenId, -job.amount);
    await ops.holdOnUser(job.userId, -job.amount);
    return 'request-id';
  }
  return null;
}

/**
 * Resolves the hold once and charges what the request cost. Above the hold, more is taken only from money that
 * is free on both accounts, and never for usage that had to be clamped; the rest becomes an `overrun` row.
 * Rows are always locked owner first, then key (as in reserve), so PostgreSQL transactions cannot deadlock.
 */
async function settle(ops: LedgerOps, job: SettleJob): Promise<SettleOutcome> {
  const state = job.delivered ? 'settled' : 'released';
  const hold = await ops.resolveHold(job.requestId, state, job.now);
  if (hold === undefined) return { state: 'already_resolved' };
  const base = { userId: hold.userId, tokenId: hold.tokenId, hold: hold.amount, requests: job.delivered ? 1 : 0 };
  const listCost = job.listCost;
  const mayExtend = listCost > hold.amount && !job.clamped;
  let cost = Math.min(listCost, hold.amount);
  let user: { balance: number } | undefined;
  let token: { balance: number | null } | undefined;
  if (mayExtend) {
    const userResult = await ops.chargeUser({ ...base, charge: listCost }, job.now);
    if (userResult !== undefined) {
      const tokenResult = hold.tokenId === null ? { balance: null } : await ops.chargeToken({ ...base, tokenId: hold.tokenId, charge: listCost }, job.now);
      if (tokenResult !== undefined) {
        cost = listCost;
        user = userResult;
        token = tokenResult;
      } else {
        // The key cannot cover the difference: undo the owner's side by the opposite deltas (same transaction),
        // then charge no more than the hold below.
        await ops.chargeUser({ userId: hold.userId, tokenId: hold.tokenId, hold: -hold.amount, charge: -listCost, requests: -base.requests }, job.now);
      }
    }
  }
  if (user === undefined) {
    user = await ops.chargeUser({ ...base, charge: cost }, job.now);
    token = hold.tokenId === null ? { balance: null } : await ops.chargeToken({ ...base, tokenId: hold.tokenId, charge: cost }, job.now);
  }
  const overrun = listCost - cost;
  const entry = { externalId: job.requestId, userId: hold.userId, tokenId: hold.tokenId, now: job.now };
  if (cost > 0) await ops.insertLedgerEntry({ ...entry, kind: 'debit', amount: cost, note: '' });
  if (overrun > 0) {
    const note = job.clamped ? 'upstream usage was clamped' : 'usage above the hold and the free balance';
    await ops.insertLedgerEntry({ ...entry, kind: 'overrun', amount: overrun, note });
  }
  if (user !== undefined) await alertIfCrossed(ops, job, { kind: 'user', userId: hold.userId, tokenId: null, after: user.balance, charge: cost });
  if (token !== undefined && token.balance !== null && hold.tokenId !== null) {
    await alertIfCrossed(ops, job, { kind: 'key', userId: hold.userId, tokenId: hold.tokenId, after: token.balance, charge: cost });
  }
  return { state, hold: hold.amount, cost, overrun };
}

/** Records a quota alert when this charge took a balance from at or above the threshold to below it. */
async function alertIfCrossed(
  ops: LedgerOps,
  job: SettleJob,
  account: { kind: 'user' | 'key'; userId: number; tokenId: number | null; after: number; charge: number },
): Promise<void> {
  const threshold = job.alertThreshold;
  if (threshold <= 0 || account.charge <= 0) return;
  if (!(account.after < threshold && account.after + account.charge >= threshold)) return;
  const what = account.kind === 'user' ? `user #${account.userId}'s balance` : `API key #${account.tokenId}'s remaining quota`;
  await ops.insertSystemLog({
    now: job.now,
    userId: account.userId,
    tokenId: account.tokenId,
    content: `quota alert: ${what} fell below $${formatUsd(threshold)} (now $${formatUsd(account.after)})`,
    other: { alert: 'quota', account: account.kind, threshold, remaining: account.after },
  });
}

/** Releases an expired open hold back to owner and key; false when it was resolved meanwhile. */
async function expire(ops: LedgerOps, job: ExpireJob): Promise<boolean> {
  const hold = await ops.resolveHold(job.requestId, 'expired', job.now);
  if (hold === undefined) return false;
  const move = { userId: hold.userId, hold: hold.amount, charge: 0, requests: 0 };
  await ops.chargeUser({ ...move, tokenId: hold.tokenId }, job.now);
  if (hold.tokenId !== null) await ops.chargeToken({ ...move, tokenId: hold.tokenId }, job.now);
  return true;
}

async function logBatch(ops: LedgerOps, job: LogBatchJob): Promise<null> {
  await ops.insertLogRows(job.rows);
  await ops.addUsageDeltas(job.usage);
  await ops.addChannelUsage(job.channels);
  if (job.notice !== null) await ops.insertSystemLog(job.notice);
  return null;
}
