/**
 * Errors on the Anthropic Messages surface, in Anthropic's shape (`{"type":"error","error":{type,message},
 * "request_id"}`) and so as the SDK's typed errors: missing and unknown keys, a key without quota, a model the
 * key may not use, bodies the Messages API refuses, no channel for the model, and a stream the upstream cut,
 * which ends with an `error` event (never message_stop) and is billed as partial.
 */
import Anthropic, { APIError, AuthenticationError, BadRequestError, InternalServerError, PermissionDeniedError, RateLimitError } from '@anthropic-ai/sdk';
import { afterAll, beforeEach, describe, expect, test } from 'bun:test';
import { type RelayHarness, splitSse, startRelayHarness } from '../helpers/relay-harness.ts';
import { expectClientGone, rejection } from '../helpers/relay-streams.ts';

const harness: RelayHarness = await startRelayHarness({ mock: { scripts: { 'long-slow': { chunks: 40, chunkDelayMs: 50 } } } });
afterAll(() => harness.stop());
beforeEach(() => harness.reset());

const MODEL = 'claude-opus-4-7';
await harness.addChannel({
  name: 'claude-on-openai',
  models: [MODEL, 'claude-cut', 'claude-upstream-400'],
  modelMapping: { 'claude-cut': 'mock/reset-mid-stream', 'claude-upstream-400': 'mock/status=400' },
});

const HEADERS = { 'anthropic-version': '2023-06-01', 'content-type': 'application/json' };
const HI: Anthropic.MessageParam[] = [{ role: 'user', content: 'Hi' }];

function clientFor(key: string): Anthropic {
  return new Anthropic({ apiKey: key, baseURL: harness.url, maxRetries: 0, timeout: 10_000 });
}

const failure = (promise: Promise<unknown>): Promise<APIError> => rejection(promise, APIError);

/** Checks the body is Anthropic's error shape with the given type, and carries the request id. */
function expectAnthropicError(error: APIError, status: number, type: string): void {
  expect(error.status).toBe(status);
  const body = error.error as { request_id?: unknown };
  expect(body.request_id).toBe(error.headers?.get('x-request-id') ?? 'missing');
  // The SDK reads Anthropic's own `request-id` header into `requestID`.
  expect(error.requestID).toBe(body.request_id as string);
  expect(body).toMatchObject({ type: 'error', error: { type } });
}

describe('keys', () => {
  test('no key (neither x-api-key nor Authorization): 401 authentication_error, nothing sent upstream', async () => {
    const response = await fetch(`${harness.url}/v1/messages`, { method: 'POST', headers: HEADERS, body: JSON.stringify({ model: MODEL, max_tokens: 16, messages: HI }) });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error' }, request_id: response.headers.get('x-request-id') });
    expect(harness.mock.requests).toHaveLength(0);
  });

  test('an unknown key (Bearer and x-api-key): AuthenticationError', async () => {
    const error = await failure(clientFor('sk-not-a-real-key-000000000000000000').messages.create({ model: MODEL, max_tokens: 16, messages: HI }));
    expect(error).toBeInstanceOf(AuthenticationError);
    expectAnthropicError(error, 401, 'authentication_error');

    const viaHeader = await fetch(`${harness.url}/v1/messages/count_tokens`, { method: 'POST', headers: { ...HEADERS, 'x-api-key': 'sk-not-a-real-key-000000000000000000' }, body: JSON.stringify({ model: MODEL, messages: HI }) });
    expect(viaHeader.status).toBe(401);
    expect(await viaHeader.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
    const models = await failure(clientFor('sk-not-a-real-key-000000000000000000').models.list());
    expectAnthropicError(models, 401, 'authentication_error');
  });

  test('a key without quota: 429 rate_limit_error (RateLimitError)', async () => {
    const key = await harness.createKey({ quotaUsd: '0', unlimited: false });
    const error = await failure(clientFor(key).messages.create({ model: MODEL, max_tokens: 16, messages: HI }));
    expect(error).toBeInstanceOf(RateLimitError);
    expectAnthropicError(error, 429, 'rate_limit_error');
    expect(error.message).toContain('no quota left');
  });

  test('a model outside the key’s list: 403 permission_error', async () => {
    const key = await harness.createKey({ models: ['some-other-model'] });
    const error = await failure(clientFor(key).messages.create({ model: MODEL, max_tokens: 16, messages: HI }));
    expect(error).toBeInstanceOf(PermissionDeniedError);
    expectAnthropicError(error, 403, 'permission_error');
    const counted = await failure(clientFor(key).messages.countTokens({ model: MODEL, messages: HI }));
    expectAnthropicError(counted, 403, 'permission_error');
  });
});

describe('bodies', () => {
  const client = clientFor(harness.key);

  test('without max_tokens: 400 invalid_request_error naming max_tokens; nothing is sent upstream', async () => {
    // The SDK's types require max_tokens; the cast sends the body a hand-written client would.
    const error = await failure(client.messages.create({ model: MODEL, messages: HI } as unknown as Anthropic.MessageCreateParamsNonStreaming));
    expect(error).toBeInstanceOf(BadRequestError);
    expectAnthropicError(error, 400, 'invalid_request_error');
    expect(error.message).toContain('max_tokens');
    expect(harness.mock.requests).toHaveLength(0);
  });

  test('malformed JSON, no messages, a bad stream flag: 400 invalid_request_error', async () => {
    for (const body of ['{"model": ', JSON.stringify({ model: MODEL, max_tokens: 16, messages: [] }), JSON.stringify({ model: MODEL, max_tokens: 16, messages: HI, stream: 'yes' })]) {
      const response = await fetch(`${harness.url}/v1/messages`, { method: 'POST', headers: { ...HEADERS, 'x-api-key': harness.key }, body });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    }
  });

  test('no channel serves the model: 503 api_error; an upstream 400 keeps its status', async () => {
    const missing = await failure(client.messages.create({ model: 'claude-nowhere', max_tokens: 16, messages: HI }));
    expect(missing).toBeInstanceOf(InternalServerError);
    expectAnthropicError(missing, 503, 'api_error');
    expect(missing.message).toContain('claude-nowhere');

    const refused = await failure(client.messages.create({ model: 'claude-upstream-400', max_tokens: 16, messages: HI }));
    expect(refused).toBeInstanceOf(BadRequestError);
    expectAnthropicError(refused, 400, 'invalid_request_error');
  });
});

describe('streams', () => {
  test('an upstream cut mid-stream: the SDK stream throws, the raw stream ends with one error event and no message_stop', async () => {
    const client = clientFor(harness.key);
    const stream = client.messages.stream({ model: 'claude-cut', max_tokens: 256, messages: HI });
    let text = '';
    stream.on('text', (delta) => {
      text += delta;
    });
    const error = await failure(stream.finalMessage());
    expect(error.error).toMatchObject({ type: 'error', error: { type: 'api_error' } });
    expect(text.length).toBeGreaterThan(0);

    const response = await harness.post('/v1/messages', { model: 'claude-cut', max_tokens: 256, stream: true, messages: HI }, { headers: { 'anthropic-version': '2023-06-01' } });
    expect(response.status).toBe(200);
    const events = splitSse(await response.text()).events;
    const names = events.map((event) => event.event);
    expect(names[0]).toBe('message_start');
    expect(names.at(-1)).toBe('error');
    expect(names).not.toContain('message_stop');
    expect(names).not.toContain('message_delta');
    expect(names.filter((name) => name === 'error')).toHaveLength(1);
    expect(JSON.parse(events.at(-1)?.data ?? '{}')).toMatchObject({ type: 'error', error: { type: 'api_error', message: expect.any(String) } });

    const outcomes = await harness.waitForOutcomes(2);
    expect(outcomes.every((outcome) => outcome.endState === 'upstream_error' && outcome.partial)).toBe(true);
  });

  test('a client that leaves mid-stream aborts the upstream call; the outcome is client_gone', async () => {
    await harness.addChannel({ name: 'slow', models: ['claude-slow'], modelMapping: { 'claude-slow': 'mock/long-slow' } });
    const controller = new AbortController();
    const response = await harness.post('/v1/messages', { model: 'claude-slow', max_tokens: 256, stream: true, messages: HI }, { signal: controller.signal, headers: { 'anthropic-version': '2023-06-01' } });
    const reader = response.body?.getReader();
    const first = await reader?.read();
    expect(new TextDecoder().decode(first?.value)).toContain('event: message_start');
    await expectClientGone(harness, controller, reader);
  });
});
