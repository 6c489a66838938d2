/**
 * Usage from OpenAI-family replies, clamped so one bad number cannot bill nonsense (reliability.md 2.4.3):
 * negative → 0, fractional → rounded, above 10^9 → 10^9, details above their total → the total; each sets
 * `clamped`. Shapes:
 * - Chat / completions / embeddings `usage` (https://platform.openai.com/docs/api-reference/chat/object#chat/object-usage):
 *   `prompt_tokens`, `completion_tokens`, `total_tokens`, `prompt_tokens_details.cached_tokens` /
 *   `.cache_write_tokens` / `.audio_tokens` / `.image_tokens`, `completion_tokens_details.reasoning_tokens` /
 *   `.audio_tokens`.
 * - Responses `usage` (https://platform.openai.com/docs/api-reference/responses/object#responses/object-usage):
 *   `input_tokens`, `output_tokens`, `total_tokens`, `input_tokens_details.cached_tokens` /
 *   `.cache_write_tokens` / `.image_tokens` / `.audio_tokens` (gpt-image and realtime models),
 *   `output_tokens_details.reasoning_tokens`; found on a `response` object or on a
 *   stream event that wraps one (`response.completed`, `response.incomplete`, `response.failed`).
 */
import { asRecord } from '../json-record.ts';
import type { Usage } from '../types.ts';

/** No single request has ever used a billion tokens; a larger number is a bug upstream. */
export const MAX_REPORTED_TOKENS = 1_000_000_000;

export function readOpenAIUsage(json: unknown): Usage | undefined {
  const record = asRecord(json);
  if (record === undefined) return undefined;
  const usage = asRecord(record.usage) ?? asRecord(asRecord(record.response)?.usage);
  if (usage === undefined) return undefined;
  if (usage.input_tokens !== undefined || usage.output_tokens !== undefined) return fromResponsesUsage(usage);
  if (usage.prompt_tokens !== undefined || usage.completion_tokens !== undefined || usage.total_tokens !== undefined) {
    return fromChatUsage(usage);
  }
  return undefined;
}

function fromChatUsage(usage: Record<string, unknown>): Usage {
  const promptDetails = asRecord(usage.prompt_tokens_details);
  const completionDetails = asRecord(usage.completion_tokens_details);
  return assemble({
    prompt: usage.prompt_tokens,
    completion: usage.completion_tokens,
    total: usage.total_tokens,
    // DeepSeek reports cache hits as `prompt_cache_hit_tokens` (https://api-docs.deepseek.com/api/create-chat-completion),
    // Moonshot as a top-level `cached_tokens` (https://platform.moonshot.cn/docs/api/chat).
    cached: promptDetails?.cached_tokens ?? usage.prompt_cache_hit_tokens ?? usage.cached_tokens,
    cacheWrite: promptDetails?.cache_write_tokens,
    reasoning: completionDetails?.reasoning_tokens,
    imageInput: promptDetails?.image_tokens,
    audioInput: promptDetails?.audio_tokens,
    audioOutput: completionDetails?.audio_tokens,
  });
}

function fromResponsesUsage(usage: Record<string, unknown>): Usage {
  const inputDetails = asRecord(usage.input_tokens_details);
  const outputDetails = asRecord(usage.output_tokens_details);
  return assemble({
    prompt: usage.input_tokens,
    completion: usage.output_tokens,
    total: usage.total_tokens,
    cached: inputDetails?.cached_tokens,
    cacheWrite: inputDetails?.cache_write_tokens,
    reasoning: outputDetails?.reasoning_tokens,
    imageInput: inputDetails?.image_tokens,
    audioInput: inputDetails?.audio_tokens,
    audioOutput: outputDetails?.audio_tokens,
  });
}

interface RawUsage {
  prompt: unknown;
  completion: unknown;
  total: unknown;
  cached: unknown;
  cacheWrite: unknown;
  reasoning: unknown;
  imageInput: unknown;
  audioInput: unknown;
  audioOutput: unknown;
}

function assemble(raw: RawUsage): Usage {
  let clamped = false;
  const read = (value: unknown): number => {
    // Absent (or null, or not a number at all) is zero and not a clamp: many servers omit the details.
    if (typeof value !== 'number') return 0;
    if (!Number.isFinite(value) || value < 0) {
      clamped = true;
      return 0;
    }
    let count = value;
    if (!Number.isInteger(count)) {
      clamped = true;
      count = Math.round(count);
    }
    if (count > MAX_REPORTED_TOKENS) {
      clamped = true;
      count = MAX_REPORTED_TOKENS;
    }
    return count;
  };
  const atMost = (count: number, limit: number): number => {
    if (count <= limit) return count;
    clamped = true;
    return limit;
  };
  const promptTokens = read(raw.prompt);
  const completionTokens = read(raw.completion);
  const sum = promptTokens + completionTokens;
  const reportedTotal = read(raw.total);
  let totalTokens = raw.total === undefined || raw.total === null ? sum : reportedTotal;
  if (totalTokens < sum) {
    clamped = true;
    totalTokens = sum;
  }
  const cachedTokens = atMost(read(raw.cached), promptTokens);
  const cacheWriteTokens = atMost(read(raw.cacheWrite), promptTokens);
  const reasoningTokens = atMost(read(raw.reasoning), completionTokens);
  const imageInputTokens = atMost(read(raw.imageInput), promptTokens);
  const audioInputTokens = atMost(read(raw.audioInput), promptTokens);
  const audioOutputTokens = atMost(read(raw.audioOutput), completionTokens);
  return {
    promptTokens,
    completionTokens,
    totalTokens,
    cachedTokens,
    cacheWriteTokens,
    reasoningTokens,
    imageInputTokens,
    audioInputTokens,
    audioOutputTokens,
    estimated: false,
    clamped,
  };
}
