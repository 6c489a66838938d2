/**
 * Anthropic Messages (https://docs.anthropic.com/en/api/messages, "Response") → hub `chat.completion` objects,
 * validated against OpenAI's CreateChatCompletionResponse schema; usage with cache tokens
 * (https://platform.claude.com/docs/en/build-with-claude/prompt-caching).
 */
import { describe, expect, test } from 'bun:test';
import { createAnthropicOutbound } from '../../../../src/relay/dialects/anthropic/outbound.ts';
import { UpstreamError } from '../../../../src/relay/errors.ts';
import type { OutboundContext } from '../../../../src/relay/dialects/types.ts';
import type { JsonBody } from '../../../../src/relay/types.ts';
import { basicMessage, cacheReadUsage, cacheWriteUsage, expectValidOpenAi, thinkingMessage, toolUseMessage } from './fixtures.ts';

const outbound = createAnthropicOutbound({ now: () => 1_741_570_283_500 });
const context = (settings: Record<string, unknown> = {}): OutboundContext => ({ upstreamModel: 'claude-sonnet-4-5', stream: false, settings });
const toHub = (native: JsonBody, settings: Record<string, unknown> = {}): JsonBody => {
  const hub = outbound.toHubResponse(native, context(settings));
  expectValidOpenAi('CreateChatCompletionResponse', hub);
  return hub;
};

describe('Anthropic message → hub completion', () => {
  test('the documentation example', () => {
    expect(toHub(basicMessage)).toEqual({
      id: 'msg_013Zva2CMHLNnXjNJJKqJ2EF',
      object: 'chat.completion',
      created: 1741570283,
      model: 'claude-sonnet-4-5-20250929',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hi! My name is Claude.', refusal: null }, finish_reason: 'stop', logprobs: null }],
      usage: { prompt_tokens: 2095, completion_tokens: 503, total_tokens: 2598, prompt_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 } },
    });
  });

  test('tool use', () => {
    const choice = (toHub(toolUseMessage).choices as JsonBody[])[0];
    expect(choice).toEqual({
      index: 0,
      message: {
        role: 'assistant',
        content: "I'll check the current weather in San Francisco for you.",
        refusal: null,
        tool_calls: [
          { id: 'toolu_01A09q90qw90lq917835lq9', type: 'function', function: { name: 'get_weather', arguments: '{"location":"San Francisco, CA","unit":"celsius"}' } },
        ],
      },
      finish_reason: 'tool_calls',
      logprobs: null,
    });
    const toolOnly = { ...toolUseMessage, content: toolUseMessage.content.slice(1) };
    expect(((toHub(toolOnly).choices as JsonBody[])[0]?.message as JsonBody).content).toBeNull();
  });

  test('thinking → reasoning_content, or <think> content when the channel asks; redacted thinking is left out', () => {
    const withRedacted = { ...thinkingMessage, content: [...thinkingMessage.content, { type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3pzix' }] };
    const message = (settings: Record<string, unknown>) => (toHub(withRedacted, settings).choices as JsonBody[])[0]?.message;
    expect(message({})).toEqual({ role: 'assistant', content: 'Based on my analysis...', refusal: null, reasoning_content: 'Let me analyze this step by step...' });
    expect(message({ thinking_to_content: true })).toEqual({ role: 'assistant', content: '<think>\nLet me analyze this step by step...\n</think>\n\nBased on my analysis...', refusal: null });
  });

  test('text blocks split by citations join without a separator', () => {
    const cited = { ...basicMessage, content: [{ type: 'text', text: 'According to the document, ' }, { type: 'text', text: 'the grass is green', citations: [] }, { type: 'text', text: '.' }] };
    expect(((toHub(cited).choices as JsonBody[])[0]?.message as JsonBody).content).toBe('According to the document, the grass is green.');
  });

  test.each([
    ['end_turn', 'stop'],
    ['stop_sequence', 'stop'],
    ['max_tokens', 'length'],
    ['model_context_window_exceeded', 'length'],
    ['tool_use', 'tool_calls'],
    ['refusal', 'content_filter'],
    ['pause_turn', 'stop'],
  ])('stop_reason %s → finish_reason %s', (stopReason, finishReason) => {
    expect((toHub({ ...basicMessage, stop_reason: stopReason }).choices as JsonBody[])[0]?.finish_reason).toBe(finishReason);
  });

  test('cache write and cache read usage', () => {
    expect(toHub({ ...basicMessage, usage: cacheWriteUsage }).usage).toEqual({
      prompt_tokens: 188107,
      completion_tokens: 393,
      total_tokens: 188500,
      prompt_tokens_details: { cached_tokens: 0, cache_write_tokens: 188086 },
    });
    expect(toHub({ ...basicMessage, usage: cacheReadUsage }).usage).toMatchObject({ prompt_tokens: 188107, prompt_tokens_details: { cached_tokens: 188086, cache_write_tokens: 0 } });
  });

  test('a 200 without content is a bad response body', () => {
    expect(() => outbound.toHubResponse({ type: 'message' }, context())).toThrow(UpstreamError);
  });
});

describe('Anthropic usage → hub Usage', () => {
  test('prompt includes cache reads and writes', () => {
    expect(outbound.readUsage({ ...basicMessage, usage: { ...cacheWriteUsage, cache_read_input_tokens: 1000 } })).toEqual({
      promptTokens: 189107,
      completionTokens: 393,
      totalTokens: 189500,
      cachedTokens: 1000,
      cacheWriteTokens: 188086,
      reasoningTokens: 0,
      imageInputTokens: 0,
      audioInputTokens: 0,
      audioOutputTokens: 0,
      estimated: false,
      clamped: false,
    });
  });

  test('thinking tokens are reasoning tokens', () => {
    expect(outbound.readUsage({ usage: { input_tokens: 40, output_tokens: 310, output_tokens_details: { thinking_tokens: 250 } } })?.reasoningTokens).toBe(250);
  });

  test('negative and fractional counts are clamped and flagged', () => {
    expect(outbound.readUsage({ usage: { input_tokens: -5, output_tokens: 10.6, cache_read_input_tokens: 100 } })).toMatchObject({
      promptTokens: 100,
      completionTokens: 11,
      cachedTokens: 100,
      clamped: true,
    });
  });

  test('no usage, no Usage', () => {
    expect(outbound.readUsage({ type: 'message' })).toBeUndefined();
    expect(outbound.readUsage('not json')).toBeUndefined();
  });
});
