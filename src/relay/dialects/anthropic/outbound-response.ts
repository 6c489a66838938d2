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
import { hubAssistantMessage } from '../hub-message.ts';
import { toHubFinishReason } from './stop-reason.ts';
import { emptyCounts, hubUsageFromCounts, mergeAnthropicUsage, usageFromCounts } from './usage.ts';

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
  const message = hubAssistantMessage({ text: texts.join(''), reasoning: thoughts.join(''), toolCalls }, context);
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
