/**
 * Reads a Responses API stream (https://platform.openai.com/docs/api-reference/responses-streaming) on the side
 * while the passthrough relays it untouched (src/relay/passthrough/stream.ts) — only what the gateway needs, with
 * no conversion to hub chunks:
 * - usage, from response.completed or response.incomplete, the events that end the response;
 * - the text delivered (answer, refusal, reasoning and function-argument deltas, and each function call's name),
 *   counted only when the upstream reports no usage or the stream is cut;
 * - the last `sequence_number`, which the gateway's closing `error` event follows;
 * - an `error` event or response.failed throws the UpstreamError the stream ends with, as the outbound converter
 *   does, so the client never sees a made-up completion (architecture.md decision 4).
 */
import type { JsonBody, NativeObserver, Usage } from '../../types.ts';
import type { SseIn } from '../types.ts';
import { parseEventObject } from '../event-object.ts';
import { asRecord, readNumber, readString } from '../json-fields.ts';
import { upstreamErrorFromResponses } from './errors.ts';
import { readResponsesUsage } from './outbound-response.ts';

/** Deltas of generated text; audio deltas (base64) and built-in tool progress are not counted. */
const TEXT_DELTAS: ReadonlySet<string> = new Set([
  'response.output_text.delta',
  'response.refusal.delta',
  'response.reasoning_summary_text.delta',
  'response.reasoning_text.delta',
  'response.function_call_arguments.delta',
  'response.custom_tool_call_input.delta',
]);

/**
 * The relay only counts what an observer's chunks deliver (src/relay/stream/chunk-facts.ts `inspect`), so these are
 * minimal hub chunks: generated text, and a tool call with its name.
 */
function observedText(text: string): JsonBody {
  return { choices: [{ index: 0, delta: { content: text } }] };
}

function observedToolCall(id: string, name: string): JsonBody {
  return { choices: [{ index: 0, delta: { tool_calls: [{ id, function: { name } }] } }] };
}

export function createResponsesObserver(): NativeObserver {
  let completed = false;
  let usage: Usage | undefined;
  let lastSequence: number | undefined;

  const delivered = (type: string | undefined, data: Record<string, unknown>): JsonBody[] => {
    if (type === undefined) return [];
    if (TEXT_DELTAS.has(type)) {
      const delta = readString(data.delta);
      return delta === undefined || delta === '' ? [] : [observedText(delta)];
    }
    if (type === 'response.output_item.added') {
      const item = asRecord(data.item);
      if (item?.type !== 'function_call' && item?.type !== 'custom_tool_call') return [];
      return [observedToolCall(readString(item.call_id) ?? readString(item.id) ?? 'call', readString(item.name) ?? '')];
    }
    return [];
  };

  return {
    push(event: SseIn): JsonBody[] {
      if (completed || event.data.trim() === '' || event.data === '[DONE]') return [];
      const data = parseEventObject(event, 'Responses');
      const type = readString(data.type) ?? event.event;
      // Thrown before the event counts as relayed: the gateway's error event takes its place and its number.
      if (type === 'error' || type === 'response.failed') throw upstreamErrorFromResponses(data, event.data);
      if (type === 'response.completed' || type === 'response.incomplete') {
        completed = true;
        usage = readResponsesUsage(data) ?? usage;
      }
      const sequence = readNumber(data.sequence_number);
      if (sequence !== undefined && Number.isInteger(sequence)) lastSequence = sequence;
      return delivered(type, data);
    },

    get completed(): boolean {
      return completed;
    },

    usage(): Usage | undefined {
      return usage;
    },

    get lastSequenceNumber(): number | undefined {
      return lastSequence;
    },
  };
}
