/**
 * Runs the ledger's jobs (./jobs.ts) on the store's connection. On SQLite they share transactions through group
 * commit (./group-commit.ts): a reservation starts its batch at once, settlements and expiries wait a few
 * milliseconds for company, a log batch has a transaction of its own. On PostgreSQL each job runs in its own
 * transaction.
 */
import type { Db, Store } from '../client.ts';
import { createGroupCommitter } from './group-commit.ts';
import { type JobResult, type LedgerJob, type LedgerOps, runJob } from './jobs.ts';

export interface LedgerWriter {
  /** Runs the job in a transaction (shared with others on SQLite); rejects only when the database failed. */
  run<J extends LedgerJob>(job: J): Promise<JobResult<J>>;
}

export function createLedgerWriter(store: Store, opsFor: (db: Db) => LedgerOps): LedgerWriter {
  const committer = createGroupCommitter(store);
  return {
    run<J extends LedgerJob>(job: J): Promise<JobResult<J>> {
      // A log batch is large and waits for nobody: its own transaction.
      if (job.kind === 'log-batch') return store.transaction((db) => runJob(opsFor(db), job));
      // Nobody waits for a settlement or an expiry: they may ride along with the next reservation's transaction.
      return committer.submit((db) => runJob(opsFor(db), job), { deferrable: job.kind !== 'reserve' });
    },
  };
}
