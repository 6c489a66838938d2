/**
 * Gemini channels (`--type gemini`) behind the OpenAI surface: the official `openai` client talks to the gateway,
 * which converts to generateContent for the mock upstream's faithful `/v1beta/models/{model}:…` routes and
 * converts the answers back. Text and tool calls, whole and streamed (every chunk held to OpenAI's schema),
 * usage with thoughts and cached tokens in the hub's semantics as the mock recorded it, billing, embeddings, an
 * upstream API-key error failed over and reported like an OpenAI channel's, and honest endings: an in-band error
 * event, a reset or a stream cut before any finishReason ends with one error event and no [DONE].
 */
import { afterAll, beforeEach, describe, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { expectConforms } from '../helpers/openai-schema.ts';
import { type RelayHarness, startRelayHarness } from '../helpers/relay-harness.ts';
import { deliveredText, mockUsage, readRawStream, rejection } from '../helpers/relay-streams.ts';

const harness: RelayHarness = await startRelayHarness({
  mock: {
    scripts: {
      cached: { cachedTokens: 20, promptTokens: 40 },
      // Parts 5 ms apart, so the cut comes in a read of its own, after the stream was committed.
      'slow-error-event': { chunks: 30, errorEventAfterChunks: 20, chunkDelayMs: 5 },
      'slow-reset': { chunks: 30, resetAfterChunks: 20, chunkDelayMs: 2 },
      'slow-fin': { chunks: 30, finAfterChunks: 20, chunkDelayMs: 2 },
      // A close-delimited body: the FIN is its proper HTTP end, so only the missing finishReason shows the cut.
      'slow-clean-cut': { chunks: 30, framing: 'close', finAfterChunks: 20, chunkDelayMs: 2 },
    },
  },
});
afterAll(() => harness.stop());
beforeEach(() => harness.reset());

const MODEL = 'gemini-2.5-flash';
const SCRIPTS: Record<string, string> = {
  'gemini-tools': 'mock/tool-call',
  // The `-thinking` suffix is the gateway's: stripped from the URL, it turns on thoughts (the mock then reports them).
  'gemini-cached-thinking': 'mock/cached-thinking',
  'gemini-error-event': 'mock/slow-error-event',
  'gemini-reset': 'mock/slow-reset',
  'gemini-fin': 'mock/slow-fin',
  'gemini-clean-cut': 'mock/slow-clean-cut',
  'gemini-bad-request': 'mock/bad-request',
  'gemini-embedding': 'text-embedding-004',
};
const gemini = await harness.addChannel({ name: 'gemini', type: 'gemini', models: [MODEL, 'gemini-priced', ...Object.keys(SCRIPTS)], modelMapping: { 'gemini-priced': MODEL, ...SCRIPTS } });
const DEAD_KEY = `AIza-invalid-${crypto.randomUUID()}`;
const dead = await harness.addChannel({ name: 'gemini-dead', type: 'gemini', models: ['gemini-failover', 'gemini-only-dead'], priority: 1, keys: [DEAD_KEY] });
await harness.addChannel({ name: 'gemini-spare', type: 'gemini', models: ['gemini-failover'], priority: 0, modelMapping: { 'gemini-failover': MODEL } });
await harness.deps.prices.set('gemini-priced', { input: '1.25', output: '10' });
await harness.reload();

const client = harness.client();
const TEXT = 'Hello from the mock upstream with a quick';
const WEATHER = {
  type: 'function' as const,
  function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false } },
};
const messages = [
  { role: 'system' as const, content: 'Be brief.' },
  { role: 'user' as const, content: 'Hi' },
];

/** The mock's recorded usage of its one completed reply (already in the hub's semantics). */
function recordedUsage(index = 0): { promptTokens: number; completionTokens: number; cachedTokens: number; reasoningTokens: number } {
  const usage = mockUsage(harness, index);
  return { promptTokens: usage.promptTokens, completionTokens: usage.completionTokens, cachedTokens: usage.cachedTokens, reasoningTokens: usage.reasoningTokens };
}

const rawStream = (model: string, extra: Record<string, unknown> = {}) => readRawStream(harness, { model, stream: true, messages, ...extra });

describe('chat completions on a gemini channel', () => {
  test('non-stream: the generateContent request, the text back as a chat.completion, usage as the mock recorded it', async () => {
    const completion = await client.chat.completions.create({ model: MODEL, messages, max_tokens: 256 });
    expectConforms('CreateChatCompletionResponse', completion);
    expect(completion.object).toBe('chat.completion');
    expect(completion.choices[0]?.message.content).toBe(TEXT);
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    const sent = harness.mock.requests[0];
    expect(sent?.path).toBe(`/v1beta/models/${MODEL}:generateContent`);
    expect(sent?.headers['x-goog-api-key']).toBe(harness.channelKeys[0]);
    expect(sent?.query).toEqual({});
    expect(sent?.headers.authorization).toBeUndefined();
    expect(sent?.json).toEqual({
      contents: [{ role: 'user', parts: [{ text: 'Hi' }] }],
      systemInstruction: { parts: [{ text: 'Be brief.' }] },
      generationConfig: { maxOutputTokens: 256 },
    });
    const expected = recordedUsage();
    expect(completion.usage).toMatchObject({ prompt_tokens: expected.promptTokens, completion_tokens: expected.completionTokens });
    const [outcome] = await harness.waitForOutcomes(1);
    expect(outcome).toMatchObject({ endpoint: 'chat-completions', channelId: gemini.id, stream: false, status: 200, endState: 'completed', partial: false });
    expect(outcome?.usage).toMatchObject({ ...expected, estimated: false });
  });

  test('thoughts and cached tokens: inside completion and prompt, as in OpenAI usage; thoughts as reasoning_content', async () => {
    const completion = await client.chat.completions.create({ model: 'gemini-cached-thinking', messages });
    expectConforms('CreateChatCompletionResponse', completion);
    expect(harness.mock.requests[0]?.path).toBe(`/v1beta/models/${encodeURIComponent('mock/cached')}:generateContent`);
    expect(harness.mock.requests[0]?.json).toMatchObject({ generationConfig: { thinkingConfig: { thinkingBudget: -1, includeThoughts: true } } });
    expect(completion.choices[0]?.message.content).toBe(TEXT);
    expect((completion.choices[0]?.message as unknown as { reasoning_content?: string }).reasoning_content).toContain('Weighing');
    const expected = recordedUsage();
    expect(expected).toMatchObject({ promptTokens: 40, cachedTokens: 20 });
    expect(expected.reasoningTokens).toBeGreaterThan(0);
    expect(completion.usage).toMatchObject({
      prompt_tokens: 40,
      completion_tokens: expected.completionTokens,
      prompt_tokens_details: { cached_tokens: 20 },
      completion_tokens_details: { reasoning_tokens: expected.reasoningTokens },
    });
    const [outcome] = await harness.waitForOutcomes(1);
    expect(outcome?.usage).toMatchObject({ ...expected, cacheWriteTokens: 0, estimated: false });
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
    expect(harness.mock.requests[0]?.path).toBe(`/v1beta/models/${MODEL}:streamGenerateContent`);
    expect(harness.mock.requests[0]?.query).toEqual({ alt: 'sse' });
    const [outcome] = await harness.waitForOutcomes(1);
    expect(outcome).toMatchObject({ stream: true, endState: 'completed', partial: false });
    expect(outcome?.usage).toMatchObject({ ...recordedUsage(), estimated: false });
    expect(outcome?.firstTokenMs).toBeGreaterThanOrEqual(0);
  });

  test('stream with include_usage: one usage chunk (empty choices) last, before [DONE], with thoughts and cache', async () => {
    const read = await rawStream('gemini-cached-thinking', { stream_options: { include_usage: true } });
    expect(read.status).toBe(200);
    expect(read.data.at(-1)).toBe('[DONE]');
    expect(read.data.filter((line) => line === '[DONE]')).toHaveLength(1);
    for (const chunk of read.chunks) expectConforms('CreateChatCompletionStreamResponse', chunk);
    const usageChunks = read.chunks.filter((chunk) => chunk.usage !== undefined && chunk.usage !== null);
    expect(usageChunks).toHaveLength(1);
    expect(read.chunks.at(-1)).toBe(usageChunks[0]);
    const expected = recordedUsage();
    expect(usageChunks[0]).toMatchObject({
      choices: [],
      usage: { prompt_tokens: 40, completion_tokens: expected.completionTokens, prompt_tokens_details: { cached_tokens: 20 }, completion_tokens_details: { reasoning_tokens: expected.reasoningTokens } },
    });
    const [outcome] = await harness.waitForOutcomes(1);
    expect(outcome?.usage).toMatchObject({ ...expected, estimated: false });
  });

  test('tool call, non-stream and streamed, and the function response sent back', async () => {
    const completion = await client.chat.completions.create({ model: 'gemini-tools', tools: [WEATHER], messages: [{ role: 'user', content: 'Weather?' }] });
    expectConforms('CreateChatCompletionResponse', completion);
    const call = completion.choices[0]?.message.tool_calls?.[0];
    expect(call?.type === 'function' ? [call.function.name, JSON.parse(call.function.arguments)] : []).toEqual(['get_weather', { city: 'mock' }]);
    expect(completion.choices[0]?.finish_reason).toBe('tool_calls');
    // Cleaned of what Gemini rejects (additionalProperties).
    const declaration = ((harness.mock.requests[0]?.json as { tools: { functionDeclarations: Record<string, unknown>[] }[] }).tools[0]?.functionDeclarations ?? [])[0];
    expect(declaration).toMatchObject({ name: 'get_weather' });
    expect(JSON.stringify(declaration)).not.toContain('additionalProperties');

    const runner = client.chat.completions.stream({ model: 'gemini-tools', tools: [WEATHER], messages: [{ role: 'user', content: 'Weather?' }] });
    runner.on('chunk', (chunk) => expectConforms('CreateChatCompletionStreamResponse', chunk));
    const final = await runner.finalChatCompletion();
    const streamed = final.choices[0]?.message.tool_calls?.[0];
    expect(streamed?.type === 'function' ? [streamed.function.name, JSON.parse(streamed.function.arguments)] : []).toEqual(['get_weather', { city: 'mock' }]);
    expect(final.choices[0]?.finish_reason).toBe('tool_calls');

    const answer = await client.chat.completions.create({
      model: 'gemini-tools',
      tools: [WEATHER],
      messages: [{ role: 'user', content: 'Weather?' }, completion.choices[0]?.message ?? { role: 'assistant', content: '' }, { role: 'tool', tool_call_id: call?.id ?? '', content: 'sunny' }],
    });
    expect(answer.choices[0]?.message.content).toBe(TEXT);
    expect(harness.mock.requests.at(-1)?.json).toMatchObject({
      contents: [{ role: 'user' }, { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: { city: 'mock' } } }] }, { role: 'user', parts: [{ functionResponse: { name: 'get_weather' } }] }],
    });
  });

  test('a priced model is billed from the upstream usage, exactly', async () => {
    await client.chat.completions.create({ model: 'gemini-priced', messages });
    await client.chat.completions.create({ model: 'gemini-priced', messages, stream: true }).then(async (stream) => {
      for await (const _chunk of stream) {
        // Drained.
      }
    });
    const outcomes = await harness.waitForOutcomes(2);
    for (const [index, outcome] of outcomes.entries()) {
      const usage = recordedUsage(index);
      expect(outcome.usage).toMatchObject({ promptTokens: usage.promptTokens, completionTokens: usage.completionTokens, estimated: false });
      // $1.25 and $10 per 1M tokens are 1.25 and 10 micro-USD per token; the sum is rounded up to a micro-USD.
      expect(outcome.cost).toBe(Math.ceil((usage.promptTokens * 125 + usage.completionTokens * 1000) / 100));
      expect(outcome.cost).toBeGreaterThan(0);
    }
  });
});

describe('embeddings on a gemini channel', () => {
  test('one batchEmbedContents call; an OpenAI list back, float and base64; usage the local estimate', async () => {
    const floats = await client.embeddings.create({ model: 'gemini-embedding', input: ['hello world', 'good night'], encoding_format: 'float' });
    expectConforms('CreateEmbeddingResponse', floats);
    expect(floats.data.map((item) => item.index)).toEqual([0, 1]);
    expect(floats.data[0]?.embedding).toHaveLength(768);
    expect(floats.usage.prompt_tokens).toBeGreaterThan(0);
    const sent = harness.mock.requests[0];
    expect(sent?.path).toBe('/v1beta/models/text-embedding-004:batchEmbedContents');
    expect(sent?.json).toEqual({
      requests: [
        { model: 'models/text-embedding-004', content: { parts: [{ text: 'hello world' }] } },
        { model: 'models/text-embedding-004', content: { parts: [{ text: 'good night' }] } },
      ],
    });
    const [outcome] = await harness.waitForOutcomes(1);
    expect(outcome).toMatchObject({ endpoint: 'embeddings', endState: 'completed', usage: { promptTokens: floats.usage.prompt_tokens, completionTokens: 0, estimated: true } });

    // The SDK asks for base64 by default and decodes it to the same floats.
    const decoded = await client.embeddings.create({ model: 'gemini-embedding', input: 'hello world' });
    const first = floats.data[0]?.embedding ?? [];
    expect(decoded.data[0]?.embedding).toEqual(first.map((value) => Math.fround(value)));
  });
});

describe('failures on a gemini channel', () => {
  test('an upstream 400 API_KEY_INVALID fails over; alone it is 503 upstream_credentials_rejected, key never shown', async () => {
    const completion = await client.chat.completions.create({ model: 'gemini-failover', messages });
    expect(completion.choices[0]?.message.content).toBe(TEXT);
    const [outcome] = await harness.waitForOutcomes(1);
    expect(outcome?.attempts.map((attempt) => [attempt.channelId, attempt.status, attempt.errorCode])).toEqual([
      [dead.id, 401, 'API_KEY_INVALID'],
      [expect.any(Number), 200, undefined],
    ]);

    const response = await harness.post('/v1/chat/completions', { model: 'gemini-only-dead', messages });
    expect(response.status).toBe(503);
    const text = await response.text();
    expect(JSON.parse(text)).toMatchObject({ error: { code: 'upstream_credentials_rejected' } });
    expect(text).not.toContain(DEAD_KEY);
  });

  test('an upstream 400 INVALID_ARGUMENT is the client\'s: answered 400, not retried', async () => {
    const response = await harness.post('/v1/chat/completions', { model: 'gemini-bad-request', messages });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: 'INVALID_ARGUMENT' } });
    expect(harness.mock.requests).toHaveLength(1);
  });

  test('input generateContent cannot express is a 400 naming the field, nothing sent upstream', async () => {
    const response = await harness.post('/v1/chat/completions', { model: MODEL, messages: [{ role: 'narrator', content: 'x' }] });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: 'invalid_request', message: expect.stringContaining('messages[0].role') } });
    expect(harness.mock.requests).toHaveLength(0);
    const [outcome] = await harness.waitForOutcomes(1);
    expect(outcome).toMatchObject({ status: 400, endState: 'failed_before_output', cost: 0 });
  });

  test('an in-band error event mid-stream: the chunks before it, one error event, no [DONE], partial usage', async () => {
    const read = await rawStream('gemini-error-event');
    expect(read.status).toBe(200);
    expect(read.chunks.length).toBeGreaterThan(5);
    for (const chunk of read.chunks) expectConforms('CreateChatCompletionStreamResponse', chunk);
    expect(read.errors).toEqual([{ error: { type: 'upstream_error', code: 'UNAVAILABLE', message: expect.any(String) } }]);
    expect(read.data).not.toContain('[DONE]');
    expect(read.data.at(-1)).toContain('"error"');
    const [outcome] = await harness.waitForOutcomes(1);
    expect(outcome).toMatchObject({ status: 200, endState: 'upstream_error', errorCode: 'UNAVAILABLE', partial: true });
    expect(outcome?.usage.estimated).toBe(true);
    expect(outcome?.usage.completionTokens).toBeGreaterThan(0);
    expect(deliveredText(read.chunks).length).toBeGreaterThan(0);
    expect(harness.mock.requests[0]?.reply.ending).toBe('error-event');
  });

  test('a reset mid-stream ends with one error event and no [DONE]', async () => {
    const read = await rawStream('gemini-reset');
    expect(read.status).toBe(200);
    expect(read.chunks.length).toBeGreaterThan(5);
    expect(read.errors).toEqual([{ error: expect.objectContaining({ code: 'connection_failed' }) }]);
    expect(read.data).not.toContain('[DONE]');
    const [outcome] = await harness.waitForOutcomes(1);
    expect(outcome).toMatchObject({ endState: 'upstream_error', partial: true });
  });

  const finishReasons = (chunks: Record<string, unknown>[]): unknown[] =>
    chunks.map((chunk) => (chunk.choices as { finish_reason?: string | null }[])[0]?.finish_reason).filter((reason) => reason !== null && reason !== undefined);

  test('a FIN mid-stream (fin-after-chunks, chunked body) is not completed: one error event, no [DONE]', async () => {
    const read = await rawStream('gemini-fin');
    expect(read.status).toBe(200);
    expect(read.chunks.length).toBeGreaterThan(5);
    expect(finishReasons(read.chunks)).toEqual([]);
    expect(read.errors).toEqual([{ error: expect.objectContaining({ code: 'connection_failed' }) }]);
    expect(read.data).not.toContain('[DONE]');
    const [outcome] = await harness.waitForOutcomes(1);
    expect(outcome).toMatchObject({ endState: 'upstream_error', partial: true });
    expect(outcome?.usage.estimated).toBe(true);
  });

  test('a body that ends properly before any finishReason is truncated, not completed (Gemini has no end marker)', async () => {
    const read = await rawStream('gemini-clean-cut');
    expect(read.status).toBe(200);
    expect(read.chunks.length).toBeGreaterThan(5);
    expect(finishReasons(read.chunks)).toEqual([]);
    expect(read.errors).toEqual([{ error: expect.objectContaining({ code: 'stream_truncated' }) }]);
    expect(read.data).not.toContain('[DONE]');
    const [outcome] = await harness.waitForOutcomes(1);
    expect(outcome).toMatchObject({ endState: 'upstream_error', errorCode: 'stream_truncated', partial: true });
    expect(outcome?.usage.estimated).toBe(true);
    expect(outcome?.usage.completionTokens).toBeGreaterThan(0);
  });

  test('the SDK surfaces a cut stream as an error, never as a finished answer', async () => {
    const stream = await client.chat.completions.create({ model: 'gemini-fin', stream: true, messages });
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
