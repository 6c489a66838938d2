import { afterAll, describe, expect, test } from 'bun:test';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { openStore, type Store } from '../../src/db/client.ts';
import { migrate, migrationStatus } from '../../src/db/migrate.ts';
import { readRevisions } from '../../src/db/repos/revisions.ts';
import { createPostgresDatabase, temporaryDirectory } from '../helpers/postgres.ts';

const worker = join(import.meta.dir, '..', 'fixtures', 'store-worker.ts');
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
});

async function fresh(dialect: 'sqlite' | 'postgres'): Promise<{ target: string; open: () => Promise<Store> }> {
  if (dialect === 'sqlite') {
    const target = join(temporaryDirectory(), 'gateway.db');
    return { target, open: () => openStore({ databaseUrl: undefined, sqlitePath: target, sqliteSynchronous: 'normal' }) };
  }
  const database = await createPostgresDatabase();
  cleanups.push(database.drop);
  return { target: database.url, open: () => openStore({ databaseUrl: database.url, sqlitePath: '', sqliteSynchronous: 'normal' }) };
}

async function spawnWorkers(target: string, args: string[], count: number): Promise<unknown[]> {
  const children = Array.from({ length: count }, () =>
    Bun.spawn(['bun', worker, target, ...args], { stdout: 'pipe', stderr: 'pipe' }),
  );
  return Promise.all(
    children.map(async (child) => {
      const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
      if (code !== 0) throw new Error(`worker failed (${code}): ${stderr}`);
      return JSON.parse(stdout);
    }),
  );
}

describe('SQLite connection settings', () => {
  test('WAL, busy_timeout 5000, synchronous NORMAL and foreign keys are set and read back', async () => {
    const { open } = await fresh('sqlite');
    const store = await open();
    expect(store.sqliteSettings).toEqual({ journalMode: 'wal', busyTimeoutMs: 5000, synchronous: 'normal', foreignKeys: true });
    // Set at creation, so log retention can give space back with incremental_vacuum.
    expect(await store.query<{ auto_vacuum: number }>('PRAGMA auto_vacuum')).toEqual([{ auto_vacuum: 2 }]);
    await store.close();
  });

  test('synchronous FULL is one setting away', async () => {
    const path = join(temporaryDirectory(), 'full.db');
    const store = await openStore({ databaseUrl: undefined, sqlitePath: path, sqliteSynchronous: 'full' });
    expect(store.sqliteSettings?.synchronous).toBe('full');
    await store.close();
  });

  for (const pragma of ['journal_mode', 'busy_timeout', 'foreign_keys'] as const) {
    test(`a start where ${pragma} does not take effect is refused, naming it`, async () => {
      const path = join(temporaryDirectory(), 'broken.db');
      await expect(openStore({ databaseUrl: undefined, sqlitePath: path, sqliteSynchronous: 'normal', breakPragma: pragma })).rejects.toThrow(
        `PRAGMA ${pragma}`,
      );
    });
  }
});

describe('PostgreSQL connection', () => {
  test('an unreachable database is reported with the variable to fix', async () => {
    await expect(
      openStore({ databaseUrl: 'postgres://postgres@127.0.0.1:5432/gateway_does_not_exist', sqlitePath: '', sqliteSynchronous: 'normal' }),
    ).rejects.toThrow(/SQL_DSN/);
  });
});

for (const dialect of ['sqlite', 'postgres'] as const) {
  describe(`migrations [${dialect}]`, () => {
    test('a fresh database reports pending migrations, then none; a second run applies nothing', async () => {
      const { open } = await fresh(dialect);
      const store = await open();
      const before = await migrationStatus(store);
      expect(before.applied).toEqual([]);
      expect(before.pending.length).toBeGreaterThan(0);
      const applied = await migrate(store);
      expect(applied).toEqual(before.pending);
      expect((await migrationStatus(store)).pending).toEqual([]);
      expect(await migrate(store)).toEqual([]);
      await store.close();
    });

    test('two processes starting together migrate once', async () => {
      const { target, open } = await fresh(dialect);
      const results = (await spawnWorkers(target, ['migrate'], 3)) as { applied: string[] }[];
      const total = results.flatMap((result) => result.applied);
      const store = await open();
      expect(total).toEqual((await migrationStatus(store)).applied);
      await store.close();
    }, 30_000);

    test('read-then-write transactions from several processes never fail busy and lose nothing', async () => {
      const { target, open } = await fresh(dialect);
      const store = await open();
      await migrate(store);
      await spawnWorkers(target, ['bump', '100'], 4);
      expect((await readRevisions(store)).settings).toBe(400);
      await store.close();
    }, 30_000);

    test('a failed transaction rolls back alone; a concurrent write is kept', async () => {
      const { open } = await fresh(dialect);
      const store = await open();
      await migrate(store);
      const { settings } = store.tables;
      let release: () => void = () => {};
      const paused = new Promise<void>((resolve) => {
        release = resolve;
      });
      const failing = store.transaction(async (tx) => {
        await tx.insert(settings).values({ key: 'rolled-back', value: '1', updatedAt: 1 });
        await paused;
        throw new Error('abort');
      });
      // Issued while the transaction is open: it must not become part of it.
      const concurrent = store.write((db) => db.insert(settings).values({ key: 'kept', value: '1', updatedAt: 1 }));
      release();
      await expect(failing).rejects.toThrow('abort');
      await concurrent;
      expect(await store.db.select().from(settings).where(eq(settings.key, 'kept'))).toHaveLength(1);
      expect(await store.db.select().from(settings).where(eq(settings.key, 'rolled-back'))).toHaveLength(0);
      await store.close();
    });
  });
}
