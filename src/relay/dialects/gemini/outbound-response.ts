/**
 * A GenerateContentResponse (https://ai.google.dev/api/generate-content#v1beta.GenerateContentResponse) → a hub
 * `chat.completion` (https://platform.openai.com/docs/api-reference/chat/object):
 * - one choice per candidate: thought parts → `reasoning_content` (or `<think>…</think>` before the content with
 *   the channel setting `thinking_to_content`), text parts → `content`, `functionCall` parts → `tool_calls`
 *   with the call's own id or `call_<n>` numbered through the answer, and its thought signature under
 *   `extra_content.google.thought_signature` (where Google's OpenAI layer puts it) so it can be sent back;
 * - media parts the model generated and code-execution parts have no place in a chat message and are dropped;
 * - no candidates but `promptFeedback.blockReason`: the prompt was blocked — one empty `content_filter` choice;
 * - `created` is the Vertex `createTime` when present, else the caller's clock (Gemini sends no timestamp).
 */
import { UpstreamError } from '../../errors.ts';
import { redactUpstreamBody } from '../../../security/redact.ts';
import type { JsonBody } from '../../types.ts';
import type { OutboundContext } from '../types.ts';
import { hubAssistantMessage } from '../hub-message.ts';
import { hubFinishReason } from './finish-reason.ts';
import { asRecord, readNumber, readRecords, readString } from '../json-fields.ts';
import { geminiModelAndThinking } from './thinking.ts';
import { hubUsage, readGeminiUsage } from './usage.ts';

/** Issues `call_1`, `call_2` … for function calls that come without an id (Gemini API calls usually do). */
export class ToolCallIds {
  private next = 1;

  for(call: Record<string, unknown>): string {
    return readString(call.id) ?? `call_${this.next++}`;
  }
}

/** A hub tool call for one `functionCall` part; the arguments are the JSON text of `args`. */
export function hubToolCall(part: Record<string, unknown>, call: Record<string, unknown>, id: string): JsonBody {
  const toolCall: JsonBody = {
    id,
    type: 'function',
    function: { name: readString(call.name) ?? '', arguments: JSON.stringify(asRecord(call.args) ?? {}) },
  };
  const signature = readString(part.thoughtSignature);
  if (signature !== undefined) toolCall.extra_content = { google: { thought_signature: signature } };
  return toolCall;
}

/** Seconds of the Vertex `createTime`, or the fallback. */
export function createdSeconds(native: Record<string, unknown>, fallback: number): number {
  const time = Date.parse(readString(native.createTime) ?? '');
  return Number.isNaN(time) ? fallback : Math.floor(time / 1000);
}

export function toHubResponse(native: JsonBody, context: OutboundContext, nowSeconds: number): JsonBody {
  const candidates = readRecords(native.candidates);
  const blockReason = readString(asRecord(native.promptFeedback)?.blockReason);
  if (candidates.length === 0 && blockReason === undefined) {
    throw new UpstreamError({
      status: 502,
      code: 'bad_response_body',
      message: 'the Gemini upstream answered 200 with neither candidates nor promptFeedback',
      retryable: true,
      channelAtFault: false,
      upstreamBody: redactUpstreamBody(JSON.stringify(native)),
    });
  }
  const ids = new ToolCallIds();
  const choices =
    candidates.length === 0
      ? [{ index: 0, message: { role: 'assistant', content: '', refusal: null }, finish_reason: 'content_filter', logprobs: null }]
      : candidates.map((candidate, position) => choiceOf(candidate, position, ids, context));
  const completion: JsonBody = {
    id: readString(native.responseId) ?? 'chatcmpl-gemini',
    object: 'chat.completion',
    created: createdSeconds(native, nowSeconds),
    model: readString(native.modelVersion) ?? geminiModelAndThinking(context.upstreamModel).model,
    choices,
  };
  const usage = readGeminiUsage(native);
  if (usage !== undefined) completion.usage = hubUsage(usage);
  return completion;
}

function choiceOf(candidate: Record<string, unknown>, position: number, ids: ToolCallIds, context: OutboundContext): JsonBody {
  let text = '';
  let reasoning = '';
  const toolCalls: JsonBody[] = [];
  for (const part of readRecords(asRecord(candidate.content)?.parts)) {
    const call = asRecord(part.functionCall);
    if (call !== undefined) toolCalls.push(hubToolCall(part, call, ids.for(call)));
    else if (typeof part.text === 'string' && part.thought === true) reasoning += part.text;
    else if (typeof part.text === 'string') text += part.text;
  }
  const message = hubAssistantMessage({ text, reasoning, toolCalls }, context);
  return {
    index: readNumber(candidate.index) ?? position,
    message,
    finish_reason: hubFinishReason(readString(candidate.finishReason) ?? 'STOP', toolCalls.length > 0),
    logprobs: null,
  };
}
