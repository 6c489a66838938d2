/**
 * A hub Chat Completions request (https://platform.openai.com/docs/api-reference/chat/create) → an Anthropic
 * Messages request (https://docs.anthropic.com/en/api/messages), for `anthropic` channels.
 *
 * - `system` and `developer` messages, wherever they are, become the top-level `system` (Messages has no system role).
 * - Roles must alternate (https://docs.anthropic.com/en/api/messages#body-messages): consecutive messages of one
 *   role are merged, `tool` messages become `tool_result` blocks of a user turn, empty turns are dropped.
 * - Images: `data:` URLs → base64 sources; http(s) URLs → `{type: "url"}` sources. Through the relay an http(s)
 *   URL never gets here: the pipeline fetches it through the outbound guard first and hands over a `data:` URL
 *   (src/relay/inline-images.ts). PDFs sent as `file` parts become base64 documents.
 * - `max_tokens` is required by Anthropic: `max_completion_tokens`, else `max_tokens`, else the channel's
 *   `settings.max_tokens`, else 8192.
 * - `reasoning_effort`, or a model name ending in `-thinking` (stripped before it goes upstream), turns on
 *   extended thinking with the budget of thinking-budget.ts. Thinking forbids `temperature` and `top_k`, allows
 *   `top_p` only from 0.95, and needs `max_tokens` above the budget
 *   (https://platform.claude.com/docs/en/build-with-claude/extended-thinking#feature-compatibility): those fields are
 *   dropped, and `max_tokens` becomes budget + the requested maximum when it is not already above. Thinking is not
 *   turned on when a tool is forced (Anthropic refuses forced tool use with thinking) or when the last assistant
 *   turn called tools (Anthropic requires that turn to start with the signed thinking block, which the hub does
 *   not carry).
 * - `cache_control` on a content part (the convention of OpenRouter and New API) is kept, and OpenAI's
 *   `prompt_cache_breakpoint` becomes `cache_control: {type: "ephemeral"}`.
 * - `temperature` is clamped to Anthropic's 0–1; `stop` → `stop_sequences`; `user` → `metadata.user_id`;
 *   `parallel_tool_calls: false` → `tool_choice.disable_parallel_tool_use`. Other hub fields are not sent:
 *   Anthropic refuses unknown fields.
 */
import type { JsonBody } from '../../types.ts';
import type { OutboundContext } from '../types.ts';
import { asRecord, invalidRequest, parseToolArguments, readArray, readNumber, readRecords, readString, requireRecord } from '../json-fields.ts';
import { budgetForEffort, SUFFIX_EFFORT } from './thinking-budget.ts';

export const DEFAULT_MAX_TOKENS = 8192;
const THINKING_SUFFIX = '-thinking';

type Block = JsonBody;
interface Turn {
  role: 'user' | 'assistant';
  blocks: Block[];
}

export function hubRequestToAnthropic(request: JsonBody, context: OutboundContext): JsonBody {
  const messages = readArray(request.messages);
  if (messages === undefined || messages.length === 0) throw invalidRequest('messages', 'send a non-empty array of chat messages');
  if (typeof request.n === 'number' && request.n > 1) throw invalidRequest('n', 'Anthropic models return one choice; send n = 1 or leave it out');
  const suffixed = context.upstreamModel.endsWith(THINKING_SUFFIX);
  const model = suffixed ? context.upstreamModel.slice(0, -THINKING_SUFFIX.length) : context.upstreamModel;

  const system: Block[] = [];
  const turns: Turn[] = [];
  messages.forEach((value, index) => {
    const field = `messages[${index}]`;
    const message = requireRecord(value, field, 'a message object');
    switch (message.role) {
      case 'system':
      case 'developer':
        system.push(...textBlocks(message.content, `${field}.content`));
        break;
      case 'user':
        addTurn(turns, 'user', userBlocks(message.content, `${field}.content`));
        break;
      case 'assistant':
        addTurn(turns, 'assistant', assistantBlocks(message, field));
        break;
      case 'tool':
        addTurn(turns, 'user', [toolResultBlock(message, field)]);
        break;
      default:
        throw invalidRequest(`${field}.role`, 'must be system, developer, user, assistant or tool');
    }
  });

  const native: JsonBody = { model, max_tokens: maxTokens(request, context), messages: turns.map(compactTurn) };
  if (system.length > 0) native.system = system.every((block) => block.cache_control === undefined) ? system.map((block) => block.text).join('\n\n') : system;
  const tools = convertTools(request.tools);
  if (tools.length > 0) {
    native.tools = tools;
    const toolChoice = convertToolChoice(request.tool_choice, request.parallel_tool_calls === false);
    if (toolChoice !== undefined) native.tool_choice = toolChoice;
  }
  copySampling(request, native);
  const stop = request.stop;
  if (typeof stop === 'string') native.stop_sequences = [stop];
  else if (Array.isArray(stop) && stop.length > 0) native.stop_sequences = stop.filter((item) => typeof item === 'string');
  const user = readString(request.user) ?? readString(request.safety_identifier);
  if (user !== undefined) native.metadata = { user_id: user };
  if (context.stream) native.stream = true;
  applyThinking(native, request, suffixed, turns);
  return native;
}

function maxTokens(request: JsonBody, context: OutboundContext): number {
  for (const value of [request.max_completion_tokens, request.max_tokens, context.settings.max_tokens]) {
    const count = readNumber(value);
    if (count !== undefined && Number.isInteger(count) && count >= 1) return count;
  }
  return DEFAULT_MAX_TOKENS;
}

function copySampling(request: JsonBody, native: JsonBody): void {
  const temperature = readNumber(request.temperature);
  if (temperature !== undefined) native.temperature = Math.min(Math.max(temperature, 0), 1);
  const topP = readNumber(request.top_p);
  if (topP !== undefined) native.top_p = topP;
  // Not an OpenAI field, but vLLM-style clients send it and Anthropic takes it.
  const topK = readNumber(request.top_k);
  if (topK !== undefined) native.top_k = topK;
}

function applyThinking(native: JsonBody, request: JsonBody, suffixed: boolean, turns: Turn[]): void {
  const effort = readString(request.reasoning_effort) ?? (suffixed ? SUFFIX_EFFORT : undefined);
  const budget = effort === undefined ? undefined : budgetForEffort(effort);
  if (budget === undefined) return;
  const forced = asRecord(native.tool_choice)?.type;
  if (forced === 'any' || forced === 'tool') return;
  const lastAssistant = turns.findLast((turn) => turn.role === 'assistant');
  if (lastAssistant?.blocks.some((block) => block.type === 'tool_use') === true) return;
  native.thinking = { type: 'enabled', budget_tokens: budget };
  const requested = readNumber(native.max_tokens) ?? DEFAULT_MAX_TOKENS;
  if (requested <= budget) native.max_tokens = budget + requested;
  delete native.temperature;
  delete native.top_k;
  const topP = readNumber(native.top_p);
  if (topP !== undefined && topP < 0.95) delete native.top_p;
}

function addTurn(turns: Turn[], role: Turn['role'], blocks: Block[]): void {
  if (blocks.length === 0) return;
  const last = turns.at(-1);
  if (last?.role === role) last.blocks.push(...blocks);
  else turns.push({ role, blocks });
}

/** A turn of one plain text block is sent as a string, the form Anthropic's own examples use. */
function compactTurn(turn: Turn): JsonBody {
  const only = turn.blocks[0];
  if (turn.blocks.length === 1 && only?.type === 'text' && only.cache_control === undefined) return { role: turn.role, content: only.text };
  return { role: turn.role, content: turn.blocks };
}

function cacheControl(part: Record<string, unknown>): JsonBody {
  const explicit = asRecord(part.cache_control);
  if (explicit !== undefined) return { cache_control: explicit };
  return asRecord(part.prompt_cache_breakpoint) === undefined ? {} : { cache_control: { type: 'ephemeral' } };
}

/** Text of a system, developer or assistant message; empty texts are left out (Anthropic refuses empty text blocks). */
function textBlocks(content: unknown, field: string): Block[] {
  if (content === undefined || content === null) return [];
  if (typeof content === 'string') return content === '' ? [] : [{ type: 'text', text: content }];
  const parts = readArray(content);
  if (parts === undefined) throw invalidRequest(field, 'must be a string or an array of text parts');
  return parts.flatMap((item, index) => textPart(requireRecord(item, `${field}[${index}]`, 'a content part object'), `${field}[${index}]`));
}

function textPart(part: Record<string, unknown>, field: string): Block[] {
  const text = readString(part.text) ?? readString(part.refusal);
  if (text === undefined) throw invalidRequest(`${field}.type`, 'only text parts can be sent here');
  return text === '' ? [] : [{ type: 'text', text, ...cacheControl(part) }];
}

function userBlocks(content: unknown, field: string): Block[] {
  if (typeof content === 'string' || content === null || content === undefined) return textBlocks(content, field);
  const parts = readArray(content);
  if (parts === undefined) throw invalidRequest(field, 'must be a string or an array of content parts');
  return parts.flatMap((item, index) => {
    const at = `${field}[${index}]`;
    const part = requireRecord(item, at, 'a content part object');
    switch (part.type) {
      case 'text':
        return textPart(part, at);
      case 'image_url':
        return [{ ...imageBlock(part, at), ...cacheControl(part) }];
      case 'file':
        return [{ ...documentBlock(part, at), ...cacheControl(part) }];
      default:
        throw invalidRequest(`${at}.type`, `content part type ${JSON.stringify(part.type)} cannot be sent to Anthropic; use text, image_url or a PDF file`);
    }
  });
}

const anthropicImageTypes: ReadonlySet<string> = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);
const dataUrlPattern = /^data:([^;,]+)(?:;[^;,]*)*;base64,(.*)$/s;

/** https://docs.anthropic.com/en/api/messages#body-messages-content (image sources: base64 and url). */
function imageBlock(part: Record<string, unknown>, field: string): Block {
  const url = readString(asRecord(part.image_url)?.url) ?? readString(part.image_url);
  if (url === undefined) throw invalidRequest(`${field}.image_url.url`, 'must be a string');
  const data = dataUrlPattern.exec(url);
  if (data !== null) {
    const mediaType = (data[1] ?? '').toLowerCase();
    if (!anthropicImageTypes.has(mediaType)) throw invalidRequest(`${field}.image_url.url`, `Anthropic takes JPEG, PNG, GIF and WebP images, not ${mediaType}`);
    return { type: 'image', source: { type: 'base64', media_type: mediaType, data: data[2] ?? '' } };
  }
  if (/^https?:\/\//i.test(url)) return { type: 'image', source: { type: 'url', url } };
  throw invalidRequest(`${field}.image_url.url`, 'send a base64 data: URL or an http(s) URL');
}

function documentBlock(part: Record<string, unknown>, field: string): Block {
  const fileData = readString(asRecord(part.file)?.file_data) ?? '';
  const data = dataUrlPattern.exec(fileData);
  if (data === null || data[1] !== 'application/pdf') throw invalidRequest(`${field}.file.file_data`, 'only PDFs as base64 data: URLs can be sent to Anthropic');
  return { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: data[2] ?? '' } };
}

function assistantBlocks(message: Record<string, unknown>, field: string): Block[] {
  // reasoning_content is not sent back: Anthropic only accepts thinking blocks with the signature it made.
  const blocks = textBlocks(message.content, `${field}.content`);
  readRecords(message.tool_calls).forEach((call, index) => {
    const fn = asRecord(call.function);
    const id = readString(call.id);
    const name = readString(fn?.name);
    if (id === undefined || name === undefined) throw invalidRequest(`${field}.tool_calls[${index}]`, 'tool calls need an id and function.name');
    blocks.push({ type: 'tool_use', id, name, input: parseToolArguments(readString(fn?.arguments) ?? '') });
  });
  return blocks;
}

function toolResultBlock(message: Record<string, unknown>, field: string): Block {
  const toolUseId = readString(message.tool_call_id);
  if (toolUseId === undefined) throw invalidRequest(`${field}.tool_call_id`, 'tool messages need the id of the call they answer');
  const text = textBlocks(message.content, `${field}.content`)
    .map((block) => block.text)
    .join('\n');
  return text === '' ? { type: 'tool_result', tool_use_id: toolUseId } : { type: 'tool_result', tool_use_id: toolUseId, content: text };
}

function convertTools(value: unknown): Block[] {
  return readRecords(value).map((tool, index) => {
    if (tool.type !== 'function') throw invalidRequest(`tools[${index}].type`, 'only function tools can be sent to Anthropic');
    const fn = requireRecord(tool.function, `tools[${index}].function`, 'a function definition');
    const name = readString(fn.name);
    if (name === undefined) throw invalidRequest(`tools[${index}].function.name`, 'every tool needs a name');
    // Anthropic requires an object schema (https://docs.anthropic.com/en/api/messages#body-tools-input-schema).
    const parameters = asRecord(fn.parameters) ?? {};
    const converted: Block = { name, input_schema: { ...parameters, type: 'object' } };
    const description = readString(fn.description);
    if (description !== undefined) converted.description = description;
    return converted;
  });
}

function convertToolChoice(value: unknown, serial: boolean): Block | undefined {
  const parallel = serial ? { disable_parallel_tool_use: true } : {};
  if (value === 'none') return { type: 'none' };
  if (value === 'required') return { type: 'any', ...parallel };
  const name = readString(asRecord(asRecord(value)?.function)?.name);
  if (name !== undefined) return { type: 'tool', name, ...parallel };
  if (value === 'auto' || serial) return { type: 'auto', ...parallel };
  return undefined;
}
