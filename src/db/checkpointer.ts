/**
 * WAL checkpoints off the event loop. In WAL mode a COMMIT only appends pages to the `-wal` file, but every
 * 1 000 pages SQLite's auto-checkpoint runs inside the COMMIT that crossed the line: it copies the pages into
 * the database file and fsyncs both, which blocked the server's only JavaScript thread for ~7 ms each time
 * (measured under the benchmark: 44 of 2 700 commits, 300 ms in all, every request in flight waiting).
 *
 * `gateway serve` therefore turns the main connection's auto-checkpoint off and runs PASSIVE checkpoints
 * from a second connection on a worker thread every `intervalMs`. A PASSIVE checkpoint never blocks the
 * writer: the main connection keeps appending while pages are copied, and once everything is copied its next
 * transaction starts the WAL from the beginning again. The worker's source is inline (a Blob URL), so the
 * single executable needs no extra entry point. If the worker fails, the caller turns auto-checkpoint back on
 * (`onFailure`), so the WAL can never grow without bound.
 */

/** Passed to the worker as its source: it opens its own connection and checkpoints on a timer. */
const WORKER_SOURCE = `
const { Database } = require('bun:sqlite');
let database;
let timer;
let last = -1;
self.onmessage = (event) => {
  const message = event.data;
  if (message.type === 'start') {
    try {
      database = new Database(message.path);
      database.run('PRAGMA busy_timeout = ' + message.busyTimeoutMs);
    } catch (error) {
      postMessage({ type: 'failed', message: String(error && error.message || error) });
      return;
    }
    const checkpoint = () => {
      try {
        const row = database.query('PRAGMA wal_checkpoint(PASSIVE)').get();
        if (row.checkpointed !== last) {
          last = row.checkpointed;
          postMessage({ type: 'checkpointed', frames: row.checkpointed, walFrames: row.log });
        }
      } catch (error) {
        clearInterval(timer);
        postMessage({ type: 'failed', message: String(error && error.message || error) });
      }
    };
    timer = setInterval(checkpoint, message.intervalMs);
    postMessage({ type: 'started' });
  } else if (message.type === 'stop') {
    clearInterval(timer);
    try { database && database.close(); } catch {}
    postMessage({ type: 'stopped' });
  }
};
`;

export interface CheckpointerOptions {
  readonly path: string;
  readonly intervalMs: number;
  readonly busyTimeoutMs: number;
  /** The worker could not start or a checkpoint failed; it has stopped. Called at most once. */
  readonly onFailure: (message: string) => void;
}

export interface Checkpointer {
  /** Resolves once the worker's connection is open and its timer runs; rejects if it could not start. */
  readonly started: Promise<void>;
  /** Frames copied into the database file by the latest checkpoint that copied any (0 before the first). */
  checkpointedFrames(): number;
  /** Stops the timer and closes the worker's connection (before the main one closes, so that one checkpoints last). */
  stop(): Promise<void>;
}

let workerUrl: string | undefined;

export function startCheckpointer(options: CheckpointerOptions): Checkpointer {
  workerUrl ??= URL.createObjectURL(new Blob([WORKER_SOURCE], { type: 'application/javascript' }));
  const worker = new Worker(workerUrl);
  let frames = 0;
  let failed = false;
  let stopped = false;
  let resolveStarted: () => void = () => {};
  let rejectStarted: (error: Error) => void = () => {};
  const started = new Promise<void>((resolve, reject) => {
    resolveStarted = resolve;
    rejectStarted = reject;
  });
  // A rejection nobody awaits must not become an unhandled one; failures are reported through onFailure.
  started.catch(() => {});
  let resolveStopped: () => void = () => {};
  const stoppedPromise = new Promise<void>((resolve) => {
    resolveStopped = resolve;
  });

  const fail = (message: string): void => {
    if (failed || stopped) return;
    failed = true;
    rejectStarted(new Error(message));
    worker.terminate();
    resolveStopped();
    options.onFailure(message);
  };
  worker.onmessage = (event: MessageEvent) => {
    const message = event.data as { type: string; frames?: number; message?: string };
    if (message.type === 'started') resolveStarted();
    else if (message.type === 'checkpointed') frames = message.frames ?? frames;
    else if (message.type === 'failed') fail(message.message ?? 'unknown error');
    else if (message.type === 'stopped') resolveStopped();
  };
  worker.onerror = (event: ErrorEvent) => fail(event.message);
  // The worker must never keep the process alive on its own.
  worker.unref();
  worker.postMessage({ type: 'start', path: options.path, intervalMs: options.intervalMs, busyTimeoutMs: options.busyTimeoutMs });

  return {
    started,
    checkpointedFrames: () => frames,
    async stop() {
      if (stopped || failed) return;
      stopped = true;
      worker.postMessage({ type: 'stop' });
      // A worker that does not answer within a second is terminated; its connection closes with it.
      await Promise.race([stoppedPromise, Bun.sleep(1000)]);
      worker.terminate();
    },
  };
}
