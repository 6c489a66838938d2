/**
 * A Responses request (https://platform.openai.com/docs/api-reference/responses/create) → a hub Chat Completions
 * request (https://platform.openai.com/docs/api-reference/chat/create), for a Responses client (the OpenAI SDK's
 * `responses.create`, Codex) whose model is served by a chat-only channel.
 *
 * - `instructions` → a leading system message; `input` → messages (inbound-input.ts).
 * - Function tools, flat in Responses (`{type, name, parameters, strict}`), nest under `function`; `tool_choice`
 *   likewise (`{type: "function", name}`, `allowed_tools`); chat refuses `tool_choice` and `parallel_tool_calls`
 *   without tools, so they go only with tools. Built-in tools (web_search, file_search, computer_use, code
 *   interpreter, MCP, custom …) are refused: only OpenAI runs them (refusals.ts).
 * - `max_output_tokens` → `max_tokens` (the name every chat server knows; the OpenAI adapter renames it for the
 *   models that need `max_completion_tokens`); `temperature`, `top_p` as they are, an explicit 0 included;
 *   `reasoning.effort` → `reasoning_effort`; `text.format` → `response_format`; `text.verbosity` → `verbosity`.
 * - `user`, `safety_identifier`, `prompt_cache_key`, `prompt_cache_retention` and `service_tier` keep their names.
 *   `metadata` goes only with `store: true`: OpenAI's chat endpoint accepts it only for stored completions, and
 *   a Responses default (`store` true) must not turn storage on at a chat upstream.
 * - Streams ask for the usage chunk, which `response.completed` reports.
 * - Not crossing: `include` (encrypted reasoning cannot be produced), `truncation`, `max_tool_calls` (they concern
 *   built-in tools and server-side state), `top_logprobs`, `stream_options.include_obfuscation`.
 * - Refused, naming the field: `previous_response_id`, `conversation`, `background: true`, `prompt`,
 *   `context_management`.
 */
import type { JsonBody } from '../../types.ts';
import type { InboundContext } from '../types.ts';
import { asRecord, copyNumbers, invalidRequest, readArray, readString, requireRecord } from '../json-fields.ts';
import { inputToHubMessages } from './inbound-input.ts';
import { needsResponsesChannel, refuseStatefulFields } from './refusals.ts';

export function responsesRequestToHub(body: JsonBody, context: InboundContext): JsonBody {
  const model = readString(body.model);
  if (model === undefined || model.trim() === '') throw invalidRequest('model', 'send the model name as a non-empty string, e.g. "gpt-4.1"');
  refuseStatefulFields(body);

  const messages: JsonBody[] = [];
  const instructions = body.instructions;
  if (instructions !== undefined && instructions !== null) {
    if (typeof instructions !== 'string') throw invalidRequest('instructions', 'must be a string');
    if (instructions !== '') messages.push({ role: 'system', content: instructions });
  }
  if (body.input === undefined || body.input === null) throw invalidRequest('input', 'send the conversation as a string or an array of input items');
  messages.push(...inputToHubMessages(body.input));
  if (!messages.some((message) => message.role !== 'system')) {
    throw invalidRequest('input', 'holds no message for the model to answer; send at least one user message');
  }

  const hub: JsonBody = { model: context.model, messages };
  copyNumbers(body, hub, [
    ['max_output_tokens', 'max_tokens'],
    ['temperature', 'temperature'],
    ['top_p', 'top_p'],
  ]);
  const tools = convertTools(body.tools);
  const toolChoice = convertToolChoice(body.tool_choice);
  if (tools.length > 0) {
    hub.tools = tools;
    if (toolChoice !== undefined) hub.tool_choice = toolChoice;
    const parallel = body.parallel_tool_calls;
    if (parallel !== undefined && parallel !== null) {
      if (typeof parallel !== 'boolean') throw invalidRequest('parallel_tool_calls', 'must be true or false');
      hub.parallel_tool_calls = parallel;
    }
  }
  applyReasoning(body.reasoning, hub);
  applyText(body.text, hub);
  for (const field of ['user', 'safety_identifier', 'prompt_cache_key', 'prompt_cache_retention', 'service_tier'] as const) {
    const value = readString(body[field]);
    if (value !== undefined) hub[field] = value;
  }
  if (body.store === true) {
    hub.store = true;
    const metadata = asRecord(body.metadata);
    if (metadata !== undefined) hub.metadata = metadata;
  }
  if (context.stream) {
    hub.stream = true;
    // response.completed carries usage; the hub reports it only on request.
    hub.stream_options = { include_usage: true };
  }
  return hub;
}

/** Function tools only (https://platform.openai.com/docs/api-reference/responses/create#responses-create-tools). */
function convertTools(value: unknown): JsonBody[] {
  if (value === undefined || value === null) return [];
  const tools = readArray(value);
  if (tools === undefined) throw invalidRequest('tools', 'must be an array of tool objects');
  return tools.map((item, index) => {
    const field = `tools[${index}]`;
    const tool = requireRecord(item, field, 'a tool object');
    if (tool.type !== 'function') {
      throw needsResponsesChannel(`${field}.type`, `the ${JSON.stringify(tool.type)} tool`, 'only function tools can be used with this model');
    }
    const name = readString(tool.name);
    if (name === undefined || name === '') throw invalidRequest(`${field}.name`, 'every function tool needs a name');
    const fn: JsonBody = { name };
    const description = readString(tool.description);
    if (description !== undefined) fn.description = description;
    if (tool.parameters !== undefined && tool.parameters !== null) fn.parameters = requireRecord(tool.parameters, `${field}.parameters`, 'a JSON Schema object');
    if (typeof tool.strict === 'boolean') fn.strict = tool.strict;
    return { type: 'function', function: fn };
  });
}

/** https://platform.openai.com/docs/api-reference/responses/create#responses-create-tool_choice → the chat form. */
function convertToolChoice(value: unknown): string | JsonBody | undefined {
  if (value === undefined || value === null) return undefined;
  if (value === 'none' || value === 'auto' || value === 'required') return value;
  if (typeof value === 'string') throw invalidRequest('tool_choice', 'must be "none", "auto", "required" or an object');
  const choice = requireRecord(value, 'tool_choice', 'a string or an object');
  if (choice.type === 'function') {
    const name = readString(choice.name);
    if (name === undefined) throw invalidRequest('tool_choice.name', 'name the function to force with {"type": "function", "name": "…"}');
    return { type: 'function', function: { name } };
  }
  if (choice.type === 'allowed_tools') {
    const mode = choice.mode;
    if (mode !== 'auto' && mode !== 'required') throw invalidRequest('tool_choice.mode', 'must be "auto" or "required"');
    const allowed = (readArray(choice.tools) ?? []).map((item, index) => {
      const tool = requireRecord(item, `tool_choice.tools[${index}]`, 'a tool object');
      const name = readString(tool.name);
      if (tool.type !== 'function' || name === undefined) {
        throw needsResponsesChannel(`tool_choice.tools[${index}]`, `allowing the ${JSON.stringify(tool.type)} tool`, 'allow function tools only');
      }
      return { type: 'function', function: { name } };
    });
    return { type: 'allowed_tools', allowed_tools: { mode, tools: allowed } };
  }
  throw needsResponsesChannel('tool_choice.type', `forcing the ${JSON.stringify(choice.type)} tool`, 'force a function tool, or use "auto" or "required"');
}

function applyReasoning(value: unknown, hub: JsonBody): void {
  if (value === undefined || value === null) return;
  const reasoning = requireRecord(value, 'reasoning', 'an object such as {"effort": "low"}');
  const effort = reasoning.effort;
  if (effort === undefined || effort === null) return;
  if (typeof effort !== 'string') throw invalidRequest('reasoning.effort', 'must be a string such as "low", "medium" or "high"');
  hub.reasoning_effort = effort;
}

/** `text.format` (https://platform.openai.com/docs/guides/structured-outputs) → `response_format`. */
function applyText(value: unknown, hub: JsonBody): void {
  if (value === undefined || value === null) return;
  const text = requireRecord(value, 'text', 'an object such as {"format": {"type": "json_object"}}');
  const verbosity = readString(text.verbosity);
  if (verbosity !== undefined) hub.verbosity = verbosity;
  if (text.format === undefined || text.format === null) return;
  const format = requireRecord(text.format, 'text.format', 'an object with a "type"');
  switch (format.type) {
    case 'text':
      return;
    case 'json_object':
      hub.response_format = { type: 'json_object' };
      return;
    case 'json_schema': {
      const name = readString(format.name);
      if (name === undefined || name === '') throw invalidRequest('text.format.name', 'json_schema formats need a name');
      const schema = requireRecord(format.schema, 'text.format.schema', 'a JSON Schema object');
      const jsonSchema: JsonBody = { name, schema };
      const description = readString(format.description);
      if (description !== undefined) jsonSchema.description = description;
      if (typeof format.strict === 'boolean') jsonSchema.strict = format.strict;
      hub.response_format = { type: 'json_schema', json_schema: jsonSchema };
      return;
    }
    default:
      throw invalidRequest('text.format.type', 'must be "text", "json_object" or "json_schema"');
  }
}
