/**
 * Channel tests against the mock upstream, through the production dispatcher (the channel's private exception
 * lets it reach 127.0.0.1): latency recorded, failures reported with their status and code and without the
 * key, auto-enable only when the setting is on and only for auto-disabled channels, and the request each model
 * family gets.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import type { Deps } from '../../src/deps.ts';
import { type ChannelTestDeps, testBodyFor, testChannel, testChannelKeys, testModelFor } from '../../src/relay/channel-test.ts';
import { createDispatcher } from '../../src/relay/dispatch.ts';
import { createChannelHealthService } from '../../src/services/channel-health.ts';
import type { ChannelInput } from '../../src/services/channels.ts';
import { addMockChannel, type MockChannel } from '../helpers/mock-channels.ts';
import { type MockUpstream, type RecordedRequest, startMockUpstream } from '../helpers/mock-upstream.ts';
import { forEachDialect } from '../helpers/stores.ts';

let mock: MockUpstream;
beforeAll(async () => {
  mock = await startMockUpstream();
});
afterAll(async () => {
  await mock.stop();
});


function testDepsOf(deps: Deps): ChannelTestDeps {
  return { ...deps, dispatcher: createDispatcher(), health: createChannelHealthService(deps) };
}

function addChannel(deps: Deps, input: Partial<ChannelInput> = {}): Promise<MockChannel> {
  return addMockChannel(deps.channels, mock, input);
}

function lastRequest(): RecordedRequest {
  const request = mock.requests.at(-1);
  if (request === undefined) throw new Error('the mock received no request');
  return request;
}

test('the test model: --model, else the test model, else the first model', () => {
  expect(testModelFor({ testModel: 'b', models: ['c'] }, 'a')).toBe('a');
  expect(testModelFor({ testModel: 'b', models: ['c'] })).toBe('b');
  expect(testModelFor({ testModel: null, models: ['c', 'd'] })).toBe('c');
  expect(testModelFor({ testModel: null, models: [] })).toBe('gpt-4o-mini');
});

test('o-series and gpt-5 bodies cap with max_completion_tokens, others with max_tokens', () => {
  expect(testBodyFor('chat-completions', 'gpt-4o-mini')).toEqual({ messages: [{ role: 'user', content: 'hi' }], max_tokens: 16 });
  expect(testBodyFor('chat-completions', 'o3-mini-high')).toEqual({ messages: [{ role: 'user', content: 'hi' }], max_completion_tokens: 16 });
  expect(testBodyFor('chat-completions', 'gpt-5-mini')).toEqual({ messages: [{ role: 'user', content: 'hi' }], max_completion_tokens: 16 });
  expect(testBodyFor('embeddings', 'text-embedding-3-small')).toEqual({ input: 'hello world' });
});

forEachDialect('channel test', (context) => {
  test('a passing test sends "hi" to the channel and records latency and test time', async () => {
    const deps = context();
    const channel = await addChannel(deps, { models: ['gpt-4o', 'gpt-4o-mini'], modelMapping: { 'gpt-4o': 'gpt-4o-2024-11-20' } });
    const result = await testChannel(testDepsOf(deps), channel.name);
    expect(result).toMatchObject({
      channelId: channel.id,
      channelName: channel.name,
      model: 'gpt-4o',
      upstreamModel: 'gpt-4o-2024-11-20',
      endpoint: 'chat-completions',
      keyPosition: 0,
      ok: true,
      status: 200,
      errorCode: null,
      message: null,
      reEnabled: false,
    });
    expect(result.latencyMs).toBeGreaterThanOrEqual(0);
    const request = lastRequest();
    expect(request.path).toBe('/v1/chat/completions');
    expect(request.apiKey).toBe(channel.secret);
    expect(request.json).toMatchObject({ model: 'gpt-4o-2024-11-20', messages: [{ role: 'user', content: 'hi' }], max_tokens: 16 });
    const stored = await deps.channels.get(String(channel.id));
    expect(stored.responseTimeMs).toBe(result.latencyMs);
    expect(stored.testedAt).not.toBeNull();
  });

  test('a server error reports status and code; the failure is recorded without a latency', async () => {
    const deps = context();
    const channel = await addChannel(deps, { models: ['mock/server-error'] });
    const result = await testChannel(testDepsOf(deps), channel.id);
    expect(result).toMatchObject({ ok: false, status: 500, errorCode: 'server_error', reEnabled: false });
    expect(result.message).toContain('The server had an error');
    const stored = await deps.channels.get(String(channel.id));
    expect(stored.testedAt).not.toBeNull();
    expect(stored.responseTimeMs).toBeNull();
  });

  test('an invalid key reports 401 invalid_api_key, and a key echoed by the upstream is redacted', async () => {
    const deps = context();
    const invalid = await addChannel(deps, { models: ['mock/invalid-key'] });
    const rejected = await testChannel(testDepsOf(deps), invalid.id);
    expect(rejected).toMatchObject({ ok: false, status: 401, errorCode: 'invalid_api_key' });

    const echoing = await addChannel(deps, { models: ['mock/echo-key'] });
    const echoed = await testChannel(testDepsOf(deps), echoing.id);
    expect(echoed).toMatchObject({ ok: false, status: 401 });
    expect(lastRequest().apiKey).toBe(echoing.secret);
    expect(echoed.message).not.toBeNull();
    expect(JSON.stringify(echoed)).not.toContain(echoing.secret);
    expect(JSON.stringify(rejected)).not.toContain(invalid.secret);
  });

  test('--model overrides the channel model; o-series models get max_completion_tokens', async () => {
    const deps = context();
    const channel = await addChannel(deps, { models: ['o3-mini', 'gpt-4o-mini'] });
    const result = await testChannel(testDepsOf(deps), channel.id, { model: 'o3-mini' });
    expect(result.ok).toBe(true);
    const body = lastRequest().json as Record<string, unknown>;
    expect(body.max_completion_tokens).toBe(16);
    expect(body.max_tokens).toBeUndefined();
  });

  test('embedding models are tested on /v1/embeddings with "hello world"', async () => {
    const deps = context();
    const channel = await addChannel(deps, { models: ['text-embedding-3-small'] });
    const result = await testChannel(testDepsOf(deps), channel.id);
    expect(result).toMatchObject({ ok: true, endpoint: 'embeddings', status: 200 });
    expect(lastRequest().path).toBe('/v1/embeddings');
    expect(lastRequest().json).toMatchObject({ model: 'text-embedding-3-small', input: 'hello world' });
  });

  test('a gemini channel is tested on :generateContent with x-goog-api-key; an embedding model on :batchEmbedContents', async () => {
    const deps = context();
    const channel = await addChannel(deps, { type: 'gemini', models: ['gemini-2.5-flash', 'text-embedding-004'] });
    const result = await testChannel(testDepsOf(deps), channel.id);
    expect(result).toMatchObject({ ok: true, endpoint: 'chat-completions', status: 200, errorCode: null });
    expect(lastRequest().path).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
    expect(lastRequest().headers['x-goog-api-key']).toBe(channel.secret);
    expect(lastRequest().json).toMatchObject({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }], generationConfig: { maxOutputTokens: 16 } });

    const embedding = await testChannel(testDepsOf(deps), channel.id, { model: 'text-embedding-004' });
    expect(embedding).toMatchObject({ ok: true, endpoint: 'embeddings', status: 200 });
    expect(lastRequest().path).toBe('/v1beta/models/text-embedding-004:batchEmbedContents');
  });

  test('an anthropic channel is tested on /v1/messages and its answer read in the hub format', async () => {
    const deps = context();
    const channel = await addChannel(deps, { type: 'anthropic', models: ['claude-sonnet-4-5'] });
    const result = await testChannel(testDepsOf(deps), channel.id);
    expect(result).toMatchObject({ ok: true, endpoint: 'chat-completions', status: 200, errorCode: null });
    expect(lastRequest().path).toBe('/v1/messages');
    expect(lastRequest().json).toMatchObject({ model: 'claude-sonnet-4-5', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] });
  });

  test('an auto-disabled channel is re-enabled by a pass only while auto_enable_enabled is on', async () => {
    const deps = context();
    const health = createChannelHealthService(deps);
    const channel = await addChannel(deps);
    await health.autoDisableKey(channel.id, 0, '401 invalid_api_key');
    expect((await deps.channels.get(channel.name)).status).toBe('auto-disabled');

    await deps.settings.set('auto_enable_enabled', 'false');
    const whileOff = await testChannel(testDepsOf(deps), channel.id);
    expect(whileOff).toMatchObject({ ok: true, keyPosition: 0, reEnabled: false });
    expect((await deps.channels.get(channel.name)).status).toBe('auto-disabled');

    await deps.settings.set('auto_enable_enabled', 'true');
    const whileOn = await testChannel(testDepsOf(deps), channel.id);
    expect(whileOn).toMatchObject({ ok: true, reEnabled: true });
    const enabled = await deps.channels.get(channel.name);
    expect(enabled.status).toBe('enabled');
    expect(enabled.keys[0]?.status).toBe('enabled');
    await deps.settings.reset('auto_enable_enabled');
  });

  test('a failing test never re-enables, and a manually disabled channel stays disabled after a pass', async () => {
    const deps = context();
    await deps.settings.set('auto_enable_enabled', 'true');
    const failing = await addChannel(deps, { models: ['mock/server-error'] });
    await createChannelHealthService(deps).autoDisableKey(failing.id, 0, '401 invalid_api_key');
    expect((await testChannel(testDepsOf(deps), failing.id)).reEnabled).toBe(false);
    expect((await deps.channels.get(failing.name)).status).toBe('auto-disabled');

    const manual = await addChannel(deps);
    await deps.channels.setEnabled(manual.name, false);
    const result = await testChannel(testDepsOf(deps), manual.name);
    expect(result).toMatchObject({ ok: true, reEnabled: false });
    expect((await deps.channels.get(manual.name)).status).toBe('disabled');
    await deps.settings.reset('auto_enable_enabled');
  });

  test('every key of a multi-key channel; a key that fails again stays auto-disabled', async () => {
    const deps = context();
    await deps.settings.set('auto_enable_enabled', 'true');
    const goodKey = `sk-good-${crypto.randomUUID()}`;
    const badKey = `sk-invalid-${crypto.randomUUID()}`;
    const channel = await addChannel(deps, { keys: [goodKey, badKey] });
    const health = createChannelHealthService(deps);
    await health.autoDisableKey(channel.id, 1, '401 invalid_api_key');

    // The default is the first enabled key.
    expect((await testChannel(testDepsOf(deps), channel.id)).keyPosition).toBe(0);
    const results = await testChannelKeys(testDepsOf(deps), channel.id);
    expect(results.map((result) => [result.keyPosition, result.ok, result.status])).toEqual([
      [0, true, 200],
      [1, false, 401],
    ]);
    expect(results.every((result) => !result.reEnabled)).toBe(true);
    expect(JSON.stringify(results)).not.toContain(badKey);
    expect((await deps.channels.get(channel.name)).keys.map((key) => key.status)).toEqual(['enabled', 'auto-disabled']);

    // A recovered key comes back when every auto-disabled key passes.
    const recovering = await addChannel(deps, { keys: [`sk-one-${crypto.randomUUID()}`, `sk-two-${crypto.randomUUID()}`] });
    await health.autoDisableKey(recovering.id, 1, '429 insufficient_quota');
    const recovered = await testChannelKeys(testDepsOf(deps), recovering.id);
    expect(recovered.map((result) => result.reEnabled)).toEqual([true, true]);
    expect((await deps.channels.get(recovering.name)).keys.map((key) => key.status)).toEqual(['enabled', 'enabled']);
    await deps.settings.reset('auto_enable_enabled');
  });

  test('an unknown channel or key position is refused with the fix', async () => {
    const deps = context();
    await expect(testChannel(testDepsOf(deps), 'no-such-channel')).rejects.toThrow('gateway channel list');
    const channel = await addChannel(deps);
    await expect(testChannel(testDepsOf(deps), channel.id, { keyPosition: 5 })).rejects.toThrow('has no key #5');
  });

  test('the outbound guard applies: a name resolving to a private address is refused without the exception', async () => {
    const deps = context();
    const channel = await addChannel(deps, { baseUrl: 'https://api.openai.com', allowPrivate: undefined });
    const resolvesToLoopback = createDispatcher({ resolver: async () => ['127.0.0.1'] });
    const result = await testChannel({ ...testDepsOf(deps), dispatcher: resolvesToLoopback }, channel.id);
    expect(result).toMatchObject({ ok: false, status: 0, errorCode: 'blocked_destination' });
  });
});
