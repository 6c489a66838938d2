import { describe, expect, test } from 'bun:test';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { startCheckpointer } from '../../src/db/checkpointer.ts';
import { openStore } from '../../src/db/client.ts';
import { migrate } from '../../src/db/migrate.ts';
import { temporaryDirectory } from '../helpers/postgres.ts';

async function waitFor(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) throw new Error('timed out');
    await Bun.sleep(20);
  }
}

describe('background WAL checkpoints', () => {
  test('the main connection stops checkpointing on commit and the worker copies the WAL into the database file', async () => {
    const path = join(temporaryDirectory(), 'gateway.db');
    const store = await openStore({ databaseUrl: undefined, sqlitePath: path, sqliteSynchronous: 'normal' });
    try {
      await migrate(store, Date.now);
      const failures: string[] = [];
      await store.backgroundCheckpoints?.({ intervalMs: 50, onFailure: (message) => failures.push(message) });
      expect(await store.query<{ wal_autocheckpoint: number }>('PRAGMA wal_autocheckpoint')).toEqual([{ wal_autocheckpoint: 0 }]);

      // ~2 000 pages of new rows: more than SQLite's own threshold, so without the worker the file would only
      // grow when a COMMIT checkpointed on this thread.
      await store.query('CREATE TABLE filler (body BLOB)');
      const before = statSync(path).size;
      await store.transaction(async () => {
        for (let row = 0; row < 2000; row++) await store.query('INSERT INTO filler (body) VALUES (randomblob(?))', [4000]);
      });
      await waitFor(() => statSync(path).size > before + 4_000_000);
      expect(failures).toEqual([]);
    } finally {
      await store.close();
    }
    // The worker's connection closed first, so the main one checkpointed everything and removed the WAL.
    expect(statSync(`${path}-wal`, { throwIfNoEntry: false })).toBeUndefined();
  });

  test('a worker that cannot open the database reports it once (the store then turns auto-checkpoint back on) and stops', async () => {
    const failures: string[] = [];
    const checkpointer = startCheckpointer({
      path: join(temporaryDirectory(), 'missing', 'directory', 'gateway.db'),
      intervalMs: 50,
      busyTimeoutMs: 100,
      onFailure: (message) => failures.push(message),
    });
    await expect(checkpointer.started).rejects.toThrow(/unable to open|no such file|directory/i);
    await Bun.sleep(200);
    expect(failures.length).toBe(1);
    expect(checkpointer.checkpointedFrames()).toBe(0);
    await checkpointer.stop();
  });

  test('a store without background checkpoints keeps SQLite\'s automatic ones', async () => {
    const store = await openStore({ databaseUrl: undefined, sqlitePath: join(temporaryDirectory(), 'gateway.db'), sqliteSynchronous: 'normal' });
    try {
      expect(await store.query<{ wal_autocheckpoint: number }>('PRAGMA wal_autocheckpoint')).toEqual([{ wal_autocheckpoint: 1000 }]);
    } finally {
      await store.close();
    }
  });
});
