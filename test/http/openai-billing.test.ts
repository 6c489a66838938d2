/**
 * Billing end to end (reliability.md B1, B6, B7, B9, S1, S3, S4 and the "done when"): real requests
 * through the gateway, with the official SDK where it fits, against the mock upstream, checked to the unit
 * against the price list, the ledger rows, the request log and `gateway logs` / `gateway usage`.
 *
 * Prices: `billed` costs $2.50 per 1M input tokens and $10 per 1M output tokens (2.5 and 10 micro-USD per
 * token); `per-call` costs $0.000001 (1 micro-USD) a call. Each channel maps the billed name to the mock
 * script it should act out, so the mock's usage numbers are fixed by the test.
 */
import { afterAll, beforeEach, describe, expect, test } from 'bun:test';
import { createServer } from 'node:net';
import { and, eq, inArray } from 'drizzle-orm';
import { chargeFor } from '../../src/services/pricing.ts';
import { runCli } from '../helpers/cli.ts';
import { type RelayHarness, splitSse, startRelayHarness } from '../helpers/relay-harness.ts';

const harness: RelayHarness = await startRelayHarness({
  mock: {
    scripts: {
      usage1000: { promptTokens: 1000, completionTokens: 200 },
      'usage1000-slow': { promptTokens: 1000, completionTokens: 200, firstByteDelayMs: 20 },
      'cut-after-5': { chunks: 30, resetAfterChunks: 5, chunkDelayMs: 5 },
      'slow-chunks': { chunks: 40, chunkDelayMs: 25 },
    },
  },
});
afterAll(() => harness.stop());
beforeEach(() => harness.reset());

const { deps } = harness;
const { store } = deps;
const { holds, ledgerEntries, tokens, users, logs } = store.tables;

await deps.prices.set('billed', { input: '2.5', output: '10' });
await deps.prices.set('per-call', { perCall: '0.000001' });
await deps.settings.set('allow_unpriced_models', 'false');
await harness.reload();

const BILLED = { input: 2_500_000, output: 10_000_000, model: 'billed' };

await harness.addChannel({ name: 'billed-ok', models: ['billed'], modelMapping: { billed: 'mock/usage1000' } });
await harness.addChannel({ name: 'per-call', models: ['per-call'], modelMapping: { 'per-call': 'mock/usage1000-slow' } });

/** A paying user with a balance and a key (with a budget, or unlimited). */
let sequence = 0;
async function payer(balanceUsd: string, quotaUsd?: string): Promise<{ username: string; key: string; tokenId: number; userId: number }> {
  sequence++;
  const username = `payer${sequence}`;
  const { user } = await deps.users.create({ username, quotaUsd: balanceUsd });
  const created = await deps.tokens.create({ name: `key${sequence}`, user: username, ...(quotaUsd === undefined ? { unlimited: true } : { quotaUsd }) });
  return { username, key: created.key, tokenId: created.token.id, userId: user.id };
}

async function balances(who: { userId: number; tokenId: number }) {
  const [user] = await store.db.select().from(users).where(eq(users.id, who.userId));
  const [token] = await store.db.select().from(tokens).where(eq(tokens.id, who.tokenId));
  return { user: user?.balance, userHeld: user?.held, userUsed: user?.usedAmount, token: token?.balance, tokenHeld: token?.held, tokenUsed: token?.usedAmount };
}

async function ledgerRows(ledgerIds: string[]) {
  const holdRows = ledgerIds.length === 0 ? [] : await store.db.select().from(holds).where(inArray(holds.requestId, ledgerIds));
  const entries = ledgerIds.length === 0 ? [] : await store.db.select().from(ledgerEntries).where(inArray(ledgerEntries.externalId, ledgerIds));
  return { holds: holdRows, debits: entries.filter((row) => row.kind === 'debit'), overruns: entries.filter((row) => row.kind === 'overrun') };
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

const chat = (model: string, key: string, extra: Record<string, unknown> = {}, signal?: AbortSignal) =>
  harness.post('/v1/chat/completions', { model, messages: [{ role: 'user', content: 'hi' }], ...extra }, { key, signal });

describe('what a request costs, to the unit', () => {
  test('SDK chat, streaming chat: usage from the upstream × the price list; ledger, log, `gateway logs` and `gateway usage` agree', async () => {
    const who = await payer('1', '0.5');
    const client = harness.client(who.key);
    const completion = await client.chat.completions.create({ model: 'billed', messages: [{ role: 'user', content: 'hi' }] });
    expect(completion.usage).toMatchObject({ prompt_tokens: 1000, completion_tokens: 200 });
    let streamed = '';
    for await (const chunk of await client.chat.completions.create({ model: 'billed', stream: true, messages: [{ role: 'user', content: 'hi' }] })) {
      streamed += chunk.choices[0]?.delta.content ?? '';
    }
    expect(streamed.length).toBeGreaterThan(0);
    const outcomes = await harness.waitForOutcomes(2);
    // 1000 × 2.5 + 200 × 10 = 4 500 micro-USD each.
    expect(outcomes.map((outcome) => outcome.cost)).toEqual([4500, 4500]);
    expect(outcomes.map((outcome) => outcome.usage.estimated)).toEqual([false, false]);
    expect(await balances(who)).toMatchObject({ user: 1_000_000 - 9000, userHeld: 0, userUsed: 9000, token: 500_000 - 9000, tokenHeld: 0, tokenUsed: 9000 });
    const ledger = await ledgerRows(outcomes.map((outcome) => outcome.ledgerId));
    expect(ledger.holds.map((row) => row.state)).toEqual(['settled', 'settled']);
    expect(ledger.debits.map((row) => row.amount)).toEqual([4500, 4500]);

    await harness.server.relay.logWriter.flush();
    const rows = await store.db.select().from(logs).where(eq(logs.tokenId, who.tokenId));
    expect(rows.map((row) => [row.type, row.modelName, row.upstreamModel, row.promptTokens, row.completionTokens, row.cost, row.isStream])).toEqual([
      [2, 'billed', 'mock/usage1000', 1000, 200, 4500, false],
      [2, 'billed', 'mock/usage1000', 1000, 200, 4500, true],
    ]);

    const cliLogs = await runCli(['logs', '--token', `key${sequence}`, '--json'], harness.environment.env);
    expect(cliLogs.exitCode).toBe(0);
    expect(cliLogs.json<{ cost: number; costUsd: string; promptTokens: number }[]>().map((row) => [row.costUsd, row.promptTokens])).toEqual([
      ['0.0045', 1000],
      ['0.0045', 1000],
    ]);
    const usage = await runCli(['usage', '--by', 'token', '--since', '1h', '--json'], harness.environment.env);
    expect(usage.exitCode).toBe(0);
    const row = usage.json<{ rows: { key: string; requests: number; promptTokens: number; completionTokens: number; costUsd: string }[] }>().rows.find((entry) => entry.key === `key${sequence}`);
    expect(row).toMatchObject({ requests: 2, promptTokens: 2000, completionTokens: 400, costUsd: '0.009' });

    // The self-service endpoint reports what the CLI shows: $0.5 granted, $0.009 used.
    const subscription = await fetch(`${harness.url}/v1/dashboard/billing/usage`, { headers: { authorization: `Bearer ${who.key}` } });
    expect(await subscription.json()).toMatchObject({ total_usage: 0.9 });
    const shown = await runCli(['token', 'show', `key${sequence}`, '--json'], harness.environment.env);
    expect(shown.json<{ quotaUsd: string; usedUsd: string }>()).toMatchObject({ quotaUsd: '0.491', usedUsd: '0.009' });
  });

  test('a key without enough budget is refused before any upstream call, with the fix in the message', async () => {
    const who = await payer('1', '0.000001');
    const response = await chat('billed', who.key, { max_tokens: 100 });
    expect(response.status).toBe(429);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('quota_exhausted');
    expect(body.error.message).toContain('gateway token update');
    expect(harness.mock.requests).toHaveLength(0);
    const poor = await payer('0');
    const refused = await chat('billed', poor.key);
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { code: string; message: string } }).error).toMatchObject({
      code: 'insufficient_quota',
      message: expect.stringContaining(`gateway user topup ${poor.username}`),
    });
    const unpriced = await chat('nobody-priced-this', who.key);
    expect(unpriced.status).toBe(403);
    expect(((await unpriced.json()) as { error: { code: string } }).error.code).toBe('model_not_priced');
    expect(harness.mock.requests).toHaveLength(0);
    expect(await balances(who)).toMatchObject({ user: 1_000_000, userHeld: 0, token: 1, tokenHeld: 0 });
  });

  test('B1: 500 concurrent requests against a key with quota for exactly 100 calls', async () => {
    const who = await payer('1', '0.0001');
    const responses = await Promise.all(Array.from({ length: 500 }, () => chat('per-call', who.key)));
    const statuses = responses.map((response) => response.status);
    await Promise.all(responses.map((response) => response.arrayBuffer()));
    expect(statuses.filter((status) => status === 200)).toHaveLength(100);
    expect(statuses.filter((status) => status === 429)).toHaveLength(400);
    expect(harness.mock.requests).toHaveLength(100);
    await harness.server.relay.billing.idle();
    expect(await balances(who)).toMatchObject({ token: 0, tokenHeld: 0, tokenUsed: 100, user: 1_000_000 - 100, userHeld: 0 });
    expect((await harness.checkLedger()).problems).toEqual([]);
  });
});

describe('failures and cut streams', () => {
  test('B6: failures before the first byte release the hold in full (500, 429, connection refused, first-byte timeout)', async () => {
    await harness.setSetting('retry_times', '0');
    try {
      // Each request holds ~$0.041 (4 096 output tokens at $10 per 1M) while it runs: room for all 28 at once.
      const who = await payer('10', '5');
      const channel = await harness.addChannel({
        name: 'failing',
        models: ['billed-500', 'billed-429', 'billed-hang'],
        modelMapping: { 'billed-500': 'mock/server-error', 'billed-429': 'mock/rate-limited', 'billed-hang': 'mock/hang' },
      });
      const port = await closedPort();
      const refusing = await harness.addChannel({ name: 'refusing', models: ['billed-refused'], baseUrl: `http://127.0.0.1:${port}`, allowPrivate: `127.0.0.1:${port}` });
      await deps.prices.set('billed-*', { input: '2.5', output: '10' });
      await harness.reload();
      const failures = await Promise.all([
        ...Array.from({ length: 10 }, () => chat('billed-500', who.key)),
        ...Array.from({ length: 10 }, () => chat('billed-429', who.key)),
        ...Array.from({ length: 3 }, () => chat('billed-hang', who.key, { stream: true })),
        ...Array.from({ length: 5 }, () => chat('billed-refused', who.key)),
      ]);
      expect(failures.every((response) => response.status >= 400)).toBe(true);
      await Promise.all(failures.map((response) => response.arrayBuffer()));
      const outcomes = await harness.waitForOutcomes(28, 5000);
      expect(outcomes.every((outcome) => outcome.cost === 0 && outcome.billing?.state === 'released')).toBe(true);
      const ledger = await ledgerRows(outcomes.map((outcome) => outcome.ledgerId));
      expect(ledger.holds.map((row) => row.state)).toEqual(Array.from({ length: 28 }, () => 'released'));
      expect(ledger.debits).toHaveLength(0);
      expect(await balances(who)).toMatchObject({ user: 10_000_000, userHeld: 0, token: 5_000_000, tokenHeld: 0 });
      await deps.channels.remove(String(channel.id));
      await deps.channels.remove(String(refusing.id));
      await harness.reload();
    } finally {
      await harness.setSetting('retry_times', '2');
    }
  });

  test('B7: failover keeps one hold and one debit per request', async () => {
    const who = await payer('1');
    await harness.addChannel({ name: 'first-fails', models: ['billed-fo'], priority: 5, modelMapping: { 'billed-fo': 'mock/server-error' } });
    await harness.addChannel({ name: 'second-answers', models: ['billed-fo'], priority: 0, modelMapping: { 'billed-fo': 'mock/usage1000' } });
    await deps.prices.set('billed-fo', { input: '2.5', output: '10' });
    await harness.reload();
    const responses = await Promise.all(Array.from({ length: 20 }, () => chat('billed-fo', who.key)));
    expect(responses.map((response) => response.status)).toEqual(Array.from({ length: 20 }, () => 200));
    await Promise.all(responses.map((response) => response.arrayBuffer()));
    const outcomes = await harness.waitForOutcomes(20);
    expect(outcomes.every((outcome) => outcome.attempts.length === 2 && outcome.cost === 4500)).toBe(true);
    const ledger = await ledgerRows(outcomes.map((outcome) => outcome.ledgerId));
    expect(ledger.holds).toHaveLength(20);
    expect(ledger.debits).toHaveLength(20);
    expect(await balances(who)).toMatchObject({ user: 1_000_000 - 20 * 4500, userHeld: 0 });
  });

  test('S1: a stream the upstream cuts is billed for the prompt and the delivered tokens, flagged partial', async () => {
    const who = await payer('1');
    await harness.addChannel({ name: 'cutting', models: ['billed-cut'], modelMapping: { 'billed-cut': 'mock/cut-after-5' } });
    await deps.prices.set('billed-cut', { input: '2.5', output: '10' });
    await harness.reload();
    const response = await chat('billed-cut', who.key, { stream: true });
    const { data } = splitSse(await response.text());
    expect(data.at(-1)).not.toBe('[DONE]');
    const [outcome] = await harness.waitForOutcomes(1);
    expect(outcome).toMatchObject({ endState: 'upstream_error', partial: true, outputDelivered: true });
    expect(outcome?.usage.completionTokens).toBeGreaterThan(0);
    expect(outcome?.cost).toBe(chargeFor(BILLED, outcome?.usage ?? ({} as never), 1_000_000));
    expect(outcome?.cost).toBeGreaterThan(0);
    expect((await balances(who)).user).toBe(1_000_000 - (outcome?.cost ?? 0));
  });

  test('S3 and S4: a client that leaves mid-stream pays for what it got; one that leaves before the first byte pays nothing', async () => {
    const who = await payer('1');
    await harness.addChannel({
      name: 'slow',
      models: ['billed-slow', 'billed-late'],
      modelMapping: { 'billed-slow': 'mock/slow-chunks', 'billed-late': 'mock/slow-first-byte' },
    });
    await deps.prices.set('billed-slow', { input: '2.5', output: '10' });
    await deps.prices.set('billed-late', { input: '2.5', output: '10' });
    await harness.reload();

    const midStream = new AbortController();
    const response = await chat('billed-slow', who.key, { stream: true }, midStream.signal);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    await reader.read();
    midStream.abort();
    await reader.read().catch(() => undefined);

    const early = new AbortController();
    const late = chat('billed-late', who.key, { stream: true }, early.signal).catch(() => undefined);
    await Bun.sleep(100);
    early.abort();
    await late;

    const outcomes = await harness.waitForOutcomes(2, 5000);
    const gone = outcomes.find((outcome) => outcome.requestedModel === 'billed-slow');
    const never = outcomes.find((outcome) => outcome.requestedModel === 'billed-late');
    expect(gone).toMatchObject({ endState: 'client_gone', partial: true, outputDelivered: true });
    expect(gone?.usage.completionTokens).toBeGreaterThan(0);
    expect(gone?.usage.completionTokens).toBeLessThan(40);
    expect(gone?.cost).toBe(chargeFor(BILLED, gone?.usage ?? ({} as never), 1_000_000));
    expect(never).toMatchObject({ endState: 'client_gone', outputDelivered: false, cost: 0 });
    expect(never?.billing?.state).toBe('released');
    expect(await balances(who)).toMatchObject({ user: 1_000_000 - (gone?.cost ?? 0), userHeld: 0 });
  });

  test('B9: absurd upstream usage is clamped and flagged, never a credit; above the hold only as an overrun', async () => {
    const who = await payer('1');
    await harness.addChannel({
      name: 'absurd',
      models: ['billed-negative', 'billed-huge', 'billed-absent'],
      modelMapping: { 'billed-negative': 'mock/usage-negative', 'billed-huge': 'mock/usage-huge', 'billed-absent': 'mock/usage-absent' },
    });
    await deps.prices.set('billed-negative', { input: '2.5', output: '10' });
    await deps.prices.set('billed-huge', { input: '2.5', output: '10' });
    await deps.prices.set('billed-absent', { input: '2.5', output: '10' });
    await harness.reload();
    for (const model of ['billed-negative', 'billed-huge', 'billed-absent']) {
      const response = await chat(model, who.key, { max_tokens: 50 });
      expect(response.status).toBe(200);
      await response.arrayBuffer();
    }
    const outcomes = await harness.waitForOutcomes(3);
    const [negative, huge, absent] = outcomes;
    expect(negative?.usage).toMatchObject({ promptTokens: 0, clamped: true });
    expect(negative?.cost).toBe(chargeFor(BILLED, negative?.usage ?? ({} as never), 1_000_000));
    expect(huge?.usage.clamped).toBe(true);
    expect(huge?.cost).toBe(huge?.billing?.hold);
    expect(huge?.billing?.overrun).toBeGreaterThan(0);
    expect(absent?.usage.estimated).toBe(true);
    expect(absent?.cost).toBe(chargeFor(BILLED, absent?.usage ?? ({} as never), 1_000_000));
    const ledger = await ledgerRows(outcomes.map((outcome) => outcome.ledgerId));
    expect(ledger.overruns).toHaveLength(1);
    expect(ledger.debits.every((row) => row.amount > 0)).toBe(true);
    const total = outcomes.reduce((sum, outcome) => sum + (outcome?.cost ?? 0), 0);
    expect(await balances(who)).toMatchObject({ user: 1_000_000 - total, userHeld: 0 });
    const credits = await store.db.select().from(ledgerEntries).where(and(eq(ledgerEntries.userId, who.userId), eq(ledgerEntries.kind, 'credit')));
    expect(credits).toHaveLength(1);
  });
});

describe('the store and the log', () => {
  test('P5: when the ledger cannot be written the request is refused (503, Retry-After) before any upstream call', async () => {
    const who = await payer('1');
    await store.query('ALTER TABLE holds RENAME TO holds_away');
    try {
      const response = await chat('billed', who.key);
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('1');
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('database_unavailable');
      expect(harness.mock.requests).toHaveLength(0);
    } finally {
      await store.query('ALTER TABLE holds_away RENAME TO holds');
    }
    expect(await balances(who)).toMatchObject({ user: 1_000_000, userHeld: 0 });
  });

  test('request bodies are logged only when the operator turns it on, cut and redacted', async () => {
    const who = await payer('1');
    await chat('billed', who.key, { user: 'first' }).then((response) => response.arrayBuffer());
    await harness.setSetting('log_bodies_enabled', 'true');
    try {
      const secret = `sk-${'a'.repeat(48)}`;
      await chat('billed', who.key, { user: secret, metadata: { note: 'x'.repeat(10_000) } }).then((response) => response.arrayBuffer());
    } finally {
      await harness.setSetting('log_bodies_enabled', 'false');
    }
    await harness.waitForOutcomes(2);
    await harness.server.relay.logWriter.flush();
    const rows = await store.db.select().from(logs).where(eq(logs.tokenId, who.tokenId));
    expect(rows.map((row) => row.content === '')).toEqual([true, false]);
    const logged = rows[1]?.content ?? '';
    expect(logged).toContain('"model":"billed"');
    expect(logged).not.toContain('a'.repeat(48));
    expect(new TextEncoder().encode(logged).byteLength).toBeLessThanOrEqual(4096 + 64);
  });
});
