/**
 * Channels whose upstream speaks only the Responses API (`--setting chat_api=responses`) behind the chat surface:
 * the official `openai` client sends chat completions to the gateway, which converts them to Responses requests
 * for the mock upstream's `/v1/responses` (every request held to OpenAI's CreateResponse schema) and converts the
 * answers back (every completion and chunk held to the chat schemas). Text and tool calls, whole and streamed,
 * usage as the mock recorded it and billed, and honest endings: an in-band `error` / `response.failed` ends the
 * stream with one error event and no [DONE].
 */
import { afterAll, beforeEach, describe, expect, test } from 'bun:test';
import { countTokens } from 'gpt-tokenizer';
import OpenAI from 'openai';
import { expectConforms, validateOpenAi } from '../helpers/openai-schema.ts';
import { type RelayHarness, startRelayHarness } from '../helpers/relay-harness.ts';
import { deliveredText, mockUsage, readRawStream, rejection } from '../helpers/relay-streams.ts';

const harness: RelayHarness = await startRelayHarness({
  mock: {
    scripts: {
      // Events 5 ms apart, so the error comes in a read of its own, after the stream was committed.
      'slow-error-event': { chunks: 30, errorEventAfterChunks: 20, chunkDelayMs: 5 },
      'error-first': { errorEventAfterChunks: 0 },
    },
  },
});
afterAll(() => harness.stop());
beforeEach(() => harness.reset());

const MODEL = 'gpt-4.1';
const SCRIPTS: Record<string, string> = {
  'codex-tools': 'mock/tool-call',
  'codex-error-event': 'mock/slow-error-event',
  'codex-error-first': 'mock/error-first',
  'codex-bad-request': 'mock/bad-request',
  'codex-no-usage': 'mock/usage-absent',
};
const channel = await harness.addChannel({
  name: 'responses-only',
  models: [MODEL, 'codex-priced', ...Object.keys(SCRIPTS)],
  modelMapping: { 'codex-priced': MODEL, ...SCRIPTS },
  settings: { chat_api: 'responses' },
});
const custom = await harness.addChannel({
  name: 'responses-custom',
  type: 'custom',
  baseUrl: `${harness.mock.url}/custom/acme/v1/responses`,
  models: ['custom-codex'],
  settings: { chat_api: 'responses' },
});
await harness.deps.prices.set('codex-priced', { input: '1.25', output: '10' });
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

/** The mock's recorded usage of its one completed reply (what the outcome must hold). */
function recordedUsage(): { promptTokens: number; completionTokens: number } {
  const usage = mockUsage(harness);
  return { promptTokens: usage.promptTokens, completionTokens: usage.completionTokens };
}

/** The Responses request the mock received, checked against OpenAI's schema. */
function sentRequest(index = 0): Record<string, unknown> {
  const sent = harness.mock.requests[index];
  expect(sent?.path).toBe('/v1/responses');
  expect(validateOpenAi('CreateResponse', sent?.json)).toEqual([]);
  return (sent?.json ?? {}) as Record<string, unknown>;
}

const rawStream = (model: string, extra: Record<string, unknown> = {}) => readRawStream(harness, { model, stream: true, messages, ...extra });

describe('chat completions on a channel that speaks only the Responses API', () => {
  test('non-stream: the Responses request, the text back as a chat.completion, usage as the mock recorded it', async () => {
    const completion = await client.chat.completions.create({ model: MODEL, messages, max_tokens: 256, temperature: 0 });
    expectConforms('CreateChatCompletionResponse', completion);
    expect(completion.choices[0]?.message.content).toBe(TEXT);
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    expect(sentRequest()).toEqual({
      model: MODEL,
      input: [
        { type: 'message', role: 'system', content: 'Be brief.' },
        { type: 'message', role: 'user', content: 'Hi' },
      ],
      max_output_tokens: 256,
      temperature: 0,
      store: false,
    });
    expect(harness.mock.requests[0]?.headers.authorization).toBe(`Bearer ${harness.channelKeys[0]}`);
    const expected = recordedUsage();
    expect(completion.usage).toMatchObject({ prompt_tokens: expected.promptTokens, completion_tokens: expected.completionTokens });
    const [outcome] = await harness.waitForOutcomes(1);
    expect(outcome).toMatchObject({ endpoint: 'chat-completions', channelId: channel.id, stream: false, status: 200, endState: 'completed', partial: false });
    expect(outcome?.usage).toMatchObject({ ...expected, estimated: false });
  });

  test('stream: every chunk conforms, the text is the mock\'s, no usage chunk unless asked, [DONE] ends it', async () => {
    const stream = await client.chat.completions.create({ model: MODEL, stream: true, messages });
    let text = '';
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      expectConforms('CreateChatCompletionStreamResponse', chunk);
      expect(chunk.usage ?? null).toBeNull();
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(text).toBe(TEXT);
    expect(finish).toBe('stop');
    expect(sentRequest()).toMatchObject({ stream: true });
    expect(sentRequest().stream_options).toBeUndefined();
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

  test('an upstream that reports no usage: estimated, and the client that asked gets one estimated usage chunk', async () => {
    const read = await rawStream('codex-no-usage', { stream_options: { include_usage: true } });
    expect(read.data.at(-1)).toBe('[DONE]');
    const usageChunks = read.chunks.filter((chunk) => chunk.usage !== undefined && chunk.usage !== null);
    expect(usageChunks).toHaveLength(1);
    expect(usageChunks[0]).toMatchObject({ choices: [], usage: { completion_tokens: countTokens(TEXT) } });
    const [outcome] = await harness.waitForOutcomes(1);
    expect(outcome).toMatchObject({ endState: 'completed', usage: { estimated: true, completionTokens: countTokens(TEXT) } });
  });

  test('tool call, non-stream and streamed; the tool result goes back as function_call_output', async () => {
    const completion = await client.chat.completions.create({ model: 'codex-tools', tools: [WEATHER], messages: [{ role: 'user', content: 'Weather?' }] });
    expectConforms('CreateChatCompletionResponse', completion);
    const call = completion.choices[0]?.message.tool_calls?.[0];
    expect(call?.type === 'function' ? [call.function.name, JSON.parse(call.function.arguments)] : []).toEqual(['get_weather', { city: 'mock' }]);
    expect(call?.id).toStartWith('call_');
    expect(completion.choices[0]?.finish_reason).toBe('tool_calls');
    expect(sentRequest()).toMatchObject({ tools: [{ type: 'function', name: 'get_weather', parameters: WEATHER.function.parameters, strict: false }] });

    const runner = client.chat.completions.stream({ model: 'codex-tools', tools: [WEATHER], messages: [{ role: 'user', content: 'Weather?' }] });
    let argumentDeltas = 0;
    runner.on('chunk', (chunk) => {
      expectConforms('CreateChatCompletionStreamResponse', chunk);
      if (chunk.choices[0]?.delta.tool_calls?.[0]?.function?.arguments) argumentDeltas++;
    });
    const final = await runner.finalChatCompletion();
    const streamed = final.choices[0]?.message.tool_calls?.[0];
    expect(streamed?.type === 'function' ? [streamed.function.name, JSON.parse(streamed.function.arguments)] : []).toEqual(['get_weather', { city: 'mock' }]);
    expect(streamed?.id).toStartWith('call_');
    expect(final.choices[0]?.finish_reason).toBe('tool_calls');
    expect(argumentDeltas).toBeGreaterThan(1);

    const answer = await client.chat.completions.create({
      model: MODEL,
      tools: [WEATHER],
      messages: [{ role: 'user', content: 'Weather?' }, completion.choices[0]?.message ?? { role: 'assistant', content: '' }, { role: 'tool', tool_call_id: call?.id ?? '', content: 'sunny' }],
    });
    expect(answer.choices[0]?.message.content).toBe(TEXT);
    expect(sentRequest(2).input).toEqual([
      { type: 'message', role: 'user', content: 'Weather?' },
      { type: 'function_call', call_id: call?.id, name: 'get_weather', arguments: '{"city":"mock"}' },
      { type: 'function_call_output', call_id: call?.id, output: 'sunny' },
    ]);
  });

  test('a priced model is billed from the upstream usage, exactly, whole and streamed', async () => {
    await client.chat.completions.create({ model: 'codex-priced', messages });
    const stream = await client.chat.completions.create({ model: 'codex-priced', messages, stream: true });
    for await (const _chunk of stream) {
      // Drained.
    }
    const outcomes = await harness.waitForOutcomes(2);
    for (const [index, outcome] of outcomes.entries()) {
      const usage = harness.mock.completedReplies[index]?.usage;
      expect(usage).toBeDefined();
      expect(outcome.usage).toMatchObject({ promptTokens: usage?.promptTokens, completionTokens: usage?.completionTokens, estimated: false });
      // $1.25 and $10 per 1M tokens are 1.25 and 10 micro-USD per token; one charge, rounded up once.
      expect(outcome.cost).toBe(Math.ceil((usage?.promptTokens ?? 0) * 1.25 + (usage?.completionTokens ?? 0) * 10));
      expect(outcome.cost).toBeGreaterThan(0);
    }
    expect((await harness.checkLedger()).problems).toEqual([]);
  });

  test('a custom channel with the setting: its one URL is the Responses endpoint', async () => {
    const completion = await client.chat.completions.create({ model: 'custom-codex', messages });
    expect(completion.choices[0]?.message.content).toBe(TEXT);
    expect(harness.mock.requests[0]?.path).toBe('/custom/acme/v1/responses');
    const [outcome] = await harness.waitForOutcomes(1);
    expect(outcome).toMatchObject({ channelId: custom.id, endState: 'completed', usage: { estimated: false } });
  });
});

describe('failures on a Responses-only channel', () => {
  test('an upstream 400 is the client\'s: answered 400, not retried', async () => {
    const response = await harness.post('/v1/chat/completions', { model: 'codex-bad-request', messages });
    expect(response.status).toBe(400);
    expect(harness.mock.requests).toHaveLength(1);
    expect(harness.mock.requests[0]?.path).toBe('/v1/responses');
  });

  test('input the Responses API cannot express is a 400 naming the field, nothing sent upstream, the hold released', async () => {
    const response = await harness.post('/v1/chat/completions', { model: MODEL, n: 2, messages });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: 'invalid_request', message: expect.stringContaining('n:') } });
    expect(harness.mock.requests).toHaveLength(0);
    const [outcome] = await harness.waitForOutcomes(1);
    expect(outcome).toMatchObject({ status: 400, endState: 'failed_before_output', cost: 0 });
  });

  test('an in-band error mid-stream: the chunks before it, one error event, no [DONE], partial usage', async () => {
    const read = await rawStream('codex-error-event');
    expect(read.status).toBe(200);
    expect(read.chunks.length).toBeGreaterThan(5);
    for (const chunk of read.chunks) expectConforms('CreateChatCompletionStreamResponse', chunk);
    expect(read.errors).toEqual([{ error: { type: 'upstream_error', code: 'server_error', message: expect.any(String) } }]);
    expect(read.data).not.toContain('[DONE]');
    const [outcome] = await harness.waitForOutcomes(1);
    expect(outcome).toMatchObject({ status: 200, endState: 'upstream_error', errorCode: 'server_error', partial: true });
    expect(outcome?.usage.estimated).toBe(true);
    expect(outcome?.usage.completionTokens).toBe(countTokens(deliveredText(read.chunks)));
    expect(harness.mock.requests[0]?.reply.ending).toBe('error-event');
  });

  test('an error before anything reached the client is an ordinary failed attempt (no 200)', async () => {
    const response = await harness.post('/v1/chat/completions', { model: 'codex-error-first', stream: true, messages });
    expect(response.status).toBe(500);
    expect(await response.json()).toMatchObject({ error: { code: 'server_error' } });
    const [outcome] = await harness.waitForOutcomes(1);
    expect(outcome).toMatchObject({ endState: 'failed_before_output', cost: 0 });
  });

  test('the SDK surfaces a cut stream as an error, never as a finished answer', async () => {
    const stream = await client.chat.completions.create({ model: 'codex-error-event', stream: true, messages });
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
