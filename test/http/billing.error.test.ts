/**
 * Key self-service billing refusals, in OpenAI's error shape: the subscription and usage routes run the relay's
 * key checks (an expired key 401, an exhausted one 429); /api/usage/token still answers for expired and
 * exhausted keys but gives missing, unknown, removed and disabled keys exactly the relay's 401. Requests come
 * from 127.0.0.1, well below the failed-key limiter's 60 a minute.
 */
import { afterAll, describe, expect, test } from 'bun:test';
import { eq } from 'drizzle-orm';
import { type RelayHarness, startRelayHarness } from '../helpers/relay-harness.ts';

const harness: RelayHarness = await startRelayHarness();
afterAll(() => harness.stop());

const { deps } = harness;
const { tokens: tokensTable } = deps.store.tables;

interface Answer {
  status: number;
  text: string;
  /** An error body in OpenAI's shape, or a success body (only compared as a whole). */
  json: { error: { message: string; type: string; code: string; request_id?: string }; data?: unknown };
}

async function get(path: string, key: string | undefined, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(`${harness.url}${path}`, { headers: key === undefined ? headers : { authorization: `Bearer ${key}`, ...headers } });
  const text = await response.text();
  return { status: response.status, text, json: JSON.parse(text) as Answer['json'] };
}

/** The error without its request id, which differs per request. */
function errorOf(answer: Answer): { status: number; type: string; code: string; message: string } {
  const { type, code, message } = answer.json.error;
  expect(typeof answer.json.error.request_id).toBe('string');
  return { status: answer.status, type, code, message };
}

const billingPaths = ['/v1/dashboard/billing/subscription', '/dashboard/billing/subscription', '/v1/dashboard/billing/usage', '/dashboard/billing/usage'];
const allPaths = [...billingPaths, '/api/usage/token'];

async function keyNamed(name: string, input: { quotaUsd?: string; allowIps?: string[] } = {}): Promise<{ key: string; id: number }> {
  const key = await harness.createKey({ name, ...input });
  return { key, id: (await deps.tokens.get(name)).id };
}

describe('keys that never get figures', () => {
  test('no key, an unknown key and a malformed key: the relay\'s 401 on every route', async () => {
    const relayUnknown = errorOf(await get('/v1/models', `sk-${'x'.repeat(48)}`));
    expect(relayUnknown).toMatchObject({ status: 401, type: 'authentication_error', code: 'unauthorized' });
    const relayMissing = errorOf(await get('/v1/models', undefined));
    for (const path of allPaths) {
      expect(errorOf(await get(path, `sk-${'x'.repeat(48)}`))).toEqual(relayUnknown);
      expect(errorOf(await get(path, 'not a key'))).toEqual(relayUnknown);
      expect(errorOf(await get(path, undefined))).toEqual(relayMissing);
    }
  });

  test('a disabled key and a removed key: 401, as the relay answers them', async () => {
    const disabled = await keyNamed('disabled-key');
    await deps.tokens.setEnabled('disabled-key', false);
    await harness.reload();
    const relayDisabled = errorOf(await get('/v1/models', disabled.key));
    expect(relayDisabled).toMatchObject({ status: 401, code: 'unauthorized', message: expect.stringContaining('is disabled') });
    for (const path of allPaths) expect(errorOf(await get(path, disabled.key))).toEqual(relayDisabled);

    const removed = await keyNamed('removed-key');
    await deps.tokens.remove('removed-key');
    await harness.reload();
    const relayUnknown = errorOf(await get('/v1/models', removed.key));
    expect(relayUnknown.message).toContain('invalid API key');
    for (const path of allPaths) expect(errorOf(await get(path, removed.key))).toEqual(relayUnknown);
  });

  test('a key limited to other addresses: 403', async () => {
    const fenced = await keyNamed('fenced-key', { allowIps: ['10.0.0.0/8'] });
    for (const path of allPaths) {
      expect(errorOf(await get(path, fenced.key))).toMatchObject({ status: 403, type: 'permission_error', code: 'forbidden', message: expect.stringContaining('--allow-ips') });
    }
  });
});

describe('expired and exhausted keys', () => {
  test('an expired key: 401 on the billing routes, its figures on /api/usage/token', async () => {
    const expired = await keyNamed('expired-key', { quotaUsd: '2' });
    const expiredAt = Date.now() - 60_000;
    await deps.store.db.update(tokensTable).set({ expiresAt: expiredAt, balance: 1_500_000, usedAmount: 500_000 }).where(eq(tokensTable.id, expired.id));
    await harness.reload();
    for (const path of billingPaths) {
      expect(errorOf(await get(path, expired.key))).toMatchObject({ status: 401, type: 'authentication_error', code: 'unauthorized', message: expect.stringContaining('expired') });
    }
    const usage = await get('/api/usage/token', expired.key);
    expect(usage.status).toBe(200);
    expect(usage.json as unknown).toEqual({
      code: true,
      message: 'ok',
      data: {
        object: 'token_usage',
        name: 'expired-key',
        total_granted: 1_000_000,
        total_used: 250_000,
        total_available: 750_000,
        unlimited_quota: false,
        model_limits: {},
        model_limits_enabled: false,
        expires_at: Math.floor(expiredAt / 1000),
      },
    });
  });

  test('an exhausted key: 429 on the billing routes, its figures on /api/usage/token', async () => {
    const exhausted = await keyNamed('exhausted-key', { quotaUsd: '1' });
    await deps.store.db.update(tokensTable).set({ balance: 0, usedAmount: 1_000_000 }).where(eq(tokensTable.id, exhausted.id));
    await harness.reload();
    for (const path of billingPaths) {
      expect(errorOf(await get(path, exhausted.key))).toMatchObject({ status: 429, type: 'insufficient_quota', code: 'quota_exhausted' });
    }
    const usage = await get('/api/usage/token', exhausted.key);
    expect(usage.status).toBe(200);
    expect(usage.json.data).toMatchObject({ name: 'exhausted-key', total_granted: 500_000, total_used: 500_000, total_available: 0 });
  });
});
