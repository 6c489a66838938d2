/**
 * Responses API stream events (https://platform.openai.com/docs/api-reference/responses-streaming) → hub chunks
 * (https://platform.openai.com/docs/api-reference/chat-streaming/streaming):
 *
 * - response.created → the role chunk (`{role: "assistant", content: ""}`); its response gives id, model and time.
 * - response.output_text.delta → `content`; response.refusal.delta → `refusal`;
 *   response.reasoning_summary_text.delta and response.reasoning_text.delta → `reasoning_content` (or `content`
 *   inside `<think>` with the channel setting `thinking_to_content`), summary parts separated by a blank line.
 * - A function_call output item → a tool call chunk with index, id (its `call_id`) and name;
 *   response.function_call_arguments.delta → its argument fragments. A call whose arguments came only whole (in
 *   function_call_arguments.done or output_item.done) gets them then, so none is left without arguments.
 * - response.completed / response.incomplete → the finish chunk, then a usage chunk with empty `choices` (as
 *   OpenAI sends with `stream_options.include_usage`), and `completed`.
 * - An `error` event or response.failed throws an UpstreamError, so the client's stream ends with an error and
 *   never with a made-up completion (architecture.md decision 4). Other events (response.in_progress,
 *   content_part.*, the *.done events, built-in tool progress, events added later) carry nothing new for chat.
 */
import { readOpenAIUsage } from '../../providers/openai-usage.ts';
import type { JsonBody, Usage } from '../../types.ts';
import type { NativeToHubStream, OutboundContext, SseIn } from '../types.ts';
import { asRecord, readNumber, readString } from '../json-fields.ts';
import { parseEventObject } from '../event-object.ts';
import { THINK_CLOSE, THINK_OPEN, thinkingToContent } from '../hub-message.ts';
import { upstreamErrorFromResponses } from './errors.ts';
import { hubFinishReasonFor } from './finish-reason.ts';
import { hubUsageFromResponses } from './usage.ts';

interface ToolCallState {
  readonly toolIndex: number;
  sawArguments: boolean;
}


export function createResponsesNativeStream(context: OutboundContext, createdSeconds: number): NativeToHubStream {
  const thinkAsContent = thinkingToContent(context);
  let id = 'resp_unknown';
  let model = context.upstreamModel;
  let created = createdSeconds;
  let roleSent = false;
  let completed = false;
  let thinkOpen = false;
  let usage: Usage | undefined;
  /** The tool call an output item carries, keyed by `#<output_index>` and by the item's id. */
  const calls = new Map<string, ToolCallState>();
  let nextToolIndex = 0;
  const summaryParts = new Set<string>();

  const chunk = (delta: JsonBody, finishReason: string | null = null): JsonBody => ({
    id,
    object: 'chat.completion.chunk',
    created,
    model,
    choices: [{ index: 0, delta, finish_reason: finishReason }],
  });

  /** Chunks for one delta, preceded by the role chunk when response.created did not come first. */
  const emit = (delta: JsonBody): JsonBody[] => {
    const chunks: JsonBody[] = [];
    if (!roleSent) {
      roleSent = true;
      chunks.push(chunk({ role: 'assistant', content: '' }));
    }
    chunks.push(chunk(delta));
    return chunks;
  };

  const closeThinking = (): JsonBody[] => {
    if (!thinkOpen) return [];
    thinkOpen = false;
    return emit({ content: THINK_CLOSE });
  };

  const text = (delta: string): JsonBody[] => (delta === '' ? [] : [...closeThinking(), ...emit({ content: delta })]);

  const reasoning = (delta: string): JsonBody[] => {
    if (delta === '') return [];
    if (!thinkAsContent) return emit({ reasoning_content: delta });
    const opening = thinkOpen ? '' : THINK_OPEN;
    thinkOpen = true;
    return emit({ content: `${opening}${delta}` });
  };

  const keysOf = (data: Record<string, unknown>): string[] => {
    const keys: string[] = [];
    const outputIndex = readNumber(data.output_index);
    if (outputIndex !== undefined) keys.push(`#${outputIndex}`);
    const itemId = readString(data.item_id) ?? readString(asRecord(data.item)?.id);
    if (itemId !== undefined) keys.push(itemId);
    return keys;
  };
  const callOf = (data: Record<string, unknown>): ToolCallState | undefined => keysOf(data).map((key) => calls.get(key)).find((call) => call !== undefined);

  /** A function_call item seen for the first time: its tool call chunk (id and name, no arguments yet). */
  const openCall = (data: Record<string, unknown>, item: Record<string, unknown>): JsonBody[] => {
    if (callOf(data) !== undefined) return [];
    const call: ToolCallState = { toolIndex: nextToolIndex++, sawArguments: false };
    for (const key of keysOf(data)) calls.set(key, call);
    const callId = readString(item.call_id) ?? readString(item.id) ?? `call_${call.toolIndex}`;
    const fn = { name: readString(item.name) ?? '', arguments: '' };
    return [...closeThinking(), ...emit({ tool_calls: [{ index: call.toolIndex, id: callId, type: 'function', function: fn }] })];
  };

  const callArguments = (call: ToolCallState | undefined, fragment: string | undefined, whole: boolean): JsonBody[] => {
    if (call === undefined || fragment === undefined) return [];
    // The *.done events repeat what the deltas already carried.
    if (whole && call.sawArguments) return [];
    if (fragment === '') return [];
    call.sawArguments = true;
    return emit({ tool_calls: [{ index: call.toolIndex, function: { arguments: fragment } }] });
  };

  const finish = (response: Record<string, unknown>): JsonBody[] => {
    completed = true;
    usage = readOpenAIUsage({ response }) ?? usage;
    const reason = hubFinishReasonFor(response.status, response.incomplete_details, nextToolIndex > 0);
    const chunks = closeThinking();
    if (!roleSent) chunks.push(chunk({ role: 'assistant', content: '' }));
    roleSent = true;
    chunks.push(chunk({}, reason));
    const hubUsage = hubUsageFromResponses({ response });
    if (hubUsage !== undefined) chunks.push({ ...chunk({}), choices: [], usage: hubUsage });
    return chunks;
  };

  return {
    push(event: SseIn): JsonBody[] {
      if (completed || event.data.trim() === '' || event.data === '[DONE]') return [];
      const data = parseEventObject(event, 'Responses');
      const response = asRecord(data.response);
      switch (data.type ?? event.event) {
        case 'response.created':
        case 'response.in_progress':
        case 'response.queued': {
          id = readString(response?.id) ?? id;
          model = readString(response?.model) ?? model;
          created = Math.floor(readNumber(response?.created_at) ?? created);
          if (roleSent) return [];
          roleSent = true;
          return [chunk({ role: 'assistant', content: '' })];
        }
        case 'response.output_item.added':
        case 'response.output_item.done': {
          const item = asRecord(data.item) ?? {};
          if (item.type !== 'function_call') return [];
          const chunks = openCall(data, item);
          if (data.type === 'response.output_item.done') chunks.push(...callArguments(callOf(data), readString(item.arguments), true));
          return chunks;
        }
        case 'response.output_text.delta':
          return text(readString(data.delta) ?? '');
        case 'response.refusal.delta': {
          const delta = readString(data.delta) ?? '';
          return delta === '' ? [] : [...closeThinking(), ...emit({ refusal: delta })];
        }
        case 'response.reasoning_summary_part.added': {
          // Summary parts are paragraphs: the second and later ones start on a new one.
          const key = readString(data.item_id) ?? '';
          const separator = summaryParts.has(key) ? reasoning('\n\n') : [];
          summaryParts.add(key);
          return separator;
        }
        case 'response.reasoning_summary_text.delta':
        case 'response.reasoning_text.delta':
          return reasoning(readString(data.delta) ?? '');
        case 'response.function_call_arguments.delta':
          return callArguments(callOf(data), readString(data.delta), false);
        case 'response.function_call_arguments.done':
          return callArguments(callOf(data), readString(data.arguments), true);
        case 'response.completed':
        case 'response.incomplete':
          return finish(response ?? {});
        case 'response.failed':
        case 'error':
          throw upstreamErrorFromResponses(data, event.data);
        default:
          return [];
      }
    },

    get completed(): boolean {
      return completed;
    },

    usage(): Usage | undefined {
      return usage;
    },
  };
}
