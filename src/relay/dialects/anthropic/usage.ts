/**
 * Anthropic usage ⇄ the hub's. Anthropic counts input in three disjoint parts — `input_tokens` (after the last
 * cache breakpoint), `cache_creation_input_tokens` and `cache_read_input_tokens` — whose sum is the whole input
 * ("Total input tokens in a request is the summation of…", `Message.usage` in https://docs.anthropic.com/en/api/messages
 * and https://platform.claude.com/docs/en/build-with-claude/prompt-caching#tracking-cache-performance).
 * OpenAI's `prompt_tokens` is the whole input with `prompt_tokens_details.cached_tokens` /
 * `.cache_write_tokens` inside it (https://platform.openai.com/docs/api-reference/chat/object#chat/object-usage).
 *
 * Counts are clamped like src/relay/providers/openai-usage.ts (negative → 0, fractional → rounded, above 10^9 →
 * 10^9, each setting `clamped`) before they are added, so one bad part cannot hide in a sum.
 */
import { MAX_REPORTED_TOKENS, readOpenAIUsage } from '../../providers/openai-usage.ts';
import type { JsonBody, Usage } from '../../types.ts';
import { asRecord } from '../json-fields.ts';

/** Anthropic's token counts, each already clamped; undefined when the reply did not carry it. */
export interface AnthropicCounts {
  input: number | undefined;
  output: number | undefined;
  cacheRead: number | undefined;
  cacheCreation: number | undefined;
  /** `output_tokens_details.thinking_tokens`, part of `output`. */
  thinking: number | undefined;
  clamped: boolean;
}

export function emptyCounts(): AnthropicCounts {
  return { input: undefined, output: undefined, cacheRead: undefined, cacheCreation: undefined, thinking: undefined, clamped: false };
}

/**
 * Reads an Anthropic `usage` object onto `into`: present (non-null) fields replace what was there, which is
 * what the stream needs, since message_delta's counts are cumulative
 * (https://platform.claude.com/docs/en/build-with-claude/streaming#event-types).
 */
export function mergeAnthropicUsage(into: AnthropicCounts, usage: unknown): AnthropicCounts {
  const record = asRecord(usage);
  if (record === undefined) return into;
  const merged = { ...into };
  const take = (value: unknown): number | undefined => {
    if (typeof value !== 'number') return undefined;
    if (!Number.isFinite(value) || value < 0) {
      merged.clamped = true;
      return 0;
    }
    let count = value;
    if (!Number.isInteger(count)) {
      merged.clamped = true;
      count = Math.round(count);
    }
    if (count > MAX_REPORTED_TOKENS) {
      merged.clamped = true;
      count = MAX_REPORTED_TOKENS;
    }
    return count;
  };
  merged.input = take(record.input_tokens) ?? merged.input;
  merged.output = take(record.output_tokens) ?? merged.output;
  merged.cacheRead = take(record.cache_read_input_tokens) ?? merged.cacheRead;
  merged.cacheCreation = take(record.cache_creation_input_tokens) ?? merged.cacheCreation;
  merged.thinking = take(asRecord(record.output_tokens_details)?.thinking_tokens) ?? merged.thinking;
  return merged;
}

/** The hub's `usage` object (a CompletionUsage) for Anthropic counts. */
export function hubUsageFromCounts(counts: AnthropicCounts): JsonBody {
  const cacheRead = counts.cacheRead ?? 0;
  const cacheCreation = counts.cacheCreation ?? 0;
  const promptTokens = (counts.input ?? 0) + cacheRead + cacheCreation;
  const completionTokens = counts.output ?? 0;
  const usage: JsonBody = {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
    prompt_tokens_details: { cached_tokens: cacheRead, cache_write_tokens: cacheCreation },
  };
  if (counts.thinking !== undefined) usage.completion_tokens_details = { reasoning_tokens: counts.thinking };
  return usage;
}

/** Usage in the hub's semantics (src/relay/types.ts), with `clamped` kept from the Anthropic counts. */
export function usageFromCounts(counts: AnthropicCounts): Usage {
  const usage = readOpenAIUsage({ usage: hubUsageFromCounts(counts) });
  // hubUsageFromCounts always sets prompt_tokens, so readOpenAIUsage always answers.
  if (usage === undefined) throw new Error('unreachable: hub usage without prompt_tokens');
  return { ...usage, clamped: usage.clamped || counts.clamped };
}

export interface AnthropicUsageBody {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
}

/** Anthropic's `usage` for hub usage: input without the cached and cache-write parts. */
export function anthropicUsageFromHub(usage: Usage): AnthropicUsageBody {
  return {
    input_tokens: Math.max(0, usage.promptTokens - usage.cachedTokens - usage.cacheWriteTokens),
    output_tokens: usage.completionTokens,
    cache_creation_input_tokens: usage.cacheWriteTokens,
    cache_read_input_tokens: usage.cachedTokens,
  };
}
