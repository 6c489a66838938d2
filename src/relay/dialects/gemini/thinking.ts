/**
 * Gemini thinking controls (domain.md 5.3) and their hub equivalent, `reasoning_effort`.
 *
 * `thinkingConfig.thinkingBudget` (https://ai.google.dev/gemini-api/docs/thinking): a token count;
 * `0` turns thinking off (on models that allow it — 2.5 Pro does not), `-1` is dynamic thinking (the model
 * decides). `includeThoughts: true` asks for thought summaries, which come back as parts with `thought: true`.
 *
 * Model-name suffixes, stripped before the name goes upstream (`geminiModelAndThinking`):
 * - `-thinking` → budget -1 (dynamic) with thoughts included;
 * - `-thinking-<budget>` → that budget (`gemini-2.5-pro-thinking-128`);
 * - `-nothinking` → budget 0;
 * - `-low`, `-medium`, `-high` → the effort's budget below (New API offers these behind
 *   `gemini.thinking_adapter_enabled`, off by default; no Gemini model name ends in those words, so here they
 *   are always read).
 *
 * `reasoning_effort` ⇄ budget follows Google's own OpenAI compatibility layer
 * (https://ai.google.dev/gemini-api/docs/openai): low 1 024, medium 8 192, high 24 576 tokens, none 0.
 * `minimal` takes low's budget and `xhigh`/`max` high's (24 576 is 2.5 Flash's ceiling, so it is accepted by
 * every 2.5 model).
 */
import { readString } from '../json-fields.ts';

export interface GeminiModelAndThinking {
  /** The model name without a thinking suffix (unchanged when there is none). */
  readonly model: string;
  /** The budget the suffix asks for; undefined when the name has no thinking suffix. */
  readonly thinkingBudget?: number;
}

const budgetSuffix = /-thinking-(\d{1,7})$/;

export function geminiModelAndThinking(model: string): GeminiModelAndThinking {
  const budget = budgetSuffix.exec(model);
  if (budget?.[1] !== undefined) return { model: model.slice(0, budget.index), thinkingBudget: Number(budget[1]) };
  if (model.endsWith('-nothinking')) return { model: model.slice(0, -'-nothinking'.length), thinkingBudget: 0 };
  if (model.endsWith('-thinking')) return { model: model.slice(0, -'-thinking'.length), thinkingBudget: -1 };
  const effort = effortSuffix.exec(model);
  if (effort?.[1] !== undefined) return { model: model.slice(0, effort.index), thinkingBudget: budgetByEffort[effort[1]] };
  return { model };
}

const effortSuffix = /-(low|medium|high)$/;

const budgetByEffort: Readonly<Record<string, number>> = {
  none: 0,
  minimal: 1024,
  low: 1024,
  medium: 8192,
  high: 24576,
  xhigh: 24576,
  max: 24576,
};

/** A hub `reasoning_effort` → a thinking budget; undefined for an absent or unknown effort. */
export function budgetForEffort(effort: unknown): number | undefined {
  const name = readString(effort);
  return name === undefined ? undefined : budgetByEffort[name];
}

/**
 * A Gemini client's thinking budget → the hub's `reasoning_effort`: 0 → `none`; up to 1 024 → `low`; up to
 * 8 192 → `medium`; above → `high`; -1 (dynamic) and other negatives → undefined (the upstream's default).
 */
export function effortForBudget(budget: number): string | undefined {
  if (budget < 0) return undefined;
  if (budget === 0) return 'none';
  if (budget <= 1024) return 'low';
  if (budget <= 8192) return 'medium';
  return 'high';
}

/**
 * Gemini 3's `thinkingLevel` (https://ai.google.dev/gemini-api/docs/thinking) → `reasoning_effort`:
 * the same words in lower case (MINIMAL, LOW, MEDIUM, HIGH).
 */
export function effortForLevel(level: unknown): string | undefined {
  const name = readString(level)?.toLowerCase();
  return name === 'minimal' || name === 'low' || name === 'medium' || name === 'high' ? name : undefined;
}
