/**
 * Anthropic channels (`--type anthropic`) behind the OpenAI surface: the official `openai` client talks to the
 * gateway, which converts to Anthropic Messages for the mock upstream's faithful `/v1/messages` and converts
 * the answers back. Text and tool calls, whole and streamed (every chunk held to OpenAI's schema), usage in the
 * hub's semantics as the mock recorded it, billing, an upstream 401 failed over and reported like an OpenAI
 * channel's, and honest endings: an in-band error event or a reset ends with one error event and no [DONE].
 */
import { afterAll, beforeEach, describe, expect, test } from 'bun:test';
import { countTokens } from 'gpt-tokenizer';
import OpenAI from 'openai';
import { expectConforms } from '../helpers/openai-schema.ts';
import { type RelayHarness, startRelayHarness } from '../helpers/relay-harness.ts';
import { deliveredText, mockUsage, readRawStream, rejection } from '../helpers/relay-streams.ts';

const harness: RelayHarness = await startRelayHarness({
  mock: {
    scripts: {
      cached: { cachedTokens: 20, cacheWriteTokens: 5, promptTokens: 40 },
      // Parts 5 ms apart, so the error event comes in a read of its own, after the stream was committed.
      'slow-error-event': { chunks: 30, errorEventAfterChunks: 20, chunkDelayMs: 5 },
      'error-first': { errorEventAfterChunks: 0 },
      'slow-reset': { chunks: 30, resetAfterChunks: 20, chunkDelayMs: 2 },
    },
  },
});
afterAll(() => harness.stop());
beforeEach(() => harness.reset());

const MODEL = 'claude-sonnet-4-5';
const SCRIPTS: Record<string, string> = {
  'claude-tools': 'mock/tool-call',
  'claude-cached': 'mock/cached',
  'claude-error-event': 'mock/slow-error-event',
  'claude-error-first': 'mock/error-first',
  'claude-reset': 'mock/slow-reset',
  'claude-bad-request': 'mock/bad-request',
  'claude-no-usage': 'mock/usage-absent',
};
const ANTHROPIC_MODELS = [MODEL, 'claude-priced', ...Object.keys(SCRIPTS)];
const anthropic = await harness.addChannel({ name: 'claude', type: 'anthropic', models: ANTHROPIC_MODELS, modelMapping: { 'claude-priced': MODEL, ...SCRIPTS } });
const DEAD_KEY = `sk-ant-invalid-${crypto.randomUUID()}`;
const dead = await harness.addChannel({ name: 'claude-dead', type: 'anthropic', models: ['claude-failover', 'claude-only-dead'], priority: 1, keys: [DEAD_KEY] });
await harness.addChannel({ name: 'claude-spare', type: 'anthropic', models: ['claude-failover'], priority: 0, modelMapping: { 'claude-failover': MODEL } });
await harness.deps.prices.set('claude-priced', { input: '3', output: '15' });
await harness.reload();

const client = harness.client();
const TEXT = 'Hello from the mock upstream with a quick';
const WEATHER = {
  type: 'function' as const,
  function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
};
const messages = [
  { role: 'system' as const, content: 'Be brief.' },
  { role: 'user' as const, content: 'Hi' },
];

/** The mock's recorded usage of its one completed reply, in the hub's semantics (what the outcome must hold). */
function recordedUsage(): { promptTokens: number; completionTokens: number; cachedTokens: number; cacheWriteTokens: number } {
  const usage = mockUsage(harness);
  return { promptTokens: usage.promptTokens, completionTokens: usage.completionTokens, cachedTokens: usage.cachedTokens, cacheWriteTokens: usage.cacheWriteTokens ?? 0 };
}

const rawStream = (model: string, extra: Record<string, unknown> = {}) => readRawStream(harness, { model, stream: true, messages, ...extra });

describe('chat completions on an anthropic channel', () => {
  test('non-stream: the Messages request, the text back as a chat.completion, usage as the mock recorded it', async () => {
    const completion = await client.chat.completions.create({ model: MODEL, messages, max_tokens: 256 });
    expectConforms('CreateChatCompletionResponse', completion);
    expect(completion.object).toBe('chat.completion');
    expect(completion.choices[0]?.message.content).toBe(TEXT);
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    const sent = harness.mock.requests[0];
    expect(sent?.path).toBe('/v1/messages');
    expect(sent?.headers['x-api-key']).toBe(harness.channelKeys[0]);
    expect(sent?.headers['anthropic-version']).toBe('2023-06-01');
    expect(sent?.headers.authorization).toBeUndefined();
    expect(sent?.json).toEqual({ model: MODEL, max_tokens: 256, system: 'Be brief.', messages: [{ role: 'user', content: 'Hi' }] });
    const expected = recordedUsage();
    expect(completion.usage).toMatchObject({ prompt_tokens: expected.promptTokens, completion_tokens: expected.completionTokens });
    const [outcome] = await harness.waitForOutcomes(1);
    expect(outcome).toMatchObject({ endpoint: 'chat-completions', channelId: anthropic.id, stream: false, status: 200, endState: 'completed', partial: false });
    expect(outcome?.usage).toMatchObject({ ...expected, estimated: false });
  });

  test('cache reads and writes are inside the prompt, as in OpenAI usage', async () => {
    const completion = await client.chat.completions.create({ model: 'claude-cached', messages });
    expect(completion.usage).toMatchObject({ prompt_tokens: 40, prompt_tokens_details: { cached_tokens: 20 } });
    const [outcome] = await harness.waitForOutcomes(1);
    expect(outcome?.usage).toMatchObject({ promptTokens: 40, cachedTokens: 20, cacheWriteTokens: 5, completionTokens: 8, estimated: false });
    expect(outcome?.usage).toMatchObject(recordedUsage());
  });

  test('stream: every chunk conforms, the text is the mock\'s, no usage chunk unless asked, [DONE] ends it', async () => {
    const stream = await client.chat.completions.create({ model: MODEL, stream: true, messages });
    let text = '';
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      expectConforms('CreateChatCompletionStreamResponse', chunk);
      expect(chunk.usage ?? null).toBeNull();
      expect(chunk.choices).toHaveLength(1);
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(text).toBe(TEXT);
    expect(finish).toBe('stop');
    expect(harness.mock.requests[0]?.json).toMatchObject({ stream: true });
    expect((harness.mock.requests[0]?.json as Record<string, unknown>).stream_options).toBeUndefined();
    const [outcome] = await harness.waitForOutcomes(1);
    expect(outcome).toMatchObject({ stream: true, endState: 'completed', partial: false });
    expect(outcome?.usage).toMatchObject({ ...recordedUsage(), estimated: false });
    expect(outcome?.firstTokenMs).toBeGreaterThanOrEqual(0);
  });

  test('stream with include_usage: one usage chunk (empty choices) last, before [DONE]', async () => {
    const read = await rawStream(MODEL, { stream_options: { include_usage: true } });
    expect(read.status).toBe(200);
    expect(read.data.at(-1)).toBe('[DONE]');
    expect(read.data.filter((line) => line === '[DONE]')).toHaveLength(1);
    for (const chunk of read.chunks) expectConforms('CreateChatCompletionStreamResponse', chunk);
    const usageChunks = read.chunks.filter((chunk) => chunk.usage !== undefined && chunk.usage !== null);
    expect(usageChunks).toHaveLength(1);
    expect(read.chunks.at(-1)).toBe(usageChunks[0]);
    const expected = recordedUsage();
    expect(usageChunks[0]).toMatchObject({ choices: [], usage: { prompt_tokens: expected.promptTokens, completion_tokens: expected.completionTokens } });
  });

  test('a stream whose upstream reported no usage: estimated, and the client that asked gets one estimated usage chunk', async () => {
    const read = await rawStream('claude-no-usage', { stream_options: { include_usage: true } });
    expect(read.data.at(-1)).toBe('[DONE]');
    const usageChunks = read.chunks.filter((chunk) => chunk.usage !== undefined && chunk.usage !== null);
    expect(usageChunks).toHaveLength(1);
    expect(usageChunks[0]).toMatchObject({ choices: [], usage: { completion_tokens: countTokens(TEXT) } });
    const [outcome] = await harness.waitForOutcomes(1);
    expect(outcome).toMatchObject({ endState: 'completed', usage: { estimated: true, completionTokens: countTokens(TEXT) } });
    expect(outcome?.usage.promptTokens).toBeGreaterThan(0);
  });

  test('tool call, non-stream and streamed (argument deltas reassembled by the SDK)', async () => {
    const completion = await client.chat.completions.create({ model: 'claude-tools', tools: [WEATHER], messages: [{ role: 'user', content: 'Weather?' }] });
    expectConforms('CreateChatCompletionResponse', completion);
    const call = completion.choices[0]?.message.tool_calls?.[0];
    expect(call?.type === 'function' ? [call.function.name, JSON.parse(call.function.arguments)] : []).toEqual(['get_weather', { city: 'mock' }]);
    expect(call?.id).toStartWith('toolu_');
    expect(completion.choices[0]?.finish_reason).toBe('tool_calls');
    expect(harness.mock.requests[0]?.json).toMatchObject({ tools: [{ name: 'get_weather', input_schema: WEATHER.function.parameters }] });

    const runner = client.chat.completions.stream({ model: 'claude-tools', tools: [WEATHER], messages: [{ role: 'user', content: 'Weather?' }] });
    let argumentDeltas = 0;
    runner.on('chunk', (chunk) => {
      expectConforms('CreateChatCompletionStreamResponse', chunk);
      if (chunk.choices[0]?.delta.tool_calls?.[0]?.function?.arguments) argumentDeltas++;
    });
    const final = await runner.finalChatCompletion();
    const streamed = final.choices[0]?.message.tool_calls?.[0];
    expect(streamed?.type === 'function' ? [streamed.function.name, JSON.parse(streamed.function.arguments)] : []).toEqual(['get_weather', { city: 'mock' }]);
    expect(final.choices[0]?.finish_reason).toBe('tool_calls');
    expect(argumentDeltas).toBeGreaterThan(1);

    // The tool result goes back as a tool_result block of a user turn; the model then answers in text.
    const answer = await client.chat.completions.create({
      model: 'claude-tools',
      tools: [WEATHER],
      messages: [{ role: 'user', content: 'Weather?' }, completion.choices[0]?.message ?? { role: 'assistant', content: '' }, { role: 'tool', tool_call_id: call?.id ?? '', content: 'sunny' }],
    });
    expect(answer.choices[0]?.message.content).toBe(TEXT);
    expect(harness.mock.requests.at(-1)?.json).toMatchObject({ messages: [{ role: 'user' }, { role: 'assistant', content: [{ type: 'tool_use' }] }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: call?.id, content: 'sunny' }] }] });
  });

  test('a priced model is billed from the upstream usage, exactly', async () => {
    await client.chat.completions.create({ model: 'claude-priced', messages });
    await client.chat.completions.create({ model: 'claude-priced', messages, stream: true }).then(async (stream) => {
      for await (const _chunk of stream) {
        // Drained.
      }
    });
    const outcomes = await harness.waitForOutcomes(2);
    for (const [index, outcome] of outcomes.entries()) {
      const usage = harness.mock.completedReplies[index]?.usage;
      expect(usage).toBeDefined();
      expect(outcome.usage).toMatchObject({ promptTokens: usage?.promptTokens, completionTokens: usage?.completionTokens, estimated: false });
      // $3 and $15 per 1M tokens are 3 and 15 micro-USD per token.
      expect(outcome.cost).toBe((usage?.promptTokens ?? 0) * 3 + (usage?.completionTokens ?? 0) * 15);
      expect(outcome.cost).toBeGreaterThan(0);
    }
  });
});

describe('failures on an anthropic channel', () => {
  test('an upstream 401 fails over to the next channel; alone it is 503 upstream_credentials_rejected, key never shown', async () => {
    const completion = await client.chat.completions.create({ model: 'claude-failover', messages });
    expect(completion.choices[0]?.message.content).toBe(TEXT);
    const [outcome] = await harness.waitForOutcomes(1);
    expect(outcome?.attempts.map((attempt) => [attempt.channelId, attempt.status, attempt.errorCode])).toEqual([
      [dead.id, 401, 'authentication_error'],
      [expect.any(Number), 200, undefined],
    ]);

    const response = await harness.post('/v1/chat/completions', { model: 'claude-only-dead', messages });
    expect(response.status).toBe(503);
    const text = await response.text();
    expect(JSON.parse(text)).toMatchObject({ error: { code: 'upstream_credentials_rejected' } });
    expect(text).not.toContain(DEAD_KEY);
  });

  test('an upstream 400 invalid_request_error is the client\'s: answered 400, not retried', async () => {
    const response = await harness.post('/v1/chat/completions', { model: 'claude-bad-request', messages });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: 'invalid_request_error' } });
    expect(harness.mock.requests).toHaveLength(1);
  });

  test('input Messages cannot express is a 400 naming the field, nothing sent upstream, the hold released', async () => {
    const response = await harness.post('/v1/chat/completions', { model: MODEL, n: 2, messages });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: 'invalid_request', message: expect.stringContaining('n:') } });
    expect(harness.mock.requests).toHaveLength(0);
    const [outcome] = await harness.waitForOutcomes(1);
    expect(outcome).toMatchObject({ status: 400, endState: 'failed_before_output', cost: 0 });
  });

  test('an in-band error event mid-stream: the chunks before it, one error event, no [DONE], partial usage', async () => {
    // The same prompt answered whole, for the upstream's count of its tokens.
    await client.chat.completions.create({ model: MODEL, messages });
    const upstreamPrompt = recordedUsage().promptTokens;
    await harness.reset();
    const read = await rawStream('claude-error-event');
    expect(read.status).toBe(200);
    expect(read.chunks.length).toBeGreaterThan(5);
    for (const chunk of read.chunks) expectConforms('CreateChatCompletionStreamResponse', chunk);
    expect(read.errors).toEqual([{ error: { type: 'upstream_error', code: 'overloaded_error', message: expect.any(String) } }]);
    expect(read.data).not.toContain('[DONE]');
    expect(read.data.at(-1)).toContain('"error"');
    const [outcome] = await harness.waitForOutcomes(1);
    expect(outcome).toMatchObject({ status: 200, endState: 'upstream_error', errorCode: 'overloaded_error', partial: true });
    expect(outcome?.usage.estimated).toBe(true);
    const delivered = deliveredText(read.chunks);
    expect(outcome?.usage.completionTokens).toBe(countTokens(delivered));
    expect(outcome?.usage.completionTokens).toBeGreaterThan(0);
    // The prompt is the upstream's own count from message_start, not a local estimate.
    expect(outcome?.usage.promptTokens).toBe(upstreamPrompt);
    expect(harness.mock.requests[0]?.reply.ending).toBe('error-event');
  });

  test('an error event before anything reached the client is an ordinary failed attempt (no 200)', async () => {
    const response = await harness.post('/v1/chat/completions', { model: 'claude-error-first', stream: true, messages });
    expect(response.status).toBe(529);
    expect(await response.json()).toMatchObject({ error: { code: 'overloaded_error' } });
    const [outcome] = await harness.waitForOutcomes(1);
    expect(outcome).toMatchObject({ endState: 'failed_before_output', cost: 0 });
  });

  test('a reset mid-stream ends with one error event and no [DONE]', async () => {
    const read = await rawStream('claude-reset');
    expect(read.status).toBe(200);
    expect(read.chunks.length).toBeGreaterThan(5);
    expect(read.errors).toEqual([{ error: expect.objectContaining({ code: 'connection_failed' }) }]);
    expect(read.data).not.toContain('[DONE]');
    const [outcome] = await harness.waitForOutcomes(1);
    expect(outcome).toMatchObject({ endState: 'upstream_error', partial: true });
  });

  test('the SDK surfaces a cut stream as an error, never as a finished answer', async () => {
    const stream = await client.chat.completions.create({ model: 'claude-error-event', stream: true, messages });
    await rejection(
      (async () => {
        for await (const _chunk of stream) {
          // Read until it throws.
        }
      })(),
      OpenAI.APIError,
    );
  });
});
