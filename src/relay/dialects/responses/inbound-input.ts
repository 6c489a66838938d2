/**
 * A Responses request's `input` (https://platform.openai.com/docs/api-reference/responses/create#responses-create-input)
 * → hub chat messages (https://platform.openai.com/docs/api-reference/chat/create#chat-create-messages).
 *
 * - A string is one user message.
 * - Message items (`{role, content}`, with or without `type: "message"`): `input_text` and `output_text` parts are
 *   text, `input_image` an `image_url` part, `input_file` a `file` part (by `file_data` or `file_id`). Text-only
 *   content is sent as one string, which every chat server accepts. `developer` becomes `system`: the two mean the
 *   same to chat models, and many chat-only servers do not know the newer role.
 * - The items of one assistant turn — a reasoning item, the assistant message, its `function_call` items — become
 *   one assistant message: chat requires a turn's tool calls on the message right before their `tool` answers.
 *   Reasoning text (summary or content) becomes that message's `reasoning_content`; an encrypted-only reasoning item
 *   carries nothing a chat model can read and is dropped.
 * - `function_call_output` items become `tool` messages (text only: chat tool messages carry no images or files).
 * - Items that name state or tools only the Responses API has (`item_reference`, built-in tool calls such as
 *   `web_search_call`, `computer_call_output`, `custom_tool_call`, `mcp_*`) are refused, naming the item.
 */
import type { JsonBody } from '../../types.ts';
import { asRecord, invalidRequest, readArray, readString, requireRecord } from '../json-fields.ts';
import { needsResponsesChannel } from './refusals.ts';

interface AssistantTurn {
  reasoning: string[];
  content: string | JsonBody[] | undefined;
  toolCalls: JsonBody[];
}

export function inputToHubMessages(input: unknown): JsonBody[] {
  if (typeof input === 'string') return input === '' ? [] : [{ role: 'user', content: input }];
  const items = readArray(input);
  if (items === undefined) throw invalidRequest('input', 'send the conversation as a string or an array of input items, e.g. [{"role": "user", "content": "Hi"}]');
  const messages: JsonBody[] = [];
  let turn: AssistantTurn | undefined;
  const flush = (): void => {
    if (turn !== undefined) messages.push(...assistantMessage(turn));
    turn = undefined;
  };
  const openTurn = (): AssistantTurn => {
    turn ??= { reasoning: [], content: undefined, toolCalls: [] };
    return turn;
  };

  items.forEach((value, index) => {
    const field = `input[${index}]`;
    const item = requireRecord(value, field, 'an input item object');
    const type = item.type ?? (item.role === undefined ? undefined : 'message');
    switch (type) {
      case 'message': {
        const role = item.role;
        if (role === 'assistant') {
          if (turn !== undefined && (turn.content !== undefined || turn.toolCalls.length > 0)) flush();
          openTurn().content = assistantContent(item.content, `${field}.content`);
        } else if (role === 'user' || role === 'system' || role === 'developer') {
          flush();
          messages.push({ role: role === 'developer' ? 'system' : role, content: messageContent(item.content, `${field}.content`, role) });
        } else {
          throw invalidRequest(`${field}.role`, 'must be "user", "assistant", "system" or "developer"');
        }
        break;
      }
      case 'function_call':
        openTurn().toolCalls.push(functionCall(item, field));
        break;
      case 'function_call_output':
        flush();
        messages.push(toolMessage(item, field));
        break;
      case 'reasoning': {
        if (turn !== undefined && (turn.content !== undefined || turn.toolCalls.length > 0)) flush();
        const text = reasoningText(item);
        if (text !== '') openTurn().reasoning.push(text);
        break;
      }
      case 'item_reference':
        throw needsResponsesChannel(field, 'an item_reference (an item OpenAI stored)', 'send the item itself instead of its id');
      default:
        if (typeof type !== 'string') throw invalidRequest(`${field}.type`, 'every input item needs a "type" or a "role"');
        throw needsResponsesChannel(`${field}.type`, `an input item of type "${type}"`, 'only messages, function_call, function_call_output and reasoning items can be sent to this model');
    }
  });
  flush();
  return messages;
}

/** A chat assistant message; a turn with neither text nor tool calls (reasoning only) has nothing to send. */
function assistantMessage(turn: AssistantTurn): JsonBody[] {
  const hasContent = turn.content !== undefined && turn.content !== '';
  if (!hasContent && turn.toolCalls.length === 0) return [];
  const message: JsonBody = { role: 'assistant', content: hasContent ? turn.content : null };
  if (turn.toolCalls.length > 0) message.tool_calls = turn.toolCalls;
  if (turn.reasoning.length > 0) message.reasoning_content = turn.reasoning.join('\n\n');
  return [message];
}

function functionCall(item: Record<string, unknown>, field: string): JsonBody {
  const callId = readString(item.call_id);
  const name = readString(item.name);
  if (callId === undefined || callId === '') throw invalidRequest(`${field}.call_id`, 'function_call items need the call_id the model gave them');
  if (name === undefined || name === '') throw invalidRequest(`${field}.name`, 'function_call items need the name of the function called');
  const args = item.arguments ?? '';
  if (typeof args !== 'string') throw invalidRequest(`${field}.arguments`, 'must be the arguments as a JSON string');
  return { id: callId, type: 'function', function: { name, arguments: args } };
}

function toolMessage(item: Record<string, unknown>, field: string): JsonBody {
  const callId = readString(item.call_id);
  if (callId === undefined || callId === '') throw invalidRequest(`${field}.call_id`, 'function_call_output items need the call_id of the call they answer');
  const output = item.output;
  if (typeof output === 'string') return { role: 'tool', tool_call_id: callId, content: output };
  const parts = readArray(output);
  if (parts === undefined) throw invalidRequest(`${field}.output`, 'must be a string or an array of input_text parts');
  const texts = parts.map((value, index) => {
    const part = requireRecord(value, `${field}.output[${index}]`, 'a content part object');
    const text = readString(part.text);
    if (part.type !== 'input_text' || text === undefined) {
      throw needsResponsesChannel(`${field}.output[${index}].type`, `a function output part of type ${JSON.stringify(part.type)}`, 'chat tool messages carry text only');
    }
    return text;
  });
  return { role: 'tool', tool_call_id: callId, content: texts.join('\n') };
}

/** The readable text of a reasoning item: its summary parts, else its reasoning_text content. */
function reasoningText(item: Record<string, unknown>): string {
  const texts = (readArray(item.summary) ?? []).flatMap((part) => readString(asRecord(part)?.text) ?? []);
  if (texts.length > 0) return texts.join('\n\n');
  return (readArray(item.content) ?? []).flatMap((part) => readString(asRecord(part)?.text) ?? []).join('');
}

/** Content of a user, system or developer message. */
function messageContent(content: unknown, field: string, role: string): string | JsonBody[] {
  if (typeof content === 'string') return content;
  const parts = readArray(content);
  if (parts === undefined) throw invalidRequest(field, 'must be a string or an array of content parts');
  const converted = parts.map((value, index) => {
    const at = `${field}[${index}]`;
    const part = requireRecord(value, at, 'a content part object');
    if (role !== 'user' && part.type !== 'input_text') {
      throw invalidRequest(`${at}.type`, `${role} messages take input_text parts only`);
    }
    return userPart(part, at);
  });
  return collapseText(converted);
}

/** Content of an assistant message given back as input: its output_text (and refusal) parts, as text. */
function assistantContent(content: unknown, field: string): string | JsonBody[] {
  if (typeof content === 'string') return content;
  const parts = readArray(content);
  if (parts === undefined) throw invalidRequest(field, 'must be a string or an array of output_text parts');
  const converted = parts.map((value, index) => {
    const at = `${field}[${index}]`;
    const part = requireRecord(value, at, 'a content part object');
    const text = part.type === 'refusal' ? readString(part.refusal) : readString(part.text);
    if ((part.type !== 'output_text' && part.type !== 'input_text' && part.type !== 'refusal') || text === undefined) {
      throw invalidRequest(`${at}.type`, 'assistant messages take output_text and refusal parts');
    }
    return part.type === 'refusal' ? { type: 'refusal', refusal: text } : { type: 'text', text };
  });
  return collapseText(converted);
}

const imageDetails: ReadonlySet<string> = new Set(['auto', 'low', 'high']);

function userPart(part: Record<string, unknown>, field: string): JsonBody {
  switch (part.type) {
    case 'input_text':
    case 'output_text': {
      const text = readString(part.text);
      if (text === undefined) throw invalidRequest(`${field}.text`, 'must be a string');
      return { type: 'text', text };
    }
    case 'input_image': {
      const url = readString(part.image_url);
      if (url === undefined) {
        if (readString(part.file_id) !== undefined) throw needsResponsesChannel(`${field}.file_id`, 'an image given by file_id', 'send it as image_url (an https or data: URL)');
        throw invalidRequest(`${field}.image_url`, 'send the image as an https or base64 data: URL');
      }
      const detail = readString(part.detail);
      return { type: 'image_url', image_url: detail !== undefined && imageDetails.has(detail) ? { url, detail } : { url } };
    }
    case 'input_file': {
      const fileData = readString(part.file_data);
      const fileId = readString(part.file_id);
      const filename = readString(part.filename);
      if (fileData !== undefined) return { type: 'file', file: filename === undefined ? { file_data: fileData } : { file_data: fileData, filename } };
      if (fileId !== undefined) return { type: 'file', file: { file_id: fileId } };
      if (readString(part.file_url) !== undefined) throw needsResponsesChannel(`${field}.file_url`, 'a file given by file_url', 'send its content as file_data');
      throw invalidRequest(field, 'input_file parts need file_data or file_id');
    }
    default:
      throw invalidRequest(`${field}.type`, `content part type ${JSON.stringify(part.type)} is not supported; use input_text, input_image or input_file`);
  }
}

/** Text-only parts as one string (the form every chat server takes); anything else stays a part list. */
function collapseText(parts: JsonBody[]): string | JsonBody[] {
  if (!parts.every((part) => part.type === 'text')) return parts;
  return parts.map((part) => readString(part.text) ?? '').join('\n');
}
