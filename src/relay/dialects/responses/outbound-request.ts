/**
 * A hub Chat Completions request (https://platform.openai.com/docs/api-reference/chat/create) → a Responses request
 * (https://platform.openai.com/docs/api-reference/responses/create), for a channel whose upstream speaks only the
 * Responses API (channel setting `chat_api: responses`).
 *
 * - Messages become `input` items: system, developer and user messages keep their roles (text parts →
 *   `input_text`, `image_url` → `input_image`, `file` → `input_file`); an assistant message becomes its text as an
 *   assistant message plus one `function_call` item per tool call; a `tool` message a `function_call_output`.
 *   Reasoning the assistant message carries is not sent back: the Responses API only takes reasoning items it
 *   made itself (with their id and encrypted content).
 * - Function tools are flattened (`{type, name, description, parameters, strict}`), and `strict` is always sent:
 *   it defaults to true in the Responses API and to false in chat, so leaving it out would turn strict schema
 *   validation on for tools that never asked for it. `tool_choice` is flattened the same way.
 * - `max_completion_tokens` (else `max_tokens`) → `max_output_tokens`, raised to the API's minimum of 16;
 *   `reasoning_effort` → `reasoning.effort`; `response_format` → `text.format`; `verbosity` → `text.verbosity`.
 * - `store` is false unless the client asked for storage: a chat request expects nothing to be kept upstream.
 * - Refused, naming the field: `n` above 1 (one Response has one answer), audio input or output, custom tools and
 *   legacy `function` messages. Not sent: `stop`, `seed`, `presence_penalty`, `frequency_penalty`, `logit_bias`,
 *   `logprobs`, `top_logprobs`, `prediction`, `web_search_options` and `stream_options`, which the Responses API
 *   does not take (usage always comes with `response.completed`).
 */
import type { JsonBody } from '../../types.ts';
import type { OutboundContext } from '../types.ts';
import { asRecord, copyNumbers, invalidRequest, readArray, readNumber, readRecords, readString, requireRecord } from '../json-fields.ts';

/** "integer ≥ 16" (CreateResponse.max_output_tokens in the OpenAPI document). */
export const MIN_OUTPUT_TOKENS = 16;

export function hubRequestToResponses(request: JsonBody, context: OutboundContext): JsonBody {
  const messages = readArray(request.messages);
  if (messages === undefined || messages.length === 0) throw invalidRequest('messages', 'send a non-empty array of chat messages');
  const n = readNumber(request.n);
  if (n !== undefined && n > 1) throw invalidRequest('n', 'this channel answers through the Responses API, which returns one answer; send n = 1 or leave it out');
  const modalities = readArray(request.modalities);
  if ((modalities !== undefined && modalities.includes('audio')) || (request.audio !== undefined && request.audio !== null)) {
    throw invalidRequest('modalities', 'audio output cannot be asked for through the Responses API; ask for text');
  }

  const input = messages.flatMap((message, index) => inputItems(requireRecord(message, `messages[${index}]`, 'a message object'), `messages[${index}]`));
  const native: JsonBody = { model: context.upstreamModel, input };
  const maxTokens = readNumber(request.max_completion_tokens) ?? readNumber(request.max_tokens);
  if (maxTokens !== undefined) native.max_output_tokens = Math.max(maxTokens, MIN_OUTPUT_TOKENS);
  copyNumbers(request, native, [
    ['temperature', 'temperature'],
    ['top_p', 'top_p'],
  ]);
  const tools = convertTools(request.tools);
  if (tools.length > 0) {
    native.tools = tools;
    const toolChoice = convertToolChoice(request.tool_choice);
    if (toolChoice !== undefined) native.tool_choice = toolChoice;
    if (typeof request.parallel_tool_calls === 'boolean') native.parallel_tool_calls = request.parallel_tool_calls;
  }
  const effort = readString(request.reasoning_effort);
  if (effort !== undefined) native.reasoning = { effort };
  const text = textConfig(request);
  if (text !== undefined) native.text = text;
  for (const field of ['user', 'safety_identifier', 'prompt_cache_key', 'prompt_cache_retention', 'service_tier'] as const) {
    const value = readString(request[field]);
    if (value !== undefined) native[field] = value;
  }
  const metadata = asRecord(request.metadata);
  if (metadata !== undefined) native.metadata = metadata;
  native.store = request.store === true;
  if (context.stream) native.stream = true;
  return native;
}

function inputItems(message: Record<string, unknown>, field: string): JsonBody[] {
  switch (message.role) {
    case 'system':
    case 'developer':
      return [{ type: 'message', role: message.role, content: textContent(message.content, `${field}.content`) }];
    case 'user':
      return [{ type: 'message', role: 'user', content: userContent(message.content, `${field}.content`) }];
    case 'assistant':
      return assistantItems(message, field);
    case 'tool': {
      const callId = readString(message.tool_call_id);
      if (callId === undefined) throw invalidRequest(`${field}.tool_call_id`, 'tool messages need the id of the call they answer');
      return [{ type: 'function_call_output', call_id: callId, output: plainText(message.content, `${field}.content`) }];
    }
    case 'function':
      throw invalidRequest(`${field}.role`, '"function" messages (deprecated) cannot be sent through the Responses API; answer tool calls with "tool" messages');
    default:
      throw invalidRequest(`${field}.role`, 'must be system, developer, user, assistant or tool');
  }
}

/** Text of a message: a string, or its text (and refusal) parts joined. */
function plainText(content: unknown, field: string): string {
  if (content === undefined || content === null) return '';
  if (typeof content === 'string') return content;
  const parts = readArray(content);
  if (parts === undefined) throw invalidRequest(field, 'must be a string or an array of text parts');
  return parts
    .map((item, index) => {
      const part = requireRecord(item, `${field}[${index}]`, 'a content part object');
      const text = readString(part.text) ?? readString(part.refusal);
      if (text === undefined) throw invalidRequest(`${field}[${index}].type`, 'only text parts can be sent here');
      return text;
    })
    .join('');
}

/** System and developer content: a string as it is, text parts as `input_text` parts. */
function textContent(content: unknown, field: string): string | JsonBody[] {
  if (typeof content === 'string') return content;
  const parts = readArray(content);
  if (parts === undefined) return plainText(content, field);
  return parts.map((item, index) => ({ type: 'input_text', text: plainText([item], `${field}[${index}]`) }));
}

function userContent(content: unknown, field: string): string | JsonBody[] {
  if (typeof content === 'string') return content;
  const parts = readArray(content);
  if (parts === undefined) throw invalidRequest(field, 'must be a string or an array of content parts');
  return parts.map((item, index) => {
    const at = `${field}[${index}]`;
    const part = requireRecord(item, at, 'a content part object');
    switch (part.type) {
      case 'text':
        return { type: 'input_text', text: readString(part.text) ?? '' };
      case 'image_url': {
        const image = asRecord(part.image_url);
        const url = readString(image?.url) ?? readString(part.image_url);
        if (url === undefined) throw invalidRequest(`${at}.image_url.url`, 'must be a string');
        // `detail` is required by InputImageContent; chat's default is "auto" too.
        return { type: 'input_image', image_url: url, detail: readString(image?.detail) ?? 'auto' };
      }
      case 'file': {
        const file = requireRecord(part.file, `${at}.file`, 'an object with file_data or file_id');
        const converted: JsonBody = { type: 'input_file' };
        for (const name of ['file_id', 'file_data', 'filename'] as const) {
          const value = readString(file[name]);
          if (value !== undefined) converted[name] = value;
        }
        if (converted.file_id === undefined && converted.file_data === undefined) throw invalidRequest(`${at}.file`, 'send file_data or file_id');
        return converted;
      }
      case 'input_audio':
        throw invalidRequest(`${at}.type`, 'audio input cannot be sent through the Responses API; send text, images or files');
      default:
        throw invalidRequest(`${at}.type`, `content part type ${JSON.stringify(part.type)} cannot be sent through the Responses API; use text, image_url or file`);
    }
  });
}

function assistantItems(message: Record<string, unknown>, field: string): JsonBody[] {
  const items: JsonBody[] = [];
  const text = plainText(message.content, `${field}.content`);
  if (text !== '') items.push({ type: 'message', role: 'assistant', content: text });
  readRecords(message.tool_calls).forEach((call, index) => {
    const at = `${field}.tool_calls[${index}]`;
    if (call.type !== undefined && call.type !== 'function') throw invalidRequest(`${at}.type`, 'only function tool calls can be sent through the Responses API');
    const fn = asRecord(call.function);
    const callId = readString(call.id);
    const name = readString(fn?.name);
    if (callId === undefined || name === undefined) throw invalidRequest(at, 'tool calls need an id and function.name');
    items.push({ type: 'function_call', call_id: callId, name, arguments: readString(fn?.arguments) ?? '' });
  });
  return items;
}

function convertTools(value: unknown): JsonBody[] {
  return readRecords(value).map((tool, index) => {
    if (tool.type !== 'function') throw invalidRequest(`tools[${index}].type`, 'only function tools can be sent through the Responses API');
    const fn = requireRecord(tool.function, `tools[${index}].function`, 'a function definition');
    const name = readString(fn.name);
    if (name === undefined) throw invalidRequest(`tools[${index}].function.name`, 'every tool needs a name');
    const converted: JsonBody = { type: 'function', name };
    const description = readString(fn.description);
    if (description !== undefined) converted.description = description;
    converted.parameters = asRecord(fn.parameters) ?? { type: 'object', properties: {} };
    converted.strict = fn.strict === true;
    return converted;
  });
}

/** https://platform.openai.com/docs/api-reference/chat/create#chat-create-tool_choice → the flat Responses form. */
function convertToolChoice(value: unknown): string | JsonBody | undefined {
  if (value === 'none' || value === 'auto' || value === 'required') return value;
  const choice = asRecord(value);
  if (choice === undefined) return undefined;
  if (choice.type === 'function') {
    const name = readString(asRecord(choice.function)?.name);
    if (name === undefined) throw invalidRequest('tool_choice.function.name', 'name the function to force');
    return { type: 'function', name };
  }
  if (choice.type === 'allowed_tools') {
    const allowed = asRecord(choice.allowed_tools) ?? {};
    const tools = readRecords(allowed.tools).map((tool) => ({ type: 'function', name: readString(asRecord(tool.function)?.name) ?? '' }));
    return { type: 'allowed_tools', mode: allowed.mode === 'required' ? 'required' : 'auto', tools };
  }
  throw invalidRequest('tool_choice.type', 'only function tools can be forced through the Responses API');
}

/** `response_format` and `verbosity` → `text` (https://platform.openai.com/docs/api-reference/responses/create#responses-create-text). */
function textConfig(request: JsonBody): JsonBody | undefined {
  const text: JsonBody = {};
  const format = asRecord(request.response_format);
  if (format?.type === 'json_object' || format?.type === 'text') text.format = { type: format.type };
  else if (format?.type === 'json_schema') {
    const schema = requireRecord(format.json_schema, 'response_format.json_schema', 'an object with name and schema');
    const converted: JsonBody = { type: 'json_schema', name: readString(schema.name) ?? 'response' };
    const description = readString(schema.description);
    if (description !== undefined) converted.description = description;
    converted.schema = asRecord(schema.schema) ?? {};
    if (typeof schema.strict === 'boolean') converted.strict = schema.strict;
    text.format = converted;
  } else if (format !== undefined) {
    throw invalidRequest('response_format.type', 'must be "text", "json_object" or "json_schema"');
  }
  const verbosity = readString(request.verbosity);
  if (verbosity !== undefined) text.verbosity = verbosity;
  return Object.keys(text).length === 0 ? undefined : text;
}
