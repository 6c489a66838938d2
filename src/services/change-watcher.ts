/**
 * Polls the change counters (src/db/repos/revisions.ts) so that a CLI command run from another process —
 * `gateway channel add` while the daemon serves — takes effect in the daemon within one interval (500 ms by
 * default, `GATEWAY_SYNC_INTERVAL_MS`). Polling one small table is cheap on SQLite and PostgreSQL alike and
 * needs no extra infrastructure; Redis pub/sub or LISTEN/NOTIFY can later shorten the delay.
 */
import type { Store } from '../db/client.ts';
import { readRevisions, type RevisionScope } from '../db/repos/revisions.ts';
import type { Logger } from '../log/logger.ts';

export type Revisions = Readonly<Record<string, number>>;
export type RevisionListener = (scope: RevisionScope, version: number) => void | Promise<void>;

export interface ChangeWatcher {
  /** Calls `listener` whenever `scope`'s counter moves; returns a function that unregisters it. */
  on(scope: RevisionScope, listener: RevisionListener): () => void;
  /** Reads the current counters as the baseline (no listener runs for them) and starts polling. */
  start(): Promise<void>;
  /** Checks once, now; returns the scopes whose listeners ran. Polls never overlap. */
  poll(): Promise<RevisionScope[]>;
  /** Stops polling and waits for a poll in progress; no timer is left behind. */
  stop(): Promise<void>;
  /** The counters the daemon has applied. */
  readonly seen: Revisions;
}

export interface ChangeWatcherOptions {
  store: Store;
  intervalMs: number;
  logger: Logger;
  /** Test hook: where the counters come from. */
  read?: (store: Store) => Promise<Record<string, number>>;
}

export function createChangeWatcher(options: ChangeWatcherOptions): ChangeWatcher {
  const read = options.read ?? readRevisions;
  const listeners = new Map<RevisionScope, Set<RevisionListener>>();
  let seen: Record<string, number> = {};
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running: Promise<RevisionScope[]> | undefined;
  let stopped = false;
  let failing = false;

  const runListeners = async (scope: RevisionScope, version: number): Promise<boolean> => {
    let ok = true;
    for (const listener of listeners.get(scope) ?? []) {
      try {
        await listener(scope, version);
      } catch (error) {
        ok = false;
        options.logger.warn('reload after a change failed; retrying at the next poll', {
          scope,
          error: error instanceof Error ? error : String(error),
        });
      }
    }
    return ok;
  };

  const check = async (): Promise<RevisionScope[]> => {
    let current: Record<string, number>;
    try {
      current = await read(options.store);
    } catch (error) {
      // Logged once per outage, not once per poll.
      if (!failing) options.logger.warn('cannot read change counters', { error: error instanceof Error ? error : String(error) });
      failing = true;
      return [];
    }
    if (failing) options.logger.info('change counters readable again');
    failing = false;
    const changed: RevisionScope[] = [];
    for (const [scope, version] of Object.entries(current)) {
      if (seen[scope] === version) continue;
      const typedScope = scope as RevisionScope;
      // The baseline moves only when every listener succeeded, so a failed reload is retried next time.
      if (await runListeners(typedScope, version)) {
        seen = { ...seen, [scope]: version };
        changed.push(typedScope);
      }
    }
    return changed;
  };

  const poll = (): Promise<RevisionScope[]> => {
    running ??= check().finally(() => {
      running = undefined;
    });
    return running;
  };

  const schedule = (): void => {
    if (stopped) return;
    // A chain of timeouts, not setInterval: a slow database never stacks up overlapping polls.
    timer = setTimeout(async () => {
      timer = undefined;
      await poll();
      schedule();
    }, options.intervalMs);
  };

  return {
    on: (scope, listener) => {
      const set = listeners.get(scope) ?? new Set<RevisionListener>();
      set.add(listener);
      listeners.set(scope, set);
      return () => {
        set.delete(listener);
      };
    },
    start: async () => {
      stopped = false;
      seen = await read(options.store);
      schedule();
    },
    poll,
    stop: async () => {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      await running;
    },
    get seen() {
      return seen;
    },
  };
}
