/**
 * Usage reading, with replies written from https://platform.openai.com/docs/api-reference/chat/object and
 * https://platform.openai.com/docs/api-reference/responses/object.
 */
import { describe, expect, test } from 'bun:test';
import { openaiAdapter } from '../../../src/relay/providers/openai.ts';
import { MAX_REPORTED_TOKENS } from '../../../src/relay/providers/openai-usage.ts';

describe('OpenAI usage', () => {
  test('chat usage with cached and reasoning details', () => {
    const reply = {
      id: 'chatcmpl-123',
      object: 'chat.completion',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hi' }, finish_reason: 'stop' }],
      usage: {
        prompt_tokens: 2006,
        completion_tokens: 300,
        total_tokens: 2306,
        prompt_tokens_details: { cached_tokens: 1920, audio_tokens: 0 },
        completion_tokens_details: { reasoning_tokens: 128, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
      },
    };
    expect(openaiAdapter.readUsage(reply)).toEqual({
      promptTokens: 2006,
      completionTokens: 300,
      totalTokens: 2306,
      cachedTokens: 1920,
      cacheWriteTokens: 0,
      reasoningTokens: 128,
      imageInputTokens: 0,
      audioInputTokens: 0,
      audioOutputTokens: 0,
      estimated: false,
      clamped: false,
    });
  });

  test('stream chunks: usage null or absent is no usage; the final usage-only chunk is read', () => {
    expect(openaiAdapter.readUsage({ object: 'chat.completion.chunk', choices: [{ delta: { content: 'Hi' } }], usage: null })).toBeUndefined();
    expect(openaiAdapter.readUsage({ object: 'chat.completion.chunk', choices: [{ delta: { content: 'Hi' } }] })).toBeUndefined();
    const last = { object: 'chat.completion.chunk', choices: [], usage: { prompt_tokens: 9, completion_tokens: 12, total_tokens: 21 } };
    expect(openaiAdapter.readUsage(last)).toMatchObject({ promptTokens: 9, completionTokens: 12, totalTokens: 21, clamped: false });
    expect(openaiAdapter.readUsage('data')).toBeUndefined();
  });

  test('embeddings usage has no completion; a missing total is the sum', () => {
    expect(openaiAdapter.readUsage({ object: 'list', data: [], usage: { prompt_tokens: 8, total_tokens: 8 } })).toMatchObject({ promptTokens: 8, completionTokens: 0, totalTokens: 8 });
    expect(openaiAdapter.readUsage({ usage: { prompt_tokens: 5, completion_tokens: 6 } })).toMatchObject({ totalTokens: 11, clamped: false });
  });

  test('Responses usage from a response object and from a response.completed event', () => {
    const usage = { input_tokens: 36, input_tokens_details: { cached_tokens: 12 }, output_tokens: 87, output_tokens_details: { reasoning_tokens: 40 }, total_tokens: 123 };
    const expected = { promptTokens: 36, completionTokens: 87, totalTokens: 123, cachedTokens: 12, reasoningTokens: 40, estimated: false, clamped: false };
    expect(openaiAdapter.readUsage({ id: 'resp_1', object: 'response', status: 'completed', usage })).toMatchObject(expected);
    expect(openaiAdapter.readUsage({ type: 'response.completed', sequence_number: 9, response: { id: 'resp_1', object: 'response', usage } })).toMatchObject(expected);
    expect(openaiAdapter.readUsage({ type: 'response.output_text.delta', delta: 'Hi' })).toBeUndefined();
  });

  test('DeepSeek cache hits are read as cached tokens', () => {
    const usage = { prompt_tokens: 100, completion_tokens: 10, total_tokens: 110, prompt_cache_hit_tokens: 64, prompt_cache_miss_tokens: 36 };
    expect(openaiAdapter.readUsage({ usage })).toMatchObject({ cachedTokens: 64, clamped: false });
  });

  test('negative, fractional and absurd values are clamped and flagged', () => {
    expect(openaiAdapter.readUsage({ usage: { prompt_tokens: -5, completion_tokens: 10, total_tokens: 5 } })).toMatchObject({
      promptTokens: 0,
      completionTokens: 10,
      totalTokens: 10,
      clamped: true,
    });
    expect(openaiAdapter.readUsage({ usage: { prompt_tokens: 10.6, completion_tokens: 2, total_tokens: 12.6 } })).toMatchObject({ promptTokens: 11, totalTokens: 13, clamped: true });
    expect(openaiAdapter.readUsage({ usage: { prompt_tokens: 1e15, completion_tokens: 1 } })).toMatchObject({ promptTokens: MAX_REPORTED_TOKENS, clamped: true });
    expect(
      openaiAdapter.readUsage({ usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15, prompt_tokens_details: { cached_tokens: 50 }, completion_tokens_details: { reasoning_tokens: 9 } } }),
    ).toMatchObject({ cachedTokens: 10, reasoningTokens: 5, clamped: true });
  });

  test('zero is a value, not a clamp', () => {
    expect(openaiAdapter.readUsage({ usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 } })).toMatchObject({ totalTokens: 0, clamped: false });
  });
});
