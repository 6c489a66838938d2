/**
 * A hub `chat.completion` (https://platform.openai.com/docs/api-reference/chat/object) → an Anthropic Message
 * (https://docs.anthropic.com/en/api/messages, "Response"): content blocks in the order Claude writes them —
 * thinking, text, tool_use — then `stop_reason` and `usage`.
 *
 * Thinking comes from `reasoning_content` (DeepSeek, vLLM, the gateway's own Anthropic outbound) or `reasoning`
 * (OpenRouter, vLLM ≥ 0.9) and is given an empty `signature`: the field is required by the block's type, only
 * Anthropic can make a real one, and Claude Code drops thinking blocks that have no signature field at all
 * (https://github.com/QuantumNous/new-api/issues/4762, https://github.com/nielspeter/claude-code-proxy/pull/17).
 * When the conversation comes back, inbound-request.ts turns such blocks into `reasoning_content` again.
 */
import { readOpenAIUsage } from '../../providers/openai-usage.ts';
import { emptyUsage } from '../../outcome.ts';
import type { JsonBody } from '../../types.ts';
import type { InboundContext } from '../types.ts';
import { asRecord, parseToolArguments, readRecords, readString } from '../json-fields.ts';
import { toAnthropicStopReason } from './stop-reason.ts';
import { anthropicUsageFromHub } from './usage.ts';

export function hubResponseToAnthropic(completion: JsonBody, context: InboundContext): JsonBody {
  const choice = readRecords(completion.choices)[0];
  const message = asRecord(choice?.message) ?? {};
  const content: JsonBody[] = [];
  const thinking = reasoningText(message);
  if (thinking !== undefined && thinking !== '') content.push({ type: 'thinking', thinking, signature: '' });
  const text = messageText(message.content) ?? readString(message.refusal);
  if (text !== undefined && text !== '') content.push({ type: 'text', text });
  readRecords(message.tool_calls).forEach((call, index) => content.push(toolUseBlock(call, index)));

  const matchedStop = readString(choice?.stop_reason);
  const refused = message.content === null && readString(message.refusal) !== undefined;
  const stopReason = refused ? 'refusal' : toAnthropicStopReason(choice?.finish_reason, matchedStop);
  return {
    id: anthropicMessageId(completion.id),
    type: 'message',
    role: 'assistant',
    model: context.model,
    content,
    stop_reason: stopReason,
    stop_sequence: stopReason === 'stop_sequence' ? (matchedStop ?? null) : null,
    usage: anthropicUsageFromHub(readOpenAIUsage(completion) ?? emptyUsage(false)),
  };
}

export function reasoningText(message: Record<string, unknown>): string | undefined {
  return readString(message.reasoning_content) ?? readString(message.reasoning);
}

/** `content` as a string, or text parts joined (some servers answer with parts). */
function messageText(content: unknown): string | undefined {
  if (typeof content === 'string') return content;
  const parts = readRecords(content);
  if (parts.length === 0) return undefined;
  return parts.map((part) => readString(part.text) ?? '').join('');
}

/** A tool call → a tool_use block; `input` is the parsed arguments (see parseToolArguments for bad JSON). */
function toolUseBlock(call: Record<string, unknown>, index: number): JsonBody {
  const fn = asRecord(call.function) ?? {};
  return {
    type: 'tool_use',
    id: readString(call.id) ?? fallbackToolUseId(index),
    name: readString(fn.name) ?? '',
    input: parseToolArguments(readString(fn.arguments) ?? ''),
  };
}

/** For upstreams that omit tool call ids; the id only has to be unique within the answer. */
export function fallbackToolUseId(index: number): string {
  return `toolu_gateway_${index}`;
}

/**
 * Anthropic ids start with `msg_`. The hub's id (`chatcmpl-…`) is kept inside it so one answer has one id in
 * both dialects' logs, and the converter stays free of randomness.
 */
export function anthropicMessageId(hubId: unknown): string {
  const id = readString(hubId)?.replace(/[^A-Za-z0-9_-]/g, '') ?? '';
  if (id.startsWith('msg_')) return id;
  return `msg_${id.replace(/^chatcmpl-/, '') || 'gateway'}`;
}
