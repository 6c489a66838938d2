/**
 * Failures of raw (passthrough) attempts for Gemini clients on `gemini` channels: an upstream error before any
 * output is rendered in Google's shape, and an SSE stream the upstream does not finish — an in-band error, a
 * reset, a body that ends before every candidate has a finishReason — relays the upstream's events byte for
 * byte and then ends with one Google error object, never a made-up finishReason, billed as partial.
 */
import { ApiError, GoogleGenAI } from '@google/genai';
import { afterAll, beforeEach, describe, expect, test } from 'bun:test';
import { type RelayHarness, splitSse, startRelayHarness } from '../helpers/relay-harness.ts';
import { expectClientGone, rejection } from '../helpers/relay-streams.ts';

const harness: RelayHarness = await startRelayHarness({
  mock: {
    scripts: {
      thirty: { chunks: 30 },
      'slow-error-event': { chunks: 30, errorEventAfterChunks: 20, chunkDelayMs: 5 },
      'slow-reset': { chunks: 30, resetAfterChunks: 20, chunkDelayMs: 2 },
      'slow-clean-cut': { chunks: 30, framing: 'close', finAfterChunks: 20, chunkDelayMs: 2 },
      'long-slow': { chunks: 40, chunkDelayMs: 50 },
    },
  },
});
afterAll(() => harness.stop());
beforeEach(() => harness.reset());

const SCRIPTS: Record<string, string> = {
  'gemini-error-event': 'mock/slow-error-event',
  'gemini-reset': 'mock/slow-reset',
  'gemini-clean-cut': 'mock/slow-clean-cut',
  'gemini-bad-request': 'mock/bad-request',
  'gemini-slow': 'mock/long-slow',
};
await harness.addChannel({ name: 'gemini', type: 'gemini', models: Object.keys(SCRIPTS), modelMapping: SCRIPTS });
await harness.addChannel({ name: 'gemini-limited', type: 'gemini', models: ['gemini-rate-limited'], modelMapping: { 'gemini-rate-limited': 'mock/rate-limited' } });
await harness.reload();

const HI = { contents: [{ role: 'user', parts: [{ text: 'Hi' }] }] };
const client = new GoogleGenAI({ apiKey: harness.key, httpOptions: { baseUrl: harness.url, timeout: 10_000 } });

function raw(path: string, body: unknown, signal?: AbortSignal): Promise<Response> {
  return fetch(`${harness.url}${path}`, { method: 'POST', headers: { 'x-goog-api-key': harness.key, 'content-type': 'application/json' }, body: JSON.stringify(body), signal });
}

/** An SSE stream of a raw attempt, cut into the upstream's part and the gateway's closing error object. */
async function cutStream(model: string): Promise<{ status: number; upstream: string; closingError: Record<string, unknown> }> {
  const response = await raw(`/v1beta/models/${model}:streamGenerateContent?alt=sse`, HI);
  const text = await response.text();
  const at = text.lastIndexOf('data: {"error"');
  expect(at).toBeGreaterThan(0);
  const closing = splitSse(text.slice(at)).data;
  expect(closing).toHaveLength(1);
  return { status: response.status, upstream: text.slice(0, at), closingError: JSON.parse(closing[0] ?? '{}') as Record<string, unknown> };
}

/** The stream the mock writes for the same request without the fault (script `thirty`), named as the upstream named it. */
async function unfaulted(model: string): Promise<string> {
  await harness.reset();
  const response = await fetch(`${harness.mock.url}/v1beta/models/mock%2Fthirty:streamGenerateContent?alt=sse`, {
    method: 'POST',
    headers: { 'x-goog-api-key': 'AIza-direct', 'content-type': 'application/json' },
    body: JSON.stringify(HI),
  });
  return (await response.text()).replaceAll('mock/thirty', model);
}

describe('upstream errors before any output', () => {
  test("an upstream 400 is the client's, in Google's shape, not retried", async () => {
    const response = await raw('/v1beta/models/gemini-bad-request:generateContent', HI);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: 400, status: 'INVALID_ARGUMENT', message: expect.stringContaining('invalid argument') } });
    expect(harness.mock.requests).toHaveLength(1);
    const [outcome] = await harness.waitForOutcomes(1);
    expect(outcome).toMatchObject({ status: 400, endState: 'failed_before_output', cost: 0 });
    expect(outcome?.attempts[0]?.passthrough).toBe(true);
  });

  test("an upstream 429 is RESOURCE_EXHAUSTED (the SDK's ApiError)", async () => {
    const error = await rejection(client.models.generateContent({ model: 'gemini-rate-limited', contents: 'Hi' }), ApiError);
    expect(error.status).toBe(429);
    expect(JSON.parse(error.message)).toMatchObject({ error: { code: 429, status: 'RESOURCE_EXHAUSTED' } });
  });
});

describe('streams the upstream did not finish', () => {
  test("an in-band error: the events before it byte for byte, then one error object with the upstream's status", async () => {
    const cut = await cutStream('gemini-error-event');
    expect(cut.status).toBe(200);
    expect(cut.closingError).toMatchObject({ error: { code: 503, status: 'UNAVAILABLE', message: expect.stringContaining('overloaded') } });
    expect(cut.upstream).not.toContain('finishReason');
    expect(splitSse(cut.upstream).data.length).toBeGreaterThan(5);
    const [outcome] = await harness.waitForOutcomes(1);
    expect(outcome).toMatchObject({ endState: 'upstream_error', errorCode: 'UNAVAILABLE', partial: true });
    expect(outcome?.usage.completionTokens).toBeGreaterThan(0);
    expect((await unfaulted('mock/slow-error-event')).startsWith(cut.upstream)).toBe(true);
  });

  test('a reset mid-stream: the events before it untouched, then 502 UNAVAILABLE', async () => {
    const cut = await cutStream('gemini-reset');
    expect(cut.closingError).toMatchObject({ error: { code: 502, status: 'UNAVAILABLE' } });
    const [outcome] = await harness.waitForOutcomes(1);
    expect(outcome).toMatchObject({ endState: 'upstream_error', errorCode: 'connection_failed', partial: true });
    expect((await unfaulted('mock/slow-reset')).startsWith(cut.upstream)).toBe(true);
  });

  test('a body that ends properly before any finishReason is truncated, not completed (Gemini has no end marker)', async () => {
    const cut = await cutStream('gemini-clean-cut');
    expect(cut.closingError).toMatchObject({ error: { code: 502, status: 'UNAVAILABLE', details: [{ reason: 'STREAM_TRUNCATED' }] } });
    const [outcome] = await harness.waitForOutcomes(1);
    expect(outcome).toMatchObject({ endState: 'upstream_error', errorCode: 'stream_truncated', partial: true });
    expect((await unfaulted('mock/slow-clean-cut')).startsWith(cut.upstream)).toBe(true);
  });

  test('the SDK surfaces a cut raw stream as an error after some text, never as a finished answer', async () => {
    let text = '';
    const error = await rejection(
      (async () => {
        for await (const chunk of await client.models.generateContentStream({ model: 'gemini-error-event', contents: 'Hi' })) text += chunk.text ?? '';
      })(),
      ApiError,
    );
    expect(error.message).toContain('UNAVAILABLE');
    expect(text.length).toBeGreaterThan(0);
  });

  test('a client that leaves mid-stream aborts the upstream call; the outcome is client_gone', async () => {
    const controller = new AbortController();
    const response = await raw('/v1beta/models/gemini-slow:streamGenerateContent?alt=sse', HI, controller.signal);
    const reader = response.body?.getReader();
    const first = await reader?.read();
    expect(new TextDecoder().decode(first?.value)).toStartWith('data: {"candidates"');
    await expectClientGone(harness, controller, reader);
  });
});
