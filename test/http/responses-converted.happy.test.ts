/**
 * Responses clients (the official `openai` client's `responses` API, Codex) on channels that speak only chat —
 * `anthropic`, `gemini` and the chat-only `deepseek` preset — through the mock upstream: the request is converted
 * to the hub and on to the channel's own API, and the answer comes back as a Response or as Responses events that
 * the SDK parses, in the documented order with consecutive sequence numbers, every object held to OpenAI's
 * OpenAPI schemas; function tools make the round trip (function_call → function_call_output → text), and usage
 * is the upstream's, billed exactly.
 */
import { afterAll, beforeEach, describe, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { expectConforms } from '../helpers/openai-schema.ts';
import { type RelayHarness, splitSse, startRelayHarness } from '../helpers/relay-harness.ts';
import { mockUsage } from '../helpers/relay-streams.ts';

const harness: RelayHarness = await startRelayHarness();
afterAll(() => harness.stop());
beforeEach(() => harness.reset());

const claude = await harness.addChannel({ name: 'claude', type: 'anthropic', models: ['codex-claude'], modelMapping: { 'codex-claude': 'claude-sonnet-4-5' } });
const gemini = await harness.addChannel({ name: 'gemini', type: 'gemini', models: ['codex-gemini'], modelMapping: { 'codex-gemini': 'gemini-2.5-flash' } });
const deepseek = await harness.addChannel({ name: 'deepseek', type: 'deepseek', models: ['codex-deepseek'], modelMapping: { 'codex-deepseek': 'deepseek-chat' } });
for (const model of ['codex-claude', 'codex-gemini', 'codex-deepseek']) await harness.deps.prices.set(model, { input: '3', output: '15' });
await harness.reload();

const client = harness.client();
const TEXT = 'Hello from the mock upstream with a quick';
const WEATHER: OpenAI.Responses.FunctionTool = {
  type: 'function',
  name: 'get_weather',
  description: 'The weather in a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  strict: false,
};

interface ChannelCase {
  readonly type: string;
  readonly model: string;
  readonly channelId: number;
  /** Where the converted request lands on the mock. */
  readonly path: string;
}

const CASES: readonly ChannelCase[] = [
  { type: 'anthropic', model: 'codex-claude', channelId: claude.id, path: '/v1/messages' },
  { type: 'gemini', model: 'codex-gemini', channelId: gemini.id, path: '/v1beta/models/gemini-2.5-flash:generateContent' },
  { type: 'deepseek', model: 'codex-deepseek', channelId: deepseek.id, path: '/v1/chat/completions' },
];

/** $3 and $15 per 1M tokens are 3 and 15 micro-USD per token; one charge, rounded up once. */
function expectBilledAsReported(outcome: { usage: { promptTokens: number; completionTokens: number; estimated: boolean }; cost: number } | undefined): void {
  const usage = mockUsage(harness);
  expect(outcome?.usage).toMatchObject({ promptTokens: usage.promptTokens, completionTokens: usage.completionTokens, estimated: false });
  expect(outcome?.cost).toBe(Math.ceil(usage.promptTokens * 3 + usage.completionTokens * 15));
  expect(outcome?.cost).toBeGreaterThan(0);
}

/** A raw Responses stream: every event named by its type, held to the schema, numbered 0, 1, 2 … */
async function rawEvents(body: Record<string, unknown>): Promise<Record<string, unknown>[]> {
  const response = await harness.post('/v1/responses', { ...body, stream: true });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toStartWith('text/event-stream');
  const { events } = splitSse(await response.text());
  const payloads = events.map((event) => JSON.parse(event.data) as Record<string, unknown>);
  payloads.forEach((payload, index) => {
    expect(events[index]?.event).toBe(payload.type as string);
    expectConforms('ResponseStreamEvent', payload);
    expect(payload.sequence_number).toBe(index);
  });
  return payloads;
}

describe.each(CASES)('a Responses client on a $type channel (converted)', ({ model, channelId, path }) => {
  test('non-stream: a Response the SDK reads, echoing the request, with the upstream usage billed', async () => {
    const response = await client.responses.create({ model, instructions: 'Be brief.', input: 'Hi', temperature: 0, max_output_tokens: 256 });
    expectConforms('Response', response);
    expect(response).toMatchObject({ object: 'response', status: 'completed', model, instructions: 'Be brief.', temperature: 0, max_output_tokens: 256, store: false });
    expect(response.output_text).toBe(TEXT);
    const usage = mockUsage(harness);
    expect(response.usage).toMatchObject({ input_tokens: usage.promptTokens, output_tokens: usage.completionTokens });

    const sent = harness.mock.requests[0];
    expect(sent?.path).toBe(path);
    const [outcome] = await harness.waitForOutcomes(1);
    expect(outcome).toMatchObject({ endpoint: 'responses', channelId, stream: false, status: 200, endState: 'completed' });
    expect(outcome?.attempts).toEqual([expect.objectContaining({ channelId, status: 200 })]);
    expect(outcome?.attempts[0]?.passthrough).toBeUndefined();
    expectBilledAsReported(outcome);
  });

  test('stream: every event in the documented order, numbered, read by the SDK; usage in response.completed', async () => {
    const payloads = await rawEvents({ model, input: [{ role: 'user', content: [{ type: 'input_text', text: 'Hi' }] }] });
    const types = payloads.map((payload) => payload.type);
    const deltas = types.filter((type) => type === 'response.output_text.delta').length;
    expect(deltas).toBeGreaterThan(0);
    expect(types).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      ...Array.from({ length: deltas }, () => 'response.output_text.delta'),
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    const completed = payloads.at(-1)?.response as Record<string, unknown>;
    const usage = mockUsage(harness);
    expect(completed.usage).toMatchObject({ input_tokens: usage.promptTokens, output_tokens: usage.completionTokens });
    expect(completed.output).toEqual([expect.objectContaining({ type: 'message', status: 'completed', content: [expect.objectContaining({ type: 'output_text', text: TEXT })] })]);
    const [outcome] = await harness.waitForOutcomes(1);
    expect(outcome).toMatchObject({ endpoint: 'responses', channelId, stream: true, endState: 'completed', partial: false });
    expectBilledAsReported(outcome);
    await harness.reset();

    const final = await client.responses.stream({ model, input: 'Hi' }).finalResponse();
    expectConforms('Response', final);
    expect(final.output_text).toBe(TEXT);
  });

  test('function tools, non-stream: function_call, then function_call_output, then the answer', async () => {
    const input: OpenAI.Responses.ResponseInputItem[] = [{ role: 'user', content: 'Please call a tool for the weather in Paris.' }];
    const first = await client.responses.create({ model, input, tools: [WEATHER] });
    expectConforms('Response', first);
    const call = first.output.find((item) => item.type === 'function_call');
    expect(call).toMatchObject({ type: 'function_call', name: 'get_weather', status: 'completed' });
    if (call?.type !== 'function_call') throw new Error('no function call');
    expect(JSON.parse(call.arguments)).toEqual({ city: expect.any(String) });
    expect(first.tools).toEqual([expect.objectContaining({ type: 'function', name: 'get_weather' })]);
    await harness.reset();

    const second = await client.responses.create({
      model,
      tools: [WEATHER],
      input: [...input, call, { type: 'function_call_output', call_id: call.call_id, output: '{"temperature": 21}' }],
    });
    expectConforms('Response', second);
    expect(second.output_text).toBe(TEXT);
    // The tool's answer reached the upstream, in its own dialect.
    expect(JSON.stringify(harness.mock.requests[0]?.json)).toContain('temperature');
    const [outcome] = await harness.waitForOutcomes(1);
    expect(outcome).toMatchObject({ channelId, endState: 'completed' });
  });

  test('function tools, stream: the call as events (added, argument deltas, done), then the SDK answers it', async () => {
    const input: OpenAI.Responses.ResponseInputItem[] = [{ role: 'user', content: 'Please call a tool for the weather in Paris.' }];
    const payloads = await rawEvents({ model, input, tools: [WEATHER] });
    const types = payloads.map((payload) => payload.type);
    expect(types.slice(0, 3)).toEqual(['response.created', 'response.in_progress', 'response.output_item.added']);
    expect(types.slice(-3)).toEqual(['response.function_call_arguments.done', 'response.output_item.done', 'response.completed']);
    expect(types).toContain('response.function_call_arguments.delta');
    const done = payloads.find((payload) => payload.type === 'response.function_call_arguments.done');
    expect(JSON.parse(done?.arguments as string)).toEqual({ city: expect.any(String) });
    await harness.reset();

    const stream = client.responses.stream({ model, input, tools: [WEATHER] });
    const first = await stream.finalResponse();
    const call = first.output.find((item) => item.type === 'function_call');
    if (call?.type !== 'function_call') throw new Error('no function call');
    expect(call.name).toBe('get_weather');
    const second = await client.responses
      .stream({ model, tools: [WEATHER], input: [...input, call, { type: 'function_call_output', call_id: call.call_id, output: '{"temperature": 21}' }] })
      .finalResponse();
    expect(second.output_text).toBe(TEXT);
  });
});
