import { describe, expect, test } from 'bun:test';
import { UpstreamError } from '../../../../src/relay/errors.ts';
import { createGeminiOutbound } from '../../../../src/relay/dialects/gemini/outbound.ts';
import type { OutboundContext } from '../../../../src/relay/dialects/types.ts';
import type { JsonBody } from '../../../../src/relay/types.ts';
import { validateOpenAi } from '../../../helpers/openai-schema.ts';
import { blockedPromptResponse, functionCallResponse, outboundContext, parallelCallResponse, textResponse, thinkingResponse } from './fixtures.ts';

const NOW = Date.UTC(2025, 6, 20, 10, 0, 0);
const outbound = createGeminiOutbound({ now: () => NOW });

/** Converts and checks the hub answer against OpenAI's published schema. */
function toHub(native: JsonBody, context: OutboundContext = outboundContext()): JsonBody {
  const completion = outbound.toHubResponse(native, context);
  expect(validateOpenAi('CreateChatCompletionResponse', completion)).toEqual([]);
  return completion;
}

describe('geminiOutbound.toHubResponse', () => {
  test('text → chat.completion with usage', () => {
    expect(toHub(textResponse)).toEqual({
      id: 'mMp8aPqJNq2_nvgP4cyYsQ4',
      object: 'chat.completion',
      created: NOW / 1000,
      model: 'gemini-2.0-flash',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'AI learns patterns from data to make predictions or decisions.\n', refusal: null },
          finish_reason: 'stop',
          logprobs: null,
        },
      ],
      usage: { prompt_tokens: 8, completion_tokens: 12, total_tokens: 20, prompt_tokens_details: { cached_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0 } },
    });
  });

  test('thinking: thought parts → reasoning_content; thoughts count as completion and reasoning tokens; cache counted', () => {
    const completion = toHub(thinkingResponse);
    expect(completion.choices).toEqual([
      {
        index: 0,
        message: {
          role: 'assistant',
          reasoning_content: "**Defining Occam's Razor**\n\nI'm starting with the core idea: the simplest explanation is usually right.",
          content: "Occam's Razor says that among competing explanations, the one with the fewest assumptions is usually best.",
          refusal: null,
        },
        finish_reason: 'stop',
        logprobs: null,
      },
    ]);
    expect(completion.usage).toEqual({
      prompt_tokens: 14,
      completion_tokens: 1236,
      total_tokens: 1250,
      prompt_tokens_details: { cached_tokens: 6 },
      completion_tokens_details: { reasoning_tokens: 1214 },
    });
  });

  test('thinking_to_content puts the thoughts inside <think> before the answer', () => {
    const message = ((toHub(thinkingResponse, outboundContext('gemini-2.5-flash', { thinking_to_content: true })).choices as JsonBody[])[0]?.message ?? {}) as JsonBody;
    expect(message.reasoning_content).toBeUndefined();
    expect(message.content).toBe(
      "<think>\n**Defining Occam's Razor**\n\nI'm starting with the core idea: the simplest explanation is usually right.\n</think>\n\nOccam's Razor says that among competing explanations, the one with the fewest assumptions is usually best.",
    );
  });

  test('a function call → tool_calls with call_<n>, finish tool_calls, the thought signature kept for the way back', () => {
    const completion = toHub(functionCallResponse);
    expect(completion.choices).toEqual([
      {
        index: 0,
        message: {
          role: 'assistant',
          content: null,
          refusal: null,
          tool_calls: [
            {
              id: 'call_1',
              type: 'function',
              function: { name: 'set_light_values', arguments: '{"brightness":25,"color_temp":"warm"}' },
              extra_content: { google: { thought_signature: 'CiQBVKhc7xQv7pHcXoSQJpL4kS1nFzqGZ1dn+Q9Y3JrB6cpzYQs=' } },
            },
          ],
        },
        finish_reason: 'tool_calls',
        logprobs: null,
      },
    ]);
    expect(completion.usage).toEqual({
      prompt_tokens: 77,
      completion_tokens: 78,
      total_tokens: 155,
      prompt_tokens_details: { cached_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 54 },
    });
  });

  test('parallel function calls are numbered in order; Gemini’s own ids are kept', () => {
    const calls = (((toHub(parallelCallResponse).choices as JsonBody[])[0]?.message as JsonBody).tool_calls as JsonBody[]).map((call) => call.id);
    expect(calls).toEqual(['call_1', 'call_2', 'call_3']);
    const withId = structuredClone(functionCallResponse);
    const part = ((withId.candidates as JsonBody[])[0]?.content as { parts: JsonBody[] }).parts[0] as { functionCall: JsonBody };
    part.functionCall.id = 'fc-42';
    expect((((toHub(withId).choices as JsonBody[])[0]?.message as JsonBody).tool_calls as JsonBody[])[0]?.id).toBe('fc-42');
  });

  test('finish reasons: MAX_TOKENS → length; SAFETY, RECITATION, BLOCKLIST, PROHIBITED_CONTENT, SPII → content_filter', () => {
    const reason = (finishReason: string) =>
      (toHub({ candidates: [{ content: { parts: [{ text: 'x' }], role: 'model' }, finishReason, index: 0 }], responseId: 'r' }).choices as JsonBody[])[0]?.finish_reason;
    expect(reason('STOP')).toBe('stop');
    expect(reason('MAX_TOKENS')).toBe('length');
    for (const filtered of ['SAFETY', 'RECITATION', 'BLOCKLIST', 'PROHIBITED_CONTENT', 'SPII', 'IMAGE_SAFETY']) expect(reason(filtered)).toBe('content_filter');
    expect(reason('OTHER')).toBe('stop');
    expect(reason('MALFORMED_FUNCTION_CALL')).toBe('stop');
  });

  test('a candidate cut by safety with no content → empty content_filter answer', () => {
    const completion = toHub({ candidates: [{ finishReason: 'SAFETY', index: 0, safetyRatings: [{ category: 'HARM_CATEGORY_HARASSMENT', probability: 'HIGH', blocked: true }] }] });
    expect((completion.choices as JsonBody[])[0]).toEqual({ index: 0, message: { role: 'assistant', content: '', refusal: null }, finish_reason: 'content_filter', logprobs: null });
  });

  test('a blocked prompt → one empty content_filter choice, with the prompt usage', () => {
    const completion = toHub(blockedPromptResponse);
    expect(completion.choices).toEqual([{ index: 0, message: { role: 'assistant', content: '', refusal: null }, finish_reason: 'content_filter', logprobs: null }]);
    expect(completion.usage).toEqual({ prompt_tokens: 9, completion_tokens: 0, total_tokens: 9, prompt_tokens_details: { cached_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0 } });
  });

  test('Vertex createTime wins over the clock; the model falls back to the upstream name without its suffix', () => {
    const completion = toHub({ candidates: [{ content: { parts: [{ text: 'Hi' }], role: 'model' }, finishReason: 'STOP' }], createTime: '2025-07-20T09:00:00.123456Z' }, outboundContext('gemini-2.5-pro-thinking-128'));
    expect(completion.created).toBe(Date.UTC(2025, 6, 20, 9, 0, 0) / 1000);
    expect(completion.model).toBe('gemini-2.5-pro');
    expect(completion.id).toBe('chatcmpl-gemini');
  });

  test('a 200 with neither candidates nor promptFeedback is a bad response body', () => {
    expect(() => outbound.toHubResponse({ modelVersion: 'gemini-2.5-flash' }, outboundContext())).toThrow(UpstreamError);
  });
});

describe('geminiOutbound.readUsage', () => {
  test('hub semantics: completion includes thoughts, prompt includes cache', () => {
    expect(outbound.readUsage(thinkingResponse)).toEqual({
      promptTokens: 14,
      completionTokens: 1236,
      totalTokens: 1250,
      cachedTokens: 6,
      cacheWriteTokens: 0,
      reasoningTokens: 1214,
      imageInputTokens: 0,
      audioInputTokens: 0,
      audioOutputTokens: 0,
      estimated: false,
      clamped: false,
    });
  });

  test('tool-use prompt tokens are input; a missing total is the sum', () => {
    const usage = outbound.readUsage({ usageMetadata: { promptTokenCount: 100, toolUsePromptTokenCount: 40, candidatesTokenCount: 10 } });
    expect(usage?.promptTokens).toBe(140);
    expect(usage?.totalTokens).toBe(150);
  });

  test('negative, fractional and inconsistent counts are clamped and flagged', () => {
    const usage = outbound.readUsage({ usageMetadata: { promptTokenCount: -5, candidatesTokenCount: 10.6, thoughtsTokenCount: 4, cachedContentTokenCount: 50, totalTokenCount: 3 } });
    expect(usage).toMatchObject({ promptTokens: 0, completionTokens: 15, totalTokens: 15, cachedTokens: 0, reasoningTokens: 4, clamped: true });
  });

  test('no usageMetadata, no usage', () => {
    expect(outbound.readUsage({ candidates: [] })).toBeUndefined();
    expect(outbound.readUsage('not json')).toBeUndefined();
  });
});
