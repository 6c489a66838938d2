/**
 * Relays an upstream SSE stream to the client event by event as it arrives (reliability.md G7, 2.4):
 * - the end marker (`data: [DONE]`, or a terminal Responses event) is written only when the upstream sent it;
 *   any other ending writes one error event and closes — never a made-up `[DONE]`;
 * - the usage chunk the gateway asked for is dropped when the client did not ask for it;
 * - completion tokens are counted per delta (the text is never accumulated), so a stream without usage, or one
 *   cut short, is still measured;
 * - a quiet stream gets `: keep-alive` comments so neither a proxy nor Bun's idle timer closes it;
 * - when the client leaves, the upstream request is cancelled at once.
 */
import { createCompletionCounter } from '../../tokenizer/count.ts';
import type { DispatchResponse } from '../dispatch.ts';
import { isUpstreamError } from '../errors.ts';
import { emptyUsage, type EndState } from '../outcome.ts';
import type { ProviderAdapter, RelayRequest, Usage } from '../types.ts';
import { encodeSseEvent, parseSse, SSE_KEEPALIVE, type SseEvent } from './sse-parser.ts';

export interface StreamEnd {
  state: Extract<EndState, 'completed' | 'upstream_error' | 'client_gone'>;
  errorCode: string | undefined;
  usage: Usage;
  /** performance.now() when the first event reached the client. */
  firstTokenMs: number | undefined;
}

export interface RelayStreamOptions {
  request: RelayRequest;
  response: DispatchResponse;
  adapter: ProviderAdapter;
  maxLineBytes: number;
  keepAliveMs: number;
  /** Computed only when the upstream reported no usage. */
  promptTokens: () => number;
  onEnd: (end: StreamEnd) => void;
}

/** Responses API events after which the response is over (https://platform.openai.com/docs/api-reference/responses-streaming). */
const RESPONSES_TERMINAL_EVENTS = new Set(['response.completed', 'response.incomplete', 'response.failed']);

interface ChunkFacts {
  usageOnly: boolean;
  text: string;
  toolCalls: number;
}

/** What a chat/completions chunk or a Responses event adds: generated text (for counting) and whether it is usage only. */
function inspect(json: unknown): ChunkFacts {
  const facts: ChunkFacts = { usageOnly: false, text: '', toolCalls: 0 };
  if (json === null || typeof json !== 'object') return facts;
  const record = json as Record<string, unknown>;
  if (typeof record.type === 'string') {
    // Responses API: output_text / reasoning / function-call argument deltas.
    if (typeof record.delta === 'string' && /\.delta$/.test(record.type)) facts.text = record.delta;
    return facts;
  }
  const choices = record.choices;
  if (Array.isArray(choices)) {
    facts.usageOnly = choices.length === 0 && record.usage !== undefined && record.usage !== null;
    for (const choice of choices as Record<string, unknown>[]) {
      if (typeof choice.text === 'string') facts.text += choice.text;
      const delta = choice.delta as Record<string, unknown> | undefined;
      if (delta === undefined || delta === null) continue;
      if (typeof delta.content === 'string') facts.text += delta.content;
      if (typeof delta.reasoning_content === 'string') facts.text += delta.reasoning_content;
      if (Array.isArray(delta.tool_calls)) {
        for (const call of delta.tool_calls as { id?: unknown; function?: { arguments?: unknown; name?: unknown } }[]) {
          if (typeof call.id === 'string') facts.toolCalls++;
          if (typeof call.function?.name === 'string') facts.text += call.function.name;
          if (typeof call.function?.arguments === 'string') facts.text += call.function.arguments;
        }
      }
    }
  }
  return facts;
}

function errorEvent(code: string, message: string): string {
  return encodeSseEvent({ data: JSON.stringify({ error: { message, type: 'upstream_error', code } }) });
}

export function relayStream(options: RelayStreamOptions): Response {
  const { request, response, adapter } = options;
  const encoder = new TextEncoder();
  const counter = createCompletionCounter(request.requestedModel);
  let reportedUsage: Usage | undefined;
  let firstTokenMs: number | undefined;
  let ended = false;
  let keepAlive: ReturnType<typeof setInterval> | undefined;
  let lastWrite = performance.now();
  const events = parseSse(response.body, { maxLineBytes: options.maxLineBytes })[Symbol.asyncIterator]();

  const finish = (state: StreamEnd['state'], errorCode: string | undefined): void => {
    if (ended) return;
    ended = true;
    if (keepAlive !== undefined) clearInterval(keepAlive);
    let usage: Usage;
    if (state === 'completed' && reportedUsage !== undefined) {
      usage = reportedUsage;
    } else {
      // Estimated (no usage reported) or partial (cut short): the prompt plus what was delivered (rule 2.4.3).
      usage = emptyUsage(true);
      usage.promptTokens = reportedUsage?.promptTokens ?? options.promptTokens();
      usage.completionTokens = counter.total();
      usage.totalTokens = usage.promptTokens + usage.completionTokens;
    }
    options.onEnd({ state, errorCode, usage, firstTokenMs });
  };

  const isResponses = request.endpoint === 'responses';
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      keepAlive = setInterval(
        () => {
          if (performance.now() - lastWrite < options.keepAliveMs) return;
          lastWrite = performance.now();
          try {
            controller.enqueue(encoder.encode(SSE_KEEPALIVE));
          } catch {
            // The stream is already closed; the interval is cleared by finish().
          }
        },
        Math.max(50, Math.floor(options.keepAliveMs / 4)),
      );
    },
    async pull(controller) {
      const write = (text: string): void => {
        lastWrite = performance.now();
        controller.enqueue(encoder.encode(text));
      };
      try {
        for (;;) {
          const next = await events.next();
          if (next.done === true) {
            // End of body without the end marker proves nothing was completed (2.4.2).
            write(errorEvent('stream_truncated', 'the upstream ended the stream before it was complete'));
            finish('upstream_error', 'stream_truncated');
            controller.close();
            return;
          }
          const event: SseEvent = next.value;
          if (!isResponses && event.data === '[DONE]') {
            write(encodeSseEvent({ data: '[DONE]' }));
            finish('completed', undefined);
            controller.close();
            return;
          }
          let json: unknown;
          try {
            json = JSON.parse(event.data);
          } catch {
            json = undefined;
          }
          const usage = json === undefined ? undefined : adapter.readUsage(isResponses ? ((json as { response?: unknown }).response ?? json) : json);
          if (usage !== undefined) reportedUsage = usage;
          const facts = inspect(json);
          counter.add(facts.text);
          for (let call = 0; call < facts.toolCalls; call++) counter.addToolCall();
          if (facts.usageOnly && !request.clientWantsStreamUsage) continue;
          if (firstTokenMs === undefined) firstTokenMs = performance.now();
          write(encodeSseEvent({ event: event.event, data: event.data }));
          if (isResponses && event.event !== undefined && RESPONSES_TERMINAL_EVENTS.has(event.event)) {
            finish('completed', undefined);
            controller.close();
            return;
          }
          // One event per pull keeps memory bounded by what the client has not read yet.
          return;
        }
      } catch (error) {
        const code = isUpstreamError(error) ? error.code : 'stream_failed';
        try {
          write(errorEvent(code, 'the upstream stream failed before it was complete'));
          controller.close();
        } catch {
          // The client is gone as well.
        }
        finish('upstream_error', code);
      }
    },
    cancel() {
      // The client went away: stop the upstream at once and bill what was delivered.
      response.cancel();
      void events.return?.();
      finish('client_gone', 'client_gone');
    },
  });

  return new Response(body, {
    status: 200,
    headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' },
  });
}
