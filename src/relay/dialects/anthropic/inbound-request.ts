/**
 * An Anthropic Messages request (https://docs.anthropic.com/en/api/messages) → a hub Chat Completions request
 * (https://platform.openai.com/docs/api-reference/chat/create). Used when Claude Code or the Anthropic SDK talks
 * to a channel that is not Anthropic.
 *
 * What does not cross, on purpose:
 * - `cache_control` anywhere: the hub has no portable cache breakpoint (OpenAI's `prompt_cache_breakpoint` is
 *   OpenAI-only), and OpenAI-compatible servers cache by prefix on their own.
 * - `top_k` (no OpenAI counterpart), and every Anthropic-only top-level field (`container`, `mcp_servers`,
 *   `service_tier`, `context_management` …): they mean nothing, or something else, to an OpenAI upstream.
 * - Server tools (`tools[]` entries with a `type` such as `web_search_20250305`): Anthropic runs those itself;
 *   another upstream cannot, so they are left out and the model sees only the client's own tools.
 * - `redacted_thinking` blocks and thinking signatures: only Anthropic can read them.
 */
import type { JsonBody } from '../../types.ts';
import type { InboundContext } from '../types.ts';
import { asRecord, invalidRequest, readArray, readNumber, readString, requireRecord } from '../json-fields.ts';
import { effortForBudget } from './thinking-budget.ts';

export function anthropicRequestToHub(body: JsonBody, context: InboundContext): JsonBody {
  const model = readString(body.model);
  if (model === undefined || model.trim() === '') throw invalidRequest('model', 'send the model name as a non-empty string, e.g. "claude-sonnet-4-5"');
  const maxTokens = body.max_tokens;
  if (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens) || maxTokens < 1) {
    throw invalidRequest('max_tokens', 'is required by the Messages API and must be an integer of at least 1, e.g. "max_tokens": 1024');
  }
  const messages = readArray(body.messages);
  if (messages === undefined || messages.length === 0) {
    throw invalidRequest('messages', 'send a non-empty array of {"role": "user" | "assistant", "content": …} objects');
  }

  const hubMessages: JsonBody[] = [];
  const system = systemText(body.system);
  if (system !== undefined) hubMessages.push({ role: 'system', content: system });
  messages.forEach((message, index) => hubMessages.push(...convertMessage(message, `messages[${index}]`)));

  const hub: JsonBody = { model: context.model, messages: hubMessages, max_tokens: maxTokens };
  copySampling(body, hub);
  const tools = convertTools(body.tools);
  if (tools.length > 0) hub.tools = tools;
  applyToolChoice(body.tool_choice, hub, tools.length > 0);
  const userId = readString(asRecord(body.metadata)?.user_id);
  if (userId !== undefined) hub.user = userId;
  const effort = reasoningEffort(body);
  if (effort !== undefined) hub.reasoning_effort = effort;
  if (context.stream) {
    hub.stream = true;
    // The Anthropic client needs usage in message_delta; the hub only reports it on request.
    hub.stream_options = { include_usage: true };
  }
  return hub;
}

/** `system` as a string or text blocks (https://docs.anthropic.com/en/api/messages#body-system). */
function systemText(system: unknown): string | undefined {
  if (system === undefined || system === null) return undefined;
  if (typeof system === 'string') return system === '' ? undefined : system;
  const blocks = readArray(system);
  if (blocks === undefined) throw invalidRequest('system', 'send a string or an array of {"type": "text", "text": …} blocks');
  const texts = blocks.map((block, index) => {
    const text = readString(asRecord(block)?.text);
    if (asRecord(block)?.type !== 'text' || text === undefined) throw invalidRequest(`system[${index}]`, 'system blocks must be {"type": "text", "text": "…"}');
    return text;
  });
  return texts.length === 0 ? undefined : texts.join('\n');
}

function copySampling(body: JsonBody, hub: JsonBody): void {
  // Absent is not zero (style.md rule 5): an explicit temperature 0 is copied.
  for (const field of ['temperature', 'top_p'] as const) {
    if (body[field] === undefined || body[field] === null) continue;
    if (readNumber(body[field]) === undefined) throw invalidRequest(field, 'must be a number');
    hub[field] = body[field];
  }
  if (body.stop_sequences !== undefined && body.stop_sequences !== null) {
    const stops = readArray(body.stop_sequences);
    if (stops === undefined || !stops.every((stop) => typeof stop === 'string')) throw invalidRequest('stop_sequences', 'must be an array of strings');
    if (stops.length > 0) hub.stop = [...stops];
  }
}

/**
 * `thinking: {type: "enabled", budget_tokens}` → an effort by the bands of thinking-budget.ts. `output_config.effort`
 * (low … max), when sent, is already an effort and wins. `disabled` and `adaptive` send none: the upstream's
 * default is the closest meaning of "let the model decide".
 */
function reasoningEffort(body: JsonBody): string | undefined {
  const effort = readString(asRecord(body.output_config)?.effort);
  if (effort !== undefined) return effort;
  const thinking = asRecord(body.thinking);
  if (thinking?.type !== 'enabled') return undefined;
  const budget = readNumber(thinking.budget_tokens);
  if (budget === undefined) throw invalidRequest('thinking.budget_tokens', 'is required with "type": "enabled"; send an integer of at least 1024');
  return effortForBudget(budget);
}

function convertTools(tools: unknown): JsonBody[] {
  if (tools === undefined || tools === null) return [];
  const list = readArray(tools);
  if (list === undefined) throw invalidRequest('tools', 'must be an array of {"name", "description", "input_schema"} objects');
  const converted: JsonBody[] = [];
  list.forEach((item, index) => {
    const tool = requireRecord(item, `tools[${index}]`, 'an object');
    if (tool.type !== undefined && tool.type !== null && tool.type !== 'custom') return; // a server tool, see above
    const name = readString(tool.name);
    if (name === undefined || name === '') throw invalidRequest(`tools[${index}].name`, 'every tool needs a name');
    const fn: JsonBody = { name };
    const description = readString(tool.description);
    if (description !== undefined) fn.description = description;
    fn.parameters = requireRecord(tool.input_schema, `tools[${index}].input_schema`, 'a JSON Schema object');
    converted.push({ type: 'function', function: fn });
  });
  return converted;
}

/** https://docs.anthropic.com/en/api/messages#body-tool-choice → https://platform.openai.com/docs/api-reference/chat/create#chat-create-tool_choice */
function applyToolChoice(value: unknown, hub: JsonBody, hasTools: boolean): void {
  if (value === undefined || value === null) return;
  const choice = requireRecord(value, 'tool_choice', 'an object such as {"type": "auto"}');
  switch (choice.type) {
    case 'auto':
      if (hasTools) hub.tool_choice = 'auto';
      break;
    case 'any':
      if (hasTools) hub.tool_choice = 'required';
      break;
    case 'none':
      if (hasTools) hub.tool_choice = 'none';
      break;
    case 'tool': {
      const name = readString(choice.name);
      if (name === undefined) throw invalidRequest('tool_choice.name', 'name the tool to force with {"type": "tool", "name": "…"}');
      hub.tool_choice = { type: 'function', function: { name } };
      break;
    }
    default:
      throw invalidRequest('tool_choice.type', 'must be "auto", "any", "tool" or "none"');
  }
  if (choice.disable_parallel_tool_use === true && hasTools && choice.type !== 'none') hub.parallel_tool_calls = false;
}

/** One Anthropic message → one or more hub messages (tool results become `tool` messages, first). */
function convertMessage(value: unknown, field: string): JsonBody[] {
  const message = requireRecord(value, field, 'an object with "role" and "content"');
  const role = message.role;
  if (role !== 'user' && role !== 'assistant' && role !== 'system') {
    throw invalidRequest(`${field}.role`, 'must be "user" or "assistant" (put instructions in the top-level "system")');
  }
  const content = message.content;
  if (typeof content === 'string') return [{ role, content }];
  const blocks = readArray(content);
  if (blocks === undefined) throw invalidRequest(`${field}.content`, 'must be a string or an array of content blocks');
  const records = blocks.map((block, index) => requireRecord(block, `${field}.content[${index}]`, 'a content block object'));
  if (role === 'assistant') return [assistantMessage(records, `${field}.content`)];
  if (role === 'system') return [{ role: 'system', content: records.map((block) => readString(block.text) ?? '').join('\n') }];
  return userMessages(records, `${field}.content`);
}

function assistantMessage(blocks: Record<string, unknown>[], field: string): JsonBody {
  const texts: string[] = [];
  const reasoning: string[] = [];
  const toolCalls: JsonBody[] = [];
  blocks.forEach((block, index) => {
    const at = `${field}[${index}]`;
    switch (block.type) {
      case 'text':
        texts.push(readString(block.text) ?? '');
        break;
      case 'thinking':
        reasoning.push(readString(block.thinking) ?? '');
        break;
      case 'redacted_thinking':
        break;
      case 'tool_use': {
        const id = readString(block.id);
        const name = readString(block.name);
        if (id === undefined || name === undefined) throw invalidRequest(at, 'tool_use blocks need "id" and "name"');
        toolCalls.push({ id, type: 'function', function: { name, arguments: JSON.stringify(block.input ?? {}) } });
        break;
      }
      default:
        throw unsupportedBlock(at, block.type, 'text, thinking, redacted_thinking and tool_use');
    }
  });
  // Text blocks of one turn are consecutive pieces of one answer (citations split them), so they join without a separator.
  const text = texts.join('');
  const message: JsonBody = { role: 'assistant', content: text === '' && toolCalls.length > 0 ? null : text };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  const thinking = reasoning.join('');
  if (thinking !== '') message.reasoning_content = thinking;
  return message;
}

/**
 * A user turn: each `tool_result` becomes a `tool` message (they must follow the assistant's tool calls
 * directly), then the other blocks — and the images of tool results, which `tool` messages cannot carry
 * (https://platform.openai.com/docs/api-reference/chat/create#chat-create-messages) — form one user message.
 */
function userMessages(blocks: Record<string, unknown>[], field: string): JsonBody[] {
  const toolMessages: JsonBody[] = [];
  const parts: JsonBody[] = [];
  blocks.forEach((block, index) => {
    const at = `${field}[${index}]`;
    if (block.type === 'tool_result') {
      const toolCallId = readString(block.tool_use_id);
      if (toolCallId === undefined) throw invalidRequest(`${at}.tool_use_id`, 'tool_result blocks need the id of the tool_use they answer');
      const result = toolResultContent(block.content, `${at}.content`);
      parts.push(...result.images);
      // The hub has no error flag on tool messages; the model reads it from the text.
      const text = block.is_error === true ? `Error: ${result.text}` : result.text;
      toolMessages.push({ role: 'tool', tool_call_id: toolCallId, content: text });
      return;
    }
    parts.push(userPart(block, at));
  });
  if (parts.length === 0) return toolMessages;
  return [...toolMessages, { role: 'user', content: collapseText(parts) }];
}

function toolResultContent(content: unknown, field: string): { text: string; images: JsonBody[] } {
  if (content === undefined || content === null) return { text: '', images: [] };
  if (typeof content === 'string') return { text: content, images: [] };
  const blocks = readArray(content);
  if (blocks === undefined) throw invalidRequest(field, 'must be a string or an array of text and image blocks');
  const texts: string[] = [];
  const images: JsonBody[] = [];
  blocks.forEach((item, index) => {
    const block = requireRecord(item, `${field}[${index}]`, 'a content block object');
    if (block.type === 'text') texts.push(readString(block.text) ?? '');
    else if (block.type === 'image') images.push(imagePart(block, `${field}[${index}]`));
    else throw unsupportedBlock(`${field}[${index}]`, block.type, 'text and image');
  });
  return { text: texts.join('\n'), images };
}

function userPart(block: Record<string, unknown>, field: string): JsonBody {
  switch (block.type) {
    case 'text':
      return { type: 'text', text: readString(block.text) ?? '' };
    case 'image':
      return imagePart(block, field);
    case 'document':
      return documentPart(block, field);
    default:
      throw unsupportedBlock(field, block.type, 'text, image, document and tool_result');
  }
}

/** Image sources (https://docs.anthropic.com/en/api/messages#body-messages-content): base64 → a data: URL, url → the URL. */
function imagePart(block: Record<string, unknown>, field: string): JsonBody {
  const source = requireRecord(block.source, `${field}.source`, 'an image source object');
  if (source.type === 'base64') {
    const mediaType = readString(source.media_type);
    const data = readString(source.data);
    if (mediaType === undefined || data === undefined) throw invalidRequest(`${field}.source`, 'base64 images need "media_type" and "data"');
    return { type: 'image_url', image_url: { url: `data:${mediaType};base64,${data}` } };
  }
  if (source.type === 'url') {
    const url = readString(source.url);
    if (url === undefined) throw invalidRequest(`${field}.source.url`, 'must be a string');
    return { type: 'image_url', image_url: { url } };
  }
  throw invalidRequest(`${field}.source.type`, 'only "base64" and "url" images can be sent to this model (Files API ids are Anthropic-only)');
}

/** PDFs as base64 → an OpenAI file part (https://platform.openai.com/docs/guides/pdf-files); plain text → a text part. */
function documentPart(block: Record<string, unknown>, field: string): JsonBody {
  const source = requireRecord(block.source, `${field}.source`, 'a document source object');
  const data = readString(source.data);
  if (source.type === 'text' && data !== undefined) return { type: 'text', text: data };
  if (source.type === 'base64' && source.media_type === 'application/pdf' && data !== undefined) {
    const file: JsonBody = { file_data: `data:application/pdf;base64,${data}` };
    file.filename = readString(block.title) ?? 'document.pdf';
    return { type: 'file', file };
  }
  throw invalidRequest(`${field}.source`, 'only base64 PDF and plain-text documents can be sent to this model');
}

/** Text-only content becomes one string: many OpenAI-compatible servers take nothing else. */
function collapseText(parts: JsonBody[]): string | JsonBody[] {
  if (!parts.every((part) => part.type === 'text')) return parts;
  return parts.map((part) => readString(part.text) ?? '').join('\n');
}

function unsupportedBlock(field: string, type: unknown, supported: string) {
  return invalidRequest(`${field}.type`, `content block type ${JSON.stringify(type)} cannot be converted for this model; supported here: ${supported}`);
}
