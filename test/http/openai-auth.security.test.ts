/**
 * Key authentication and secrets over HTTP (docs/domain.md 7.2; reliability.md A5, F7, G5): every auth failure
 * in OpenAI's error shape with its status, unknown / malformed / revoked keys answered byte for byte alike, the
 * failed-key limiter, the headers that must never cross the gateway in either direction, and channel keys
 * that never reach a client or a log line, even when the upstream echoes them.
 *
 * The limiter counts failures per client address, and every request here comes from 127.0.0.1: its test runs
 * last, and the tests before it stay well below its limit of 60.
 */
import { afterAll, beforeEach, describe, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { updateTokenSettings } from '../../src/db/repos/tokens.ts';
import { type RelayHarness, startRelayHarness } from '../helpers/relay-harness.ts';

const harness: RelayHarness = await startRelayHarness();
afterAll(() => harness.stop());
beforeEach(() => harness.reset());

/** A channel key without the `sk-` shape, so only the per-channel redaction can hide it. */
const PLAIN_CANARY = `chan-CANARY-${crypto.randomUUID()}`;
await harness.addChannel({ name: 'auth-main', models: ['gpt-4o', 'gpt-4o-mini'] });
await harness.addChannel({ name: 'echo', models: ['echo-model'], modelMapping: { 'echo-model': 'mock/echo-key' }, keys: [PLAIN_CANARY] });
await harness.addChannel({ name: 'echo-azure', type: 'azure', models: ['echo-azure'], modelMapping: { 'echo-azure': 'mock/echo-key' } });

const body = { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] };

interface ErrorAnswer {
  status: number;
  text: string;
  json: { error: { message: string; type: string; code: string; request_id?: string } };
  headers: Headers;
}

async function errorOf(response: Response): Promise<ErrorAnswer> {
  const text = await response.text();
  return { status: response.status, text, json: JSON.parse(text) as ErrorAnswer['json'], headers: response.headers };
}

async function call(key: string | undefined, request: { body?: unknown; headers?: Record<string, string>; requestId?: string } = {}): Promise<ErrorAnswer> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...request.headers };
  if (key !== undefined) headers.authorization = `Bearer ${key}`;
  if (request.requestId !== undefined) headers['x-request-id'] = request.requestId;
  return errorOf(await fetch(`${harness.url}/v1/chat/completions`, { method: 'POST', headers, body: JSON.stringify(request.body ?? body) }));
}

/** Every error body is OpenAI's shape with a message that names the fix. */
function expectOpenAiError(answer: ErrorAnswer, status: number, type: string, code: string): void {
  expect(answer.status).toBe(status);
  // Field by field: toMatchObject with asymmetric matchers writes the matchers into the received object in this Bun.
  expect([answer.json.error.type, answer.json.error.code]).toEqual([type, code]);
  expect(typeof answer.json.error.message).toBe('string');
  expect(typeof answer.json.error.request_id).toBe('string');
  expect(answer.headers.get('content-type')).toStartWith('application/json');
}

describe('key checks, in order, each with its status', () => {
  test('no key: 401', async () => {
    const answer = await call(undefined);
    expectOpenAiError(answer, 401, 'authentication_error', 'unauthorized');
    expect(answer.json.error.message).toContain('Authorization: Bearer');
  });

  test('A5: unknown, malformed and revoked keys get byte-identical answers', async () => {
    const revoked = await harness.createKey({ name: 'soon-revoked' });
    expect((await call(revoked)).status).toBe(200);
    await harness.deps.tokens.remove('soon-revoked');
    await harness.reload();
    await harness.reset();
    const keys = [
      `sk-${'A'.repeat(48)}`,
      'sk-short',
      "' OR '1'='1",
      `${'sk-'}${'x'.repeat(200)}`,
      revoked,
      `${revoked}-1`,
    ];
    const answers = await Promise.all(keys.map((key) => call(key, { requestId: 'same-request-id' })));
    for (const answer of answers) expectOpenAiError(answer, 401, 'authentication_error', 'unauthorized');
    expect(new Set(answers.map((answer) => answer.text)).size).toBe(1);
    expect(answers[0]?.json.error.message).toContain('gateway token create');
    expect(harness.mock.requests).toHaveLength(0);
  });

  test('disabled key: 401 naming `gateway token enable`', async () => {
    const key = await harness.createKey({ name: 'disabled-key' });
    await harness.deps.tokens.setEnabled('disabled-key', false);
    await harness.reload();
    const answer = await call(key);
    expectOpenAiError(answer, 401, 'authentication_error', 'unauthorized');
    expect(answer.json.error.message).toContain('gateway token enable');
  });

  test('expired key: 401 naming `--expires`', async () => {
    const key = await harness.createKey({ name: 'expired-key', expires: '1d' });
    const view = await harness.deps.tokens.get('expired-key');
    await updateTokenSettings(harness.deps.store, harness.deps.store.db, view.id, { expiresAt: Date.now() - 1000 }, Date.now());
    await harness.reload();
    const answer = await call(key);
    expectOpenAiError(answer, 401, 'authentication_error', 'unauthorized');
    expect(answer.json.error.message).toContain('--expires');
  });

  test('exhausted key: 429 insufficient_quota naming `--quota`', async () => {
    const key = await harness.createKey({ name: 'empty-key', quotaUsd: '0', unlimited: false });
    const answer = await call(key);
    expectOpenAiError(answer, 429, 'insufficient_quota', 'quota_exhausted');
    expect(answer.json.error.message).toContain('--quota');
  });

  test('client address outside the allowlist: 403', async () => {
    const key = await harness.createKey({ name: 'office-only', allowIps: ['10.1.2.0/24'] });
    const answer = await call(key);
    expectOpenAiError(answer, 403, 'permission_error', 'forbidden');
    expect(answer.json.error.message).toContain('--allow-ips');
    const local = await harness.createKey({ name: 'loopback-ok', allowIps: ['127.0.0.1'] });
    expect((await call(local)).status).toBe(200);
  });

  test('owner disabled: 403', async () => {
    await harness.deps.users.create({ username: 'suspended', password: 'suspended-password-1', role: 'user', quotaUsd: '1' });
    const key = await harness.createKey({ name: 'suspended-key', user: 'suspended' });
    expect((await call(key)).status).toBe(200);
    await harness.deps.users.setEnabled('suspended', false);
    await harness.reload();
    const answer = await call(key);
    expectOpenAiError(answer, 403, 'permission_error', 'forbidden');
    expect(answer.json.error.message).toContain('gateway user enable');
  });

  test('model not allowed for the key: 403, and the upstream is never called', async () => {
    const key = await harness.createKey({ name: 'mini-only', models: ['gpt-4o-mini'] });
    const answer = await call(key);
    expectOpenAiError(answer, 403, 'permission_error', 'model_not_allowed');
    expect(answer.json.error.message).toContain('gpt-4o-mini');
    expect(harness.mock.requests).toHaveLength(0);
    expect((await call(key, { body: { ...body, model: 'gpt-4o-mini' } })).status).toBe(200);
  });

  test('the official client sees these as its own error classes', async () => {
    const unknown = harness.client(`sk-${'B'.repeat(48)}`);
    const failure = await unknown.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.AuthenticationError);
    const limited = harness.client(await harness.createKey({ name: 'sdk-mini', models: ['gpt-4o-mini'] }));
    const denied = await limited.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }).catch((error: unknown) => error);
    expect(denied).toBeInstanceOf(OpenAI.PermissionDeniedError);
  });
});

describe('F7: headers that never cross the gateway', () => {
  test('client credentials, cookies and forwarding headers never reach the upstream', async () => {
    const response = await harness.post('/v1/chat/completions', body, {
      headers: {
        cookie: 'session=CLIENT-COOKIE-CANARY',
        'x-forwarded-for': '203.0.113.9',
        'x-real-ip': '203.0.113.9',
        forwarded: 'for=203.0.113.9',
        'proxy-authorization': 'Basic UFJPWFktQ0FOQVJZ',
        connection: 'keep-alive, X-Secret',
        'x-secret': 'HOP-CANARY',
        'openai-organization': 'org-client',
        'x-mock-status': '500',
      },
    });
    expect(response.status).toBe(200);
    const [request] = harness.mock.requests;
    const received = request?.headers ?? {};
    expect(request?.apiKey).toBe(harness.channelKeys[0]);
    expect(received.authorization).toBe(`Bearer ${harness.channelKeys[0]}`);
    for (const name of ['cookie', 'x-forwarded-for', 'x-real-ip', 'forwarded', 'proxy-authorization', 'x-secret', 'openai-organization', 'x-mock-status']) {
      expect(received[name]).toBeUndefined();
    }
    const everything = JSON.stringify(received);
    for (const canary of [harness.key, 'CLIENT-COOKIE-CANARY', '203.0.113.9', 'UFJPWFktQ0FOQVJZ', 'HOP-CANARY']) expect(everything).not.toContain(canary);
  });

  test('an upstream Set-Cookie never reaches the client, streamed or not', async () => {
    const completion = JSON.stringify({
      id: 'chatcmpl-cookie',
      object: 'chat.completion',
      created: 1,
      model: 'gpt-4o',
      choices: [{ index: 0, message: { role: 'assistant', content: 'hi', refusal: null }, logprobs: null, finish_reason: 'stop' }],
      usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
    });
    const chunk = JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o', choices: [{ index: 0, delta: { content: 'hi' }, finish_reason: null }] });
    const cookieServer = Bun.serve({
      hostname: '127.0.0.1',
      port: 0,
      async fetch(request) {
        const json = (await request.json()) as { stream?: boolean };
        const headers = { 'set-cookie': 'upstream=UPSTREAM-COOKIE-CANARY; Path=/', 'x-upstream-secret': 'UPSTREAM-HEADER-CANARY' };
        if (json.stream === true) return new Response(`data: ${chunk}\n\ndata: [DONE]\n\n`, { headers: { ...headers, 'content-type': 'text/event-stream' } });
        return new Response(completion, { headers: { ...headers, 'content-type': 'application/json' } });
      },
    });
    try {
      await harness.addChannel({ name: 'cookie', models: ['cookie-model'], baseUrl: `http://127.0.0.1:${cookieServer.port}`, allowPrivate: `127.0.0.1:${cookieServer.port}` });
      for (const stream of [false, true]) {
        const response = await harness.post('/v1/chat/completions', { ...body, model: 'cookie-model', stream });
        expect(response.status).toBe(200);
        const text = await response.text();
        expect(text).toContain('hi');
        expect(response.headers.get('set-cookie')).toBeNull();
        expect(JSON.stringify([...response.headers])).not.toContain('CANARY');
      }
    } finally {
      await cookieServer.stop(true);
    }
  });
});

describe('channel keys never leave', () => {
  test('an upstream 401 that echoes the channel key reaches the client as 503 without it (OpenAI and Azure forms)', async () => {
    for (const model of ['echo-model', 'echo-azure']) {
      const answer = await call(harness.key, { body: { ...body, model } });
      // Not 401: the client's gateway key is valid; the channel's provider key is the operator's problem.
      expect(answer.status).toBe(503);
      expect(answer.json.error.code).toBe('upstream_credentials_rejected');
      for (const key of harness.channelKeys) {
        expect(answer.text).not.toContain(key);
        // No fragment of 8 characters or more either.
        for (let start = 0; start + 8 <= key.length; start += 4) expect(answer.text).not.toContain(key.slice(start, start + 8));
      }
    }
    expect(harness.mock.requests.map((request) => request.apiKey)).toContain(PLAIN_CANARY);
  });

  test('no channel key and no gateway key appears in any log line', async () => {
    await harness.server.relay.health.settled();
    const log = harness.logLines.join('\n');
    expect(log.length).toBeGreaterThan(0);
    for (const key of [...harness.channelKeys, harness.key]) {
      expect(log).not.toContain(key);
      for (let start = 0; start + 8 <= key.length; start += 4) expect(log).not.toContain(key.slice(start, start + 8));
    }
  });
});

describe('A5: the failed-key limiter (runs last: it blocks this address)', () => {
  test('too many unknown keys from one address get 429 with Retry-After, valid keys included, before any lookup', async () => {
    let blocked: ErrorAnswer | undefined;
    let failures = 0;
    for (let index = 0; index < 61 && blocked === undefined; index++) {
      const answer = await call(`sk-${crypto.randomUUID().replaceAll('-', '')}${'Z'.repeat(16)}`);
      if (answer.status === 429) blocked = answer;
      else {
        expect(answer.status).toBe(401);
        failures++;
      }
    }
    expect(blocked).toBeDefined();
    expect(failures).toBeLessThan(60);
    if (blocked === undefined) return;
    expectOpenAiError(blocked, 429, 'rate_limit_error', 'rate_limited');
    const retryAfter = Number(blocked.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // While blocked, even a valid key from this address is refused, so guessing learns nothing more.
    expect((await call(harness.key)).status).toBe(429);
  });
});
