import { describe, expect, test } from 'bun:test';
import { UpstreamError } from '../../../../src/relay/errors.ts';
import { createGeminiOutbound } from '../../../../src/relay/dialects/gemini/outbound.ts';
import type { NativeToHubStream, OutboundContext } from '../../../../src/relay/dialects/types.ts';
import type { JsonBody } from '../../../../src/relay/types.ts';
import { validateOpenAi } from '../../../helpers/openai-schema.ts';
import { apiKeyError, outboundContext, sse } from './fixtures.ts';

const NOW = Date.UTC(2025, 6, 20, 10, 0, 0);
const CREATED = NOW / 1000;
const outbound = createGeminiOutbound({ now: () => NOW });
const envelope = { modelVersion: 'gemini-2.5-flash', responseId: 'Qw18aKLbF6a0nvgPx7u5mQk' };

/** Pushes Gemini events and checks every hub chunk against OpenAI's published stream-chunk schema. */
function run(events: unknown[], context: OutboundContext = outboundContext('gemini-2.5-flash', {}, true)): { stream: NativeToHubStream; chunks: JsonBody[] } {
  const stream = outbound.createStream(context);
  const chunks = events.flatMap((event) => stream.push(sse(event)));
  for (const chunk of chunks) expect(validateOpenAi('CreateChatCompletionStreamResponse', chunk)).toEqual([]);
  return { stream, chunks };
}

function chunk(choices: JsonBody[], extra: JsonBody = {}): JsonBody {
  return { id: 'Qw18aKLbF6a0nvgPx7u5mQk', object: 'chat.completion.chunk', created: CREATED, model: 'gemini-2.5-flash', choices, ...extra };
}

function delta(body: JsonBody, finishReason: string | null = null, index = 0): JsonBody {
  return chunk([{ index, delta: body, finish_reason: finishReason }]);
}

describe('geminiOutbound.createStream', () => {
  test('text: role chunk, content chunks, finish chunk, then a usage chunk; completed at the finishReason', () => {
    const { stream, chunks } = run([
      { candidates: [{ content: { parts: [{ text: 'The' }], role: 'model' }, index: 0 }], usageMetadata: { promptTokenCount: 9, totalTokenCount: 9 }, ...envelope },
      { candidates: [{ content: { parts: [{ text: ' sky is blue' }], role: 'model' }, index: 0 }], usageMetadata: { promptTokenCount: 9, totalTokenCount: 9 }, ...envelope },
      {
        candidates: [{ content: { parts: [{ text: ' because of Rayleigh scattering.' }], role: 'model' }, finishReason: 'STOP', index: 0 }],
        usageMetadata: { promptTokenCount: 9, candidatesTokenCount: 11, totalTokenCount: 20 },
        ...envelope,
      },
    ]);
    expect(chunks).toEqual([
      delta({ role: 'assistant', content: '' }),
      delta({ content: 'The' }),
      delta({ content: ' sky is blue' }),
      delta({ content: ' because of Rayleigh scattering.' }),
      delta({}, 'stop'),
      chunk([], { usage: { prompt_tokens: 9, completion_tokens: 11, total_tokens: 20, prompt_tokens_details: { cached_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0 } } }),
    ]);
    expect(stream.completed).toBe(true);
    expect(stream.usage()).toMatchObject({ promptTokens: 9, completionTokens: 11, totalTokens: 20, estimated: false });
  });

  test('thinking: thought parts → reasoning_content; a signature-only part yields nothing; usage counts thoughts', () => {
    const { chunks } = run([
      { candidates: [{ content: { parts: [{ text: '**Counting paws**\n\nTwo dogs, four paws each.', thought: true }], role: 'model' }, index: 0 }], ...envelope },
      { candidates: [{ content: { parts: [{ text: 'There are 8 paws.', thoughtSignature: 'c2lnbmF0dXJl' }], role: 'model' }, index: 0 }], ...envelope },
      {
        candidates: [{ content: { parts: [{ text: '', thoughtSignature: 'c2lnbmF0dXJl' }], role: 'model' }, finishReason: 'STOP', index: 0 }],
        usageMetadata: { promptTokenCount: 12, candidatesTokenCount: 6, thoughtsTokenCount: 230, cachedContentTokenCount: 4, totalTokenCount: 248 },
        ...envelope,
      },
    ]);
    expect(chunks).toEqual([
      delta({ role: 'assistant', content: '' }),
      delta({ reasoning_content: '**Counting paws**\n\nTwo dogs, four paws each.' }),
      delta({ content: 'There are 8 paws.' }),
      delta({}, 'stop'),
      chunk([], { usage: { prompt_tokens: 12, completion_tokens: 236, total_tokens: 248, prompt_tokens_details: { cached_tokens: 4 }, completion_tokens_details: { reasoning_tokens: 230 } } }),
    ]);
  });

  test('thinking_to_content: thoughts open <think> and the first answer text closes it', () => {
    const { chunks } = run(
      [
        { candidates: [{ content: { parts: [{ text: 'Two dogs, ', thought: true }], role: 'model' }, index: 0 }], ...envelope },
        { candidates: [{ content: { parts: [{ text: 'four paws each.', thought: true }], role: 'model' }, index: 0 }], ...envelope },
        { candidates: [{ content: { parts: [{ text: '8 paws.' }], role: 'model' }, finishReason: 'STOP', index: 0 }], ...envelope },
      ],
      outboundContext('gemini-2.5-flash', { thinking_to_content: true }, true),
    );
    expect(chunks.map((item) => (item.choices as JsonBody[])[0]?.delta)).toEqual([
      { role: 'assistant', content: '' },
      { content: '<think>\nTwo dogs, ' },
      { content: 'four paws each.' },
      { content: '\n</think>\n\n' },
      { content: '8 paws.' },
      {},
    ]);
  });

  test('a function call arrives whole: one tool-call delta with index, id, name, full arguments and signature', () => {
    const { stream, chunks } = run([
      {
        candidates: [
          {
            content: {
              parts: [
                { functionCall: { name: 'set_light_values', args: { brightness: 25, color_temp: 'warm' } }, thoughtSignature: 'CiQBVKhc7xQv' },
                { functionCall: { name: 'power_disco_ball', args: { power: true } } },
              ],
              role: 'model',
            },
            finishReason: 'STOP',
            index: 0,
          },
        ],
        usageMetadata: { promptTokenCount: 77, candidatesTokenCount: 24, thoughtsTokenCount: 54, totalTokenCount: 155 },
        ...envelope,
      },
    ]);
    expect(chunks).toEqual([
      delta({ role: 'assistant', content: '' }),
      delta({
        tool_calls: [
          {
            index: 0,
            id: 'call_1',
            type: 'function',
            function: { name: 'set_light_values', arguments: '{"brightness":25,"color_temp":"warm"}' },
            extra_content: { google: { thought_signature: 'CiQBVKhc7xQv' } },
          },
        ],
      }),
      delta({ tool_calls: [{ index: 1, id: 'call_2', type: 'function', function: { name: 'power_disco_ball', arguments: '{"power":true}' } }] }),
      delta({}, 'tool_calls'),
      chunk([], { usage: { prompt_tokens: 77, completion_tokens: 78, total_tokens: 155, prompt_tokens_details: { cached_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 54 } } }),
    ]);
    expect(stream.completed).toBe(true);
  });

  test('MAX_TOKENS → length; two candidates complete only when both have finished', () => {
    const { stream, chunks } = run([
      {
        candidates: [
          { content: { parts: [{ text: 'A' }], role: 'model' }, index: 0 },
          { content: { parts: [{ text: 'B' }], role: 'model' }, finishReason: 'MAX_TOKENS', index: 1 },
        ],
        usageMetadata: { promptTokenCount: 3, totalTokenCount: 3 },
        ...envelope,
      },
    ]);
    expect(stream.completed).toBe(false);
    expect(chunks).toEqual([
      delta({ role: 'assistant', content: '' }, null, 0),
      delta({ content: 'A' }, null, 0),
      delta({ role: 'assistant', content: '' }, null, 1),
      delta({ content: 'B' }, null, 1),
      delta({}, 'length', 1),
    ]);
    const last = stream.push(sse({ candidates: [{ content: { parts: [{ text: '!' }], role: 'model' }, finishReason: 'STOP', index: 0 }], usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 4, totalTokenCount: 7 }, ...envelope }));
    expect(stream.completed).toBe(true);
    expect(last.at(-1)).toEqual(
      chunk([], { usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7, prompt_tokens_details: { cached_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0 } } }),
    );
  });

  test('a blocked prompt: role chunk and an empty content_filter finish', () => {
    const { stream, chunks } = run([{ promptFeedback: { blockReason: 'PROHIBITED_CONTENT' }, usageMetadata: { promptTokenCount: 9, totalTokenCount: 9 }, ...envelope }]);
    expect(chunks.slice(0, 2)).toEqual([delta({ role: 'assistant', content: '' }), delta({}, 'content_filter')]);
    expect(stream.completed).toBe(true);
  });

  test('a stream cut before any finishReason is not completed; usage reports what was seen', () => {
    const { stream } = run([{ candidates: [{ content: { parts: [{ text: 'Half an' }], role: 'model' }, index: 0 }], usageMetadata: { promptTokenCount: 9, totalTokenCount: 9 }, ...envelope }]);
    expect(stream.completed).toBe(false);
    expect(stream.usage()).toMatchObject({ promptTokens: 9, completionTokens: 0 });
  });

  test('an error event mid-stream throws an UpstreamError with Google’s status', () => {
    const stream = outbound.createStream(outboundContext('gemini-2.5-flash', {}, true));
    stream.push(sse({ candidates: [{ content: { parts: [{ text: 'Hel' }], role: 'model' }, index: 0 }], ...envelope }));
    let thrown: unknown;
    try {
      stream.push(sse({ error: { code: 503, message: 'The model is overloaded. Please try again later.', status: 'UNAVAILABLE' } }));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(UpstreamError);
    expect(thrown).toMatchObject({ status: 503, code: 'UNAVAILABLE', message: 'The model is overloaded. Please try again later.', retryable: true, channelAtFault: false });
    expect(stream.completed).toBe(false);
  });

  test('an invalid key reported in-stream condemns the key', () => {
    const stream = outbound.createStream(outboundContext());
    expect(() => stream.push(sse(apiKeyError))).toThrow(UpstreamError);
    try {
      stream.push(sse(apiKeyError));
    } catch (error) {
      expect(error).toMatchObject({ status: 400, code: 'INVALID_ARGUMENT', channelAtFault: 'key' });
    }
  });

  test('data that is not JSON is a malformed event', () => {
    const stream = outbound.createStream(outboundContext());
    expect(() => stream.push({ event: undefined, data: '{"candidates": [' })).toThrow(expect.objectContaining({ code: 'malformed_event' }));
    expect(stream.push({ event: undefined, data: '' })).toEqual([]);
  });
});
