/**
 * The hub's stream (chat.completion.chunk objects) → `streamGenerateContent?alt=sse` events for a Gemini client
 * (https://ai.google.dev/api/generate-content#method:-models.streamgeneratecontent). Google's stream is a
 * sequence of `data: <GenerateContentResponse>` events with no event names and no end marker; each carries the
 * parts that are new since the previous one.
 *
 * - Text and reasoning deltas are sent at once, as text and thought parts.
 * - Tool calls are held until their choice finishes: the hub streams arguments in fragments, Gemini sends each
 *   function call whole in one part.
 * - The last event carries every choice's finishReason, the held function calls and usageMetadata. It goes out
 *   when the hub's usage arrives after all choices finished, or at finish() (an upstream that reports no usage).
 * - fail() sends Google's error body as one data event, as Google does when a stream breaks; held function calls
 *   are dropped with it (their arguments may be cut).
 */
import type { JsonBody } from '../../types.ts';
import type { HubToClientStream, InboundContext, SseOut } from '../types.ts';
import { renderGeminiError } from './errors.ts';
import { geminiFinishReason } from './finish-reason.ts';
import { candidateContent, functionCallPart, textParts } from './inbound-response.ts';
import { asRecord, readNumber, readRecords, readString } from '../json-fields.ts';
import { usageMetadataFromHub } from './usage.ts';

interface HeldCall {
  id: string | undefined;
  name: string;
  arguments: string;
}

interface ChoiceState {
  finishReason: string | undefined;
  /** By the hub's tool-call index. */
  readonly calls: Map<number, HeldCall>;
}

export function createGeminiClientStream(context: InboundContext): HubToClientStream {
  const choices = new Map<number, ChoiceState>();
  let usageMetadata: JsonBody | undefined;
  let responseId: string | undefined;
  let modelVersion = context.model;
  let ended = false;

  const event = (body: JsonBody): SseOut => {
    const response: JsonBody = { ...body, modelVersion };
    if (responseId !== undefined) response.responseId = responseId;
    return { data: JSON.stringify(response) };
  };

  const stateOf = (index: number): ChoiceState => {
    let state = choices.get(index);
    if (state === undefined) {
      state = { finishReason: undefined, calls: new Map() };
      choices.set(index, state);
    }
    return state;
  };

  const closing = (): SseOut[] => {
    if (ended) return [];
    ended = true;
    if (choices.size === 0 && usageMetadata === undefined) return [];
    const candidates = [...choices].map(([index, state]) => {
      const candidate: JsonBody = { content: candidateContent([...state.calls.values()].map(functionCallPart)), index };
      if (state.finishReason !== undefined) candidate.finishReason = geminiFinishReason(state.finishReason);
      return candidate;
    });
    const body: JsonBody = { candidates };
    if (usageMetadata !== undefined) body.usageMetadata = usageMetadata;
    return [event(body)];
  };

  return {
    push(chunk: JsonBody): SseOut[] {
      responseId ??= readString(chunk.id);
      modelVersion = readString(chunk.model) ?? modelVersion;
      const candidates: JsonBody[] = [];
      for (const choice of readRecords(chunk.choices)) {
        const index = readNumber(choice.index) ?? 0;
        const state = stateOf(index);
        const delta = asRecord(choice.delta) ?? {};
        for (const call of readRecords(delta.tool_calls)) holdCall(state, call);
        const parts = textParts(delta.reasoning_content, delta.content, delta.refusal);
        if (parts.length > 0) candidates.push({ content: { role: 'model', parts }, index });
        const finish = readString(choice.finish_reason);
        if (finish !== undefined) state.finishReason = finish;
      }
      const events = candidates.length > 0 && !ended ? [event({ candidates })] : [];
      const usage = usageMetadataFromHub(chunk.usage);
      if (usage !== undefined) {
        usageMetadata = usage;
        if ([...choices.values()].every((state) => state.finishReason !== undefined)) events.push(...closing());
      }
      return events;
    },

    finish(): SseOut[] {
      return closing();
    },

    fail(error: { status: number; code: string; message: string }): SseOut[] {
      ended = true;
      return [{ data: JSON.stringify(renderGeminiError(error).body) }];
    },
  };
}

/** Accumulates one tool-call delta: the id and name come once (some servers repeat them), arguments in pieces. */
function holdCall(state: ChoiceState, delta: Record<string, unknown>): void {
  const index = readNumber(delta.index) ?? state.calls.size;
  const fn = asRecord(delta.function) ?? {};
  let held = state.calls.get(index);
  if (held === undefined) {
    held = { id: undefined, name: '', arguments: '' };
    state.calls.set(index, held);
  }
  held.id ??= readString(delta.id);
  const name = readString(fn.name);
  if (name !== undefined && held.name === '') held.name = name;
  held.arguments += readString(fn.arguments) ?? '';
}
