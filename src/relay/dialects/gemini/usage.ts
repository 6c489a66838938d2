/**
 * Gemini `usageMetadata` ⇄ the hub's `usage` (https://ai.google.dev/api/generate-content#UsageMetadata).
 *
 * Gemini counts thoughts apart from the answer: `candidatesTokenCount` excludes `thoughtsTokenCount`, and
 * `totalTokenCount` = prompt + candidates + thoughts + `toolUsePromptTokenCount`. `promptTokenCount` already
 * includes `cachedContentTokenCount`. In the hub's semantics (src/relay/types.ts `Usage`) completion tokens
 * include reasoning, so completion = candidates + thoughts and reasoning = thoughts; prompt = prompt + tool-use
 * prompt (input the model read from server-side tools, billed as input; zero unless such tools ran).
 * Numbers are clamped as src/relay/providers/openai-usage.ts clamps them, and by the same code.
 */
import { MAX_REPORTED_TOKENS, readOpenAIUsage } from '../../providers/openai-usage.ts';
import type { JsonBody, Usage } from '../../types.ts';
import { asRecord } from '../json-fields.ts';

/** Usage from a GenerateContentResponse (or one stream event); undefined when it carries no `usageMetadata`. */
export function readGeminiUsage(json: unknown): Usage | undefined {
  const metadata = asRecord(asRecord(json)?.usageMetadata);
  if (metadata === undefined) return undefined;
  let clamped = false;
  // The sums below need sane addends; the totals and details are then clamped by readOpenAIUsage.
  const count = (value: unknown): number => {
    if (typeof value !== 'number') return 0;
    if (!Number.isFinite(value) || value < 0) {
      clamped = true;
      return 0;
    }
    const rounded = Math.round(value);
    if (rounded !== value) clamped = true;
    if (rounded > MAX_REPORTED_TOKENS) {
      clamped = true;
      return MAX_REPORTED_TOKENS;
    }
    return rounded;
  };
  const thoughts = count(metadata.thoughtsTokenCount);
  const usage = readOpenAIUsage({
    usage: {
      prompt_tokens: count(metadata.promptTokenCount) + count(metadata.toolUsePromptTokenCount),
      completion_tokens: count(metadata.candidatesTokenCount) + thoughts,
      total_tokens: metadata.totalTokenCount,
      prompt_tokens_details: { cached_tokens: metadata.cachedContentTokenCount },
      completion_tokens_details: { reasoning_tokens: thoughts },
    },
  });
  if (usage === undefined) return undefined;
  return { ...usage, clamped: usage.clamped || clamped };
}

/** A hub `usage` object (OpenAI's CompletionUsage) for the given counts. */
export function hubUsage(usage: Usage): JsonBody {
  return {
    prompt_tokens: usage.promptTokens,
    completion_tokens: usage.completionTokens,
    total_tokens: usage.totalTokens,
    prompt_tokens_details: { cached_tokens: usage.cachedTokens },
    completion_tokens_details: { reasoning_tokens: usage.reasoningTokens },
  };
}

/**
 * A hub `usage` object → Gemini `usageMetadata`: candidates = completion − reasoning, thoughts = reasoning.
 * Zero thought and cache counts are left out, as Google's JSON leaves out zero fields. Undefined when the hub
 * object carries no counts.
 */
export function usageMetadataFromHub(usageJson: unknown): JsonBody | undefined {
  const usage = readOpenAIUsage({ usage: usageJson });
  if (usage === undefined) return undefined;
  const metadata: JsonBody = {
    promptTokenCount: usage.promptTokens,
    candidatesTokenCount: usage.completionTokens - usage.reasoningTokens,
    totalTokenCount: usage.totalTokens,
  };
  if (usage.reasoningTokens > 0) metadata.thoughtsTokenCount = usage.reasoningTokens;
  if (usage.cachedTokens > 0) metadata.cachedContentTokenCount = usage.cachedTokens;
  return metadata;
}
