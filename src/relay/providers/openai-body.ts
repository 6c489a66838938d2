/**
 * Request bodies for the OpenAI family: the client's body with the model replaced and unknown fields kept
 * (style.md rule 3), plus the fixes the upstream needs — stream usage (domain.md 5.1) and reasoning-model
 * parameters (domain.md 5.3). Never mutates the client's body.
 */
import { asRecord } from '../json-record.ts';
import type { Endpoint, JsonBody } from '../types.ts';
import { isGpt5Model, isOSeriesModel, isReasoningModel, type ReasoningEffort, refusesReasoningEffort } from './reasoning-suffix.ts';

export interface JsonBodyInput {
  readonly endpoint: Endpoint;
  readonly stream: boolean;
  readonly body: JsonBody;
  /** The name sent upstream. */
  readonly model: string;
  /** The name that decides the model family (before provider renames such as Azure's dot stripping). */
  readonly familyModel: string;
  /** From the model-name suffix (`o3-mini-high`); overrides the body's own effort. */
  readonly effort: ReasoningEffort | undefined;
  /** The upstream honours `stream_options.include_usage`. */
  readonly streamUsage: boolean;
}

/** Endpoints whose streams carry a usage chunk on request (https://platform.openai.com/docs/api-reference/chat/create#chat-create-stream_options). */
const usageStreamEndpoints: ReadonlySet<Endpoint> = new Set(['chat-completions', 'completions']);

/**
 * Sampling parameters reasoning models refuse with a 400 ("Only the default (1) value is supported"),
 * https://platform.openai.com/docs/guides/reasoning. gpt-5.1 and later accept them again when the effort is
 * `none` (https://platform.openai.com/docs/guides/latest-model), so they are kept then.
 */
const reasoningRefusedFields = ['temperature', 'top_p', 'presence_penalty', 'frequency_penalty', 'logprobs', 'top_logprobs', 'logit_bias'];

export function buildJsonBody(input: JsonBodyInput): JsonBody {
  const body: JsonBody = { ...input.body, model: input.model };
  if (usageStreamEndpoints.has(input.endpoint)) applyStreamOptions(body, input.stream, input.streamUsage);
  if (input.endpoint === 'chat-completions') applyChatReasoningFixes(body, input.familyModel, input.effort);
  if (input.endpoint === 'responses' && input.effort !== undefined) {
    // The Responses API nests the effort: https://platform.openai.com/docs/api-reference/responses/create#responses-create-reasoning
    body.reasoning = { ...asRecord(body.reasoning), effort: input.effort };
  }
  return body;
}

/**
 * Streaming with an upstream that honours it: ask for the usage chunk, keeping the client's other stream
 * options. Otherwise, and for non-stream requests, `stream_options` is removed (domain.md 5.1): strict
 * upstreams answer 422 to it (Mistral: https://github.com/dnakov/anon-kode/issues/53).
 */
function applyStreamOptions(body: JsonBody, stream: boolean, streamUsage: boolean): void {
  if (stream && streamUsage) {
    body.stream_options = { ...asRecord(body.stream_options), include_usage: true };
  } else {
    delete body.stream_options;
  }
}

function applyChatReasoningFixes(body: JsonBody, model: string, suffixEffort: ReasoningEffort | undefined): void {
  // A thinking request converted from another dialect (Claude Code's `thinking`, Gemini's `thinkingConfig`)
  // arrives as `reasoning_effort`; a model that does not reason refuses it, so it goes without.
  if (refusesReasoningEffort(model)) delete body.reasoning_effort;
  if (!isOSeriesModel(model) && !isGpt5Model(model)) return;
  // "max_tokens … is not compatible with o-series models": https://platform.openai.com/docs/api-reference/chat/create#chat-create-max_tokens
  if (body.max_tokens !== undefined) {
    if (body.max_completion_tokens === undefined) body.max_completion_tokens = body.max_tokens;
    delete body.max_tokens;
  }
  if (!isReasoningModel(model)) return;
  if (suffixEffort !== undefined) body.reasoning_effort = suffixEffort;
  if (body.reasoning_effort !== 'none') {
    for (const field of reasoningRefusedFields) delete body[field];
  }
  // o1-mini and o1-preview predate the developer role; New API leaves them alone as well.
  if (!/^o1-(?:mini|preview)/.test(model)) renameFirstSystemMessage(body);
}

/** Reasoning models take instructions as `developer` messages (https://platform.openai.com/docs/guides/reasoning#advice-on-prompting). */
function renameFirstSystemMessage(body: JsonBody): void {
  const messages = body.messages;
  if (!Array.isArray(messages)) return;
  const index = messages.findIndex((message) => asRecord(message)?.role === 'system');
  if (index === -1) return;
  body.messages = messages.map((message: unknown, position) => (position === index ? { ...asRecord(message), role: 'developer' } : message));
}

/**
 * The multipart form (images edits, audio transcriptions and translations) rebuilt with the model replaced;
 * files and other fields pass through in their order.
 */
export function buildFormBody(form: FormData, model: string): FormData {
  const result = new FormData();
  let placed = false;
  for (const [name, value] of form.entries()) {
    if (name !== 'model') {
      result.append(name, value);
    } else if (!placed) {
      result.append('model', model);
      placed = true;
    }
  }
  if (!placed) result.append('model', model);
  return result;
}
