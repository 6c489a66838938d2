import { describe, expect, test } from 'bun:test';
import { geminiInbound } from '../../../../src/relay/dialects/gemini/inbound.ts';
import type { InboundContext } from '../../../../src/relay/dialects/types.ts';
import type { JsonBody } from '../../../../src/relay/types.ts';
import { validateOpenAi } from '../../../helpers/openai-schema.ts';
import { hubChunk, parsed } from './fixtures.ts';

const context: InboundContext = { model: 'gpt-4o', stream: false };

/** A hub answer as OpenAI documents it (https://platform.openai.com/docs/api-reference/chat/object), checked against the schema. */
function completion(message: JsonBody, finishReason: string, usage?: JsonBody): JsonBody {
  const body: JsonBody = {
    id: 'chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG',
    object: 'chat.completion',
    created: 1741570283,
    model: 'gpt-4o-2024-08-06',
    choices: [{ index: 0, message: { role: 'assistant', refusal: null, ...message }, logprobs: null, finish_reason: finishReason }],
  };
  if (usage !== undefined) body.usage = usage;
  expect(validateOpenAi('CreateChatCompletionResponse', body)).toEqual([]);
  return body;
}

describe('geminiInbound.fromHubResponse', () => {
  test('text with usage → one candidate, STOP, usageMetadata, modelVersion and responseId', () => {
    const hub = completion({ content: 'The image shows a wooden boardwalk.' }, 'stop', {
      prompt_tokens: 1117,
      completion_tokens: 46,
      total_tokens: 1163,
      prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
    });
    expect(geminiInbound.fromHubResponse(hub, context)).toEqual({
      candidates: [{ content: { role: 'model', parts: [{ text: 'The image shows a wooden boardwalk.' }] }, finishReason: 'STOP', index: 0 }],
      usageMetadata: { promptTokenCount: 1117, candidatesTokenCount: 46, totalTokenCount: 1163 },
      modelVersion: 'gpt-4o-2024-08-06',
      responseId: 'chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG',
    });
  });

  test('reasoning, tool calls, reasoning and cached tokens', () => {
    const hub = completion(
      {
        content: null,
        reasoning_content: 'The user wants warm, dim light.',
        tool_calls: [
          { id: 'call_abc123', type: 'function', function: { name: 'set_light_values', arguments: '{"brightness":25,"color_temp":"warm"}' } },
          { id: 'call_def456', type: 'function', function: { name: 'dim_lights', arguments: '{"brightness":' } },
        ],
      },
      'tool_calls',
      { prompt_tokens: 200, completion_tokens: 90, total_tokens: 290, prompt_tokens_details: { cached_tokens: 128 }, completion_tokens_details: { reasoning_tokens: 64 } },
    );
    const answer = geminiInbound.fromHubResponse(hub, context);
    expect(answer.candidates).toEqual([
      {
        content: {
          role: 'model',
          parts: [
            { text: 'The user wants warm, dim light.', thought: true },
            { functionCall: { name: 'set_light_values', args: { brightness: 25, color_temp: 'warm' }, id: 'call_abc123' } },
            { functionCall: { name: 'dim_lights', args: { raw_arguments: '{"brightness":' }, id: 'call_def456' } },
          ],
        },
        finishReason: 'STOP',
        index: 0,
      },
    ]);
    expect(answer.usageMetadata).toEqual({ promptTokenCount: 200, candidatesTokenCount: 26, totalTokenCount: 290, thoughtsTokenCount: 64, cachedContentTokenCount: 128 });
  });

  test('finish reasons: length → MAX_TOKENS, content_filter → SAFETY; no usage, no usageMetadata', () => {
    const length = geminiInbound.fromHubResponse(completion({ content: 'Once upon a' }, 'length'), context);
    expect((length.candidates as JsonBody[])[0]?.finishReason).toBe('MAX_TOKENS');
    expect(length.usageMetadata).toBeUndefined();
    const filtered = geminiInbound.fromHubResponse(completion({ content: null }, 'content_filter'), context);
    expect((filtered.candidates as JsonBody[])[0]).toEqual({ content: { role: 'model', parts: [{ text: '' }] }, finishReason: 'SAFETY', index: 0 });
  });
});

/** A hub chunk, checked against OpenAI's stream-chunk schema so the fixtures are what the hub really sends. */
function hub(choices: JsonBody[], extra: JsonBody = {}): JsonBody {
  const chunk = hubChunk(choices, extra);
  expect(validateOpenAi('CreateChatCompletionStreamResponse', chunk)).toEqual([]);
  return chunk;
}

describe('geminiInbound.createStream', () => {
  const stream = () => geminiInbound.createStream({ model: 'gpt-4o', stream: true });
  const envelope = { modelVersion: 'gpt-4o-2024-08-06', responseId: 'chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG' };

  test('text: one data event per delta, no event names; the last carries finishReason and usageMetadata', () => {
    const client = stream();
    const events = [
      ...client.push(hub([{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }])),
      ...client.push(hub([{ index: 0, delta: { content: 'Hello' }, logprobs: null, finish_reason: null }])),
      ...client.push(hub([{ index: 0, delta: { content: ' there' }, logprobs: null, finish_reason: null }])),
      ...client.push(hub([{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }])),
      ...client.push(hub([], { usage: { prompt_tokens: 9, completion_tokens: 2, total_tokens: 11 } })),
      ...client.finish(),
    ];
    expect(events.every((event) => event.event === undefined)).toBe(true);
    expect(events.map(parsed)).toEqual([
      { candidates: [{ content: { role: 'model', parts: [{ text: 'Hello' }] }, index: 0 }], ...envelope },
      { candidates: [{ content: { role: 'model', parts: [{ text: ' there' }] }, index: 0 }], ...envelope },
      {
        candidates: [{ content: { role: 'model', parts: [{ text: '' }] }, index: 0, finishReason: 'STOP' }],
        usageMetadata: { promptTokenCount: 9, candidatesTokenCount: 2, totalTokenCount: 11 },
        ...envelope,
      },
    ]);
  });

  test('thinking: reasoning deltas are thought parts; finish() closes a stream that reported no usage', () => {
    const client = stream();
    const events = [
      ...client.push(hub([{ index: 0, delta: { role: 'assistant', content: '', reasoning_content: 'Two dogs, ' }, finish_reason: null }])),
      ...client.push(hub([{ index: 0, delta: { reasoning_content: 'four paws each.' }, finish_reason: null }])),
      ...client.push(hub([{ index: 0, delta: { content: '8 paws.' }, finish_reason: 'stop' }])),
    ];
    expect(events.map(parsed).map((event) => (event.candidates as JsonBody[])[0]?.content)).toEqual([
      { role: 'model', parts: [{ text: 'Two dogs, ', thought: true }] },
      { role: 'model', parts: [{ text: 'four paws each.', thought: true }] },
      { role: 'model', parts: [{ text: '8 paws.' }] },
    ]);
    expect(client.finish().map(parsed)).toEqual([{ candidates: [{ content: { role: 'model', parts: [{ text: '' }] }, index: 0, finishReason: 'STOP' }], ...envelope }]);
    expect(client.finish()).toEqual([]);
  });

  test('function calls: argument fragments are held and sent whole with the finishReason', () => {
    const client = stream();
    const toolDelta = (delta: JsonBody) => hub([{ index: 0, delta: { tool_calls: [delta] }, finish_reason: null }]);
    const events = [
      ...client.push(hub([{ index: 0, delta: { role: 'assistant', content: null }, finish_reason: null }])),
      ...client.push(toolDelta({ index: 0, id: 'call_DdmO9pD3xa9XTPNJ32zg2hcA', type: 'function', function: { name: 'set_light_values', arguments: '' } })),
      ...client.push(toolDelta({ index: 0, function: { arguments: '{"brightness"' } })),
      ...client.push(toolDelta({ index: 0, function: { arguments: ':25,"color_temp":"warm"}' } })),
      ...client.push(toolDelta({ index: 1, id: 'call_2', type: 'function', function: { name: 'power_disco_ball', arguments: '{"power":true}' } })),
      ...client.push(hub([{ index: 0, delta: {}, finish_reason: 'tool_calls' }])),
      ...client.push(hub([], { usage: { prompt_tokens: 80, completion_tokens: 30, total_tokens: 110, completion_tokens_details: { reasoning_tokens: 10 } } })),
    ];
    expect(events.map(parsed)).toEqual([
      {
        candidates: [
          {
            content: {
              role: 'model',
              parts: [
                { functionCall: { name: 'set_light_values', args: { brightness: 25, color_temp: 'warm' }, id: 'call_DdmO9pD3xa9XTPNJ32zg2hcA' } },
                { functionCall: { name: 'power_disco_ball', args: { power: true }, id: 'call_2' } },
              ],
            },
            index: 0,
            finishReason: 'STOP',
          },
        ],
        usageMetadata: { promptTokenCount: 80, candidatesTokenCount: 20, totalTokenCount: 110, thoughtsTokenCount: 10 },
        ...envelope,
      },
    ]);
    expect(client.finish()).toEqual([]);
  });

  test('fail() after partial output: one data event with Google’s error body, and nothing after it', () => {
    const client = stream();
    expect(client.push(hub([{ index: 0, delta: { content: 'The answer is' }, finish_reason: null }]))).toHaveLength(1);
    client.push(hub([{ index: 0, delta: { tool_calls: [{ index: 0, id: 'call_1', function: { name: 'f', arguments: '{"a"' } }] }, finish_reason: null }]));
    const failure = client.fail({ status: 502, code: 'stream_truncated', message: 'the upstream closed the stream before it finished' });
    expect(failure).toHaveLength(1);
    expect(failure[0]?.event).toBeUndefined();
    expect(parsed(failure[0] ?? { data: '' })).toEqual({
      error: {
        code: 502,
        message: 'the upstream closed the stream before it finished',
        status: 'UNAVAILABLE',
        details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'STREAM_TRUNCATED', domain: 'gateway' }],
      },
    });
    expect(client.finish()).toEqual([]);
  });
});

describe('geminiInbound.renderError', () => {
  const cases: [number, number, string][] = [
    [400, 400, 'INVALID_ARGUMENT'],
    [401, 401, 'UNAUTHENTICATED'],
    [403, 403, 'PERMISSION_DENIED'],
    [404, 404, 'NOT_FOUND'],
    [413, 400, 'INVALID_ARGUMENT'],
    [429, 429, 'RESOURCE_EXHAUSTED'],
    [500, 500, 'INTERNAL'],
    [501, 501, 'UNIMPLEMENTED'],
    [503, 503, 'UNAVAILABLE'],
    [504, 504, 'DEADLINE_EXCEEDED'],
    [422, 422, 'INVALID_ARGUMENT'],
    [599, 599, 'INTERNAL'],
  ];
  for (const [status, expectedStatus, name] of cases) {
    test(`${status} → ${expectedStatus} ${name}`, () => {
      const rendered = geminiInbound.renderError({ status, code: 'rate_limited', message: 'token "ci-bot" sent more than 60 requests a minute; wait or raise its limit' });
      expect(rendered.status).toBe(expectedStatus);
      expect(rendered.body).toEqual({
        error: {
          code: expectedStatus,
          message: 'token "ci-bot" sent more than 60 requests a minute; wait or raise its limit',
          status: name,
          details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'RATE_LIMITED', domain: 'gateway' }],
        },
      });
    });
  }
});
