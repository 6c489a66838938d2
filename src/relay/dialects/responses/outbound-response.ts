/**
 * A Response (https://platform.openai.com/docs/api-reference/responses/object) → a hub `chat.completion`
 * (https://platform.openai.com/docs/api-reference/chat/object), and usage from a Response.
 *
 * `output_text` parts of the message items join into `content`; `refusal` parts become `refusal`; reasoning items
 * (their summary, else their `reasoning_text` content) become `reasoning_content`, or a `<think>` prefix of the
 * content with the channel setting `thinking_to_content`; `function_call` items become `tool_calls`, the call's
 * `call_id` as the tool call id (the id the client answers with). Items of built-in tools the Responses API ran
 * itself (web search …) have no chat counterpart and are left out. A Response whose status is `failed` is an
 * upstream error, not an answer.
 */
import { UpstreamError } from '../../errors.ts';
import { readOpenAIUsage } from '../../providers/openai-usage.ts';
import type { JsonBody, Usage } from '../../types.ts';
import type { OutboundContext } from '../types.ts';
import { readNumber, readRecords, readString } from '../json-fields.ts';
import { hubAssistantMessage } from '../hub-message.ts';
import { upstreamErrorFromResponses } from './errors.ts';
import { hubFinishReasonFor } from './finish-reason.ts';
import { hubUsageFromResponses } from './usage.ts';

/** The text of a reasoning item: its summary parts, else its raw reasoning_text parts. */
export function reasoningItemText(item: Record<string, unknown>): string {
  const summary = readRecords(item.summary).flatMap((part) => readString(part.text) ?? []);
  if (summary.length > 0) return summary.join('\n\n');
  return readRecords(item.content).flatMap((part) => readString(part.text) ?? []).join('');
}

export function hubToolCall(item: Record<string, unknown>, fallbackId: string): JsonBody {
  return {
    id: readString(item.call_id) ?? readString(item.id) ?? fallbackId,
    type: 'function',
    function: { name: readString(item.name) ?? '', arguments: readString(item.arguments) ?? '' },
  };
}

export function responsesResponseToHub(native: JsonBody, context: OutboundContext, nowSeconds: number): JsonBody {
  if (!Array.isArray(native.output)) {
    throw new UpstreamError({
      status: 502,
      code: 'bad_response_body',
      message: 'the Responses upstream answered 200 without an "output" array',
      retryable: true,
      channelAtFault: false,
      upstreamBody: JSON.stringify(native).slice(0, 2048),
    });
  }
  if (native.status === 'failed') throw upstreamErrorFromResponses(native, JSON.stringify(native));
  const texts: string[] = [];
  const refusals: string[] = [];
  const thoughts: string[] = [];
  const toolCalls: JsonBody[] = [];
  for (const item of readRecords(native.output)) {
    if (item.type === 'message') {
      for (const part of readRecords(item.content)) {
        if (part.type === 'output_text') texts.push(readString(part.text) ?? '');
        else if (part.type === 'refusal') refusals.push(readString(part.refusal) ?? '');
      }
    } else if (item.type === 'reasoning') {
      const text = reasoningItemText(item);
      if (text !== '') thoughts.push(text);
    } else if (item.type === 'function_call') {
      toolCalls.push(hubToolCall(item, `call_${toolCalls.length}`));
    }
  }
  const message = hubAssistantMessage({ text: texts.join(''), reasoning: thoughts.join('\n\n'), toolCalls }, context);
  const refusal = refusals.join('');
  if (refusal !== '') {
    message.refusal = refusal;
    if (message.content === '') message.content = null;
  }
  const completion: JsonBody = {
    id: readString(native.id) ?? 'resp_unknown',
    object: 'chat.completion',
    created: Math.floor(readNumber(native.created_at) ?? nowSeconds),
    model: readString(native.model) ?? context.upstreamModel,
    choices: [{ index: 0, message, finish_reason: hubFinishReasonFor(native.status, native.incomplete_details, toolCalls.length > 0), logprobs: null }],
  };
  const usage = hubUsageFromResponses(native);
  if (usage !== undefined) completion.usage = usage;
  return completion;
}

/** Usage of a Response, or of a stream event wrapping one (`response.completed`), in the hub's semantics. */
export function readResponsesUsage(native: unknown): Usage | undefined {
  return readOpenAIUsage(native);
}
