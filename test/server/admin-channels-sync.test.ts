/**
 * A channel changed through /api reaches the running relay within a second, with the daemon's default change
 * polling (500 ms): the channel service bumps the `channels` counter in the save's transaction and the watcher
 * reloads the routing index. Over a real socket, the audit log records the client address the trusted-proxy
 * resolver gives: X-Forwarded-For only from TRUSTED_PROXIES.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { canaryKey, type RelayHarness, startRelayHarness } from '../helpers/relay-harness.ts';

let harness: RelayHarness;
let cookie: string;

async function api(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const response = await fetch(`${harness.url}${path}`, {
    method,
    headers: { cookie, 'x-requested-with': 'test', ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

/** Milliseconds until a chat request for `model` answers `wanted` (200, or anything else), polling every 25 ms. */
async function msUntil(model: string, wanted: 'ok' | 'refused', limitMs = 3000): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < limitMs) {
    const response = await harness.post('/v1/chat/completions', { model, messages: [{ role: 'user', content: 'hi' }] });
    await response.body?.cancel();
    if ((response.status === 200) === (wanted === 'ok')) return performance.now() - started;
    await Bun.sleep(25);
  }
  throw new Error(`the relay did not see the change within ${limitMs} ms`);
}

beforeAll(async () => {
  harness = await startRelayHarness({ env: { GATEWAY_SYNC_INTERVAL_MS: '500', TRUSTED_PROXIES: '127.0.0.1' } });
  const login = await fetch(`${harness.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': '198.51.100.1, 203.0.113.9' },
    body: JSON.stringify({ username: 'root', password: 'test-root-password' }),
  });
  expect(login.status).toBe(200);
  cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] as string;
});

afterAll(async () => {
  await harness?.stop();
});

test('a channel created, disabled and enabled through /api is routed to (or not) within a second', async () => {
  const model = 'api-sync-model';
  expect((await harness.post('/v1/chat/completions', { model, messages: [{ role: 'user', content: 'hi' }] })).status).not.toBe(200);
  const created = await api('POST', '/api/channels', {
    name: 'api-synced',
    type: 'openai',
    base_url: harness.mock.url,
    allow_private: `127.0.0.1:${harness.mock.port}`,
    keys: [canaryKey()],
    models: [model],
  });
  expect(created.status).toBe(201);
  expect(await msUntil(model, 'ok')).toBeLessThan(1000);

  expect((await api('POST', `/api/channels/${created.body.data.id}/disable`)).status).toBe(200);
  expect(await msUntil(model, 'refused')).toBeLessThan(1000);
  expect((await api('POST', `/api/channels/${created.body.data.id}/enable`)).status).toBe(200);
  expect(await msUntil(model, 'ok')).toBeLessThan(1000);

  // A key disabled alone takes the channel (its only key) out of routing too.
  expect((await api('POST', `/api/channels/${created.body.data.id}/keys/0/disable`)).status).toBe(200);
  expect(await msUntil(model, 'refused')).toBeLessThan(1000);
});

test('the audit log records the client address: X-Forwarded-For from a trusted proxy, else the socket', async () => {
  const [login] = (await api('GET', '/api/audit?action=auth.login')).body.data;
  expect(login).toMatchObject({ actor: 'root', ip: '203.0.113.9' });
  const [created] = (await api('GET', '/api/audit?action=channel.create')).body.data;
  expect(created).toMatchObject({ actor: 'root', ip: '127.0.0.1', target_type: 'channel' });
});
