/**
 * `streamGenerateContent?alt=sse` events (https://ai.google.dev/api/generate-content#method:-models.streamgeneratecontent)
 * → hub chunks (https://platform.openai.com/docs/api-reference/chat-streaming/streaming). Each event is a whole
 * GenerateContentResponse holding the parts that are new since the previous one; there are no event names.
 *
 * - The first event of a candidate yields the role chunk (`{role: "assistant", content: ""}`).
 * - Text parts → `content`; thought parts → `reasoning_content` (or `content` inside `<think>` with the channel
 *   setting `thinking_to_content`). Empty texts (a part that only carries a thought signature) yield nothing.
 * - Gemini sends each function call whole in one part: one tool-call delta with index, id (`call_<n>` when
 *   Gemini gives none), name, the complete arguments, and the thought signature as in outbound-response.ts.
 * - A candidate's finishReason → its finish chunk. When every candidate seen has finished, a usage chunk with
 *   empty `choices` follows, from the latest usageMetadata (Gemini repeats it, cumulative, on every event).
 * - `completed` turns true at that point. Gemini has no end marker: a stream that stops before every candidate
 *   has a finishReason was cut, and the relay reports it as truncated.
 * - A prompt blocked outright comes as an event without candidates and with `promptFeedback.blockReason`: an
 *   empty `content_filter` answer.
 * - An `{"error": {...}}` event throws an UpstreamError, so the client's stream ends with an error, never with a
 *   made-up completion (architecture.md decision 4).
 */
import { UpstreamError } from '../../errors.ts';
import type { JsonBody, Usage } from '../../types.ts';
import type { NativeToHubStream, OutboundContext, SseIn } from '../types.ts';
import { readGeminiError, upstreamErrorFromGemini } from './errors.ts';
import { hubFinishReason } from './finish-reason.ts';
import { asRecord, readNumber, readRecords, readString } from '../json-fields.ts';
import { THINK_CLOSE, THINK_OPEN, thinkingToContent } from '../hub-message.ts';
import { createdSeconds, hubToolCall, ToolCallIds } from './outbound-response.ts';
import { geminiModelAndThinking } from './thinking.ts';
import { hubUsage, readGeminiUsage } from './usage.ts';

interface CandidateState {
  nextToolIndex: number;
  thinkOpen: boolean;
  finished: boolean;
}

function parseEvent(event: SseIn): unknown {
  try {
    return JSON.parse(event.data);
  } catch {
    throw new UpstreamError({
      status: 502,
      code: 'malformed_event',
      message: 'the Gemini upstream sent an event whose data is not JSON',
      retryable: false,
      channelAtFault: false,
      upstreamBody: event.data.slice(0, 2048),
    });
  }
}

export function createGeminiUpstreamStream(context: OutboundContext, nowSeconds: number): NativeToHubStream {
  const thinkAsContent = thinkingToContent(context);
  const candidates = new Map<number, CandidateState>();
  const ids = new ToolCallIds();
  let id = 'chatcmpl-gemini';
  let model = geminiModelAndThinking(context.upstreamModel).model;
  let created = nowSeconds;
  let usage: Usage | undefined;
  let usageSent = false;
  let completed = false;

  const chunk = (choices: JsonBody[]): JsonBody => ({ id, object: 'chat.completion.chunk', created, model, choices });
  const delta = (index: number, body: JsonBody, finishReason: string | null = null): JsonBody =>
    chunk([{ index, delta: body, finish_reason: finishReason }]);

  /** The candidate's state; its first appearance emits the role chunk. */
  const open = (index: number, out: JsonBody[]): CandidateState => {
    let state = candidates.get(index);
    if (state === undefined) {
      state = { nextToolIndex: 0, thinkOpen: false, finished: false };
      candidates.set(index, state);
      out.push(delta(index, { role: 'assistant', content: '' }));
    }
    return state;
  };

  const closeThinking = (index: number, state: CandidateState, out: JsonBody[]): void => {
    if (!state.thinkOpen) return;
    state.thinkOpen = false;
    out.push(delta(index, { content: THINK_CLOSE }));
  };

  const candidateChunks = (candidate: Record<string, unknown>, index: number, out: JsonBody[]): void => {
    const state = open(index, out);
    for (const part of readRecords(asRecord(candidate.content)?.parts)) {
      const call = asRecord(part.functionCall);
      if (call !== undefined) {
        closeThinking(index, state, out);
        const toolCall = { index: state.nextToolIndex++, ...hubToolCall(part, call, ids.for(call)) };
        out.push(delta(index, { tool_calls: [toolCall] }));
        continue;
      }
      const text = readString(part.text);
      if (text === undefined || text === '') continue;
      if (part.thought === true && !thinkAsContent) out.push(delta(index, { reasoning_content: text }));
      else if (part.thought === true) {
        out.push(delta(index, { content: state.thinkOpen ? text : `${THINK_OPEN}${text}` }));
        state.thinkOpen = true;
      } else {
        closeThinking(index, state, out);
        out.push(delta(index, { content: text }));
      }
    }
    const reason = readString(candidate.finishReason);
    if (reason !== undefined && !state.finished) {
      closeThinking(index, state, out);
      state.finished = true;
      out.push(delta(index, {}, hubFinishReason(reason, state.nextToolIndex > 0)));
    }
  };

  return {
    push(event: SseIn): JsonBody[] {
      if (event.data.trim() === '') return [];
      const json = parseEvent(event);
      const error = readGeminiError(json);
      if (error !== undefined) throw upstreamErrorFromGemini(error, event.data);
      const response = asRecord(json);
      if (response === undefined) return [];
      id = readString(response.responseId) ?? id;
      model = readString(response.modelVersion) ?? model;
      created = createdSeconds(response, created);
      usage = readGeminiUsage(response) ?? usage;

      const out: JsonBody[] = [];
      const found = readRecords(response.candidates);
      found.forEach((candidate, position) => candidateChunks(candidate, readNumber(candidate.index) ?? position, out));
      if (found.length === 0 && readString(asRecord(response.promptFeedback)?.blockReason) !== undefined) {
        const state = open(0, out);
        if (!state.finished) {
          state.finished = true;
          out.push(delta(0, {}, 'content_filter'));
        }
      }
      completed = candidates.size > 0 && [...candidates.values()].every((state) => state.finished);
      if (completed && !usageSent && usage !== undefined) {
        usageSent = true;
        out.push({ ...chunk([]), usage: hubUsage(usage) });
      }
      return out;
    },

    get completed(): boolean {
      return completed;
    },

    usage(): Usage | undefined {
      return usage;
    },
  };
}
