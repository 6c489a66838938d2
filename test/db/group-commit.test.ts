import { expect, test } from 'bun:test';
import { eq, sql } from 'drizzle-orm';
import { createGroupCommitter } from '../../src/db/ledger/group-commit.ts';
import { forEachDialect } from '../helpers/stores.ts';

forEachDialect('group commit', (context) => {
  test('concurrent jobs all commit, each gets its own result', async () => {
    const { store } = context();
    const committer = createGroupCommitter(store);
    const { users } = store.tables;
    const results = await Promise.all(
      Array.from({ length: 300 }, (_, index) =>
        committer.submit(async (db) => {
          await db.update(users).set({ requestCount: sql`${users.requestCount} + 1` }).where(eq(users.id, 1)).returning({ id: users.id });
          return index;
        }),
      ),
    );
    expect(results).toEqual(Array.from({ length: 300 }, (_, index) => index));
    const [root] = await store.db.select().from(users).where(eq(users.id, 1));
    expect(root?.requestCount).toBe(300);
  });

  test('a deferrable job alone still commits; one submitted with an urgent job shares its transaction (SQLite)', async () => {
    const { store } = context();
    let transactions = 0;
    const counting = { ...store, transaction: <T>(fn: Parameters<typeof store.transaction<T>>[0]) => (transactions++, store.transaction(fn)) };
    const committer = createGroupCommitter(counting);
    expect(await committer.submit(async () => 'alone', { deferrable: true })).toBe('alone');
    expect(transactions).toBe(1);
    const results = await Promise.all([committer.submit(async () => 'settle', { deferrable: true }), committer.submit(async () => 'reserve')]);
    expect(results).toEqual(['settle', 'reserve']);
    expect(transactions).toBe(store.dialect === 'sqlite' ? 2 : 3);
  });

  test('a job that throws fails alone: the others of its batch are committed once, never twice', async () => {
    const { store } = context();
    const committer = createGroupCommitter(store);
    const { users } = store.tables;
    const [before] = await store.db.select().from(users).where(eq(users.id, 1));
    const outcomes = await Promise.allSettled(
      Array.from({ length: 50 }, (_, index) =>
        committer.submit(async (db) => {
          await db.update(users).set({ requestCount: sql`${users.requestCount} + 1` }).where(eq(users.id, 1)).returning({ id: users.id });
          if (index % 10 === 7) throw new Error(`job ${index} failed`);
          return index;
        }),
      ),
    );
    expect(outcomes.filter((outcome) => outcome.status === 'rejected')).toHaveLength(5);
    const [after] = await store.db.select().from(users).where(eq(users.id, 1));
    expect((after?.requestCount ?? 0) - (before?.requestCount ?? 0)).toBe(45);
  });
});
