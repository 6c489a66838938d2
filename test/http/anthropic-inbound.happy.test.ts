/**
 * The official `@anthropic-ai/sdk` pointed at the gateway's Anthropic Messages surface, relayed to OpenAI-type
 * channels on the mock upstream (Claude-style clients on an OpenAI-compatible model): whole and streamed
 * messages with the raw event order, a tool use round trip, count_tokens, the model list in Anthropic's shape
 * (and OpenAI's still, without `anthropic-version`), both key headers, and the outcome billed like any request.
 */
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeEach, describe, expect, test } from 'bun:test';
import { type RelayHarness, splitSse, startRelayHarness } from '../helpers/relay-harness.ts';

// `quiet`: its parts 1.3 s apart — past the harness's 1 s keep-alive, within its 2 s idle timeout; it takes
// about 4 s in all, hence the longer total timeout (as in openai-stream.error.test.ts).
const harness: RelayHarness = await startRelayHarness({ env: { RELAY_TIMEOUT: '6' }, mock: { scripts: { quiet: { chunks: 1, chunkDelayMs: 1300, usage: 'absent' } } } });
afterAll(() => harness.stop());
beforeEach(() => harness.reset());

const MODEL = 'claude-opus-4-7';
await harness.addChannel({
  name: 'claude-on-openai',
  models: [MODEL, 'claude-tools', 'claude-priced', 'claude-quiet'],
  modelMapping: { [MODEL]: 'gpt-4o-mini', 'claude-tools': 'mock/tool-call', 'claude-priced': 'gpt-4o-mini', 'claude-quiet': 'mock/quiet' },
});
await harness.deps.prices.set('claude-priced', { input: '3', output: '15' });
await harness.reload();

const TEXT = 'Hello from the mock upstream with a quick';
const WEATHER = {
  name: 'get_weather',
  description: 'The weather in a city',
  input_schema: { type: 'object' as const, properties: { city: { type: 'string' } }, required: ['city'] },
};

const client = new Anthropic({ apiKey: harness.key, baseURL: harness.url, maxRetries: 0, timeout: 10_000 });

function textOf(message: Anthropic.Message): string {
  return message.content.map((block) => (block.type === 'text' ? block.text : '')).join('');
}

async function rawStreamEvents(body: Record<string, unknown>): Promise<{ event: string | undefined; data: Record<string, unknown> }[]> {
  const response = await harness.post('/v1/messages', { model: MODEL, max_tokens: 256, stream: true, messages: [{ role: 'user', content: 'Hi' }], ...body }, { headers: { 'anthropic-version': '2023-06-01' } });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toStartWith('text/event-stream');
  expect(response.headers.get('cache-control')).toBe('no-cache');
  return splitSse(await response.text()).events.map((event) => ({ event: event.event, data: JSON.parse(event.data) as Record<string, unknown> }));
}

describe('messages', () => {
  test('non-stream: the text, usage mapped from the hub, one completed outcome; the hub request is a chat completion', async () => {
    const message = await client.messages.create({ model: MODEL, max_tokens: 256, system: 'Be brief.', messages: [{ role: 'user', content: 'Hi' }] });
    expect(message).toMatchObject({ type: 'message', role: 'assistant', model: MODEL, stop_reason: 'end_turn' });
    expect(message.id).toStartWith('msg_');
    expect(textOf(message)).toBe(TEXT);
    const [outcome] = await harness.waitForOutcomes(1);
    expect(outcome).toMatchObject({ endpoint: 'chat-completions', requestedModel: MODEL, upstreamModel: 'gpt-4o-mini', stream: false, status: 200, endState: 'completed' });
    expect(message.usage).toMatchObject({ input_tokens: outcome?.usage.promptTokens, output_tokens: 8 });
    expect(harness.mock.requests[0]?.json).toMatchObject({
      model: 'gpt-4o-mini',
      max_tokens: 256,
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi' },
      ],
    });
  });

  test('stream: finalMessage() has the text; the raw events come in Anthropic order with usage in message_delta', async () => {
    const final = await client.messages.stream({ model: MODEL, max_tokens: 256, messages: [{ role: 'user', content: 'Hi' }] }).finalMessage();
    expect(textOf(final)).toBe(TEXT);
    expect(final.stop_reason).toBe('end_turn');
    expect(final.usage.output_tokens).toBe(8);

    const events = await rawStreamEvents({});
    const names = events.map((event) => event.event);
    expect(names.slice(0, 3)).toEqual(['message_start', 'content_block_start', 'ping']);
    expect(names.slice(-3)).toEqual(['content_block_stop', 'message_delta', 'message_stop']);
    expect(new Set(names.slice(3, -3))).toEqual(new Set(['content_block_delta']));
    for (const event of events) expect(event.data.type).toBe(event.event);
    expect(events.at(-2)?.data).toMatchObject({ delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 8 } });

    const outcomes = await harness.waitForOutcomes(2);
    expect(outcomes.map((outcome) => [outcome.stream, outcome.endState, outcome.partial])).toEqual([
      [true, 'completed', false],
      [true, 'completed', false],
    ]);
    // The hub stream was asked for its usage chunk.
    expect(harness.mock.requests[0]?.json).toMatchObject({ stream: true, stream_options: { include_usage: true } });
  });

  test("a quiet stream: the relay's keep-alive comments pass through, the SDK ignores them; estimated usage still reaches message_delta", async () => {
    const response = await harness.post('/v1/messages', { model: 'claude-quiet', max_tokens: 256, stream: true, messages: [{ role: 'user', content: 'Hi' }] });
    const { events, comments } = splitSse(await response.text());
    expect(comments.length).toBeGreaterThan(0);
    expect(events.map((event) => event.event).at(-1)).toBe('message_stop');
    expect(JSON.parse(events.at(-2)?.data ?? '{}')).toMatchObject({ type: 'message_delta', usage: { output_tokens: expect.any(Number) } });
    const [outcome] = await harness.waitForOutcomes(1);
    expect(outcome).toMatchObject({ endState: 'completed', usage: { estimated: true } });
  }, 10_000);

  test('tool use round trip: tool_use block (whole and streamed, input JSON reassembled), then the tool_result answered', async () => {
    const question: Anthropic.MessageParam = { role: 'user', content: 'Weather in Paris?' };
    const called = await client.messages.create({ model: 'claude-tools', max_tokens: 256, tools: [WEATHER], messages: [question] });
    expect(called.stop_reason).toBe('tool_use');
    const toolUse = called.content.find((block) => block.type === 'tool_use');
    expect(toolUse).toMatchObject({ type: 'tool_use', name: 'get_weather', input: { city: 'mock' } });

    const streamed = await client.messages.stream({ model: 'claude-tools', max_tokens: 256, tools: [WEATHER], messages: [question] }).finalMessage();
    expect(streamed.stop_reason).toBe('tool_use');
    expect(streamed.content.find((block) => block.type === 'tool_use')).toMatchObject({ name: 'get_weather', input: { city: 'mock' } });

    if (toolUse?.type !== 'tool_use') throw new Error('no tool_use block');
    const answered = await client.messages.create({
      model: MODEL,
      max_tokens: 256,
      tools: [WEATHER],
      messages: [question, { role: 'assistant', content: called.content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: toolUse.id, content: 'Sunny, 21 °C' }] }],
    });
    expect(answered.stop_reason).toBe('end_turn');
    expect(textOf(answered)).toBe(TEXT);
    const hubMessages = (harness.mock.requests[2]?.json as { messages: Record<string, unknown>[] }).messages;
    expect(hubMessages.slice(1)).toMatchObject([
      { role: 'assistant', tool_calls: [{ id: toolUse.id, type: 'function', function: { name: 'get_weather' } }] },
      { role: 'tool', tool_call_id: toolUse.id, content: 'Sunny, 21 °C' },
    ]);
  });

  test('a priced model is billed: the outcome carries the cost of the hub usage', async () => {
    const message = await client.messages.create({ model: 'claude-priced', max_tokens: 256, messages: [{ role: 'user', content: 'Hi' }] });
    const [outcome] = await harness.waitForOutcomes(1);
    // $3 and $15 per million tokens: 3 and 15 micro-USD per token.
    expect(outcome?.cost).toBe(message.usage.input_tokens * 3 + message.usage.output_tokens * 15);
    expect(outcome?.cost).toBeGreaterThan(0);
    expect(outcome?.billing?.state).toBe('settled');
  });
});

describe('keys', () => {
  test('the key as Authorization: Bearer (what the SDK sends for apiKey) and as x-api-key', async () => {
    const viaHeader = await fetch(`${harness.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': harness.key, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, max_tokens: 16, messages: [{ role: 'user', content: 'Hi' }] }),
    });
    expect(viaHeader.status).toBe(200);
    expect(((await viaHeader.json()) as { type: string }).type).toBe('message');
    const viaToken = new Anthropic({ authToken: harness.key, apiKey: null, baseURL: harness.url, maxRetries: 0 });
    expect(textOf(await viaToken.messages.create({ model: MODEL, max_tokens: 16, messages: [{ role: 'user', content: 'Hi' }] }))).toBe(TEXT);
  });
});

describe('count_tokens and models', () => {
  test('count_tokens counts the converted prompt locally, without calling the upstream', async () => {
    const short = await client.messages.countTokens({ model: MODEL, messages: [{ role: 'user', content: 'Hi' }] });
    const long = await client.messages.countTokens({
      model: MODEL,
      system: 'You are a helpful assistant who answers in full sentences.',
      tools: [WEATHER],
      messages: [{ role: 'user', content: 'What is the weather like in Paris today, and should I bring an umbrella?' }],
    });
    expect(short.input_tokens).toBeGreaterThan(0);
    expect(long.input_tokens).toBeGreaterThan(short.input_tokens + 20);
    expect(harness.mock.requests).toHaveLength(0);
  });

  test("models list and retrieve in Anthropic's shape with anthropic-version; OpenAI's shape without it", async () => {
    const page = await client.models.list();
    const ids = page.data.map((model) => model.id);
    expect(ids).toEqual(expect.arrayContaining([MODEL, 'claude-tools', 'claude-priced']));
    const raw = (await (await fetch(`${harness.url}/v1/models`, { headers: { 'x-api-key': harness.key, 'anthropic-version': '2023-06-01' } })).json()) as Record<string, unknown>;
    expect(raw).toMatchObject({ has_more: false, first_id: ids[0], last_id: ids.at(-1) });
    expect((raw.data as unknown[])[0]).toEqual({ type: 'model', id: ids[0], display_name: ids[0], created_at: '1970-01-01T00:00:00Z' });
    expect(await client.models.retrieve(MODEL)).toMatchObject({ type: 'model', id: MODEL });

    const limited = new Anthropic({ apiKey: await harness.createKey({ models: [MODEL] }), baseURL: harness.url, maxRetries: 0 });
    expect((await limited.models.list()).data.map((model) => model.id)).toEqual([MODEL]);

    const openAi = (await (await fetch(`${harness.url}/v1/models`, { headers: { authorization: `Bearer ${harness.key}` } })).json()) as Record<string, unknown>;
    expect(openAi).toMatchObject({ object: 'list', data: expect.arrayContaining([{ id: MODEL, object: 'model', created: 0, owned_by: 'gateway' }]) });
  });
});

describe('Anthropic clients on Anthropic channels', () => {
  test("the client's beta features reach the upstream once each; the answer converts back", async () => {
    await harness.addChannel({ type: 'anthropic', name: 'claude-native', models: ['claude-beta'] });
    const message = await client.beta.messages.create({
      model: 'claude-beta',
      max_tokens: 64,
      betas: ['interleaved-thinking-2025-05-14', 'context-1m-2025-08-07', 'interleaved-thinking-2025-05-14'],
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(message.content[0]?.type).toBe('text');
    const upstream = harness.mock.requests.at(-1);
    expect(upstream?.path).toBe('/v1/messages');
    expect(upstream?.headers['anthropic-beta']).toBe('interleaved-thinking-2025-05-14,context-1m-2025-08-07');
    expect(upstream?.headers['x-api-key']).toStartWith('sk-CANARY-CH-');
  });
});
