/**
 * Key self-service billing (domain.md 7.3) through the real server: New API's response shapes with exact
 * figures for a limited key with usage, an unlimited key, a key with a model list, a request in flight, and the
 * owner's wallet when display_token_stat_enabled is off. Spending is simulated by moving the key's and the
 * owner's usage columns directly (the wallet balance only through top-ups, so the ledger check still holds).
 */
import { afterAll, describe, expect, test } from 'bun:test';
import { eq } from 'drizzle-orm';
import { type RelayHarness, startRelayHarness } from '../helpers/relay-harness.ts';

const harness: RelayHarness = await startRelayHarness();
afterAll(() => harness.stop());

const { deps } = harness;
const { tokens: tokensTable, users: usersTable } = deps.store.tables;

async function get(path: string, key: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${harness.url}${path}`, { headers: { authorization: `Bearer ${key}` } });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

async function tokenIdOf(name: string): Promise<number> {
  return (await deps.tokens.get(name, { user: 'alice' })).id;
}

await deps.users.create({ username: 'alice', password: 'alice-password' });
await deps.users.topup('alice', '20');
// $5 key of which $1.25 is spent: $3.75 left. Its owner spent the same $1.25 from a $20 wallet.
const limitedKey = await harness.createKey({ name: 'limited', user: 'alice', quotaUsd: '5', expires: '30d' });
const limitedId = await tokenIdOf('limited');
await deps.store.db.update(tokensTable).set({ balance: 3_750_000, usedAmount: 1_250_000 }).where(eq(tokensTable.id, limitedId));
const alice = await deps.users.get('alice');
await deps.store.db.update(usersTable).set({ usedAmount: 1_250_000 }).where(eq(usersTable.id, alice.id));
const limitedExpiry = (await deps.store.db.select().from(tokensTable).where(eq(tokensTable.id, limitedId)))[0]?.expiresAt ?? 0;

const unlimitedKey = await harness.createKey({ name: 'open', user: 'alice' });
await deps.store.db.update(tokensTable).set({ usedAmount: 2_000_002 }).where(eq(tokensTable.id, await tokenIdOf('open')));
const modelsKey = await harness.createKey({ name: 'models', user: 'alice', quotaUsd: '0.000003', models: ['gpt-4o', 'gpt-4o-mini'] });

describe('GET /v1/dashboard/billing/subscription and /usage', () => {
  test('a limited key reports its granted budget in USD and its expiry in seconds', async () => {
    const expected = {
      object: 'billing_subscription',
      has_payment_method: true,
      soft_limit_usd: 5,
      hard_limit_usd: 5,
      system_hard_limit_usd: 5,
      access_until: Math.floor(limitedExpiry / 1000),
    };
    for (const path of ['/v1/dashboard/billing/subscription', '/dashboard/billing/subscription']) {
      const answer = await get(path, limitedKey);
      expect(answer.status).toBe(200);
      expect(answer.json).toEqual(expected);
    }
    expect(limitedExpiry).toBeGreaterThan(Date.now());
  });

  test('usage is the spent amount in US cents', async () => {
    for (const path of ['/v1/dashboard/billing/usage', '/dashboard/billing/usage']) {
      expect(await get(path, limitedKey)).toEqual({ status: 200, json: { object: 'list', total_usage: 125 } });
    }
    expect((await get('/v1/dashboard/billing/usage', unlimitedKey)).json).toEqual({ object: 'list', total_usage: 200.0002 });
  });

  test('an unlimited key reports New API\'s 100 000 000 and no expiry', async () => {
    const answer = await get('/v1/dashboard/billing/subscription', unlimitedKey);
    expect(answer.json).toMatchObject({ soft_limit_usd: 100_000_000, hard_limit_usd: 100_000_000, system_hard_limit_usd: 100_000_000, access_until: 0 });
  });

  test('with display_token_stat_enabled off the owner\'s wallet is reported, for limited and unlimited keys', async () => {
    await harness.setSetting('display_token_stat_enabled', 'false');
    try {
      // $20 balance + $1.25 used.
      for (const key of [limitedKey, unlimitedKey]) {
        const subscription = await get('/v1/dashboard/billing/subscription', key);
        expect([subscription.json.soft_limit_usd, subscription.json.hard_limit_usd, subscription.json.system_hard_limit_usd]).toEqual([21.25, 21.25, 21.25]);
        expect((await get('/dashboard/billing/usage', key)).json).toEqual({ object: 'list', total_usage: 125 });
      }
      // The token usage endpoint always describes the key itself.
      expect(((await get('/api/usage/token', limitedKey)).json.data as Record<string, unknown>).total_used).toBe(625_000);
    } finally {
      await deps.settings.reset('display_token_stat_enabled');
      await harness.reload();
    }
    expect((await get('/v1/dashboard/billing/subscription', limitedKey)).json.soft_limit_usd).toBe(5);
  });
});

describe('GET /api/usage/token', () => {
  test('a limited key: amounts in New API quota units (500 000 per USD), expiry in seconds', async () => {
    const expected = {
      code: true,
      message: 'ok',
      data: {
        object: 'token_usage',
        name: 'limited',
        total_granted: 2_500_000,
        total_used: 625_000,
        total_available: 1_875_000,
        unlimited_quota: false,
        model_limits: {},
        model_limits_enabled: false,
        expires_at: Math.floor(limitedExpiry / 1000),
      },
    };
    for (const path of ['/api/usage/token', '/api/usage/token/']) expect(await get(path, limitedKey)).toEqual({ status: 200, json: expected });
  });

  test('an unlimited key and a key with a model list', async () => {
    expect((await get('/api/usage/token', unlimitedKey)).json.data).toEqual({
      object: 'token_usage',
      name: 'open',
      total_granted: 1_000_001,
      total_used: 1_000_001,
      total_available: 0,
      unlimited_quota: true,
      model_limits: {},
      model_limits_enabled: false,
      expires_at: 0,
    });
    expect((await get('/api/usage/token', modelsKey)).json.data).toMatchObject({
      name: 'models',
      total_granted: 1,
      total_available: 1,
      model_limits: { 'gpt-4o': true, 'gpt-4o-mini': true },
      model_limits_enabled: true,
    });
  });

  test('a request in flight counts as used for what it holds; the granted total does not move', async () => {
    await deps.store.db.update(tokensTable).set({ held: 1_000_000 }).where(eq(tokensTable.id, limitedId));
    try {
      expect((await get('/api/usage/token', limitedKey)).json.data).toMatchObject({ total_granted: 2_500_000, total_used: 1_125_000, total_available: 1_375_000 });
      expect((await get('/v1/dashboard/billing/subscription', limitedKey)).json.soft_limit_usd).toBe(5);
      expect((await get('/v1/dashboard/billing/usage', limitedKey)).json.total_usage).toBe(225);
    } finally {
      await deps.store.db.update(tokensTable).set({ held: 0 }).where(eq(tokensTable.id, limitedId));
    }
  });
});
