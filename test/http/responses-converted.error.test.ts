/**
 * Failures of Responses clients on chat-only channels: a request only the Responses API can serve
 * (previous_response_id, built-in tools, background) is the client's 400 naming the field, in OpenAI's error shape,
 * when no channel of the model speaks Responses — nothing is sent upstream and nothing charged; an upstream error
 * before any output is the client's in OpenAI's shape; and a converted stream the upstream does not finish ends
 * with an `error` event and `response.failed` (numbered on), never `response.completed`.
 */
import { afterAll, beforeEach, describe, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { validateOpenAi } from '../helpers/openai-schema.ts';
import { type RelayHarness, splitSse, startRelayHarness } from '../helpers/relay-harness.ts';
import { rejection } from '../helpers/relay-streams.ts';

const harness: RelayHarness = await startRelayHarness({
  mock: { scripts: { 'slow-error-event': { chunks: 30, errorEventAfterChunks: 20, chunkDelayMs: 5 } } },
});
afterAll(() => harness.stop());
beforeEach(() => harness.reset());

await harness.addChannel({ name: 'deepseek', type: 'deepseek', models: ['chat-only'], priority: 1 });
await harness.addChannel({ name: 'claude', type: 'anthropic', models: ['chat-only', 'claude-cut'], priority: 0, modelMapping: { 'claude-cut': 'mock/slow-error-event' } });
// Retry-After puts this channel aside for a while: it serves nothing else.
await harness.addChannel({ name: 'claude-limited', type: 'anthropic', models: ['claude-limited'], modelMapping: { 'claude-limited': 'mock/rate-limited' } });
await harness.reload();

const client = harness.client();

/** A 400 whose message starts with `field`, in OpenAI's error shape, with nothing sent upstream and nothing charged. */
async function expectRefused(body: Record<string, unknown>, field: string, needsResponses = true): Promise<void> {
  const response = await harness.post('/v1/responses', body);
  expect(response.status).toBe(400);
  const json = (await response.json()) as { error: Record<string, unknown> };
  expect(json.error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_request', request_id: expect.any(String) });
  const message = String(json.error.message);
  expect(message).toStartWith(`${field}: `);
  if (needsResponses) expect(message).toContain('needs a channel that speaks the Responses API');
  expect(harness.mock.requests).toHaveLength(0);
  const [outcome] = await harness.waitForOutcomes(1);
  expect(outcome).toMatchObject({ endpoint: 'responses', status: 400, endState: 'failed_before_output', cost: 0 });
  // Both chat-only channels were skipped, neither blamed.
  expect(outcome?.attempts.map((attempt) => [attempt.status, attempt.errorCode])).toEqual([
    [0, 'invalid_request'],
    [0, 'invalid_request'],
  ]);
  await harness.reset();
}

describe('requests only the Responses API can serve, when no channel speaks it', () => {
  test('previous_response_id, conversation, background, a built-in tool: 400 naming the field', async () => {
    await expectRefused({ model: 'chat-only', input: 'And tomorrow?', previous_response_id: 'resp_earlier' }, 'previous_response_id');
    await expectRefused({ model: 'chat-only', input: 'Hi', conversation: 'conv_1' }, 'conversation');
    await expectRefused({ model: 'chat-only', input: 'Hi', background: true }, 'background');
    await expectRefused({ model: 'chat-only', input: 'Hi', tools: [{ type: 'web_search' }] }, 'tools[0].type');
  });

  test('the SDK gets a BadRequestError; a malformed input is refused the same way, naming input', async () => {
    const error = await rejection(client.responses.create({ model: 'chat-only', input: 'Hi', previous_response_id: 'resp_earlier' }), OpenAI.BadRequestError);
    expect(error.message).toContain('previous_response_id');
    await harness.reset();
    await expectRefused({ model: 'chat-only', input: 42 }, 'input', false);
  });
});

describe('upstream failures on a converted channel', () => {
  test('an upstream 429 before any output: a rate_limit_error in OpenAI shape (the SDK\'s RateLimitError)', async () => {
    const error = await rejection(client.responses.create({ model: 'claude-limited', input: 'Hi' }), OpenAI.RateLimitError);
    expect(error.error).toMatchObject({ type: 'rate_limit_error' });
  });

  test('a stream cut by an in-band error: the events so far, then error and response.failed, numbered on; SDK throws', async () => {
    const response = await harness.post('/v1/responses', { model: 'claude-cut', input: 'Tell me a story.', stream: true });
    expect(response.status).toBe(200);
    const payloads = splitSse(await response.text()).events.map((event) => JSON.parse(event.data) as Record<string, unknown>);
    payloads.forEach((payload, index) => {
      expect(validateOpenAi('ResponseStreamEvent', payload)).toEqual([]);
      expect(payload.sequence_number).toBe(index);
    });
    expect(payloads.map((payload) => payload.type).slice(-2)).toEqual(['error', 'response.failed']);
    expect(payloads.some((payload) => payload.type === 'response.completed')).toBe(false);
    expect(payloads.at(-2)).toMatchObject({ code: 'overloaded_error' });
    expect(payloads.at(-1)).toMatchObject({ response: { status: 'failed', error: { code: 'server_error' } } });
    const [outcome] = await harness.waitForOutcomes(1);
    expect(outcome).toMatchObject({ endpoint: 'responses', endState: 'upstream_error', errorCode: 'overloaded_error', partial: true });
    expect(outcome?.attempts[0]?.passthrough).toBeUndefined();
    await harness.reset();

    await rejection(client.responses.stream({ model: 'claude-cut', input: 'Hi' }).finalResponse(), OpenAI.APIError);
  });
});
