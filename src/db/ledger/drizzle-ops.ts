/**
 * The ledger's statements through the query builder, inside a transaction of `store`: what PostgreSQL runs (see
 * ./sqlite-ops.ts for SQLite's own copy of the same SQL).
 */
import type { Db, Store } from '../client.ts';
import { chargeToken, chargeUser, holdOnToken, holdOnUser, insertHold, insertLedgerEntry, insertSystemLog, resolveHold } from '../repos/ledger.ts';
import { insertLogRows } from '../repos/logs.ts';
import { addChannelUsage, addUsageDeltas } from '../repos/usage.ts';
import type { LedgerOps } from './jobs.ts';

export function drizzleLedgerOps(store: Store, db: Db): LedgerOps {
  return {
    holdOnUser: (userId, amount) => holdOnUser(store, db, userId, amount),
    holdOnToken: (tokenId, amount) => holdOnToken(store, db, tokenId, amount),
    insertHold: (hold) => insertHold(store, db, hold),
    resolveHold: (requestId, state, now) => resolveHold(store, db, requestId, state, now),
    chargeUser: (move, now) => chargeUser(store, db, move, now),
    chargeToken: (move, now) => chargeToken(store, db, move, now),
    insertLedgerEntry: (entry) => insertLedgerEntry(store, db, entry),
    insertSystemLog: (row) => insertSystemLog(store, db, row),
    insertLogRows: (rows) => insertLogRows(store, db, rows),
    addUsageDeltas: (deltas) => addUsageDeltas(store, db, deltas),
    addChannelUsage: (deltas) => addChannelUsage(store, db, deltas),
  };
}
