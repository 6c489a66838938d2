/**
 * Anthropic's extended thinking is a token budget (`thinking: {type: "enabled", budget_tokens}`, at least 1024
 * and below `max_tokens`: https://platform.claude.com/docs/en/build-with-claude/extended-thinking); OpenAI's is
 * an effort level (`reasoning_effort`: https://platform.openai.com/docs/api-reference/chat/create#chat-create-reasoning_effort).
 *
 * Budget → effort (Anthropic clients on other models): up to 4096 is `low`, up to 16384 `medium`, above that `high`.
 * Effort → budget (OpenAI clients on Claude): `minimal` and `low` 1024 (Anthropic's minimum), `medium` 8192,
 * `high`, `xhigh` and `max` 24576; `none` asks for no thinking. Each budget falls in the band of its own effort,
 * so effort → budget → effort returns the effort it started from.
 */

export type HubEffort = 'low' | 'medium' | 'high';

export const MIN_THINKING_BUDGET = 1024;
const LOW_BUDGET_CEILING = 4096;
const MEDIUM_BUDGET_CEILING = 16384;

export function effortForBudget(budgetTokens: number): HubEffort {
  if (budgetTokens <= LOW_BUDGET_CEILING) return 'low';
  if (budgetTokens <= MEDIUM_BUDGET_CEILING) return 'medium';
  return 'high';
}

const budgets: Readonly<Record<string, number>> = {
  minimal: MIN_THINKING_BUDGET,
  low: MIN_THINKING_BUDGET,
  medium: 8192,
  high: 24576,
  xhigh: 24576,
  max: 24576,
};

/** The budget for an effort; undefined for `none` and for values OpenAI does not define. */
export function budgetForEffort(effort: string): number | undefined {
  return Object.hasOwn(budgets, effort) ? budgets[effort] : undefined;
}

/** The effort used when only the `-thinking` model suffix asks for thinking. */
export const SUFFIX_EFFORT = 'medium';
