/**
 * Hub stream chunks (https://platform.openai.com/docs/api-reference/chat-streaming/streaming) → the Responses
 * API's server-sent events (https://platform.openai.com/docs/api-reference/responses-streaming), in the order
 * OpenAI sends them, every event named by an `event:` line and numbered by `sequence_number` from 0:
 *
 *   response.created → response.in_progress → per output item:
 *     reasoning: output_item.added, reasoning_summary_part.added, reasoning_summary_text.delta…,
 *                reasoning_summary_text.done, reasoning_summary_part.done, output_item.done
 *     message:   output_item.added, content_part.added, output_text.delta… (refusal.delta…), output_text.done,
 *                content_part.done, output_item.done
 *     function:  output_item.added, function_call_arguments.delta…, function_call_arguments.done, output_item.done
 *   → response.completed, or response.incomplete (finish_reason length / content_filter), with usage.
 *
 * Reasoning (`reasoning_content` or `reasoning`) and text items never overlap: the open one is done before the
 * next starts. Function calls stay open until the choice finishes, so an upstream that interleaves the argument
 * fragments of parallel calls still has each fragment land on its own item. The finish chunk closes every item
 * at once; the terminal event waits for finish(), since the hub's usage chunk comes after the finish chunk.
 *
 * A stream cut upstream ends with an `error` event (ResponseErrorEvent, carrying the gateway's code) and, once the
 * response was announced, `response.failed` holding the items so far — clients such as Codex wait for one of the
 * terminal events — never with `response.completed`.
 */
import { readOpenAIUsage } from '../../providers/openai-usage.ts';
import type { JsonBody, Usage } from '../../types.ts';
import type { HubToClientStream, InboundContext, SseOut } from '../types.ts';
import { asRecord, readNumber, readRecords, readString } from '../json-fields.ts';
import { responseErrorCode } from './errors.ts';
import { responseEndingFor } from './finish-reason.ts';
import { fallbackCallId, functionCallItem, hubReasoning, outputTextPart, reasoningItem } from './inbound-response.ts';
import { idBase, itemIdFor, responseIdFor, responseObject } from './response-object.ts';
import { responsesUsageFromHub } from './usage.ts';

type ItemStatus = 'completed' | 'incomplete';

interface ReasoningState {
  readonly kind: 'reasoning';
  readonly outputIndex: number;
  readonly id: string;
  text: string;
  done: boolean;
}

interface ContentPart {
  readonly type: 'output_text' | 'refusal';
  text: string;
}

interface MessageState {
  readonly kind: 'message';
  readonly outputIndex: number;
  readonly id: string;
  readonly parts: ContentPart[];
  partOpen: boolean;
  done: boolean;
  status: ItemStatus | 'in_progress';
}

interface CallState {
  readonly kind: 'function_call';
  readonly outputIndex: number;
  readonly id: string;
  readonly callId: string;
  name: string;
  arguments: string;
  done: boolean;
}

type ItemState = ReasoningState | MessageState | CallState;

function partJson(part: ContentPart): JsonBody {
  return part.type === 'output_text' ? outputTextPart(part.text) : { type: 'refusal', refusal: part.text };
}

/** An item as the client sees it: done items as finished, open ones (in a failed snapshot) as they stand. */
function itemJson(item: ItemState, openStatus: 'in_progress' | ItemStatus): JsonBody {
  switch (item.kind) {
    case 'reasoning':
      return reasoningItem(item.id, item.text);
    case 'message':
      return { id: item.id, type: 'message', status: item.done ? item.status : openStatus, role: 'assistant', content: item.parts.map(partJson) };
    case 'function_call':
      return functionCallItem({ id: item.id, callId: item.callId, name: item.name, arguments: item.arguments, status: item.done ? 'completed' : openStatus });
  }
}

/** `clock` gives Unix seconds (created_at when the hub chunk has none, and completed_at). */
export function createResponsesClientStream(context: InboundContext, clock: () => number): HubToClientStream {
  let sequence = 0;
  let started = false;
  let ended = false;
  let base = 'gateway';
  let createdAt = clock();
  const items: ItemState[] = [];
  /** The open reasoning or message item (function calls are tracked in `calls`). */
  let current: ReasoningState | MessageState | undefined;
  /** Hub tool-call index → its item. */
  const calls = new Map<number, CallState>();
  let finishReason: unknown;
  let usage: Usage | undefined;

  const event = (type: string, payload: JsonBody): SseOut => ({ event: type, data: JSON.stringify({ type, sequence_number: sequence++, ...payload }) });

  const snapshot = (status: 'in_progress' | 'completed' | 'incomplete' | 'failed', extra: { error?: { code: string; message: string } } = {}): JsonBody => {
    const ending = responseEndingFor(finishReason);
    const finished = status === 'completed' || status === 'incomplete';
    return responseObject({
      id: responseIdFor(base),
      createdAt,
      status,
      model: context.model,
      output: status === 'in_progress' ? [] : items.map((item) => itemJson(item, 'incomplete')),
      usage: finished && usage !== undefined ? responsesUsageFromHub(usage) : undefined,
      error: extra.error ?? null,
      incompleteDetails: status === 'incomplete' ? ending.incompleteDetails : null,
      completedAt: status === 'completed' ? Math.max(createdAt, clock()) : null,
      request: context.request,
    });
  };

  const start = (chunk: JsonBody | undefined): SseOut[] => {
    if (started) return [];
    started = true;
    base = idBase(chunk?.id);
    createdAt = readNumber(chunk?.created) ?? createdAt;
    return [event('response.created', { response: snapshot('in_progress') }), event('response.in_progress', { response: snapshot('in_progress') })];
  };

  const addItem = <T extends ItemState>(make: (outputIndex: number) => T): T => {
    const item = make(items.length);
    items.push(item);
    return item;
  };

  const closePart = (message: MessageState): SseOut[] => {
    const part = message.parts.at(-1);
    if (!message.partOpen || part === undefined) return [];
    message.partOpen = false;
    const place = { item_id: message.id, output_index: message.outputIndex, content_index: message.parts.length - 1 };
    const done =
      part.type === 'output_text'
        ? event('response.output_text.done', { ...place, text: part.text, logprobs: [] })
        : event('response.refusal.done', { ...place, refusal: part.text });
    return [done, event('response.content_part.done', { ...place, part: partJson(part) })];
  };

  const closeCurrent = (status: ItemStatus): SseOut[] => {
    const item = current;
    if (item === undefined) return [];
    current = undefined;
    item.done = true;
    if (item.kind === 'reasoning') {
      const place = { item_id: item.id, output_index: item.outputIndex, summary_index: 0 };
      return [
        event('response.reasoning_summary_text.done', { ...place, text: item.text }),
        event('response.reasoning_summary_part.done', { ...place, part: { type: 'summary_text', text: item.text } }),
        event('response.output_item.done', { output_index: item.outputIndex, item: itemJson(item, status) }),
      ];
    }
    item.status = status;
    return [...closePart(item), event('response.output_item.done', { output_index: item.outputIndex, item: itemJson(item, status) })];
  };

  const closeCalls = (): SseOut[] =>
    [...calls.values()]
      .filter((call) => !call.done)
      .sort((left, right) => left.outputIndex - right.outputIndex)
      .flatMap((call) => {
        call.done = true;
        return [
          event('response.function_call_arguments.done', { item_id: call.id, output_index: call.outputIndex, name: call.name, arguments: call.arguments }),
          event('response.output_item.done', { output_index: call.outputIndex, item: itemJson(call, 'completed') }),
        ];
      });

  const reasoningDelta = (text: string): SseOut[] => {
    const events: SseOut[] = [];
    if (current?.kind !== 'reasoning') {
      events.push(...closeCurrent('completed'));
      const item = addItem((outputIndex): ReasoningState => ({ kind: 'reasoning', outputIndex, id: itemIdFor('rs', base, outputIndex), text: '', done: false }));
      current = item;
      events.push(
        event('response.output_item.added', { output_index: item.outputIndex, item: { id: item.id, type: 'reasoning', summary: [] } }),
        event('response.reasoning_summary_part.added', { item_id: item.id, output_index: item.outputIndex, summary_index: 0, part: { type: 'summary_text', text: '' } }),
      );
    }
    const item = current;
    if (item?.kind !== 'reasoning') return events;
    item.text += text;
    events.push(event('response.reasoning_summary_text.delta', { item_id: item.id, output_index: item.outputIndex, summary_index: 0, delta: text }));
    return events;
  };

  const contentDelta = (type: ContentPart['type'], text: string): SseOut[] => {
    const events: SseOut[] = [];
    if (current?.kind !== 'message') {
      events.push(...closeCurrent('completed'));
      const item = addItem(
        (outputIndex): MessageState => ({ kind: 'message', outputIndex, id: itemIdFor('msg', base, outputIndex), parts: [], partOpen: false, done: false, status: 'in_progress' }),
      );
      current = item;
      events.push(event('response.output_item.added', { output_index: item.outputIndex, item: itemJson(item, 'in_progress') }));
    }
    const message = current;
    if (message?.kind !== 'message') return events;
    let part = message.parts.at(-1);
    if (!message.partOpen || part?.type !== type) {
      events.push(...closePart(message));
      part = { type, text: '' };
      message.parts.push(part);
      message.partOpen = true;
      const place = { item_id: message.id, output_index: message.outputIndex, content_index: message.parts.length - 1 };
      events.push(event('response.content_part.added', { ...place, part: partJson(part) }));
    }
    part.text += text;
    const place = { item_id: message.id, output_index: message.outputIndex, content_index: message.parts.length - 1 };
    events.push(
      type === 'output_text'
        ? event('response.output_text.delta', { ...place, delta: text, logprobs: [] })
        : event('response.refusal.delta', { ...place, delta: text }),
    );
    return events;
  };

  const callDelta = (delta: Record<string, unknown>): SseOut[] => {
    const events: SseOut[] = [];
    const toolIndex = readNumber(delta.index) ?? 0;
    const fn = asRecord(delta.function) ?? {};
    let call = calls.get(toolIndex);
    if (call === undefined) {
      events.push(...closeCurrent('completed'));
      const name = readString(fn.name) ?? '';
      const callId = readString(delta.id) ?? fallbackCallId(base, toolIndex);
      call = addItem((outputIndex): CallState => ({ kind: 'function_call', outputIndex, id: itemIdFor('fc', base, outputIndex), callId, name, arguments: '', done: false }));
      calls.set(toolIndex, call);
      events.push(event('response.output_item.added', { output_index: call.outputIndex, item: itemJson(call, 'in_progress') }));
    } else if (call.name === '') {
      // Some servers send the name in a later fragment; it then shows from function_call_arguments.done on.
      call.name = readString(fn.name) ?? '';
    }
    const fragment = readString(fn.arguments);
    if (fragment !== undefined && fragment !== '' && !call.done) {
      call.arguments += fragment;
      events.push(event('response.function_call_arguments.delta', { item_id: call.id, output_index: call.outputIndex, delta: fragment }));
    }
    return events;
  };

  const choiceEvents = (choice: Record<string, unknown>): SseOut[] => {
    const events: SseOut[] = [];
    const delta = asRecord(choice.delta) ?? {};
    const reasoning = hubReasoning(delta);
    if (reasoning !== undefined && reasoning !== '') events.push(...reasoningDelta(reasoning));
    const content = readString(delta.content);
    if (content !== undefined && content !== '') events.push(...contentDelta('output_text', content));
    const refusal = readString(delta.refusal);
    if (refusal !== undefined && refusal !== '') events.push(...contentDelta('refusal', refusal));
    for (const call of readRecords(delta.tool_calls)) events.push(...callDelta(call));
    if (choice.finish_reason !== undefined && choice.finish_reason !== null) {
      finishReason = choice.finish_reason;
      events.push(...closeCurrent(responseEndingFor(finishReason).status), ...closeCalls());
    }
    return events;
  };

  return {
    push(chunk: JsonBody): SseOut[] {
      if (ended) return [];
      if (asRecord(chunk.usage) !== undefined) usage = readOpenAIUsage(chunk) ?? usage;
      const events = start(chunk);
      // n > 1 cannot be expressed in a Response; the first choice is the answer.
      const choice = readRecords(chunk.choices).find((candidate) => (readNumber(candidate.index) ?? 0) === 0);
      if (choice !== undefined) events.push(...choiceEvents(choice));
      return events;
    },

    finish(): SseOut[] {
      if (ended) return [];
      const ending = responseEndingFor(finishReason);
      const events = [...start(undefined), ...closeCurrent(ending.status), ...closeCalls()];
      ended = true;
      const type = ending.status === 'completed' ? 'response.completed' : 'response.incomplete';
      events.push(event(type, { response: snapshot(ending.status) }));
      return events;
    },

    fail(error: { status: number; code: string; message: string }): SseOut[] {
      if (ended) return [];
      ended = true;
      const events = [event('error', { code: error.code, message: error.message, param: null })];
      if (started) events.push(event('response.failed', { response: snapshot('failed', { error: { code: responseErrorCode(error), message: error.message } }) }));
      return events;
    },
  };
}
