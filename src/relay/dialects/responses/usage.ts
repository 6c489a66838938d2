/**
 * Responses usage ⇄ the hub's. The two count alike — the Response's `input_tokens` is the whole input with
 * `input_tokens_details.cached_tokens` inside it, `output_tokens` includes `output_tokens_details.reasoning_tokens`
 * (https://platform.openai.com/docs/api-reference/responses/object#responses/object-usage) — so only the names
 * change. Reading goes through src/relay/providers/openai-usage.ts, which clamps impossible counts.
 */
import { readOpenAIUsage } from '../../providers/openai-usage.ts';
import type { JsonBody, Usage } from '../../types.ts';

/**
 * A ResponseUsage for hub usage. The OpenAPI schema requires both detail objects and, inside them,
 * `cached_tokens`, `cache_write_tokens` and `reasoning_tokens`, so they are always present.
 */
export function responsesUsageFromHub(usage: Usage): JsonBody {
  return {
    input_tokens: usage.promptTokens,
    input_tokens_details: { cached_tokens: usage.cachedTokens, cache_write_tokens: usage.cacheWriteTokens },
    output_tokens: usage.completionTokens,
    output_tokens_details: { reasoning_tokens: usage.reasoningTokens },
    total_tokens: usage.totalTokens,
  };
}

/** The hub's `usage` (a CompletionUsage) for a Response or a stream event wrapping one; undefined without usage. */
export function hubUsageFromResponses(native: unknown): JsonBody | undefined {
  const usage = readOpenAIUsage(native);
  if (usage === undefined) return undefined;
  return {
    prompt_tokens: usage.promptTokens,
    completion_tokens: usage.completionTokens,
    total_tokens: usage.totalTokens,
    prompt_tokens_details: { cached_tokens: usage.cachedTokens, cache_write_tokens: usage.cacheWriteTokens },
    completion_tokens_details: { reasoning_tokens: usage.reasoningTokens },
  };
}
