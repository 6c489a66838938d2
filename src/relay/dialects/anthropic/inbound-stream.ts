/**
 * Hub stream chunks (https://platform.openai.com/docs/api-reference/chat-streaming/streaming) → Anthropic stream
 * events, in the order Anthropic sends them (https://platform.claude.com/docs/en/build-with-claude/streaming#event-types):
 *
 *   message_start → per block: content_block_start, content_block_delta…, content_block_stop → message_delta → message_stop
 *
 * Blocks never overlap: the open block is stopped before the next one starts, and indexes count up from 0.
 * Thinking comes from `delta.reasoning_content` (or `delta.reasoning`), text from `delta.content`, tool calls from
 * `delta.tool_calls` with their argument fragments as `input_json_delta.partial_json`. One `ping` follows the first
 * content_block_start, as in Anthropic's own examples. The hub's usage chunk (empty `choices`, `usage` set) only
 * updates usage; message_delta carries it: `output_tokens` always, the input and cache counts when the hub gave
 * them (Anthropic's message_delta counts are cumulative, so they replace message_start's).
 *
 * A tool call's fragments normally arrive in one run. An upstream that interleaves two parallel calls gets each
 * fragment sent to its own call's index, even after that block was stopped: the Anthropic SDK assembles blocks
 * by index, and nothing is lost.
 */
import { readOpenAIUsage } from '../../providers/openai-usage.ts';
import type { JsonBody, Usage } from '../../types.ts';
import type { HubToClientStream, InboundContext, SseOut } from '../types.ts';
import { renderAnthropicError } from './errors.ts';
import { anthropicMessageId, fallbackToolUseId } from './inbound-response.ts';
import { asRecord, readNumber, readRecords, readString } from '../json-fields.ts';
import { type AnthropicStopReason, toAnthropicStopReason } from './stop-reason.ts';
import { anthropicUsageFromHub } from './usage.ts';

type BlockKind = 'thinking' | 'text' | 'tool_use';

function sse(type: string, payload: JsonBody = {}): SseOut {
  return { event: type, data: JSON.stringify({ type, ...payload }) };
}

export function createAnthropicClientStream(context: InboundContext): HubToClientStream {
  let started = false;
  let ended = false;
  let pinged = false;
  let nextIndex = 0;
  let open: { kind: BlockKind; index: number } | undefined;
  /** Hub tool call index → Anthropic block index. */
  const toolBlocks = new Map<number, number>();
  let finishReason: unknown;
  let matchedStop: string | undefined;
  let refused = false;
  let usage: Usage | undefined;

  const start = (chunk: JsonBody | undefined): SseOut[] => {
    if (started) return [];
    started = true;
    const known = usage === undefined ? undefined : anthropicUsageFromHub(usage);
    const message = {
      id: anthropicMessageId(chunk?.id),
      type: 'message',
      role: 'assistant',
      model: context.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: {
        input_tokens: known?.input_tokens ?? 0,
        cache_creation_input_tokens: known?.cache_creation_input_tokens ?? 0,
        cache_read_input_tokens: known?.cache_read_input_tokens ?? 0,
        output_tokens: 0,
      },
    };
    return [sse('message_start', { message })];
  };

  const close = (): SseOut[] => {
    if (open === undefined) return [];
    const stop = sse('content_block_stop', { index: open.index });
    open = undefined;
    return [stop];
  };

  const openBlock = (kind: BlockKind, contentBlock: JsonBody): SseOut[] => {
    const events = close();
    open = { kind, index: nextIndex };
    nextIndex += 1;
    events.push(sse('content_block_start', { index: open.index, content_block: contentBlock }));
    if (!pinged) {
      pinged = true;
      events.push(sse('ping'));
    }
    return events;
  };

  /** Opens a thinking or text block unless one of that kind is open; returns its index with the events. */
  const ensureBlock = (kind: 'thinking' | 'text'): { index: number; events: SseOut[] } => {
    if (open?.kind === kind) return { index: open.index, events: [] };
    const events = openBlock(kind, kind === 'text' ? { type: 'text', text: '' } : { type: 'thinking', thinking: '', signature: '' });
    return { index: nextIndex - 1, events };
  };

  const toolCallEvents = (call: Record<string, unknown>): SseOut[] => {
    const toolIndex = readNumber(call.index) ?? 0;
    const fn = asRecord(call.function) ?? {};
    const events: SseOut[] = [];
    let blockIndex = toolBlocks.get(toolIndex);
    if (blockIndex === undefined) {
      const id = readString(call.id) ?? fallbackToolUseId(toolIndex);
      events.push(...openBlock('tool_use', { type: 'tool_use', id, name: readString(fn.name) ?? '', input: {} }));
      blockIndex = nextIndex - 1;
      toolBlocks.set(toolIndex, blockIndex);
    }
    const fragment = readString(fn.arguments);
    if (fragment !== undefined && fragment !== '') {
      events.push(sse('content_block_delta', { index: blockIndex, delta: { type: 'input_json_delta', partial_json: fragment } }));
    }
    return events;
  };

  const choiceEvents = (choice: Record<string, unknown>): SseOut[] => {
    const events: SseOut[] = [];
    const delta = asRecord(choice.delta) ?? {};
    const reasoning = readString(delta.reasoning_content) ?? readString(delta.reasoning);
    if (reasoning !== undefined && reasoning !== '') {
      const block = ensureBlock('thinking');
      events.push(...block.events, sse('content_block_delta', { index: block.index, delta: { type: 'thinking_delta', thinking: reasoning } }));
    }
    const refusal = readString(delta.refusal);
    if (refusal !== undefined && refusal !== '') refused = true;
    const text = readString(delta.content) ?? refusal;
    if (text !== undefined && text !== '') {
      const block = ensureBlock('text');
      events.push(...block.events, sse('content_block_delta', { index: block.index, delta: { type: 'text_delta', text } }));
    }
    for (const call of readRecords(delta.tool_calls)) events.push(...toolCallEvents(call));
    if (choice.finish_reason !== undefined && choice.finish_reason !== null) finishReason = choice.finish_reason;
    matchedStop = readString(choice.stop_reason) ?? matchedStop;
    return events;
  };

  return {
    push(chunk: JsonBody): SseOut[] {
      if (ended) return [];
      if (asRecord(chunk.usage) !== undefined) usage = readOpenAIUsage(chunk) ?? usage;
      const events = start(chunk);
      // n > 1 cannot be expressed in Anthropic's format; the first choice is the answer.
      const choice = readRecords(chunk.choices).find((candidate) => (readNumber(candidate.index) ?? 0) === 0);
      if (choice !== undefined) events.push(...choiceEvents(choice));
      return events;
    },

    finish(): SseOut[] {
      if (ended) return [];
      const events = [...start(undefined), ...close()];
      ended = true;
      const stopReason: AnthropicStopReason = refused ? 'refusal' : toAnthropicStopReason(finishReason, matchedStop);
      const delta = { stop_reason: stopReason, stop_sequence: stopReason === 'stop_sequence' ? (matchedStop ?? null) : null };
      const finalUsage = usage === undefined ? { output_tokens: 0 } : anthropicUsageFromHub(usage);
      events.push(sse('message_delta', { delta, usage: finalUsage }), sse('message_stop'));
      return events;
    },

    fail(error: { status: number; code: string; message: string }): SseOut[] {
      if (ended) return [];
      ended = true;
      const { body } = renderAnthropicError(error);
      return [{ event: 'error', data: JSON.stringify(body) }];
    },
  };
}
