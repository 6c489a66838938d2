/**
 * The Response object a Responses client receives (https://platform.openai.com/docs/api-reference/responses/object),
 * shared by the whole answer and by the snapshots the stream events carry.
 *
 * A Response echoes the request's settings (`instructions`, `tools`, `tool_choice`, `temperature` …, all required
 * by the OpenAPI schema). They come from the client's own body when the relay passes it (`InboundContext.request`),
 * else the documented defaults stand in. `store` is always false: a chat channel keeps nothing.
 *
 * Ids are derived from the hub's completion id (`chatcmpl-abc` → `resp_abc`, items `msg_abc_1` …), so one answer
 * has one id in both dialects' logs and the converters stay free of randomness.
 */
import type { JsonBody } from '../../types.ts';
import { asRecord, readNumber, readRecords, readString } from '../json-fields.ts';

export interface ResponseFields {
  readonly id: string;
  readonly createdAt: number;
  readonly status: 'in_progress' | 'completed' | 'incomplete' | 'failed';
  readonly model: string;
  readonly output: readonly JsonBody[];
  readonly usage?: JsonBody;
  readonly error?: { code: string; message: string } | null;
  readonly incompleteDetails?: { reason: string } | null;
  /** Unix seconds when the response finished; null until then. */
  readonly completedAt?: number | null;
  /** The client's Responses request, for the echoed settings. */
  readonly request?: JsonBody;
}

/** The part of a hub id usable inside Responses ids (letters, digits, `_`, `-`), without its `chatcmpl-` prefix. */
export function idBase(hubId: unknown): string {
  const id = (readString(hubId) ?? '').replace(/[^A-Za-z0-9_-]/g, '').replace(/^(?:chatcmpl-|resp_)/, '');
  return id === '' ? 'gateway' : id;
}

export function responseIdFor(base: string): string {
  return `resp_${base}`;
}

/** Item ids carry their output index, so every item of one response has its own. */
export function itemIdFor(prefix: 'msg' | 'rs' | 'fc', base: string, outputIndex: number): string {
  return `${prefix}_${base}_${outputIndex}`;
}

export function responseObject(fields: ResponseFields): JsonBody {
  const request = fields.request ?? {};
  const response: JsonBody = {
    id: fields.id,
    object: 'response',
    created_at: fields.createdAt,
    status: fields.status,
    background: false,
    completed_at: fields.completedAt ?? null,
    error: fields.error ?? null,
    incomplete_details: fields.incompleteDetails ?? null,
    instructions: readString(request.instructions) ?? null,
    max_output_tokens: readNumber(request.max_output_tokens) ?? null,
    model: fields.model,
    output: [...fields.output],
    parallel_tool_calls: typeof request.parallel_tool_calls === 'boolean' ? request.parallel_tool_calls : true,
    previous_response_id: null,
    reasoning: echoedReasoning(request.reasoning),
    store: false,
    temperature: readNumber(request.temperature) ?? 1,
    text: echoedText(request.text),
    tool_choice: request.tool_choice ?? 'auto',
    tools: readRecords(request.tools).map(echoedTool),
    top_p: readNumber(request.top_p) ?? 1,
    truncation: 'disabled',
    metadata: stringMap(request.metadata),
  };
  for (const field of ['user', 'safety_identifier', 'prompt_cache_key'] as const) {
    const value = readString(request[field]);
    if (value !== undefined) response[field] = value;
  }
  // In-progress snapshots carry no usage (the schema's ResponseUsage is not nullable, so it is left out).
  if (fields.usage !== undefined) response.usage = fields.usage;
  return response;
}

function echoedReasoning(value: unknown): JsonBody {
  const reasoning = asRecord(value);
  return { effort: readString(reasoning?.effort) ?? null, summary: readString(reasoning?.summary) ?? null };
}

function echoedText(value: unknown): JsonBody {
  const text = asRecord(value);
  const echoed: JsonBody = { format: asRecord(text?.format) ?? { type: 'text' } };
  const verbosity = readString(text?.verbosity);
  if (verbosity !== undefined) echoed.verbosity = verbosity;
  return echoed;
}

/**
 * A function tool as a Response lists it: `description`, `parameters` and `strict` always present (FunctionTool).
 * `strict` is what the chat upstream applied: chat's default is false where the Responses API's is true.
 */
function echoedTool(tool: Record<string, unknown>): JsonBody {
  return {
    type: 'function',
    name: readString(tool.name) ?? '',
    description: readString(tool.description) ?? null,
    parameters: asRecord(tool.parameters) ?? null,
    strict: tool.strict === true,
  };
}

/** Metadata is a map of strings; anything else is left out of the echo. */
function stringMap(value: unknown): JsonBody {
  const record = asRecord(value) ?? {};
  return Object.fromEntries(Object.entries(record).filter(([, entry]) => typeof entry === 'string'));
}
