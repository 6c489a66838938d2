/**
 * Anthropic streams (the three examples of https://platform.claude.com/docs/en/build-with-claude/streaming) →
 * hub chunks, each validated against OpenAI's CreateChatCompletionStreamResponse schema.
 */
import { describe, expect, test } from 'bun:test';
import { createAnthropicOutbound } from '../../../../src/relay/dialects/anthropic/outbound.ts';
import type { NativeToHubStream, OutboundContext } from '../../../../src/relay/dialects/types.ts';
import { UpstreamError } from '../../../../src/relay/errors.ts';
import { asRecord } from '../../../../src/relay/json-record.ts';
import type { JsonBody } from '../../../../src/relay/types.ts';
import { expectValidOpenAi, overloadedEvent, parseSse, textStream, thinkingStream, toolStream } from './fixtures.ts';

const outbound = createAnthropicOutbound({ now: () => 1_741_570_283_000 });
const context = (settings: Record<string, unknown> = {}): OutboundContext => ({ upstreamModel: 'claude-opus-4-6', stream: true, settings });

function run(text: string, settings: Record<string, unknown> = {}): { chunks: JsonBody[]; stream: NativeToHubStream } {
  const stream = outbound.createStream(context(settings));
  const chunks: JsonBody[] = [];
  for (const event of parseSse(text)) {
    expect(stream.completed).toBe(false);
    chunks.push(...stream.push(event));
  }
  for (const chunk of chunks) expectValidOpenAi('CreateChatCompletionStreamResponse', chunk);
  return { chunks, stream };
}

const deltas = (chunks: JsonBody[]): (JsonBody | undefined)[] => chunks.map((chunk) => asRecord((chunk.choices as JsonBody[])[0]?.delta));
const chunkOf = (id: string, delta: JsonBody, finishReason: string | null = null) => ({
  id,
  object: 'chat.completion.chunk',
  created: 1741570283,
  model: 'claude-opus-4-6',
  choices: [{ index: 0, delta, finish_reason: finishReason }],
});

describe('Anthropic stream → hub chunks', () => {
  test('text: role, deltas, finish, usage chunk; completed at message_stop', () => {
    const { chunks, stream } = run(textStream);
    const id = 'msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY';
    expect(chunks).toEqual([
      chunkOf(id, { role: 'assistant', content: '' }),
      chunkOf(id, { content: 'Hello' }),
      chunkOf(id, { content: '!' }),
      chunkOf(id, {}, 'stop'),
      {
        ...chunkOf(id, {}),
        choices: [],
        usage: { prompt_tokens: 25, completion_tokens: 15, total_tokens: 40, prompt_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 } },
      },
    ]);
    expect(stream.completed).toBe(true);
    expect(stream.usage()).toMatchObject({ promptTokens: 25, completionTokens: 15, totalTokens: 40, estimated: false, clamped: false });
  });

  test('tool use: the call id and name, then argument fragments that assemble to the input', () => {
    const { chunks } = run(toolStream);
    expect(deltas(chunks).slice(0, 4)).toEqual([
      { role: 'assistant', content: '' },
      { content: 'Okay' },
      { content: ", let's check the weather for San Francisco, CA:" },
      { tool_calls: [{ index: 0, id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', type: 'function', function: { name: 'get_weather', arguments: '' } }] },
    ]);
    const fragments = deltas(chunks)
      .slice(4, -2)
      .map((delta) => {
        const call = (delta?.tool_calls as JsonBody[])[0];
        expect(call?.index).toBe(0);
        return (call?.function as JsonBody).arguments;
      });
    expect(JSON.parse(fragments.join(''))).toEqual({ location: 'San Francisco, CA', unit: 'fahrenheit' });
    expect((chunks.at(-2)?.choices as JsonBody[])[0]?.finish_reason).toBe('tool_calls');
    expect(chunks.at(-1)?.usage).toMatchObject({ prompt_tokens: 472, completion_tokens: 89 });
  });

  test('thinking: reasoning_content deltas; the signature is not forwarded', () => {
    const { chunks, stream } = run(thinkingStream);
    expect(deltas(chunks)).toEqual([
      { role: 'assistant', content: '' },
      { reasoning_content: 'I need to find the GCD of 1071 and 462 using the Euclidean algorithm.\n\n1071 = 2 × 462 + 147' },
      { reasoning_content: '\n462 = 3 × 147 + 21\n147 = 7 × 21 + 0\n\nSo GCD(1071, 462) = 21' },
      { content: 'The greatest common divisor of 1071 and 462 is **21**.' },
      {},
    ]);
    // This example stream reports no usage at all: no usage chunk and no Usage, so the relay estimates (a
    // stream whose usage was stripped on the way must not be free).
    expect(stream.usage()).toBeUndefined();
  });

  test('thinking_to_content wraps the thinking in <think> inside content', () => {
    const { chunks } = run(thinkingStream, { thinking_to_content: true });
    const content = deltas(chunks)
      .map((delta) => delta?.content ?? '')
      .join('');
    expect(content).toBe(
      '<think>\nI need to find the GCD of 1071 and 462 using the Euclidean algorithm.\n\n1071 = 2 × 462 + 147\n462 = 3 × 147 + 21\n147 = 7 × 21 + 0\n\nSo GCD(1071, 462) = 21\n</think>\n\nThe greatest common divisor of 1071 and 462 is **21**.',
    );
  });

  test('a tool call without argument fragments gets {}', () => {
    const events = parseSse(toolStream).filter((event) => !event.data.includes('input_json_delta'));
    const stream = outbound.createStream(context());
    const chunks = events.flatMap((event) => stream.push(event));
    const toolDeltas = deltas(chunks).filter((delta) => delta?.tool_calls !== undefined);
    expect(toolDeltas.at(-1)).toEqual({ tool_calls: [{ index: 0, function: { arguments: '{}' } }] });
  });

  test('cache usage from message_start and cumulative message_delta', () => {
    const stream = outbound.createStream(context());
    const start = { type: 'message_start', message: { id: 'msg_1', type: 'message', role: 'assistant', content: [], model: 'claude-opus-4-6', usage: { input_tokens: 21, cache_creation_input_tokens: 188086, cache_read_input_tokens: 0, output_tokens: 1 } } };
    stream.push({ event: 'message_start', data: JSON.stringify(start) });
    expect(stream.usage()).toMatchObject({ promptTokens: 188107, cacheWriteTokens: 188086, completionTokens: 1 });
    stream.push({ event: 'message_delta', data: '{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":393}}' });
    expect(stream.usage()).toMatchObject({ promptTokens: 188107, completionTokens: 393, totalTokens: 188500 });
    stream.push({ event: 'message_delta', data: '{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":-3.5}}' });
    expect(stream.usage()).toMatchObject({ completionTokens: 0, clamped: true });
    expect(stream.completed).toBe(false);
  });

  test('an error event throws an UpstreamError after partial output, and the stream is not completed', () => {
    const stream = outbound.createStream(context());
    const partial = parseSse(textStream).slice(0, 4);
    for (const event of partial) stream.push(event);
    const [error] = parseSse(overloadedEvent);
    if (error === undefined) throw new Error('fixture has no event');
    let thrown: unknown;
    try {
      stream.push(error);
    } catch (caught) {
      thrown = caught;
    }
    expect(thrown).toBeInstanceOf(UpstreamError);
    expect(thrown).toMatchObject({ status: 529, code: 'overloaded_error', retryable: true, channelAtFault: false });
    expect((thrown as Error).message).toContain('Overloaded');
    expect(stream.completed).toBe(false);
  });

  test('ping and unknown events are ignored; data that is not JSON is malformed', () => {
    const stream = outbound.createStream(context());
    expect(stream.push({ event: 'ping', data: '{"type": "ping"}' })).toEqual([]);
    expect(stream.push({ event: 'future_event', data: '{"type": "future_event"}' })).toEqual([]);
    expect(() => stream.push({ event: 'content_block_delta', data: '{"type": "content_block_delta",' })).toThrow(UpstreamError);
  });
});
