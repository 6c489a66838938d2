import { expect, test } from 'bun:test';
import { and, eq } from 'drizzle-orm';
import type { Deps } from '../../src/deps.ts';
import { createLogger, memorySink } from '../../src/log/logger.ts';
import { emptyUsage } from '../../src/relay/outcome.ts';
import type { Usage } from '../../src/relay/types.ts';
import { type Billing, createBilling, type ReserveInput } from '../../src/services/billing.ts';
import { checkLedger } from '../../src/services/ledger-check.ts';
import type { ModelPrice, PriceBook } from '../../src/services/pricing.ts';
import { defaultSettings, type Settings } from '../../src/services/settings.ts';
import { forEachDialect, manualClock } from '../helpers/stores.ts';

const prices: Record<string, ModelPrice> = {
  // $1 per call.
  'per-call': { model: 'per-call', perCall: 1, input: 0, output: 0 },
  // 1 micro-USD per token in, 2 out.
  text: { model: 'text', input: 1_000_000, output: 2_000_000, cachedInput: 500_000 },
};
const book: PriceBook = {
  priceFor: (model) => prices[model],
  multiplierPpm: (group) => (group === 'vip' ? 1_500_000 : 1_000_000),
};

let sequence = 0;

function usage(prompt: number, completion: number, extra: Partial<Usage> = {}): Usage {
  return { ...emptyUsage(false), promptTokens: prompt, completionTokens: completion, totalTokens: prompt + completion, ...extra };
}

interface Account {
  userId: number;
  tokenId: number;
  tokenName: string;
}

async function account(deps: Deps, options: { balance: string; quota?: string }): Promise<Account> {
  sequence++;
  const { user } = await deps.users.create({ username: `payer${sequence}`, quotaUsd: options.balance });
  const created = await deps.tokens.create({
    name: `key${sequence}`,
    user: user.username,
    ...(options.quota === undefined ? { unlimited: true } : { quotaUsd: options.quota }),
  });
  return { userId: user.id, tokenId: created.token.id, tokenName: created.token.name };
}

function input(owner: Account, model: string, extra: Partial<ReserveInput> = {}): ReserveInput {
  return {
    requestId: Bun.randomUUIDv7(),
    userId: owner.userId,
    tokenId: owner.tokenId,
    tokenName: owner.tokenName,
    group: 'default',
    model,
    endpoint: 'chat-completions',
    promptTokens: () => 10,
    maxOutputTokens: 5,
    calls: 1,
    ...extra,
  };
}

async function figures(deps: Deps, owner: Account) {
  const { users, tokens } = deps.store.tables;
  const [user] = await deps.store.db.select().from(users).where(eq(users.id, owner.userId));
  const [token] = await deps.store.db.select().from(tokens).where(eq(tokens.id, owner.tokenId));
  return { user: { balance: user?.balance, held: user?.held, used: user?.usedAmount, requests: user?.requestCount }, token: { balance: token?.balance, held: token?.held, used: token?.usedAmount } };
}

forEachDialect('billing', (context) => {
  let settings: Settings = defaultSettings();
  const clock = manualClock(Date.UTC(2026, 10, 1));
  let billing: Billing;
  const setup = (): Billing => {
    billing = createBilling({
      store: context().store,
      clock,
      logger: createLogger({ format: 'json', level: 'error', sink: memorySink() }),
      prices: () => book,
      settings: () => settings,
      holdTtlMs: 60_000,
    });
    return billing;
  };

  const expectLedgerBalanced = async (): Promise<void> => {
    const report = await checkLedger(context().store, clock.now());
    expect(report.problems).toEqual([]);
  };

  test('reserve → settle charges the exact list price and releases the rest of the hold', async () => {
    const deps = context();
    setup();
    const owner = await account(deps, { balance: '1', quota: '0.5' });
    // 10 prompt × 1 + 5 output × 2 = 20 micro-USD reserved.
    const reservation = await billing.reserve(input(owner, 'text'));
    expect(reservation.amount).toBe(20);
    expect(await figures(deps, owner)).toMatchObject({ user: { balance: 1_000_000, held: 20 }, token: { balance: 500_000, held: 20 } });
    // 8 prompt of which 4 cached (4×1 + 4×0.5 = 6) + 3 out × 2 = 6 → 12.
    const settled = await billing.settle(reservation, { usage: usage(8, 3, { cachedTokens: 4 }), delivered: true });
    expect(settled).toMatchObject({ cost: 12, listCost: 12, hold: 20, overrun: 0, state: 'settled' });
    expect(await figures(deps, owner)).toMatchObject({
      user: { balance: 999_988, held: 0, used: 12, requests: 1 },
      token: { balance: 499_988, held: 0, used: 12 },
    });
    // A second settle charges nothing.
    expect(await billing.settle(reservation, { usage: usage(8, 3), delivered: true })).toMatchObject({ cost: 0, state: 'already_resolved' });
    const debits = await deps.store.db
      .select()
      .from(deps.store.tables.ledgerEntries)
      .where(and(eq(deps.store.tables.ledgerEntries.externalId, reservation.requestId), eq(deps.store.tables.ledgerEntries.kind, 'debit')));
    expect(debits.map((row) => row.amount)).toEqual([12]);
    await expectLedgerBalanced();
  });

  test('a request that delivered nothing releases its hold in full', async () => {
    const deps = context();
    setup();
    const owner = await account(deps, { balance: '1', quota: '0.5' });
    const reservation = await billing.reserve(input(owner, 'text', { maxOutputTokens: 1000 }));
    expect(reservation.amount).toBe(2010);
    expect(await billing.settle(reservation, { usage: usage(10, 0), delivered: false })).toMatchObject({ cost: 0, state: 'released' });
    expect(await figures(deps, owner)).toMatchObject({ user: { balance: 1_000_000, held: 0, requests: 0 }, token: { balance: 500_000, held: 0 } });
    await expectLedgerBalanced();
  });

  test('group multipliers and per-call prices (n images)', async () => {
    const deps = context();
    setup();
    const owner = await account(deps, { balance: '100' });
    const reservation = await billing.reserve(input(owner, 'per-call', { group: 'vip', calls: 3, endpoint: 'images-generations' }));
    // 3 calls × 1 micro × 1.5, rounded up.
    expect(reservation.amount).toBe(5);
    expect(await billing.settle(reservation, { usage: usage(0, 0), delivered: true })).toMatchObject({ cost: 5 });
    await expectLedgerBalanced();
  });

  test('usage above the hold is charged from free money, and only the unpayable rest is an overrun', async () => {
    const deps = context();
    setup();
    const rich = await account(deps, { balance: '1' });
    const first = await billing.reserve(input(rich, 'text'));
    // 10 + 100 × 2 = 210 > the 20 held; the owner has the money.
    expect(await billing.settle(first, { usage: usage(10, 100), delivered: true })).toMatchObject({ cost: 210, overrun: 0 });
    expect(await figures(deps, rich)).toMatchObject({ user: { balance: 999_790, held: 0 }, token: { held: 0, used: 210 } });

    const poor = await account(deps, { balance: '0.00003' });
    const second = await billing.reserve(input(poor, 'text'));
    expect(await billing.settle(second, { usage: usage(10, 100), delivered: true })).toMatchObject({ cost: 20, listCost: 210, overrun: 190 });
    expect(await figures(deps, poor)).toMatchObject({ user: { balance: 10, held: 0 } });

    const capped = await account(deps, { balance: '1', quota: '0.000025' });
    const third = await billing.reserve(input(capped, 'text'));
    // The key's budget (25) cannot cover 210: the owner's side is not charged either (the key's move is undone).
    expect(await billing.settle(third, { usage: usage(10, 100), delivered: true })).toMatchObject({ cost: 20, overrun: 190 });
    expect(await figures(deps, capped)).toMatchObject({ user: { balance: 999_980, held: 0, requests: 1 }, token: { balance: 5, held: 0, used: 20 } });

    // Clamped (absurd) usage never takes more than the hold, even from a rich owner.
    const clamped = await billing.reserve(input(rich, 'text'));
    expect(await billing.settle(clamped, { usage: usage(10, 1_000_000_000, { clamped: true }), delivered: true })).toMatchObject({ cost: 20 });
    const overruns = await deps.store.db.select().from(deps.store.tables.ledgerEntries).where(eq(deps.store.tables.ledgerEntries.kind, 'overrun'));
    expect(overruns.length).toBeGreaterThanOrEqual(3);
    await expectLedgerBalanced();
  });

  test('unpriced models are refused, or free when allowed', async () => {
    const deps = context();
    setup();
    const owner = await account(deps, { balance: '0' });
    await expect(billing.reserve(input(owner, 'mystery'))).rejects.toMatchObject({ code: 'model_not_priced', message: expect.stringContaining('gateway price set mystery') });
    settings = { ...defaultSettings(), allow_unpriced_models: true };
    const reservation = await billing.reserve(input(owner, 'mystery'));
    expect(reservation.amount).toBe(0);
    expect(await billing.settle(reservation, { usage: usage(10, 10), delivered: true })).toMatchObject({ cost: 0, unpriced: true });
    settings = defaultSettings();
    await expectLedgerBalanced();
  });

  test('B1: 500 concurrent requests against a key with quota for exactly 100 calls', async () => {
    const deps = context();
    setup();
    const owner = await account(deps, { balance: '1000', quota: '0.0001' });
    const results = await Promise.allSettled(Array.from({ length: 500 }, () => billing.reserve(input(owner, 'per-call'))));
    const granted = results.filter((result) => result.status === 'fulfilled');
    expect(granted).toHaveLength(100);
    for (const result of results) {
      if (result.status === 'rejected') expect(result.reason).toMatchObject({ code: 'quota_exhausted' });
    }
    await Promise.all(granted.map((result) => billing.settle(result.value, { usage: usage(1, 1), delivered: true })));
    expect(await figures(deps, owner)).toMatchObject({ token: { balance: 0, held: 0, used: 100 } });
    await expectLedgerBalanced();
  });

  test('B3: two unlimited keys share an owner with balance for 100 calls', async () => {
    const deps = context();
    setup();
    const owner = await account(deps, { balance: '0.0001' });
    const second = await deps.tokens.create({ name: `second${sequence}`, user: `payer${sequence}`, unlimited: true });
    const other: Account = { userId: owner.userId, tokenId: second.token.id, tokenName: second.token.name };
    const results = await Promise.allSettled([
      ...Array.from({ length: 250 }, () => billing.reserve(input(owner, 'per-call'))),
      ...Array.from({ length: 250 }, () => billing.reserve(input(other, 'per-call'))),
    ]);
    const granted = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    expect(granted).toHaveLength(100);
    await Promise.all(granted.map((reservation) => billing.settle(reservation, { usage: usage(1, 1), delivered: true })));
    const a = await figures(deps, owner);
    const b = await figures(deps, other);
    expect(a.user).toMatchObject({ balance: 0, held: 0 });
    expect((a.token.used ?? 0) + (b.token.used ?? 0)).toBe(100);
    await expectLedgerBalanced();
  });

  test('B4: no "looks rich" shortcut — a key budget of 10 calls holds against a huge owner balance', async () => {
    const deps = context();
    setup();
    const owner = await account(deps, { balance: '1000', quota: '0.00001' });
    const results = await Promise.allSettled(Array.from({ length: 200 }, () => billing.reserve(input(owner, 'per-call'))));
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(10);
    for (const result of results) if (result.status === 'fulfilled') await billing.settle(result.value, { usage: usage(0, 0), delivered: true });
    await expectLedgerBalanced();
  });

  test('a disabled owner cannot reserve; a request id holds once', async () => {
    const deps = context();
    setup();
    const owner = await account(deps, { balance: '1' });
    const once = input(owner, 'per-call');
    const reservation = await billing.reserve(once);
    await expect(billing.reserve(once)).rejects.toMatchObject({ code: 'conflict' });
    await billing.settle(reservation, { usage: usage(0, 0), delivered: false });
    await deps.users.setEnabled(`payer${sequence}`, false);
    await expect(billing.reserve(input(owner, 'per-call'))).rejects.toMatchObject({ code: 'insufficient_quota' });
    await expectLedgerBalanced();
  });

  test('recovery releases holds past their deadline, and a late settle then charges nothing', async () => {
    const deps = context();
    setup();
    const owner = await account(deps, { balance: '1', quota: '0.5' });
    const reservation = await billing.reserve(input(owner, 'text'));
    expect(await billing.recoverExpired()).toBe(0);
    clock.advance(60_001);
    expect((await checkLedger(deps.store, clock.now())).expiredOpenHolds).toBe(1);
    expect(await billing.recoverExpired()).toBe(1);
    expect(await figures(deps, owner)).toMatchObject({ user: { balance: 1_000_000, held: 0 }, token: { held: 0 } });
    expect(await billing.settle(reservation, { usage: usage(10, 5), delivered: true })).toMatchObject({ cost: 0, state: 'already_resolved' });
    await expectLedgerBalanced();
  });

  test('a quota alert is recorded once, when a charge crosses the threshold', async () => {
    const deps = context();
    setup();
    settings = { ...defaultSettings(), quota_alert_threshold_usd: '0.00005' };
    const owner = await account(deps, { balance: '0.0001' });
    for (let index = 0; index < 8; index++) {
      const reservation = await billing.reserve(input(owner, 'per-call', { calls: 10 }));
      await billing.settle(reservation, { usage: usage(0, 0), delivered: true }).catch(() => undefined);
    }
    settings = defaultSettings();
    const alerts = await deps.store.db
      .select()
      .from(deps.store.tables.logs)
      .where(and(eq(deps.store.tables.logs.type, 4), eq(deps.store.tables.logs.userId, owner.userId)));
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.content).toContain('fell below $0.00005');
    await expectLedgerBalanced();
  });
});
