/**
 * The two directions against each other: what the inbound converter writes for a Responses client, the outbound
 * converter reads back to the same hub answer — whole and streamed — and a request survives hub → Responses → hub.
 */
import { describe, expect, test } from 'bun:test';
import { createResponsesInbound } from '../../../../src/relay/dialects/responses/inbound.ts';
import { createResponsesOutbound } from '../../../../src/relay/dialects/responses/outbound.ts';
import { asRecord } from '../../../../src/relay/json-record.ts';
import type { JsonBody } from '../../../../src/relay/types.ts';
import { chatWeatherTool, hubChunk, hubCompletion, hubUsageChunk, outboundContext } from './fixtures.ts';

const inbound = createResponsesInbound({ now: () => 1_741_570_290_000 });
const outbound = createResponsesOutbound({ now: () => 1_741_570_290_000 });
const usage = { prompt_tokens: 25, completion_tokens: 15, total_tokens: 40, prompt_tokens_details: { cached_tokens: 5, cache_write_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 4 } };

/** Everything a hub stream says, folded: text, reasoning, each tool call, the finish reason and usage. */
function fold(chunks: JsonBody[]): JsonBody {
  let content = '';
  let reasoning = '';
  let finish: unknown;
  let folded: unknown;
  const calls: Record<number, { id?: unknown; name: string; arguments: string }> = {};
  for (const chunk of chunks) {
    if (chunk.usage !== undefined) folded = chunk.usage;
    for (const choice of (chunk.choices as JsonBody[]) ?? []) {
      const delta = asRecord(choice.delta) ?? {};
      content += typeof delta.content === 'string' ? delta.content : '';
      reasoning += typeof delta.reasoning_content === 'string' ? delta.reasoning_content : '';
      for (const call of (delta.tool_calls as JsonBody[] | undefined) ?? []) {
        const index = Number(call.index);
        const fn = asRecord(call.function) ?? {};
        calls[index] ??= { name: '', arguments: '' };
        const held = calls[index];
        if (call.id !== undefined) held.id = call.id;
        held.name += typeof fn.name === 'string' ? fn.name : '';
        held.arguments += typeof fn.arguments === 'string' ? fn.arguments : '';
      }
      finish = choice.finish_reason ?? finish;
    }
  }
  return { content, reasoning, calls, finish, usage: folded };
}

describe('round trips', () => {
  test('a hub request through the outbound and back through the inbound converter', () => {
    const hub = {
      model: 'gpt-5.4',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Weather in Boston?' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_current_weather', arguments: '{"location":"Boston, MA"}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: '22°C' },
      ],
      tools: [chatWeatherTool],
      tool_choice: 'auto',
      temperature: 0,
      max_tokens: 200,
      reasoning_effort: 'low',
    };
    const responses = outbound.fromHubRequest(hub, outboundContext());
    expect(inbound.toHubRequest(responses, { model: 'gpt-5.4', stream: false })).toEqual(hub);
  });

  test('a completion through the inbound and back through the outbound converter', () => {
    const completion = hubCompletion(
      {
        content: 'Checking.',
        reasoning_content: 'The user wants the weather.',
        tool_calls: [{ id: 'call_abc123', type: 'function', function: { name: 'get_current_weather', arguments: '{"location":"Boston, MA"}' } }],
      },
      'tool_calls',
      usage,
    );
    const response = inbound.fromHubResponse(completion, { model: 'gpt-4o', stream: false });
    const back = outbound.toHubResponse(response, outboundContext());
    expect((back.choices as JsonBody[])[0]).toEqual({
      index: 0,
      message: {
        role: 'assistant',
        content: 'Checking.',
        reasoning_content: 'The user wants the weather.',
        refusal: null,
        tool_calls: [{ id: 'call_abc123', type: 'function', function: { name: 'get_current_weather', arguments: '{"location":"Boston, MA"}' } }],
      },
      finish_reason: 'tool_calls',
      logprobs: null,
    });
    expect(back.usage).toEqual(usage);
  });

  test('a stream through the inbound events and back through the outbound converter says the same', () => {
    const chunks = [
      hubChunk({ role: 'assistant', content: '' }),
      hubChunk({ reasoning_content: 'Two ' }),
      hubChunk({ reasoning_content: 'cities.' }),
      hubChunk({ content: 'Checking ' }),
      hubChunk({ content: 'both.' }),
      hubChunk({ tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '{"location":' } }] }),
      hubChunk({ tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Bogotá"}' } }] }),
      hubChunk({ tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] }),
      hubChunk({}, 'tool_calls'),
      hubUsageChunk(usage),
    ];
    const client = inbound.createStream({ model: 'gpt-4o-mini', stream: true });
    const events = [...chunks.flatMap((chunk) => client.push(chunk)), ...client.finish()];
    const native = outbound.createStream(outboundContext({}, true));
    const back = events.flatMap((event) => native.push({ event: event.event, data: event.data }));
    expect(native.completed).toBe(true);
    expect(fold(back)).toEqual({
      ...fold(chunks),
      calls: { 0: { id: 'call_a', name: 'get_weather', arguments: '{"location":"Paris"}' }, 1: { id: 'call_b', name: 'get_weather', arguments: '{"location":"Bogotá"}' } },
    });
    expect(native.usage()).toMatchObject({ promptTokens: 25, completionTokens: 15, cachedTokens: 5, reasoningTokens: 4 });
  });
});
