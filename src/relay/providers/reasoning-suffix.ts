/**
 * Reasoning controls in the model name (domain.md 5.3): `o3-mini-high`, `gpt-5-minimal` … name an OpenAI
 * reasoning model plus a `reasoning_effort`. The suffix is stripped before the name goes upstream. Shared by the
 * OpenAI-family adapters and the pipeline (which may bill or route by the base name).
 * Effort values: https://platform.openai.com/docs/api-reference/chat/create#chat-create-reasoning_effort
 */

export const reasoningEfforts = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh'] as const;
export type ReasoningEffort = (typeof reasoningEfforts)[number];

// `max` is also an effort value upstream, but `gpt-5.1-codex-max` is a real model name, so it is no suffix.
const suffixPattern = /-(none|minimal|low|medium|high|xhigh)$/;

/** o1, o1-mini, o3-mini, o4-mini, o3-pro … (not `omni-moderation-latest`). */
export function isOSeriesModel(model: string): boolean {
  return /^o\d+(?:-|$)/.test(model);
}

/** gpt-5, gpt-5-mini, gpt-5.1, gpt-5.1-codex, gpt-5-chat-latest … */
export function isGpt5Model(model: string): boolean {
  return /^gpt-5(?:[.-]|$)/.test(model);
}

/**
 * Models that reason, and so take `reasoning_effort` and refuse sampling parameters. The `-chat` variants of
 * gpt-5 are not reasoning models (https://platform.openai.com/docs/models/gpt-5-chat-latest).
 */
export function isReasoningModel(model: string): boolean {
  return isOSeriesModel(model) || (isGpt5Model(model) && !/^gpt-5(?:\.\d+)?-chat/.test(model));
}

/**
 * OpenAI's chat models that do not reason: gpt-4o, gpt-4.1, gpt-4, gpt-3.5 and chatgpt-4o, and the `-chat`
 * variants of gpt-5. They answer `reasoning_effort` with 400 `unsupported_parameter`
 * (https://platform.openai.com/docs/guides/reasoning lists the models that take it).
 */
export function refusesReasoningEffort(model: string): boolean {
  return /^(?:gpt-4o|gpt-4\.1|gpt-4(?:-|$)|gpt-3\.5|chatgpt-4o)/.test(model) || /^gpt-5(?:\.\d+)?-chat/.test(model);
}

export interface ReasoningSuffix {
  /** The model name without the suffix (unchanged when there is none). */
  readonly model: string;
  readonly effort: ReasoningEffort | undefined;
}

/**
 * `o3-mini-high` → `{ model: 'o3-mini', effort: 'high' }`; `gpt-4o-mini-low` and `o3-mini` are returned
 * unchanged with no effort: only reasoning models take the suffix.
 */
export function parseReasoningSuffix(model: string): ReasoningSuffix {
  const match = suffixPattern.exec(model);
  if (match === null) return { model, effort: undefined };
  const base = model.slice(0, match.index);
  const effort = reasoningEfforts.find((name) => name === match[1]);
  if (effort === undefined || !isReasoningModel(base)) return { model, effort: undefined };
  return { model: base, effort };
}
