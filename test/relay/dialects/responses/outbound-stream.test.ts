/**
 * Responses streams (the reference's "Streaming" example, the function-calling guide's streamed call, reasoning
 * summary events, the error / failed / incomplete events' examples) → hub chunks, each validated against OpenAI's
 * CreateChatCompletionStreamResponse schema.
 */
import { describe, expect, test } from 'bun:test';
import { createResponsesOutbound } from '../../../../src/relay/dialects/responses/outbound.ts';
import type { NativeToHubStream } from '../../../../src/relay/dialects/types.ts';
import { UpstreamError } from '../../../../src/relay/errors.ts';
import { asRecord } from '../../../../src/relay/json-record.ts';
import type { JsonBody } from '../../../../src/relay/types.ts';
import { errorEvent, expectValidOpenAi, failedEvent, functionCallStream, incompleteEvent, outboundContext, parseSse, reasoningStream, textStream } from './fixtures.ts';

const outbound = createResponsesOutbound({ now: () => 1_700_000_000_000 });

function run(text: string, settings: Record<string, unknown> = {}): { chunks: JsonBody[]; stream: NativeToHubStream } {
  const stream = outbound.createStream(outboundContext(settings, true));
  const chunks: JsonBody[] = [];
  for (const event of parseSse(text)) {
    expect(stream.completed).toBe(false);
    chunks.push(...stream.push(event));
  }
  for (const chunk of chunks) expectValidOpenAi('CreateChatCompletionStreamResponse', chunk);
  return { chunks, stream };
}

function thrown(run: () => unknown): UpstreamError {
  try {
    run();
  } catch (error) {
    if (error instanceof UpstreamError) return error;
    throw error;
  }
  throw new Error('expected an UpstreamError');
}

const deltas = (chunks: JsonBody[]): (JsonBody | undefined)[] => chunks.map((chunk) => asRecord((chunk.choices as JsonBody[])[0]?.delta));
const chunkOf = (id: string, model: string, created: number, delta: JsonBody, finishReason: string | null = null) => ({
  id,
  object: 'chat.completion.chunk',
  created,
  model,
  choices: [{ index: 0, delta, finish_reason: finishReason }],
});

describe('Responses stream → hub chunks', () => {
  test('"Streaming": role, text deltas, finish, usage chunk; completed at response.completed', () => {
    const { chunks, stream } = run(textStream);
    const chunk = (delta: JsonBody, finish: string | null = null) => chunkOf('resp_67c9fdcecf488190bdd9a0409de3a1ec07b8b0ad4e5eb654', 'gpt-5.4', 1741290958, delta, finish);
    expect(chunks).toEqual([
      chunk({ role: 'assistant', content: '' }),
      chunk({ content: 'Hi' }),
      chunk({ content: ' there! How can I assist you today?' }),
      chunk({}, 'stop'),
      {
        ...chunk({}),
        choices: [],
        usage: {
          prompt_tokens: 37,
          completion_tokens: 11,
          total_tokens: 48,
          prompt_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 },
          completion_tokens_details: { reasoning_tokens: 0 },
        },
      },
    ]);
    expect(stream.completed).toBe(true);
    expect(stream.usage()).toMatchObject({ promptTokens: 37, completionTokens: 11, totalTokens: 48, estimated: false });
    // Anything after the end is ignored.
    expect(stream.push({ event: 'response.output_text.delta', data: '{"type":"response.output_text.delta","delta":"late"}' })).toEqual([]);
  });

  test('the function-calling guide\'s stream: one tool call, its fragments, finish tool_calls (data-only events)', () => {
    const { chunks, stream } = run(functionCallStream);
    expect(deltas(chunks)).toEqual([
      { role: 'assistant', content: '' },
      { tool_calls: [{ index: 0, id: 'call_1234xyz', type: 'function', function: { name: 'get_weather', arguments: '' } }] },
      { tool_calls: [{ index: 0, function: { arguments: '{"' } }] },
      { tool_calls: [{ index: 0, function: { arguments: 'location' } }] },
      { tool_calls: [{ index: 0, function: { arguments: '":"' } }] },
      { tool_calls: [{ index: 0, function: { arguments: 'Paris' } }] },
      { tool_calls: [{ index: 0, function: { arguments: ', France' } }] },
      { tool_calls: [{ index: 0, function: { arguments: '"}' } }] },
      {},
      undefined,
    ]);
    expect((chunks.at(-2)?.choices as JsonBody[])[0]?.finish_reason).toBe('tool_calls');
    const joined = chunks.flatMap((chunk) => (asRecord((chunk.choices as JsonBody[])[0]?.delta)?.tool_calls as JsonBody[] | undefined) ?? []).map((call) => asRecord(call.function)?.arguments).join('');
    expect(JSON.parse(joined)).toEqual({ location: 'Paris, France' });
    expect(stream.completed).toBe(true);
  });

  test('arguments that come only whole (in .done or output_item.done) are sent once', () => {
    const events = `data: {"type":"response.output_item.added","output_index":0,"item":{"type":"function_call","id":"fc_1","call_id":"call_1","name":"now","arguments":""}}

data: {"type":"response.function_call_arguments.done","item_id":"fc_1","output_index":0,"arguments":"{}"}

data: {"type":"response.output_item.done","output_index":0,"item":{"type":"function_call","id":"fc_1","call_id":"call_1","name":"now","arguments":"{}"}}

data: {"type":"response.output_item.done","output_index":1,"item":{"type":"function_call","id":"fc_2","call_id":"call_2","name":"later","arguments":"{\\"in\\":1}"}}

data: {"type":"response.completed","response":{"id":"resp_1","status":"completed","output":[]}}
`;
    const { chunks } = run(events);
    expect(deltas(chunks)).toEqual([
      { role: 'assistant', content: '' },
      { tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'now', arguments: '' } }] },
      { tool_calls: [{ index: 0, function: { arguments: '{}' } }] },
      { tool_calls: [{ index: 1, id: 'call_2', type: 'function', function: { name: 'later', arguments: '' } }] },
      { tool_calls: [{ index: 1, function: { arguments: '{"in":1}' } }] },
      {},
    ]);
  });

  test('reasoning summary deltas are reasoning_content, parts a paragraph apart; usage counts reasoning tokens', () => {
    const { chunks, stream } = run(reasoningStream);
    expect(deltas(chunks).slice(0, 5)).toEqual([
      { role: 'assistant', content: '' },
      { reasoning_content: '**Responding to a greeting**\n\nThe user just said, "Hello!"' },
      { reasoning_content: '\n\n' },
      { reasoning_content: '**Greeting back**' },
      { content: 'Hello!' },
    ]);
    expect(stream.usage()).toMatchObject({ completionTokens: 150, reasoningTokens: 128 });
  });

  test('with thinking_to_content the reasoning is content inside <think>, closed before the answer', () => {
    const { chunks } = run(reasoningStream, { thinking_to_content: true });
    const text = deltas(chunks)
      .map((delta) => delta?.content ?? '')
      .join('');
    expect(text).toBe('<think>\n**Responding to a greeting**\n\nThe user just said, "Hello!"\n\n**Greeting back**\n</think>\n\nHello!');
    expect(deltas(chunks).some((delta) => delta?.reasoning_content !== undefined)).toBe(false);
  });

  test('response.incomplete ends the stream with length (the example spells the reason max_tokens); no usage reported', () => {
    const { chunks, stream } = run(incompleteEvent);
    expect(deltas(chunks)).toEqual([{ role: 'assistant', content: '' }, {}]);
    expect((chunks.at(-1)?.choices as JsonBody[])[0]?.finish_reason).toBe('length');
    expect(stream.completed).toBe(true);
    expect(stream.usage()).toBeUndefined();
  });

  test('a refusal delta is a refusal chunk', () => {
    const { chunks } = run(`data: {"type":"response.refusal.delta","item_id":"msg_1","output_index":0,"content_index":0,"delta":"I can't"}
`);
    expect(deltas(chunks)).toEqual([{ role: 'assistant', content: '' }, { refusal: "I can't" }]);
  });
});

describe('errors in a Responses stream', () => {
  test('the error event\'s example throws an UpstreamError (an unknown code is a server error: retryable)', () => {
    const stream = outbound.createStream(outboundContext({}, true));
    const [event] = parseSse(errorEvent);
    const error = thrown(() => stream.push(event ?? { event: undefined, data: '' }));
    expect(error).toMatchObject({ status: 500, code: 'ERR_SOMETHING', retryable: true, channelAtFault: false });
    expect(error.message).toContain('Something went wrong');
    expect(stream.completed).toBe(false);
  });

  test('the nested error form and response.failed are read too; rate limits are 429, quota the key\'s fault, bad prompts 400', () => {
    const push = (data: JsonBody) => thrown(() => outbound.createStream(outboundContext({}, true)).push({ event: String(data.type), data: JSON.stringify(data) }));
    expect(push({ type: 'error', sequence_number: 2, error: { code: 'rate_limit_exceeded', message: 'Rate limit reached', param: null } })).toMatchObject({ status: 429, code: 'rate_limit_exceeded', retryable: true });
    expect(push({ type: 'error', code: 'insufficient_quota', message: 'You exceeded your current quota', param: null })).toMatchObject({ status: 429, channelAtFault: 'key', retryable: true });
    expect(push({ type: 'error', code: 'invalid_prompt', message: 'Invalid prompt', param: null })).toMatchObject({ status: 400, retryable: false });
    const [failed] = parseSse(failedEvent);
    const error = thrown(() => outbound.createStream(outboundContext({}, true)).push(failed ?? { event: undefined, data: '' }));
    expect(error).toMatchObject({ status: 500, code: 'server_error', retryable: true });
    expect(error.message).toContain('The model failed to generate a response.');
    expect(error.upstreamBody).toContain('resp_123');
  });

  test('an event whose data is not JSON is a malformed event', () => {
    const stream = outbound.createStream(outboundContext({}, true));
    expect(thrown(() => stream.push({ event: 'response.output_text.delta', data: '{"type":' }))).toMatchObject({ code: 'malformed_event', retryable: false });
  });
});
