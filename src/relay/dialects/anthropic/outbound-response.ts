/**
 * An Anthropic Message (https://docs.anthropic.com/en/api/messages, "Response") → a hub `chat.completion`
 * (https://platform.openai.com/docs/api-reference/chat/object), and usage from a Message.
 *
 * Text blocks join without a separator (citations split one answer into several blocks); thinking blocks become
 * `reasoning_content`, or, with the channel setting `thinking_to_content: true`, a `<think>…</think>` prefix of
 * `content` for clients that only show content; `redacted_thinking` and server-tool blocks have no hub
 * counterpart and are left out; `tool_use` blocks become `tool_calls` with the input as JSON text.
 */
import { UpstreamError } from '../../errors.ts';
import type { JsonBody, Usage } from '../../types.ts';
import type { OutboundContext } from '../types.ts';
import { asRecord, readRecords, readString } from '../json-fields.ts';
import { toHubFinishReason } from './stop-reason.ts';
import { emptyCounts, hubUsageFromCounts, mergeAnthropicUsage, usageFromCounts } from './usage.ts';

export const THINK_OPEN = '<think>\n';
export const THINK_CLOSE = '\n</think>\n\n';

export function thinkingToContent(context: OutboundContext): boolean {
  return context.settings.thinking_to_content === true;
}

export function anthropicResponseToHub(native: JsonBody, context: OutboundContext, createdSeconds: number): JsonBody {
  if (!Array.isArray(native.content)) {
    throw new UpstreamError({
      status: 502,
      code: 'bad_response_body',
      message: 'the Anthropic upstream answered 200 without a message "content" array',
      retryable: true,
      channelAtFault: false,
      upstreamBody: JSON.stringify(native).slice(0, 2048),
    });
  }
  const texts: string[] = [];
  const thoughts: string[] = [];
  const toolCalls: JsonBody[] = [];
  for (const block of readRecords(native.content)) {
    if (block.type === 'text') texts.push(readString(block.text) ?? '');
    else if (block.type === 'thinking') thoughts.push(readString(block.thinking) ?? '');
    else if (block.type === 'tool_use') {
      const call = { name: readString(block.name) ?? '', arguments: JSON.stringify(block.input ?? {}) };
      toolCalls.push({ id: readString(block.id) ?? `toolu_${toolCalls.length}`, type: 'function', function: call });
    }
  }
  let text = texts.join('');
  const reasoning = thoughts.join('');
  const message: JsonBody = { role: 'assistant' };
  if (reasoning !== '' && thinkingToContent(context)) text = `${THINK_OPEN}${reasoning}${THINK_CLOSE}${text}`;
  else if (reasoning !== '') message.reasoning_content = reasoning;
  message.content = text === '' && toolCalls.length > 0 ? null : text;
  // Required by the chat.completion schema; Anthropic reports refusals as stop_reason "refusal", with the text as content.
  message.refusal = null;
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  return {
    id: readString(native.id) ?? 'msg_unknown',
    object: 'chat.completion',
    created: createdSeconds,
    model: readString(native.model) ?? context.upstreamModel,
    choices: [{ index: 0, message, finish_reason: toHubFinishReason(native.stop_reason), logprobs: null }],
    usage: hubUsageFromCounts(mergeAnthropicUsage(emptyCounts(), native.usage)),
  };
}

/** Usage of a Message (or of a message_start event, which wraps one), in the hub's semantics. */
export function readAnthropicUsage(native: unknown): Usage | undefined {
  const record = asRecord(native);
  const usage = asRecord(record?.usage) ?? asRecord(asRecord(record?.message)?.usage);
  if (usage === undefined) return undefined;
  return usageFromCounts(mergeAnthropicUsage(emptyCounts(), usage));
}
