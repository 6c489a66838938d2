import { expect, test } from 'bun:test';
import { and, eq, like } from 'drizzle-orm';
import type { Deps } from '../../src/deps.ts';
import { insertUser } from '../../src/db/repos/users.ts';
import { createRedemptionService } from '../../src/services/redemptions.ts';
import { forEachDialect, manualClock, openDeps } from '../helpers/stores.ts';

const INVALID = 'invalid redemption code';

async function creditsFor(deps: Deps, redemptionId: number) {
  const { ledgerEntries } = deps.store.tables;
  return deps.store.db
    .select()
    .from(ledgerEntries)
    .where(and(eq(ledgerEntries.kind, 'credit'), eq(ledgerEntries.externalId, `redeem:${redemptionId}`)));
}

/** Users straight into the table: fifty password hashes would only slow the test down. */
async function seedUsers(deps: Deps, prefix: string, count: number): Promise<number[]> {
  const now = deps.clock.now();
  const ids: number[] = [];
  for (let index = 0; index < count; index++) {
    const row = await deps.store.write((db) =>
      insertUser(deps.store, db, { username: `${prefix}${index}`, passwordHash: 'not-a-hash', createdAt: now, updatedAt: now }),
    );
    if (row === undefined) throw new Error('user not inserted');
    ids.push(row.id);
  }
  return ids;
}

/**
 * On PostgreSQL the racers use two stores (two connection pools, as two processes would have). Two bun:sqlite
 * connections in one process would block each other (the busy handler sleeps the only thread), so on SQLite
 * the racers share one store, whose transactions queue behind BEGIN IMMEDIATE as the daemon's do.
 */
async function racingStores(first: Deps, openSecond: () => Promise<Deps>): Promise<{ stores: Deps[]; close(): Promise<void> }> {
  if (first.store.dialect === 'sqlite') return { stores: [first], close: async () => {} };
  const second = await openSecond();
  return { stores: [first, second], close: () => second.close() };
}

forEachDialect('redemption service', (context, environment) => {
  test('create returns each code once; only the digest and a prefix are stored', async () => {
    const { redemptions, store } = context();
    const created = await redemptions.create({ amountUsd: '2.5', count: 3, name: 'launch', expires: '30d' });
    expect(created.codes).toHaveLength(3);
    expect(new Set(created.codes).size).toBe(3);
    for (const [index, code] of created.codes.entries()) {
      expect(code).toMatch(/^[0-9A-Za-z]{32}$/);
      expect(created.redemptions[index]).toMatchObject({ prefix: `${code.slice(0, 8)}…`, name: 'launch', status: 'unused', amountUsd: '2.5', usedBy: null });
    }
    const rows = await store.db.select().from(store.tables.redemptions);
    const stored = JSON.stringify(rows);
    for (const code of created.codes) expect(stored).not.toContain(code);
    expect(rows.every((row) => /^[0-9a-f]{64}$/.test(row.codeHash) && row.amount === 2_500_000)).toBe(true);
    expect(created.redemptions[0]?.expiresAt).not.toBeNull();
  });

  test('input is validated with the flag to fix', async () => {
    const { redemptions } = context();
    await expect(redemptions.create({ amountUsd: '0' })).rejects.toMatchObject({ code: 'invalid_argument', field: '--amount' });
    await expect(redemptions.create({ amountUsd: '-1' })).rejects.toMatchObject({ field: '--amount' });
    await expect(redemptions.create({ amountUsd: '1', count: 0 })).rejects.toMatchObject({ field: '--count' });
    await expect(redemptions.create({ amountUsd: '1', count: 101 })).rejects.toMatchObject({ field: '--count' });
    await expect(redemptions.create({ amountUsd: '1', count: 1.5 })).rejects.toMatchObject({ field: '--count' });
    await expect(redemptions.create({ amountUsd: '1', expires: 'soon' })).rejects.toMatchObject({ field: '--expires' });
    await expect(redemptions.create({ amountUsd: '1', name: 'x'.repeat(51) })).rejects.toMatchObject({ field: '--name' });
    await expect(redemptions.list({ status: 'spent' })).rejects.toMatchObject({ field: '--status' });
    await expect(redemptions.get('999999')).rejects.toMatchObject({ code: 'not_found', message: expect.stringContaining('gateway redeem list') });
    await expect(redemptions.get('no such ref')).rejects.toMatchObject({ code: 'invalid_argument' });
    await expect(redemptions.redeem('root', 'short')).rejects.toMatchObject({ code: 'invalid_argument', field: 'CODE' });
  });

  test('list filters by status; disable and rm take an id or the prefix', async () => {
    const { redemptions } = context();
    const created = await redemptions.create({ amountUsd: '1', count: 3, name: 'batch' });
    const [first, second, third] = created.redemptions;
    if (first === undefined || second === undefined || third === undefined) throw new Error('three codes expected');
    const disabled = await redemptions.disable(String(first.id));
    expect(disabled.status).toBe('disabled');
    expect((await redemptions.disable(first.prefix)).status).toBe('disabled');
    expect((await redemptions.list({ status: 'disabled' })).map((entry) => entry.id)).toEqual([first.id]);
    await expect(redemptions.redeem('root', created.codes[0] ?? '')).rejects.toMatchObject({ code: 'invalid_argument', message: expect.stringContaining(INVALID) });

    const removed = await redemptions.remove(second.prefix.replace('…', ''));
    expect(removed.id).toBe(second.id);
    await expect(redemptions.get(String(second.id))).rejects.toMatchObject({ code: 'not_found' });
    await expect(redemptions.redeem('root', created.codes[1] ?? '')).rejects.toMatchObject({ message: expect.stringContaining(INVALID) });

    await redemptions.redeem('root', created.codes[2] ?? '');
    expect((await redemptions.list({ status: 'used' })).map((entry) => entry.id)).toContain(third.id);
    await expect(redemptions.disable(String(third.id))).rejects.toMatchObject({ code: 'conflict', message: expect.stringContaining('already redeemed') });
    await expect(redemptions.remove(String(third.id))).rejects.toMatchObject({ code: 'conflict', message: expect.stringContaining('record of that credit') });
    expect((await redemptions.get(created.codes[2] ?? '')).status).toBe('used');
    const unused = await redemptions.list({ status: 'unused' });
    expect(unused.some((entry) => [first.id, second.id, third.id].includes(entry.id))).toBe(false);
  });

  test('a redemption credits the exact amount once, with a ledger row and a log line', async () => {
    const deps = context();
    const { redemptions, users, store } = deps;
    const alice = (await users.create({ username: 'alice', password: 'alice-password' })).user;
    const created = await redemptions.create({ amountUsd: '1234.567891', count: 2 });
    const [code, other] = created.codes;
    const result = await redemptions.redeem('alice', code ?? '');
    expect(result.amountUsd).toBe('1234.567891');
    expect(result.user.balanceUsd).toBe('1234.567891');
    expect(result.redemption).toMatchObject({ status: 'used', usedBy: alice.id });
    expect(result.redemption.redeemedAt).not.toBeNull();
    const id = created.redemptions[0]?.id ?? 0;
    const credits = await creditsFor(deps, id);
    expect(credits.map((entry) => [entry.userId, entry.amount])).toEqual([[alice.id, 1_234_567_891]]);
    const { logs } = store.tables;
    const lines = await store.db.select().from(logs).where(and(eq(logs.userId, alice.id), like(logs.content, 'redeemed code%')));
    expect(lines.map((line) => line.content)).toEqual([`redeemed code ${(code ?? '').slice(0, 8)}… for $1234.567891`]);

    // Used, unknown and disabled codes get the same answer; a second redemption credits nothing.
    const again = await redemptions.redeem('root', code ?? '').catch((error: unknown) => error);
    const unknown = await redemptions.redeem('root', 'A'.repeat(32)).catch((error: unknown) => error);
    const [againMessage, unknownMessage] = [(again as Error).message, (unknown as Error).message];
    expect(again).toMatchObject({ code: 'invalid_argument', message: expect.stringContaining(INVALID) });
    expect(unknownMessage).toBe(againMessage);
    expect(await creditsFor(deps, id)).toHaveLength(1);
    expect((await users.get('alice')).balanceUsd).toBe('1234.567891');

    // The smallest amount is exact too; the code is accepted with blanks around it.
    const tiny = await redemptions.create({ amountUsd: '0.000001' });
    expect((await redemptions.redeem(String(alice.id), ` ${tiny.codes[0] ?? ''}\n`)).user.balanceUsd).toBe('1234.567892');
    await expect(redemptions.redeem('nobody', other ?? '')).rejects.toMatchObject({ code: 'not_found', field: 'USER' });
    expect((await redemptions.get(other ?? '')).status).toBe('unused');
  });

  test('an expired code is refused at the injected clock and listed as expired', async () => {
    const { store, cipher, users } = context();
    const clock = manualClock(Date.now());
    const service = createRedemptionService({ store, cipher, clock });
    const created = await service.create({ amountUsd: '3', expires: '1h' });
    const id = created.redemptions[0]?.id ?? 0;
    clock.advance(3_600_000);
    await expect(service.redeem('root', created.codes[0] ?? '')).rejects.toMatchObject({ code: 'invalid_argument', message: expect.stringContaining('expired at') });
    expect((await service.list({ status: 'expired' })).map((entry) => entry.id)).toContain(id);
    expect((await service.list({ status: 'unused' })).map((entry) => entry.id)).not.toContain(id);
    expect(await creditsFor(context(), id)).toHaveLength(0);
    const before = (await users.get('root')).balanceUsd;
    // One millisecond before the expiry it still works.
    clock.advance(-1);
    expect((await service.redeem('root', created.codes[0] ?? '')).amountUsd).toBe('3');
    expect(Number((await users.get('root')).balanceUsd)).toBe(Number(before) + 3);
  });

  test('fifty concurrent redemptions of one code by one user credit exactly once', async () => {
    const first = context();
    const racing = await racingStores(first, () => openDeps(environment()));
    try {
      const [userId] = await seedUsers(first, 'solo', 1);
      const before = (await first.users.get(String(userId))).balanceUsd;
      const created = await first.redemptions.create({ amountUsd: '7.000001' });
      const code = created.codes[0] ?? '';
      const results = await Promise.allSettled(
        Array.from({ length: 50 }, (_, index) => (racing.stores[index % racing.stores.length] as Deps).redemptions.redeem(String(userId), code)),
      );
      expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
      for (const result of results) {
        if (result.status === 'rejected') expect(result.reason).toMatchObject({ code: 'invalid_argument', message: expect.stringContaining(INVALID) });
      }
      expect(await creditsFor(first, created.redemptions[0]?.id ?? 0)).toHaveLength(1);
      expect(before).toBe('0');
      expect((await first.users.get(String(userId))).balanceUsd).toBe('7.000001');
    } finally {
      await racing.close();
    }
  });

  test('fifty different users redeeming one code at once: exactly one is credited', async () => {
    const first = context();
    const racing = await racingStores(first, () => openDeps(environment()));
    try {
      const userIds = await seedUsers(first, 'crowd', 50);
      const created = await first.redemptions.create({ amountUsd: '0.42' });
      const code = created.codes[0] ?? '';
      const results = await Promise.allSettled(
        userIds.map((userId, index) => (racing.stores[index % racing.stores.length] as Deps).redemptions.redeem(String(userId), code)),
      );
      const winners = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
      expect(winners).toHaveLength(1);
      // Every loser lost the claim itself, not the ledger's unique index behind it.
      for (const result of results) {
        if (result.status === 'rejected') expect(result.reason).toMatchObject({ code: 'invalid_argument', message: expect.stringContaining(INVALID) });
      }
      const credits = await creditsFor(first, created.redemptions[0]?.id ?? 0);
      expect(credits).toHaveLength(1);
      expect(credits[0]?.userId).toBe(winners[0]?.user.id ?? -1);
      const { users } = first.store.tables;
      const balances = await first.store.db.select({ id: users.id, balance: users.balance }).from(users).where(like(users.username, 'crowd%'));
      expect(balances.filter((row) => row.balance !== 0)).toEqual([{ id: winners[0]?.user.id ?? -1, balance: 420_000 }]);
      expect((await first.redemptions.get(code)).usedBy).toBe(winners[0]?.user.id ?? -1);
    } finally {
      await racing.close();
    }
  });
});
