/**
 * Anthropic stream events (https://platform.claude.com/docs/en/build-with-claude/streaming) → hub chunks
 * (https://platform.openai.com/docs/api-reference/chat-streaming/streaming):
 *
 * - message_start → a role chunk (`{role: "assistant", content: ""}`); its usage holds the input counts.
 * - text_delta → `content`; thinking_delta → `reasoning_content` (or `content` inside `<think>` with the channel
 *   setting `thinking_to_content`); signature_delta and citations_delta have no hub counterpart.
 * - tool_use content_block_start → a tool call chunk with id and name; input_json_delta → its argument
 *   fragments. A tool call that streamed no argument text gets `{}`, so its arguments are valid JSON.
 * - message_delta → the stop reason and the cumulative usage; message_stop → the finish chunk, then a usage
 *   chunk with empty `choices` (as OpenAI sends with `stream_options.include_usage`), and `completed`.
 * - ping and event types added later are ignored, as Anthropic's versioning policy asks of clients.
 * - error (e.g. `overloaded_error` mid-stream) throws an UpstreamError, so the relay ends the client's stream
 *   with an error and never with a made-up completion (architecture.md decision 4).
 */
import type { JsonBody, Usage } from '../../types.ts';
import type { NativeToHubStream, OutboundContext, SseIn } from '../types.ts';
import { upstreamErrorFromStreamEvent } from './errors.ts';
import { asRecord, readNumber, readString } from '../json-fields.ts';
import { parseEventObject } from '../event-object.ts';
import { THINK_CLOSE, THINK_OPEN, thinkingToContent } from '../hub-message.ts';
import { toHubFinishReason } from './stop-reason.ts';
import { type AnthropicCounts, emptyCounts, hubUsageFromCounts, mergeAnthropicUsage, usageFromCounts } from './usage.ts';

interface OpenBlock {
  kind: 'text' | 'thinking' | 'tool_use' | 'other';
  toolIndex: number;
  sawArguments: boolean;
}


export function createAnthropicNativeStream(context: OutboundContext, createdSeconds: number): NativeToHubStream {
  const thinkAsContent = thinkingToContent(context);
  let id = 'msg_unknown';
  let model = context.upstreamModel;
  let roleSent = false;
  let completed = false;
  let counts: AnthropicCounts | undefined;
  let stopReason: unknown;
  let nextToolIndex = 0;
  const blocks = new Map<number, OpenBlock>();

  const chunk = (delta: JsonBody, finishReason: string | null = null): JsonBody => ({
    id,
    object: 'chat.completion.chunk',
    created: createdSeconds,
    model,
    choices: [{ index: 0, delta, finish_reason: finishReason }],
  });

  /** Chunks for one delta, preceded by the role chunk when message_start did not come first. */
  const emit = (delta: JsonBody): JsonBody[] => {
    const chunks: JsonBody[] = [];
    if (!roleSent) {
      roleSent = true;
      chunks.push(chunk({ role: 'assistant', content: '' }));
    }
    chunks.push(chunk(delta));
    return chunks;
  };

  const blockStart = (data: Record<string, unknown>): JsonBody[] => {
    const index = readNumber(data.index) ?? blocks.size;
    const contentBlock = asRecord(data.content_block) ?? {};
    const type = contentBlock.type;
    if (type === 'text') {
      blocks.set(index, { kind: 'text', toolIndex: -1, sawArguments: false });
      const text = readString(contentBlock.text);
      return text === undefined || text === '' ? [] : emit({ content: text });
    }
    if (type === 'thinking') {
      blocks.set(index, { kind: 'thinking', toolIndex: -1, sawArguments: false });
      return thinkAsContent ? emit({ content: THINK_OPEN }) : [];
    }
    if (type === 'tool_use') {
      const toolIndex = nextToolIndex;
      nextToolIndex += 1;
      blocks.set(index, { kind: 'tool_use', toolIndex, sawArguments: false });
      const fn = { name: readString(contentBlock.name) ?? '', arguments: '' };
      return emit({ tool_calls: [{ index: toolIndex, id: readString(contentBlock.id) ?? `toolu_${toolIndex}`, type: 'function', function: fn }] });
    }
    blocks.set(index, { kind: 'other', toolIndex: -1, sawArguments: false });
    return [];
  };

  const blockDelta = (data: Record<string, unknown>): JsonBody[] => {
    const block = blocks.get(readNumber(data.index) ?? -1);
    const delta = asRecord(data.delta) ?? {};
    if (delta.type === 'text_delta') {
      const text = readString(delta.text) ?? '';
      return text === '' ? [] : emit({ content: text });
    }
    if (delta.type === 'thinking_delta') {
      const thinking = readString(delta.thinking) ?? '';
      if (thinking === '') return [];
      return emit(thinkAsContent ? { content: thinking } : { reasoning_content: thinking });
    }
    if (delta.type === 'input_json_delta' && block?.kind === 'tool_use') {
      const fragment = readString(delta.partial_json) ?? '';
      if (fragment === '') return [];
      block.sawArguments = true;
      return emit({ tool_calls: [{ index: block.toolIndex, function: { arguments: fragment } }] });
    }
    return [];
  };

  const blockStop = (data: Record<string, unknown>): JsonBody[] => {
    const block = blocks.get(readNumber(data.index) ?? -1);
    if (block?.kind === 'thinking' && thinkAsContent) return emit({ content: THINK_CLOSE });
    if (block?.kind === 'tool_use' && !block.sawArguments) return emit({ tool_calls: [{ index: block.toolIndex, function: { arguments: '{}' } }] });
    return [];
  };

  return {
    push(event: SseIn): JsonBody[] {
      if (completed) return [];
      const data = parseEventObject(event, 'Anthropic');
      switch (data.type ?? event.event) {
        case 'message_start': {
          const message = asRecord(data.message) ?? {};
          id = readString(message.id) ?? id;
          model = readString(message.model) ?? model;
          // Only a usage object the upstream really sent counts: without one, usage() stays undefined and the
          // relay estimates (a proxy that strips usage must not make a stream free).
          if (asRecord(message.usage) !== undefined) counts = mergeAnthropicUsage(counts ?? emptyCounts(), message.usage);
          if (roleSent) return [];
          roleSent = true;
          return [chunk({ role: 'assistant', content: '' })];
        }
        case 'content_block_start':
          return blockStart(data);
        case 'content_block_delta':
          return blockDelta(data);
        case 'content_block_stop':
          return blockStop(data);
        case 'message_delta':
          stopReason = asRecord(data.delta)?.stop_reason ?? stopReason;
          if (asRecord(data.usage) !== undefined) counts = mergeAnthropicUsage(counts ?? emptyCounts(), data.usage);
          return [];
        case 'message_stop': {
          completed = true;
          const finish = chunk({}, toHubFinishReason(stopReason));
          const usageChunks = counts === undefined ? [] : [{ ...chunk({}), choices: [], usage: hubUsageFromCounts(counts) }];
          const role = roleSent ? [] : [chunk({ role: 'assistant', content: '' })];
          roleSent = true;
          return [...role, finish, ...usageChunks];
        }
        case 'error':
          throw upstreamErrorFromStreamEvent(data);
        default:
          return [];
      }
    },

    get completed(): boolean {
      return completed;
    },

    usage(): Usage | undefined {
      return counts === undefined ? undefined : usageFromCounts(counts);
    },
  };
}
