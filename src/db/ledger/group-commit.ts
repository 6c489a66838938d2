/**
 * Group commit for the ledger's per-request transactions. On SQLite every write transaction of the process
 * runs one after another anyway (one connection, one writer), and a commit — writing the WAL — costs more
 * than the statements inside it. So jobs submitted while a batch runs wait and share the next one (under load
 * each commit carries many requests), and settlements, which nobody waits for, wait a few milliseconds for
 * reservations to ride along with.
 *
 * A job must not throw for an expected outcome (a refused reservation returns its refusal). If a batch does
 * throw, it rolls back as a whole and each of its jobs runs again alone, so one bad job never fails the others.
 *
 * On PostgreSQL jobs run in their own transactions, concurrently: row locks already let unrelated accounts
 * proceed in parallel, and a batch there could deadlock with another node's batch.
 */
import type { Db, Store } from '../client.ts';

/** Jobs per shared transaction at most, so one commit never holds the writer for long. */
const MAX_BATCH = 256;

interface Job {
  run(db: Db): Promise<unknown>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

export interface GroupCommitter {
  /**
   * Runs `run` in a transaction shared with the other jobs of its batch. An urgent job (a reservation, which a
   * request waits for) starts its batch at the end of the current event-loop turn; a deferrable one (a
   * settlement, which nobody waits for) waits up to `deferMs` for an urgent job to ride along with, so at low
   * concurrency a request's settlement shares the next request's transaction instead of paying its own commit.
   */
  submit<T>(run: (db: Db) => Promise<T>, options?: { deferrable?: boolean }): Promise<T>;
}

/** How long a deferrable job waits for company before it commits alone. */
const DEFER_MS = 5;

/**
 * Deferrable jobs per batch: a reservation waits for the whole transaction it shares, so settlements ride
 * along only a few at a time (~1 ms of statements); the rest commit in their own batches, between which the
 * event loop runs, so a request that arrives meanwhile does not wait behind a long queue of settlements.
 */
const DEFERRED_WITH_URGENT = 8;
const DEFERRED_ALONE = 32;

export function createGroupCommitter(store: Store): GroupCommitter {
  if (store.dialect !== 'sqlite') return { submit: (run) => store.transaction(run) };
  let urgent: Job[] = [];
  let deferrable: Job[] = [];
  let draining = false;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const runAlone = async (job: Job): Promise<void> => {
    await store.transaction((db) => job.run(db)).then(job.resolve, job.reject);
  };

  const runBatch = async (batch: Job[]): Promise<void> => {
    if (batch.length === 1) {
      await runAlone(batch[0] as Job);
      return;
    }
    let results: unknown[] | undefined;
    try {
      results = await store.transaction(async (db) => {
        const values: unknown[] = [];
        for (const job of batch) values.push(await job.run(db));
        return values;
      });
    } catch {
      results = undefined;
    }
    if (results === undefined) {
      for (const job of batch) await runAlone(job);
    } else {
      for (const [index, job] of batch.entries()) job.resolve(results[index]);
    }
  };

  const drain = async (): Promise<void> => {
    try {
      while (urgent.length > 0 || deferrable.length > 0) {
        const urgentPart = urgent.slice(0, MAX_BATCH);
        urgent = urgent.slice(urgentPart.length);
        const take = urgentPart.length > 0 ? DEFERRED_WITH_URGENT : DEFERRED_ALONE;
        const deferredPart = deferrable.slice(0, take);
        deferrable = deferrable.slice(deferredPart.length);
        await runBatch([...urgentPart, ...deferredPart]);
        // Let requests that arrived meanwhile submit (and go first) before more settlements commit.
        if (urgent.length === 0 && deferrable.length > 0) await new Promise<void>((resolve) => setImmediate(resolve));
      }
    } finally {
      draining = false;
    }
  };

  const start = (): void => {
    timer = undefined;
    if (draining) return;
    draining = true;
    void drain();
  };

  return {
    submit<T>(run: (db: Db) => Promise<T>, options: { deferrable?: boolean } = {}): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        const job: Job = { run, resolve: resolve as (value: unknown) => void, reject };
        if (options.deferrable === true) {
          deferrable.push(job);
          if (!draining) timer ??= setTimeout(start, DEFER_MS);
          return;
        }
        urgent.push(job);
        if (draining) return;
        // Start at once: a request waits for its reservation. Waiting for the end of the event-loop turn
        // (setImmediate) to gather more company measured worse: +3 ms to the first byte at concurrency 32 and
        // no more throughput, since reservations already pile up behind a running batch under load.
        draining = true;
        if (timer !== undefined) {
          clearTimeout(timer);
          timer = undefined;
        }
        void drain();
      });
    },
  };
}
