/**
 * Hub chunks (https://platform.openai.com/docs/api-reference/chat-streaming/streaming) → Anthropic stream events,
 * checked event by event against the order and payloads of https://platform.claude.com/docs/en/build-with-claude/streaming.
 */
import { describe, expect, test } from 'bun:test';
import { anthropicInbound } from '../../../../src/relay/dialects/anthropic/inbound.ts';
import type { SseOut } from '../../../../src/relay/dialects/types.ts';
import type { JsonBody } from '../../../../src/relay/types.ts';
import { decoded, expectValidOpenAi, hubChunk, hubUsageChunk } from './fixtures.ts';

const context = { model: 'claude-sonnet-4-5', stream: true };

function run(chunks: JsonBody[]): [string, Record<string, unknown>][] {
  const stream = anthropicInbound.createStream(context);
  const events: SseOut[] = [];
  for (const chunk of chunks) {
    expectValidOpenAi('CreateChatCompletionStreamResponse', chunk);
    events.push(...stream.push(chunk));
  }
  events.push(...stream.finish());
  return decoded(events);
}

const messageStart = (input = 0, cacheRead = 0) => [
  'message_start',
  {
    type: 'message_start',
    message: {
      id: 'msg_123',
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-5',
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: input, cache_creation_input_tokens: 0, cache_read_input_tokens: cacheRead, output_tokens: 0 },
    },
  },
];

const usage = { prompt_tokens: 25, completion_tokens: 15, total_tokens: 40, prompt_tokens_details: { cached_tokens: 5 } };
const finalUsage = { input_tokens: 20, output_tokens: 15, cache_creation_input_tokens: 0, cache_read_input_tokens: 5 };

describe('hub stream → Anthropic events', () => {
  test('text only: the full event list', () => {
    const events = run([
      hubChunk({ role: 'assistant', content: '' }),
      hubChunk({ content: 'Hello' }),
      hubChunk({ content: '!' }),
      hubChunk({}, 'stop'),
      hubUsageChunk(usage),
    ]);
    expect(events).toEqual([
      messageStart(),
      ['content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }],
      ['ping', { type: 'ping' }],
      ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hello' } }],
      ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: '!' } }],
      ['content_block_stop', { type: 'content_block_stop', index: 0 }],
      ['message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: finalUsage }],
      ['message_stop', { type: 'message_stop' }],
    ] as [string, Record<string, unknown>][]);
  });

  test('text then two tool calls with streamed arguments', () => {
    const events = run([
      hubChunk({ role: 'assistant', content: 'Okay' }),
      hubChunk({ content: ', checking.' }),
      hubChunk({ tool_calls: [{ index: 0, id: 'call_DdmO9pD3xa9XTPNJ32zg2hcA', type: 'function', function: { name: 'get_weather', arguments: '' } }] }),
      hubChunk({ tool_calls: [{ index: 0, function: { arguments: '{"location":' } }] }),
      hubChunk({ tool_calls: [{ index: 0, function: { arguments: ' "Paris"}' } }] }),
      hubChunk({ tool_calls: [{ index: 1, id: 'call_2', type: 'function', function: { name: 'get_time', arguments: '{}' } }] }),
      hubChunk({}, 'tool_calls'),
    ]);
    expect(events).toEqual([
      messageStart(),
      ['content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }],
      ['ping', { type: 'ping' }],
      ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Okay' } }],
      ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: ', checking.' } }],
      ['content_block_stop', { type: 'content_block_stop', index: 0 }],
      ['content_block_start', { type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'call_DdmO9pD3xa9XTPNJ32zg2hcA', name: 'get_weather', input: {} } }],
      ['content_block_delta', { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"location":' } }],
      ['content_block_delta', { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: ' "Paris"}' } }],
      ['content_block_stop', { type: 'content_block_stop', index: 1 }],
      ['content_block_start', { type: 'content_block_start', index: 2, content_block: { type: 'tool_use', id: 'call_2', name: 'get_time', input: {} } }],
      ['content_block_delta', { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '{}' } }],
      ['content_block_stop', { type: 'content_block_stop', index: 2 }],
      ['message_delta', { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 0 } }],
      ['message_stop', { type: 'message_stop' }],
    ] as [string, Record<string, unknown>][]);
  });

  test('thinking from reasoning_content, then text', () => {
    const events = run([
      hubChunk({ role: 'assistant', content: '', reasoning_content: 'GCD(1071, 462):' } as JsonBody),
      hubChunk({ reasoning_content: ' 21.' } as JsonBody),
      hubChunk({ content: 'The GCD is **21**.' }),
      hubChunk({}, 'length'),
    ]);
    expect(events).toEqual([
      messageStart(),
      ['content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } }],
      ['ping', { type: 'ping' }],
      ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'GCD(1071, 462):' } }],
      ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: ' 21.' } }],
      ['content_block_stop', { type: 'content_block_stop', index: 0 }],
      ['content_block_start', { type: 'content_block_start', index: 1, content_block: { type: 'text', text: '' } }],
      ['content_block_delta', { type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: 'The GCD is **21**.' } }],
      ['content_block_stop', { type: 'content_block_stop', index: 1 }],
      ['message_delta', { type: 'message_delta', delta: { stop_reason: 'max_tokens', stop_sequence: null }, usage: { output_tokens: 0 } }],
      ['message_stop', { type: 'message_stop' }],
    ] as [string, Record<string, unknown>][]);
  });

  test('usage on the first chunk fills message_start', () => {
    const events = run([{ ...hubChunk({ role: 'assistant', content: 'Hi' }), usage }, hubChunk({}, 'stop')]);
    expect(events[0]).toEqual(messageStart(20, 5) as [string, Record<string, unknown>]);
    expect(events.at(-2)?.[1].usage).toEqual(finalUsage);
  });

  test('an empty stream still opens and closes the message', () => {
    expect(run([]).map(([type]) => type)).toEqual(['message_start', 'message_delta', 'message_stop']);
  });

  test('fail() after partial output: one error event and nothing after it', () => {
    const stream = anthropicInbound.createStream(context);
    const events = [...stream.push(hubChunk({ role: 'assistant', content: 'Hel' }))];
    const failure = stream.fail({ status: 529, code: 'overloaded_error', message: 'Overloaded' });
    expect(failure).toEqual([{ event: 'error', data: '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}' }]);
    expect(stream.finish()).toEqual([]);
    expect(stream.push(hubChunk({ content: 'lo' }))).toEqual([]);
    expect(stream.fail({ status: 500, code: 'internal_error', message: 'again' })).toEqual([]);
    expect(decoded([...events, ...failure]).map(([type]) => type)).toEqual(['message_start', 'content_block_start', 'ping', 'content_block_delta', 'error']);
  });

  test('fail() before any output is the error event alone', () => {
    const stream = anthropicInbound.createStream(context);
    expect(decoded(stream.fail({ status: 0, code: 'idle_timeout', message: 'the upstream went quiet' }))).toEqual([
      ['error', { type: 'error', error: { type: 'timeout_error', message: 'the upstream went quiet' } }],
    ]);
  });
});
