/**
 * Failures of raw (passthrough) attempts for Anthropic clients on `anthropic` channels: an upstream error before
 * any output is rendered in Anthropic's shape (or failed over), and a stream the upstream does not finish — a
 * reset, an in-band error event, a body that ends early, a stall — relays the upstream's events byte for byte
 * and then ends with one Anthropic `error` event, never a made-up `message_stop`, with partial usage billed.
 */
import Anthropic, { APIError, BadRequestError, RateLimitError } from '@anthropic-ai/sdk';
import { afterAll, beforeEach, describe, expect, test } from 'bun:test';
import { countTokens } from 'gpt-tokenizer';
import { type RelayHarness, splitSse, startRelayHarness } from '../helpers/relay-harness.ts';
import { expectClientGone, rejection } from '../helpers/relay-streams.ts';

const harness: RelayHarness = await startRelayHarness({
  mock: {
    scripts: {
      thirty: { chunks: 30 },
      // Parts a few ms apart, so the cut comes in a read of its own, after the stream was committed.
      'slow-reset': { chunks: 30, resetAfterChunks: 20, chunkDelayMs: 2 },
      'slow-error-event': { chunks: 30, errorEventAfterChunks: 20, chunkDelayMs: 5 },
      'slow-clean-cut': { chunks: 30, framing: 'close', finAfterChunks: 20, chunkDelayMs: 2 },
      'error-first': { errorEventAfterChunks: 0 },
    },
  },
});
afterAll(() => harness.stop());
beforeEach(() => harness.reset());

const SCRIPTS: Record<string, string> = {
  'claude-reset': 'mock/slow-reset',
  'claude-error-event': 'mock/slow-error-event',
  'claude-clean-cut': 'mock/slow-clean-cut',
  'claude-stall': 'mock/stall-mid-stream',
  'claude-slow': 'mock/slow',
  'claude-error-first': 'mock/error-first',
  'claude-bad-request': 'mock/bad-request',
};
await harness.addChannel({ name: 'claude', type: 'anthropic', models: Object.keys(SCRIPTS), modelMapping: SCRIPTS });
// Retry-After puts this channel aside for a while: it serves nothing else.
await harness.addChannel({ name: 'claude-limited', type: 'anthropic', models: ['claude-rate-limited'], modelMapping: { 'claude-rate-limited': 'mock/rate-limited' } });
await harness.addChannel({ name: 'claude-first', type: 'anthropic', models: ['claude-overloaded-then-ok'], priority: 1, modelMapping: { 'claude-overloaded-then-ok': 'mock/error-first' } });
await harness.addChannel({ name: 'claude-second', type: 'anthropic', models: ['claude-overloaded-then-ok'], priority: 0 });
await harness.reload();

const HI = [{ role: 'user' as const, content: 'Hi' }];
const HEADERS = { 'anthropic-version': '2023-06-01' };
const client = new Anthropic({ apiKey: harness.key, baseURL: harness.url, maxRetries: 0, timeout: 10_000 });

/** The raw stream of a raw attempt, cut into the upstream's part and the gateway's closing error event. */
async function cutStream(model: string): Promise<{ status: number; upstream: string; closing: string; closingError: Record<string, unknown> }> {
  const response = await harness.post('/v1/messages', { model, max_tokens: 256, stream: true, messages: HI }, { headers: HEADERS });
  const text = await response.text();
  const at = text.lastIndexOf('event: error\n');
  expect(at).toBeGreaterThan(0);
  const closing = text.slice(at);
  const events = splitSse(closing).events;
  expect(events).toHaveLength(1);
  return { status: response.status, upstream: text.slice(0, at), closing, closingError: JSON.parse(events[0]?.data ?? '{}') as Record<string, unknown> };
}

/** The stream the mock writes for the same request without the fault (the script `thirty`), as the upstream named the model. */
async function unfaulted(model: string): Promise<string> {
  // Reply ids count the mock's requests: after a reset this one is number 1 again, as the cut one was.
  await harness.reset();
  const response = await fetch(`${harness.mock.url}/v1/messages`, {
    method: 'POST',
    headers: { 'x-api-key': 'sk-direct', 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'mock/thirty', max_tokens: 256, stream: true, messages: HI }),
  });
  return (await response.text()).replaceAll('mock/thirty', model);
}

/** The text the upstream events delivered (text deltas), for the partial count. */
function deltaText(upstream: string): string {
  return splitSse(upstream)
    .events.map((event) => JSON.parse(event.data) as { delta?: { text?: string } })
    .map((data) => data.delta?.text ?? '')
    .join('');
}

describe('upstream errors before any output', () => {
  test("an upstream 400 is the client's, in Anthropic's shape, not retried", async () => {
    const error = await rejection(client.messages.create({ model: 'claude-bad-request', max_tokens: 64, messages: HI }), BadRequestError);
    expect(error.status).toBe(400);
    expect(error.error).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: expect.stringContaining('Invalid request') } });
    expect(harness.mock.requests).toHaveLength(1);
    const [outcome] = await harness.waitForOutcomes(1);
    expect(outcome).toMatchObject({ status: 400, endState: 'failed_before_output', cost: 0 });
    expect(outcome?.attempts[0]?.passthrough).toBe(true);
  });

  test("an upstream 429 is a rate_limit_error (the SDK's RateLimitError)", async () => {
    const error = await rejection(client.messages.create({ model: 'claude-rate-limited', max_tokens: 64, messages: HI }), RateLimitError);
    expect(error.error).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
  });

  test('an error event before the first event: 529 overloaded_error when alone; with another channel, failed over', async () => {
    const response = await harness.post('/v1/messages', { model: 'claude-error-first', max_tokens: 64, stream: true, messages: HI }, { headers: HEADERS });
    expect(response.status).toBe(529);
    expect(await response.json()).toMatchObject({ type: 'error', error: { type: 'overloaded_error' } });
    await harness.reset();

    const final = await client.messages.stream({ model: 'claude-overloaded-then-ok', max_tokens: 64, messages: HI }).finalMessage();
    expect(final.stop_reason).toBe('end_turn');
    const [outcome] = await harness.waitForOutcomes(1);
    expect(outcome?.attempts.map((attempt) => [attempt.status, attempt.errorCode, attempt.passthrough])).toEqual([
      [529, 'overloaded_error', true],
      [200, undefined, true],
    ]);
  });
});

describe('streams the upstream did not finish', () => {
  test("a reset mid-stream: the upstream's events byte for byte, then one error event, no message_stop; partial usage", async () => {
    const cut = await cutStream('claude-reset');
    expect(cut.status).toBe(200);
    expect(cut.closingError).toMatchObject({ type: 'error', error: { type: 'api_error' } });
    expect(splitSse(cut.upstream).events.length).toBeGreaterThan(5);
    expect(cut.upstream).not.toContain('message_stop');
    expect(cut.upstream.endsWith('\n\n')).toBe(true);
    const [outcome] = await harness.waitForOutcomes(1);
    expect(outcome).toMatchObject({ status: 200, endState: 'upstream_error', errorCode: 'connection_failed', partial: true });
    // The prompt is the upstream's own count (message_start); the completion what was delivered.
    expect(outcome?.usage.completionTokens).toBe(countTokens(deltaText(cut.upstream)));
    expect(outcome?.usage.completionTokens).toBeGreaterThan(0);
    const upstreamPrompt = (JSON.parse(splitSse(cut.upstream).events[0]?.data ?? '{}') as { message: { usage: { input_tokens: number } } }).message.usage.input_tokens;
    expect(outcome?.usage.promptTokens).toBe(upstreamPrompt);
    expect((await unfaulted('mock/slow-reset')).startsWith(cut.upstream)).toBe(true);
  });

  test("an in-band error event: the events before it untouched, then Anthropic's error event with the upstream's type", async () => {
    const cut = await cutStream('claude-error-event');
    expect(cut.closingError).toMatchObject({ type: 'error', error: { type: 'overloaded_error', message: expect.stringContaining('Overloaded') } });
    expect(cut.upstream).not.toContain('message_stop');
    const [outcome] = await harness.waitForOutcomes(1);
    expect(outcome).toMatchObject({ endState: 'upstream_error', errorCode: 'overloaded_error', partial: true });
    expect(harness.mock.requests[0]?.reply.ending).toBe('error-event');
    expect((await unfaulted('mock/slow-error-event')).startsWith(cut.upstream)).toBe(true);
  });

  test('a body that ends properly without message_stop is truncated, not completed', async () => {
    const cut = await cutStream('claude-clean-cut');
    expect(cut.closingError).toMatchObject({ type: 'error', error: { type: 'api_error', message: expect.stringContaining('before it was complete') } });
    const [outcome] = await harness.waitForOutcomes(1);
    expect(outcome).toMatchObject({ endState: 'upstream_error', errorCode: 'stream_truncated', partial: true });
    expect((await unfaulted('mock/slow-clean-cut')).startsWith(cut.upstream)).toBe(true);
  });

  test('a stall: keep-alive comments between the events, then the idle timeout ends it with a timeout_error event', async () => {
    const cut = await cutStream('claude-stall');
    const comments = cut.upstream.split('\n').filter((line) => line.startsWith(':'));
    expect(comments.length).toBeGreaterThan(0);
    expect(cut.closingError).toMatchObject({ type: 'error', error: { type: 'timeout_error' } });
    // Without the gateway's comments, what came before is the upstream's first three events exactly.
    const upstream = cut.upstream.replaceAll(': keep-alive\n\n', '');
    expect(splitSse(upstream).events.map((event) => event.event)).toEqual(['message_start', 'content_block_start', 'ping']);
    const [outcome] = await harness.waitForOutcomes(1);
    expect(outcome).toMatchObject({ endState: 'upstream_error', errorCode: 'idle_timeout', partial: true });
  }, 10_000);

  test('the SDK surfaces a cut raw stream as an error, never as a finished message', async () => {
    const stream = client.messages.stream({ model: 'claude-error-event', max_tokens: 256, messages: HI });
    const error = await rejection(stream.finalMessage(), APIError);
    expect(error.message).toContain('overloaded_error');
  });

  test('a client that leaves mid-stream aborts the upstream call; the outcome is client_gone', async () => {
    const controller = new AbortController();
    const response = await harness.post('/v1/messages', { model: 'claude-slow', max_tokens: 256, stream: true, messages: HI }, { signal: controller.signal, headers: HEADERS });
    const reader = response.body?.getReader();
    const first = await reader?.read();
    expect(new TextDecoder().decode(first?.value)).toStartWith('event: message_start');
    await expectClientGone(harness, controller, reader);
  });
});
