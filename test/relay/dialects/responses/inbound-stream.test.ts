/**
 * Hub chunks (https://platform.openai.com/docs/api-reference/chat-streaming/streaming) → Responses stream events,
 * checked against the order of https://platform.openai.com/docs/api-reference/responses-streaming, every event
 * held to OpenAI's ResponseStreamEvent schema, and the whole stream read back by the official SDK's accumulator.
 */
import { describe, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { createResponsesInbound } from '../../../../src/relay/dialects/responses/inbound.ts';
import type { InboundContext, SseOut } from '../../../../src/relay/dialects/types.ts';
import type { JsonBody } from '../../../../src/relay/types.ts';
import { decoded, expectValidOpenAi, hubChunk, hubUsageChunk, sseText } from './fixtures.ts';

const NOW_SECONDS = 1_694_268_199;
const inbound = createResponsesInbound({ now: () => NOW_SECONDS * 1000 });
const context: InboundContext = { model: 'gpt-4o-mini', stream: true };
const usage = { prompt_tokens: 25, completion_tokens: 15, total_tokens: 40, prompt_tokens_details: { cached_tokens: 5 }, completion_tokens_details: { reasoning_tokens: 4 } };

interface Run {
  events: SseOut[];
  typed: [string, Record<string, unknown>][];
}

function run(chunks: JsonBody[], end: 'finish' | { status: number; code: string; message: string } = 'finish', options: Partial<InboundContext> = {}): Run {
  const stream = inbound.createStream({ ...context, ...options });
  const events: SseOut[] = [];
  for (const chunk of chunks) {
    expectValidOpenAi('CreateChatCompletionStreamResponse', chunk);
    events.push(...stream.push(chunk));
  }
  events.push(...(end === 'finish' ? stream.finish() : stream.fail(end)));
  // Nothing after the end.
  expect(stream.finish()).toEqual([]);
  expect(stream.push(hubChunk({ content: 'late' }))).toEqual([]);
  const typed = decoded(events);
  typed.forEach(([, data], index) => {
    expectValidOpenAi('ResponseStreamEvent', data);
    expect(data.sequence_number).toBe(index);
  });
  return { events, typed };
}

/** What the official SDK makes of the events: the final Response its accumulator assembles. */
async function sdkFinal(events: SseOut[]): Promise<OpenAI.Responses.Response> {
  const client = new OpenAI({
    apiKey: 'sk-test',
    baseURL: 'http://sdk.invalid/v1',
    fetch: async () => new Response(sseText(events), { headers: { 'content-type': 'text/event-stream' } }),
  });
  return client.responses.stream({ model: 'gpt-4o-mini', input: 'Hi' }).finalResponse();
}

const place = { item_id: 'msg_123_0', output_index: 0, content_index: 0 };

describe('hub stream → Responses events', () => {
  test('text: the full event list, in the documented order', () => {
    const { typed } = run([hubChunk({ role: 'assistant', content: '' }), hubChunk({ content: 'Hello' }), hubChunk({ content: '!' }), hubChunk({}, 'stop'), hubUsageChunk(usage)]);
    const response = (status: string, extra: JsonBody = {}) => expect.objectContaining({ id: 'resp_123', object: 'response', created_at: 1694268190, status, model: 'gpt-4o-mini', ...extra });
    const message = (status: string, content: JsonBody[]) => ({ id: 'msg_123_0', type: 'message', status, role: 'assistant', content });
    const part = (text: string) => ({ type: 'output_text', text, annotations: [], logprobs: [] });
    const payloads = typed.map(([type, data]): [string, Record<string, unknown>] => {
      const { type: _type, sequence_number: _sequence, ...payload } = data;
      return [type, payload];
    });
    expect(payloads).toEqual([
      ['response.created', { response: response('in_progress', { output: [] }) }],
      ['response.in_progress', { response: response('in_progress', { output: [] }) }],
      ['response.output_item.added', { output_index: 0, item: message('in_progress', []) }],
      ['response.content_part.added', { ...place, part: part('') }],
      ['response.output_text.delta', { ...place, delta: 'Hello', logprobs: [] }],
      ['response.output_text.delta', { ...place, delta: '!', logprobs: [] }],
      ['response.output_text.done', { ...place, text: 'Hello!', logprobs: [] }],
      ['response.content_part.done', { ...place, part: part('Hello!') }],
      ['response.output_item.done', { output_index: 0, item: message('completed', [part('Hello!')]) }],
      [
        'response.completed',
        {
          response: response('completed', {
            completed_at: NOW_SECONDS,
            output: [message('completed', [part('Hello!')])],
            usage: { input_tokens: 25, input_tokens_details: { cached_tokens: 5, cache_write_tokens: 0 }, output_tokens: 15, output_tokens_details: { reasoning_tokens: 4 }, total_tokens: 40 },
          }),
        },
      ],
    ]);
    expect((typed.at(-1)?.[1].response as JsonBody).usage).toBeDefined();
    // In-progress snapshots carry no usage.
    expect((typed[0]?.[1].response as JsonBody).usage).toBeUndefined();
  });

  test('reasoning, text and two interleaved tool calls: each item whole, the SDK assembles the same answer', async () => {
    const chunks = [
      hubChunk({ role: 'assistant', content: '' }),
      hubChunk({ reasoning_content: 'The user wants ' }),
      hubChunk({ reasoning_content: 'two cities.' }),
      hubChunk({ content: 'Checking both.' }),
      hubChunk({ tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '' } }] }),
      hubChunk({ tool_calls: [{ index: 0, function: { arguments: '{"location":' } }] }),
      hubChunk({ tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'get_weather', arguments: '{"location":' } }] }),
      hubChunk({ tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] }),
      hubChunk({ tool_calls: [{ index: 1, function: { arguments: '"Bogotá"}' } }] }),
      hubChunk({}, 'tool_calls'),
      hubUsageChunk(usage),
    ];
    const { typed, events } = run(chunks);
    expect(typed.map(([type]) => type)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.reasoning_summary_part.added',
      'response.reasoning_summary_text.delta',
      'response.reasoning_summary_text.delta',
      'response.reasoning_summary_text.done',
      'response.reasoning_summary_part.done',
      'response.output_item.done',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.output_item.added',
      'response.function_call_arguments.delta',
      'response.output_item.added',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.completed',
    ]);
    const argumentsDone = typed.filter(([type]) => type === 'response.function_call_arguments.done').map(([, data]) => data);
    expect(argumentsDone).toEqual([
      expect.objectContaining({ item_id: 'fc_123_2', output_index: 2, name: 'get_weather', arguments: '{"location":"Paris"}' }),
      expect.objectContaining({ item_id: 'fc_123_3', output_index: 3, name: 'get_weather', arguments: '{"location":"Bogotá"}' }),
    ]);
    const final = await sdkFinal(events);
    expect(final.status).toBe('completed');
    expect(final.output_text).toBe('Checking both.');
    expect(final.output.map((item) => item.type)).toEqual(['reasoning', 'message', 'function_call', 'function_call']);
    expect(final.output[0]).toMatchObject({ type: 'reasoning', summary: [{ type: 'summary_text', text: 'The user wants two cities.' }] });
    expect(final.output.slice(2)).toMatchObject([
      { id: 'fc_123_2', type: 'function_call', status: 'completed', call_id: 'call_a', name: 'get_weather', arguments: '{"location":"Paris"}' },
      { id: 'fc_123_3', type: 'function_call', status: 'completed', call_id: 'call_b', name: 'get_weather', arguments: '{"location":"Bogotá"}' },
    ]);
    expect(final.usage?.output_tokens_details.reasoning_tokens).toBe(4);
  });

  test('a length ending is response.incomplete with max_output_tokens, the message incomplete', async () => {
    const { typed, events } = run([hubChunk({ role: 'assistant', content: '' }), hubChunk({ content: 'Once upon a' }), hubChunk({}, 'length'), hubUsageChunk(usage)]);
    const [type, data] = typed.at(-1) ?? [];
    expect(type).toBe('response.incomplete');
    expect(data?.response).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' }, completed_at: null });
    expect(typed.find(([name]) => name === 'response.output_item.done')?.[1].item).toMatchObject({ status: 'incomplete' });
    const final = await sdkFinal(events);
    expect(final.status).toBe('incomplete');
    expect(final.output_text).toBe('Once upon a');
  });

  test('a refusal streams as a refusal part; without a usage chunk the terminal response has no usage', () => {
    const { typed } = run([hubChunk({ role: 'assistant', content: '' }), hubChunk({ refusal: "I'm sorry" }), hubChunk({ refusal: ', I cannot.' }), hubChunk({}, 'stop')]);
    expect(typed.map(([type]) => type).slice(2, -1)).toEqual([
      'response.output_item.added',
      'response.content_part.added',
      'response.refusal.delta',
      'response.refusal.delta',
      'response.refusal.done',
      'response.content_part.done',
      'response.output_item.done',
    ]);
    expect(typed.find(([type]) => type === 'response.refusal.done')?.[1]).toMatchObject({ refusal: "I'm sorry, I cannot." });
    expect((typed.at(-1)?.[1].response as JsonBody).usage).toBeUndefined();
  });

  test('an empty stream still announces and completes the response', async () => {
    const { typed, events } = run([]);
    expect(typed.map(([type]) => type)).toEqual(['response.created', 'response.in_progress', 'response.completed']);
    expect((await sdkFinal(events)).output).toEqual([]);
  });

  test('the client request, when given, is echoed in every snapshot', () => {
    const { typed } = run([hubChunk({ content: 'Hi' }), hubChunk({}, 'stop')], 'finish', { request: { model: 'gpt-4o-mini', input: 'Hi', instructions: 'Be brief.', temperature: 0 } });
    for (const [, data] of typed.filter(([type]) => type.startsWith('response.') && !type.includes('.', 'response.'.length))) {
      expect(data.response).toMatchObject({ instructions: 'Be brief.', temperature: 0 });
    }
  });
});

describe('a cut stream', () => {
  test('mid-answer: an error event with the gateway code, then response.failed holding the items so far', async () => {
    const error = { status: 502, code: 'stream_truncated', message: 'the upstream ended the stream before it was complete' };
    const { typed, events } = run([hubChunk({ role: 'assistant', content: '' }), hubChunk({ content: 'Hel' })], error);
    expect(typed.map(([type]) => type)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'error',
      'response.failed',
    ]);
    expect(typed.at(-2)?.[1]).toEqual({ type: 'error', sequence_number: 5, code: 'stream_truncated', message: error.message, param: null });
    expect(typed.at(-1)?.[1].response).toMatchObject({
      status: 'failed',
      error: { code: 'server_error', message: error.message },
      output: [{ type: 'message', status: 'incomplete', content: [{ type: 'output_text', text: 'Hel' }] }],
    });
    expect(typed.map(([type]) => type)).not.toContain('response.completed');
    // The SDK surfaces it as an error, never as a finished answer.
    await expect(sdkFinal(events)).rejects.toThrow(OpenAI.APIError);
  });

  test('a rate limit is rate_limit_exceeded in response.error', () => {
    const { typed } = run([hubChunk({ content: 'x' })], { status: 429, code: 'rate_limit_exceeded', message: 'slow down' });
    expect(typed.at(-1)?.[1].response).toMatchObject({ error: { code: 'rate_limit_exceeded' } });
  });

  test('before anything was sent: the error event alone', () => {
    const { typed } = run([], { status: 0, code: 'idle_timeout', message: 'no event for 300 s' });
    expect(typed).toEqual([['error', { type: 'error', sequence_number: 0, code: 'idle_timeout', message: 'no event for 300 s', param: null }]]);
  });
});
