/**
 * Failures of raw (passthrough) attempts for Responses clients on channels that speak the Responses API: an
 * upstream error before any output is the client's in OpenAI's error shape (or failed over), and a stream the
 * upstream does not finish — a reset, an in-band `error` event, a body that ends early — relays the upstream's
 * events byte for byte and then ends with one Responses `error` event (ResponseErrorEvent) whose
 * `sequence_number` follows the last one relayed, never a made-up `response.completed`; partial usage is billed.
 */
import { afterAll, beforeEach, describe, expect, test } from 'bun:test';
import { countTokens } from 'gpt-tokenizer';
import OpenAI from 'openai';
import { validateOpenAi } from '../helpers/openai-schema.ts';
import { type RelayHarness, splitSse, startRelayHarness } from '../helpers/relay-harness.ts';
import { rejection } from '../helpers/relay-streams.ts';

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
  'codex-reset': 'mock/slow-reset',
  'codex-error-event': 'mock/slow-error-event',
  'codex-clean-cut': 'mock/slow-clean-cut',
  'codex-bad-request': 'mock/bad-request',
  'codex-error-first': 'mock/error-first',
};
await harness.addChannel({ name: 'openai', models: Object.keys(SCRIPTS), modelMapping: SCRIPTS });
await harness.addChannel({ name: 'first', models: ['codex-then-ok'], priority: 1, modelMapping: { 'codex-then-ok': 'mock/error-first' } });
await harness.addChannel({ name: 'second', models: ['codex-then-ok'], priority: 0 });
await harness.reload();

const client = harness.client();

/** The raw stream of a raw attempt, cut into the upstream's events and the gateway's closing error event. */
async function cutStream(model: string): Promise<{ status: number; upstream: string; closing: Record<string, unknown> }> {
  const response = await harness.post('/v1/responses', { model, input: 'Tell me a story.', stream: true });
  const text = await response.text();
  const at = text.lastIndexOf('event: error\n');
  expect(at).toBeGreaterThan(0);
  const events = splitSse(text.slice(at)).events;
  expect(events).toHaveLength(1);
  return { status: response.status, upstream: text.slice(0, at), closing: JSON.parse(events[0]?.data ?? '{}') as Record<string, unknown> };
}

/** The stream the mock writes for the same request without the fault (the script `thirty`), as the upstream named the model. */
async function unfaulted(model: string): Promise<string> {
  // Reply ids count the mock's requests: after a reset this one is number 1 again, as the cut one was.
  await harness.reset();
  const response = await fetch(`${harness.mock.url}/v1/responses`, {
    method: 'POST',
    headers: { authorization: 'Bearer sk-direct', 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'mock/thirty', input: 'Tell me a story.', stream: true }),
  });
  return (await response.text()).replaceAll('mock/thirty', model);
}

/** The upstream events relayed: each held to the schema; their last sequence_number. */
function relayed(upstream: string): { lastSequence: number; deltas: string } {
  const payloads = splitSse(upstream).events.map((event) => JSON.parse(event.data) as Record<string, unknown>);
  for (const payload of payloads) expect(validateOpenAi('ResponseStreamEvent', payload)).toEqual([]);
  const deltas = payloads.filter((payload) => payload.type === 'response.output_text.delta').map((payload) => payload.delta as string);
  return { lastSequence: payloads.at(-1)?.sequence_number as number, deltas: deltas.join('') };
}

function expectClosingError(closing: Record<string, unknown>, lastSequence: number, code: string): void {
  expect(validateOpenAi('ResponseErrorEvent', closing)).toEqual([]);
  expect(closing).toMatchObject({ type: 'error', code, param: null, sequence_number: lastSequence + 1 });
}

describe('upstream errors before any output', () => {
  test("an upstream 400 is the client's, in OpenAI's error shape, not retried", async () => {
    const error = await rejection(client.responses.create({ model: 'codex-bad-request', input: 'Hi' }), OpenAI.BadRequestError);
    expect(error.status).toBe(400);
    expect(error.error).toMatchObject({ type: 'invalid_request_error', message: expect.any(String) });
    expect(harness.mock.requests).toHaveLength(1);
    const [outcome] = await harness.waitForOutcomes(1);
    expect(outcome).toMatchObject({ endpoint: 'responses', status: 400, endState: 'failed_before_output', cost: 0 });
    expect(outcome?.attempts[0]?.passthrough).toBe(true);
  });

  test('an in-band error before the first event: a failed attempt (500 when alone); with another channel, failed over', async () => {
    const response = await harness.post('/v1/responses', { model: 'codex-error-first', input: 'Hi', stream: true });
    expect(response.status).toBe(500);
    expect(await response.json()).toMatchObject({ error: { code: 'server_error', type: 'upstream_error' } });
    await harness.reset();

    const final = await client.responses.stream({ model: 'codex-then-ok', input: 'Hi' }).finalResponse();
    expect(final.status).toBe('completed');
    const [outcome] = await harness.waitForOutcomes(1);
    expect(outcome?.attempts.map((attempt) => [attempt.status, attempt.errorCode, attempt.passthrough])).toEqual([
      [500, 'server_error', true],
      [200, undefined, true],
    ]);
  });
});

describe('streams the upstream did not finish', () => {
  test("a reset mid-stream: the upstream's events byte for byte, then one error event numbered after them; partial usage", async () => {
    const cut = await cutStream('codex-reset');
    expect(cut.status).toBe(200);
    const { lastSequence, deltas } = relayed(cut.upstream);
    expect(lastSequence).toBeGreaterThan(5);
    expectClosingError(cut.closing, lastSequence, 'connection_failed');
    expect(cut.upstream).not.toContain('response.completed');
    expect(cut.upstream.endsWith('\n\n')).toBe(true);
    const [outcome] = await harness.waitForOutcomes(1);
    expect(outcome).toMatchObject({ endpoint: 'responses', status: 200, endState: 'upstream_error', errorCode: 'connection_failed', partial: true });
    expect(outcome?.usage.completionTokens).toBe(countTokens(deltas));
    expect(outcome?.usage.completionTokens).toBeGreaterThan(0);
    expect((await unfaulted('mock/slow-reset')).startsWith(cut.upstream)).toBe(true);
  });

  test("an in-band error event: the events before it untouched, then the gateway's error event in its place, with its number", async () => {
    const cut = await cutStream('codex-error-event');
    const { lastSequence } = relayed(cut.upstream);
    // The mock's error event was number 20, after events 0 … 19.
    expect(lastSequence).toBe(19);
    expectClosingError(cut.closing, lastSequence, 'server_error');
    expect(cut.closing.message).toContain('server_error');
    expect(cut.upstream).not.toContain('response.failed');
    const [outcome] = await harness.waitForOutcomes(1);
    expect(outcome).toMatchObject({ endState: 'upstream_error', errorCode: 'server_error', partial: true });
    expect(harness.mock.requests[0]?.reply.ending).toBe('error-event');
    expect((await unfaulted('mock/slow-error-event')).startsWith(cut.upstream)).toBe(true);
  });

  test('a body that ends properly without response.completed is truncated, not completed', async () => {
    const cut = await cutStream('codex-clean-cut');
    expectClosingError(cut.closing, relayed(cut.upstream).lastSequence, 'stream_truncated');
    const [outcome] = await harness.waitForOutcomes(1);
    expect(outcome).toMatchObject({ endState: 'upstream_error', errorCode: 'stream_truncated', partial: true });
  });

  test('the SDK surfaces a cut raw stream as an error, never as a finished response', async () => {
    const stream = client.responses.stream({ model: 'codex-error-event', input: 'Hi' });
    await rejection(stream.finalResponse(), OpenAI.APIError);
  });
});
