/**
 * Routing and failover over HTTP (reliability.md 2.5, B6, B7, S10, R1, R2, R5): priorities and weights,
 * failover on 5xx, 429, connection errors and first-byte timeouts, no retry for a 400 or after the first byte,
 * the retry bound, Retry-After, pinned channels, and auto-disable.
 *
 * Each test routes its own model names, and each channel turns them into the mock script it should act out
 * through its model mapping (`fo-x` → `mock/server-error`), so one gateway serves every scenario.
 */
import { afterAll, beforeEach, describe, expect, test } from 'bun:test';
import { createServer } from 'node:net';
import OpenAI from 'openai';
import { type RelayHarness, splitSse, startRelayHarness } from '../helpers/relay-harness.ts';

/** Deterministic draws for weighted selection: 8 evenly spaced values, cycling. */
let draws = 0;
const random = (): number => ((draws++ % 8) + 0.5) / 8;

// Total deadline 3 s here (first byte 1 s, idle 2 s), so the deadline tests stay short.
const harness: RelayHarness = await startRelayHarness({
  random,
  env: { RELAY_TIMEOUT: '3' },
  mock: {
    scripts: {
      'plain-429': { status: 429 },
      'fail-after-first-chunk': { chunks: 10, resetAfterChunks: 1 },
      'body-fin': { framing: 'content-length', finAfterChunks: 0, cutGraceMs: 0 },
      'body-reset': { resetAfterChunks: 0, cutGraceMs: 0 },
      'empty-stream': { framing: 'close', finAfterChunks: 0, cutGraceMs: 0 },
      // About 220 bytes per event, 20 bytes every 50 ms: the first event in ~0.5 s, the whole stream in ~6 s.
      'drip-slow': { dripBytes: 20, chunkDelayMs: 50 },
    },
  },
});
afterAll(() => harness.stop());
beforeEach(async () => {
  await harness.reset();
  draws = 0;
  await harness.setSetting('retry_times', '2');
  await harness.setSetting('auto_disable_enabled', 'false');
});

const chat = (model: string, key?: string) => harness.post('/v1/chat/completions', { model, messages: [{ role: 'user', content: 'hi' }] }, { key });

/** Mock requests per upstream model name, for "who was called" assertions. */
function callsByModel(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const request of harness.mock.requests) counts[request.model ?? ''] = (counts[request.model ?? ''] ?? 0) + 1;
  return counts;
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe('priorities and weights', () => {
  test('the highest priority serves while healthy; a failure steps down one level', async () => {
    const high = await harness.addChannel({ name: 'p-high', models: ['fo-prio'], priority: 10, modelMapping: { 'fo-prio': 'gpt-4o' } });
    await harness.addChannel({ name: 'p-low', models: ['fo-prio'], priority: 0, modelMapping: { 'fo-prio': 'gpt-4o-mini' } });
    for (let index = 0; index < 10; index++) expect((await chat('fo-prio')).status).toBe(200);
    expect(callsByModel()).toEqual({ 'gpt-4o': 10 });
    expect((await harness.waitForOutcomes(10)).every((outcome) => outcome.channelId === high.id)).toBe(true);

    await harness.reset();
    const broken = await harness.addChannel({ name: 'p-broken', models: ['fo-step'], priority: 10, modelMapping: { 'fo-step': 'mock/server-error' } });
    const middle = await harness.addChannel({ name: 'p-middle', models: ['fo-step'], priority: 5, modelMapping: { 'fo-step': 'gpt-4o' } });
    await harness.addChannel({ name: 'p-bottom', models: ['fo-step'], priority: 0, modelMapping: { 'fo-step': 'gpt-4o-mini' } });
    const response = await chat('fo-step');
    expect(response.status).toBe(200);
    expect(((await response.json()) as { model: string }).model).toBe('gpt-4o');
    const [outcome] = await harness.waitForOutcomes(1);
    expect(outcome?.attempts.map((attempt) => [attempt.channelId, attempt.status])).toEqual([
      [broken.id, 500],
      [middle.id, 200],
    ]);
  });

  test('weights share a priority level in proportion; weight 0 is never chosen beside a weighted channel', async () => {
    await harness.addChannel({ name: 'w-three', models: ['fo-weight'], weight: 3, modelMapping: { 'fo-weight': 'gpt-4o' } });
    await harness.addChannel({ name: 'w-one', models: ['fo-weight'], weight: 1, modelMapping: { 'fo-weight': 'gpt-4o-mini' } });
    await harness.addChannel({ name: 'w-zero', models: ['fo-weight'], weight: 0, modelMapping: { 'fo-weight': 'o3-mini' } });
    draws = 0;
    for (let index = 0; index < 16; index++) expect((await chat('fo-weight')).status).toBe(200);
    // 8 evenly spaced draws per cycle over weights 3:1 give exactly 6:2.
    expect(callsByModel()).toEqual({ 'gpt-4o': 12, 'gpt-4o-mini': 4 });
  });
});

describe('failover before the first byte', () => {
  test('B7: 500 on A, B answers: one outcome per request, two attempts, the body only from B', async () => {
    const a = await harness.addChannel({ name: 'b7-a', models: ['fo-b7'], priority: 1, modelMapping: { 'fo-b7': 'mock/server-error' } });
    const b = await harness.addChannel({ name: 'b7-b', models: ['fo-b7'], priority: 0, modelMapping: { 'fo-b7': 'gpt-4o' } });
    const client = harness.client();
    const requests = 20;
    const answers = await Promise.all(Array.from({ length: requests }, () => client.chat.completions.create({ model: 'fo-b7', messages: [{ role: 'user', content: 'hi' }] })));
    expect(answers.every((answer) => answer.model === 'gpt-4o' && answer.choices[0]?.message.content === 'Hello from the mock upstream with a quick')).toBe(true);
    const outcomes = await harness.waitForOutcomes(requests);
    await Bun.sleep(50);
    expect(harness.outcomes).toHaveLength(requests);
    expect(new Set(outcomes.map((outcome) => outcome.requestId)).size).toBe(requests);
    for (const outcome of outcomes) {
      expect(outcome).toMatchObject({ channelId: b.id, status: 200, endState: 'completed' });
      expect(outcome.attempts.map((attempt) => attempt.channelId)).toEqual([a.id, b.id]);
    }
    expect(callsByModel()).toEqual({ 'mock/server-error': requests, 'gpt-4o': requests });
  });

  test('429 (without Retry-After) and connection refused fail over too', async () => {
    const port = await closedPort();
    await harness.addChannel({ name: 'r-429', models: ['fo-429'], priority: 1, modelMapping: { 'fo-429': 'mock/plain-429' } });
    await harness.addChannel({ name: 'r-429-ok', models: ['fo-429'], priority: 0, modelMapping: { 'fo-429': 'gpt-4o' } });
    const dead = await harness.addChannel({ name: 'r-dead', models: ['fo-dead'], priority: 1, baseUrl: `http://127.0.0.1:${port}`, allowPrivate: `127.0.0.1:${port}` });
    await harness.addChannel({ name: 'r-dead-ok', models: ['fo-dead'], priority: 0, modelMapping: { 'fo-dead': 'gpt-4o' } });
    expect((await chat('fo-429')).status).toBe(200);
    expect((await chat('fo-dead')).status).toBe(200);
    const [rateLimited, refused] = await harness.waitForOutcomes(2);
    expect(rateLimited?.attempts.map((attempt) => attempt.status)).toEqual([429, 200]);
    expect(refused?.attempts.map((attempt) => [attempt.channelId, attempt.status, attempt.errorCode])).toEqual([
      [dead.id, 0, 'connection_failed'],
      [expect.any(Number), 200, undefined],
    ]);
  });

  test('a 400 is the client\'s fault: not retried, answered with the upstream status in OpenAI\'s shape', async () => {
    await harness.addChannel({ name: 'bad-a', models: ['fo-400'], priority: 1, modelMapping: { 'fo-400': 'mock/bad-request' } });
    await harness.addChannel({ name: 'bad-b', models: ['fo-400'], priority: 0, modelMapping: { 'fo-400': 'gpt-4o' } });
    const response = await chat('fo-400');
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { message: string; type: string; code: string } };
    expect(body.error).toMatchObject({ type: 'invalid_request_error', message: expect.stringContaining('Invalid request') });
    expect(harness.mock.requests).toHaveLength(1);
    const [outcome] = await harness.waitForOutcomes(1);
    expect(outcome).toMatchObject({ status: 400, endState: 'failed_before_output', usage: { promptTokens: 0, completionTokens: 0 } });
  });

  test('a channel\'s status-code mapping decides: 400 mapped to 503 fails over, and the client sees the mapped status', async () => {
    const mapped = await harness.addChannel({ name: 'map-400', models: ['fo-map'], priority: 1, modelMapping: { 'fo-map': 'mock/bad-request' }, statusCodeMapping: { '400': '503' } });
    const spare = await harness.addChannel({ name: 'map-spare', models: ['fo-map'], priority: 0, modelMapping: { 'fo-map': 'gpt-4o' } });
    expect((await chat('fo-map')).status).toBe(200);
    const [outcome] = await harness.waitForOutcomes(1);
    expect(outcome?.attempts.map((attempt) => [attempt.channelId, attempt.status])).toEqual([
      [mapped.id, 503],
      [spare.id, 200],
    ]);
    await harness.setSetting('retry_times', '0');
    const alone = await chat('fo-map');
    expect(alone.status).toBe(503);
  });

  test('retry_times bounds the attempts, and no channel is tried twice', async () => {
    const ids = new Set<number>();
    for (let index = 0; index < 5; index++) {
      ids.add((await harness.addChannel({ name: `all-bad-${index}`, models: ['fo-bound'], priority: index % 2, modelMapping: { 'fo-bound': 'mock/server-error' } })).id);
    }
    for (const [retries, expected] of [[2, 3], [0, 1], [10, 5]] as const) {
      await harness.reset();
      await harness.setSetting('retry_times', String(retries));
      const response = await chat('fo-bound');
      expect(response.status).toBe(500);
      expect(((await response.json()) as { error: { type: string } }).error.type).toBe('upstream_error');
      const [outcome] = await harness.waitForOutcomes(1);
      const tried = outcome?.attempts.map((attempt) => attempt.channelId) ?? [];
      expect(tried).toHaveLength(expected);
      expect(new Set(tried).size).toBe(expected);
      expect(tried.every((id) => ids.has(id))).toBe(true);
      expect(harness.mock.requests).toHaveLength(expected);
    }
  });

  test('Retry-After marks a channel unavailable: the next request goes straight to the other one', async () => {
    const limited = await harness.addChannel({ name: 'ra-limited', models: ['fo-ra'], priority: 1, modelMapping: { 'fo-ra': 'mock/rate-limited' } });
    const spare = await harness.addChannel({ name: 'ra-spare', models: ['fo-ra'], priority: 0, modelMapping: { 'fo-ra': 'gpt-4o' } });
    expect((await chat('fo-ra')).status).toBe(200);
    expect((await chat('fo-ra')).status).toBe(200);
    const [first, second] = await harness.waitForOutcomes(2);
    expect(first?.attempts.map((attempt) => attempt.channelId)).toEqual([limited.id, spare.id]);
    expect(second?.attempts.map((attempt) => attempt.channelId)).toEqual([spare.id]);
    expect(callsByModel()).toEqual({ 'mock/rate-limited': 1, 'gpt-4o': 2 });
  });

  test('R1: a channel is never called before its Retry-After passes, even as the only one: 503 with the time left', async () => {
    await harness.addChannel({ name: 'ra-only', models: ['fo-ra-only'], modelMapping: { 'fo-ra-only': 'mock/rate-limited' } });
    const first = await chat('fo-ra-only');
    expect(first.status).toBe(429);
    // The upstream's Retry-After is passed on with its 429.
    expect(Number(first.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const second = await chat('fo-ra-only');
    expect(second.status).toBe(503);
    expect(Number(second.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(second.headers.get('retry-after'))).toBeLessThanOrEqual(5);
    expect(((await second.json()) as { error: { code: string } }).error.code).toBe('channels_cooling_down');
    expect(callsByModel()['mock/rate-limited']).toBe(1);
  });

  test('R5: a first-byte timeout fails over and closes the hung upstream connection', async () => {
    const hung = await harness.addChannel({ name: 'fb-hang', models: ['fo-hang'], priority: 1, modelMapping: { 'fo-hang': 'mock/hang' } });
    const spare = await harness.addChannel({ name: 'fb-spare', models: ['fo-hang'], priority: 0, modelMapping: { 'fo-hang': 'gpt-4o' } });
    const started = performance.now();
    const response = await harness.post('/v1/chat/completions', { model: 'fo-hang', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    expect(response.status).toBe(200);
    const { data } = splitSse(await response.text());
    expect(data.at(-1)).toBe('[DONE]');
    // First-byte timeout of 1 s, then the spare answers at once.
    expect(performance.now() - started).toBeGreaterThanOrEqual(900);
    expect(performance.now() - started).toBeLessThan(3900);
    const [outcome] = await harness.waitForOutcomes(1);
    expect(outcome?.attempts.map((attempt) => [attempt.channelId, attempt.errorCode])).toEqual([
      [hung.id, 'first_byte_timeout'],
      [spare.id, undefined],
    ]);
    expect(outcome).toMatchObject({ channelId: spare.id, endState: 'completed' });
    await harness.mock.waitUntilIdle(1000);
    expect(harness.mock.requests[0]?.reply.ending).toBe('client-gone');
  });

  test('a stream that breaks or ends before its first event fails over, since nothing reached the client yet', async () => {
    const reset = await harness.addChannel({ name: 'ev-reset', models: ['fo-no-event'], priority: 2, modelMapping: { 'fo-no-event': 'mock/body-reset' } });
    const empty = await harness.addChannel({ name: 'ev-empty', models: ['fo-no-event'], priority: 1, modelMapping: { 'fo-no-event': 'mock/empty-stream' } });
    const spare = await harness.addChannel({ name: 'ev-spare', models: ['fo-no-event'], priority: 0, modelMapping: { 'fo-no-event': 'gpt-4o' } });
    const response = await harness.post('/v1/chat/completions', { model: 'fo-no-event', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    expect(response.status).toBe(200);
    const { data } = splitSse(await response.text());
    expect(data.at(-1)).toBe('[DONE]');
    expect(data.slice(0, -1).every((line) => (JSON.parse(line) as { model: string }).model === 'gpt-4o')).toBe(true);
    const [outcome] = await harness.waitForOutcomes(1);
    expect(outcome?.attempts.map((attempt) => [attempt.channelId, attempt.errorCode])).toEqual([
      [reset.id, 'connection_failed'],
      [empty.id, 'stream_truncated'],
      [spare.id, undefined],
    ]);
    expect(outcome).toMatchObject({ channelId: spare.id, endState: 'completed' });
  });

  test('R5: headers and then silence: committed at the first-byte deadline with keep-alives, then the idle timeout ends it', async () => {
    await harness.addChannel({ name: 'hs-stall', models: ['fo-headers'], priority: 1, modelMapping: { 'fo-headers': 'mock/stall-after-headers' } });
    await harness.addChannel({ name: 'hs-spare', models: ['fo-headers'], priority: 0, modelMapping: { 'fo-headers': 'gpt-4o' } });
    const started = performance.now();
    const response = await harness.post('/v1/chat/completions', { model: 'fo-headers', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    // The client has its 200 at the first-byte deadline (1 s), long before the idle timeout (2 s).
    expect(response.status).toBe(200);
    expect(performance.now() - started).toBeLessThan(3500);
    const { data, comments } = splitSse(await response.text());
    expect(comments.length).toBeGreaterThanOrEqual(1);
    expect(data).toHaveLength(1);
    expect(JSON.parse(data[0] ?? '{}')).toMatchObject({ error: { code: 'idle_timeout' } });
    const [outcome] = await harness.waitForOutcomes(1);
    expect(outcome?.attempts.map((attempt) => attempt.errorCode)).toEqual([undefined]);
    expect(outcome).toMatchObject({ endState: 'upstream_error', errorCode: 'idle_timeout', partial: true, usage: { completionTokens: 0 } });
    await harness.mock.waitUntilIdle(1000);
    expect(harness.mock.requests).toHaveLength(1);
  });

  test('a whole answer cut after its headers is a failed attempt: the next channel answers, never a broken 200', async () => {
    const fin = await harness.addChannel({ name: 'cut-fin', models: ['fo-cut'], priority: 2, modelMapping: { 'fo-cut': 'mock/body-fin' } });
    const reset = await harness.addChannel({ name: 'cut-reset', models: ['fo-cut'], priority: 1, modelMapping: { 'fo-cut': 'mock/body-reset' } });
    const spare = await harness.addChannel({ name: 'cut-spare', models: ['fo-cut'], priority: 0, modelMapping: { 'fo-cut': 'gpt-4o' } });
    const response = await chat('fo-cut');
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ model: 'gpt-4o', choices: [{ message: { content: 'Hello from the mock upstream with a quick' } }] });
    const [outcome] = await harness.waitForOutcomes(1);
    expect(outcome?.attempts.map((attempt) => [attempt.channelId, attempt.status, attempt.errorCode])).toEqual([
      [fin.id, 0, 'connection_failed'],
      [reset.id, 0, 'connection_failed'],
      [spare.id, 200, undefined],
    ]);
  });

  test('R5: a drip that outlasts the total deadline ends with total_timeout; the upstream is closed', async () => {
    await harness.addChannel({ name: 'drip', models: ['fo-drip'], priority: 1, modelMapping: { 'fo-drip': 'mock/drip-slow' } });
    await harness.addChannel({ name: 'drip-spare', models: ['fo-drip'], priority: 0, modelMapping: { 'fo-drip': 'gpt-4o' } });
    const started = performance.now();
    const response = await harness.post('/v1/chat/completions', { model: 'fo-drip', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    expect(response.status).toBe(200);
    const { data } = splitSse(await response.text());
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(2900);
    expect(elapsed).toBeLessThan(6000);
    expect(data).not.toContain('[DONE]');
    expect(JSON.parse(data.at(-1) ?? '{}')).toMatchObject({ error: { code: 'total_timeout' } });
    // Committed at the first event: no failover to the spare afterwards.
    expect(data.slice(0, -1).every((line) => (JSON.parse(line) as { model: string }).model === 'mock/drip-slow')).toBe(true);
    await harness.mock.waitUntilIdle(1000);
    const [outcome] = await harness.waitForOutcomes(1);
    expect(outcome).toMatchObject({ endState: 'upstream_error', errorCode: 'total_timeout', partial: true });
    expect(outcome?.attempts).toHaveLength(1);
  });

  test('the total deadline bounds the whole request, retries included: 504, and every hung upstream closed', async () => {
    await harness.setSetting('retry_times', '10');
    for (let index = 0; index < 5; index++) await harness.addChannel({ name: `hang-${index}`, models: ['fo-deadline'], modelMapping: { 'fo-deadline': 'mock/hang' } });
    const started = performance.now();
    const response = await harness.post('/v1/chat/completions', { model: 'fo-deadline', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    const elapsed = performance.now() - started;
    expect(response.status).toBe(504);
    expect(await response.json()).toMatchObject({ error: { type: 'upstream_error', code: expect.stringMatching(/^(first_byte|total)_timeout$/) } });
    // Attempts of 1 s each fill the 3 s deadline (three, or a fourth cut to the few ms left on a loaded
    // machine); without the request-wide deadline all five channels would be tried. No upper time bound is
    // asserted: durations belong to the benchmark, not to tests.
    expect(elapsed).toBeGreaterThanOrEqual(2900);
    const [outcome] = await harness.waitForOutcomes(1);
    expect(outcome?.attempts.length).toBeGreaterThanOrEqual(3);
    expect(outcome?.attempts.length).toBeLessThan(5);
    await harness.mock.waitUntilIdle(1000);
    expect(harness.mock.requests.every((request) => request.reply.ending === 'client-gone')).toBe(true);
  });

  test('S10: no retry after the first byte: one attempt, the first chunk, one error event, nothing from another channel', async () => {
    await harness.setSetting('retry_times', '3');
    await harness.addChannel({ name: 's10-a', models: ['fo-s10'], priority: 2, modelMapping: { 'fo-s10': 'mock/fail-after-first-chunk' } });
    await harness.addChannel({ name: 's10-b', models: ['fo-s10'], priority: 1, modelMapping: { 'fo-s10': 'gpt-4o' } });
    await harness.addChannel({ name: 's10-c', models: ['fo-s10'], priority: 0, modelMapping: { 'fo-s10': 'gpt-4o-mini' } });
    const response = await harness.post('/v1/chat/completions', { model: 'fo-s10', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    expect(response.status).toBe(200);
    const { data } = splitSse(await response.text());
    expect(data).toHaveLength(2);
    expect(JSON.parse(data[0] ?? '{}')).toMatchObject({ model: 'mock/fail-after-first-chunk', choices: [{ delta: { role: 'assistant' } }] });
    expect(JSON.parse(data[1] ?? '{}')).toMatchObject({ error: { type: 'upstream_error' } });
    expect(data).not.toContain('[DONE]');
    expect(harness.mock.requests).toHaveLength(1);
    const [outcome] = await harness.waitForOutcomes(1);
    expect(outcome).toMatchObject({ endState: 'upstream_error', partial: true });
    expect(outcome?.attempts).toHaveLength(1);
  });

  test('B6: one channel failing with retries off: the error reaches the client and nothing is billed', async () => {
    await harness.setSetting('retry_times', '0');
    await harness.addChannel({ name: 'b6-500', models: ['fo-b6'], modelMapping: { 'fo-b6': 'mock/server-error' } });
    const response = await chat('fo-b6');
    expect(response.status).toBe(500);
    const [outcome] = await harness.waitForOutcomes(1);
    expect(outcome).toMatchObject({ status: 500, endState: 'failed_before_output', partial: false, usage: { promptTokens: 0, completionTokens: 0, totalTokens: 0 } });
  });
});

describe('pinned channels', () => {
  test('root pins a channel with sk-KEY-<id>, even a lower-priority one; no failover away from it', async () => {
    await harness.addChannel({ name: 'pin-high', models: ['fo-pin'], priority: 10, modelMapping: { 'fo-pin': 'gpt-4o' } });
    const low = await harness.addChannel({ name: 'pin-low', models: ['fo-pin'], priority: 0, modelMapping: { 'fo-pin': 'gpt-4o-mini' } });
    const pinned = `${harness.key}-${low.id}`;
    for (let index = 0; index < 3; index++) expect((await chat('fo-pin', pinned)).status).toBe(200);
    expect(callsByModel()).toEqual({ 'gpt-4o-mini': 3 });
    const outcomes = await harness.waitForOutcomes(3);
    expect(outcomes.every((outcome) => outcome.channelId === low.id)).toBe(true);
  });

  test('an ordinary user may not pin: 403 in OpenAI\'s shape, and the upstream is never called', async () => {
    const channel = await harness.addChannel({ name: 'pin-user', models: ['fo-pin-user'] });
    await harness.deps.users.create({ username: 'pinner', password: 'pinner-password-1', role: 'user' });
    const userKey = await harness.createKey({ user: 'pinner' });
    const response = await chat('fo-pin-user', `${userKey}-${channel.id}`);
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ error: { type: 'permission_error', code: 'forbidden', message: expect.stringContaining('pin') } });
    expect(harness.mock.requests).toHaveLength(0);
  });
});

describe('auto-disable', () => {
  test('off by default: a dead key is failed over but its channel stays enabled', async () => {
    const dead = await harness.addChannel({ name: 'ad-off-dead', models: ['fo-ad-off'], priority: 1, keys: [`sk-invalid-${crypto.randomUUID()}`] });
    await harness.addChannel({ name: 'ad-off-ok', models: ['fo-ad-off'], priority: 0 });
    for (let index = 0; index < 3; index++) expect((await chat('fo-ad-off')).status).toBe(200);
    await harness.server.relay.health.settled();
    expect((await harness.deps.channels.get(String(dead.id))).status).toBe('enabled');
    const outcomes = await harness.waitForOutcomes(3);
    expect(outcomes.every((outcome) => outcome.attempts[0]?.status === 401 && outcome.attempts[0]?.errorCode === 'invalid_api_key')).toBe(true);
  });

  test('on: 401 invalid_api_key disables the channel, and it is never picked again (R2)', async () => {
    await harness.setSetting('auto_disable_enabled', 'true');
    const dead = await harness.addChannel({ name: 'ad-on-dead', models: ['fo-ad-on'], priority: 1, keys: [`sk-invalid-${crypto.randomUUID()}`] });
    await harness.addChannel({ name: 'ad-on-ok', models: ['fo-ad-on'], priority: 0 });
    expect((await chat('fo-ad-on')).status).toBe(200);
    await harness.server.relay.health.settled();
    const view = await harness.deps.channels.get(String(dead.id));
    expect(view.status).toBe('auto-disabled');
    expect(view.disabledReason).toContain('401');
    await harness.reset();
    const answers = await Promise.all(Array.from({ length: 20 }, () => chat('fo-ad-on')));
    expect(answers.every((answer) => answer.status === 200)).toBe(true);
    expect(harness.mock.requests.every((request) => !(request.apiKey ?? '').includes('invalid'))).toBe(true);
    expect(harness.outcomes.every((outcome) => outcome.attempts.length === 1 && outcome.attempts[0]?.channelId !== dead.id)).toBe(true);
  });

  test('on: in a multi-key channel only the failing key is disabled; the channel keeps serving', async () => {
    await harness.setSetting('auto_disable_enabled', 'true');
    const channel = await harness.addChannel({
      name: 'ad-multi',
      models: ['fo-ad-multi'],
      keyMode: 'round-robin',
      keys: [`sk-invalid-${crypto.randomUUID()}`, `sk-CANARY-CH-${crypto.randomUUID()}`],
    });
    // Round-robin hands out key 0 (the dead one) first; with a single channel the request has nowhere else to go.
    const first = await chat('fo-ad-multi');
    // The client's own key is fine, so the channel's rejected key is reported as an unavailable upstream.
    expect(first.status).toBe(503);
    await harness.server.relay.health.settled();
    const view = await harness.deps.channels.get(String(channel.id));
    expect(view.status).toBe('enabled');
    expect(view.keys.map((key) => key.status)).toEqual(['auto-disabled', 'enabled']);
    for (let index = 0; index < 4; index++) expect((await chat('fo-ad-multi')).status).toBe(200);
    expect(harness.mock.requests.slice(1).every((request) => request.apiKey === harness.channelKeys.at(-1))).toBe(true);
  });

  test('on: a 429 rate limit never disables; a 429 insufficient_quota (account out of money) does', async () => {
    await harness.setSetting('auto_disable_enabled', 'true');
    const limited = await harness.addChannel({ name: 'ad-429', models: ['fo-ad-429'], priority: 1, modelMapping: { 'fo-ad-429': 'mock/plain-429' } });
    const broke = await harness.addChannel({ name: 'ad-quota', models: ['fo-ad-quota'], priority: 1, modelMapping: { 'fo-ad-quota': 'mock/quota-exhausted' } });
    await harness.addChannel({ name: 'ad-429-spare', models: ['fo-ad-429', 'fo-ad-quota'], priority: 0, modelMapping: { 'fo-ad-429': 'gpt-4o', 'fo-ad-quota': 'gpt-4o' } });
    for (let index = 0; index < 5; index++) expect((await chat('fo-ad-429')).status).toBe(200);
    expect((await chat('fo-ad-quota')).status).toBe(200);
    await harness.server.relay.health.settled();
    expect((await harness.deps.channels.get(String(limited.id))).status).toBe('enabled');
    expect((await harness.deps.channels.get(String(broke.id))).status).toBe('auto-disabled');
  });

  test('R2: a channel an operator disables is not picked once the change is loaded, retries included', async () => {
    const doomed = await harness.addChannel({ name: 'r2-doomed', models: ['fo-r2'], priority: 1, modelMapping: { 'fo-r2': 'gpt-4o' } });
    await harness.addChannel({ name: 'r2-failing', models: ['fo-r2'], priority: 2, modelMapping: { 'fo-r2': 'mock/server-error' } });
    await harness.addChannel({ name: 'r2-spare', models: ['fo-r2'], priority: 0, modelMapping: { 'fo-r2': 'gpt-4o-mini' } });
    expect((await chat('fo-r2')).status).toBe(200);
    expect(callsByModel()['gpt-4o']).toBe(1);
    await harness.deps.channels.setEnabled(String(doomed.id), false);
    await harness.reload();
    await harness.reset();
    const answers = await Promise.all(Array.from({ length: 30 }, () => chat('fo-r2')));
    expect(answers.every((answer) => answer.status === 200)).toBe(true);
    expect(callsByModel()['gpt-4o']).toBeUndefined();
    expect(harness.outcomes.flatMap((outcome) => outcome.attempts).some((attempt) => attempt.channelId === doomed.id)).toBe(false);
  });
});

describe('the SDK sees a failover as one ordinary answer', () => {
  test('streaming through a failover with the official client', async () => {
    await harness.addChannel({ name: 'sdk-a', models: ['fo-sdk'], priority: 1, modelMapping: { 'fo-sdk': 'mock/overloaded' } });
    await harness.addChannel({ name: 'sdk-b', models: ['fo-sdk'], priority: 0, modelMapping: { 'fo-sdk': 'gpt-4o' } });
    const client: OpenAI = harness.client();
    let text = '';
    for await (const chunk of await client.chat.completions.create({ model: 'fo-sdk', stream: true, messages: [{ role: 'user', content: 'hi' }] })) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('Hello from the mock upstream with a quick');
  });
});
