/**
 * Relays an upstream SSE stream to the client event by event as it arrives (reliability.md G7, 2.4):
 * - the end marker (`data: [DONE]`, or a terminal Responses event) is written only when the upstream sent it;
 *   any other ending writes one error event and closes — never a made-up `[DONE]`;
 * - the usage chunk the gateway asked for is dropped when the client did not ask for it;
 * - completion tokens are counted per delta (the text is never accumulated), so a stream without usage, or one
 *   cut short, is still measured;
 * - a quiet stream gets `: keep-alive` comments so neither a proxy nor Bun's idle timer closes it;
 * - when the client leaves, the upstream request is cancelled at once;
 * - an upstream that streams in its own format (Anthropic) has each event converted to hub chunks first, and its
 *   own end marker (message_stop) stands for `[DONE]`; its in-band error event is a cut stream like any other.
 *
 * The stream is committed on the upstream's first event, not on its headers: until an event arrives nothing
 * is sent to the client, so an upstream that answers 200 and then resets or ends without a single event is an
 * ordinary failed attempt — the pipeline fails over, and the client never sees a 200 for a stream that had
 * nothing in it. The wait is bounded by the first-byte deadline (`commitBy`): a model that thinks longer before
 * its first event is committed then, so keep-alive comments start and a proxy that allows the first-byte
 * timeout never cuts it (reliability.md 2.4.6); from there the idle timeout governs (R5 "headers then no body").
 */
import type { DispatchResponse } from '../dispatch.ts';
import { isUpstreamError } from '../errors.ts';
import { emptyUsage, type EndState } from '../outcome.ts';
import type { HubTranslation, ProviderAdapter, RelayRequest, Usage } from '../types.ts';
import { inspect, mayCarryUsage, parseJson } from './chunk-facts.ts';
import { deferredCounter } from './deferred-counter.ts';
import { encodeSseEvent, type SseEvent } from './sse-parser.ts';
import { awaitFirstEvents, keepAliveTimer } from './stream-timers.ts';
import { translatedEvents } from './translate-events.ts';
import { readUpstreamEvents } from './upstream-reader.ts';

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
  /** performance.now() by which the stream is committed even without an event: the attempt's first-byte deadline. */
  commitBy: number;
  /** Computed only when the upstream reported no usage. */
  promptTokens: () => number;
  onEnd: (end: StreamEnd) => void;
  /**
   * The attempt's converters when the upstream streams in its own format (the adapter's `translate`): each
   * native event becomes hub chunks, relayed as an OpenAI upstream's chunks would be, and the converter's end
   * marker becomes `[DONE]`. Absent: the OpenAI-format stream is relayed as received.
   */
  translation?: HubTranslation;
}

/**
 * The one error event that ends a stream the upstream did not finish: Chat and Completions clients read
 * `data: {"error": …}` (the OpenAI SDK throws an APIError on it). Responses clients never reach this relay:
 * /v1/responses goes raw through the passthrough or converted to chat (src/http/responses-relay.ts).
 */
function errorEvent(code: string, message: string): string {
  return encodeSseEvent({ data: JSON.stringify({ error: { message, type: 'upstream_error', code } }) });
}

/**
 * A stream's usage when it ends: the upstream's own when it completed with one; otherwise — estimated (no usage
 * reported) or partial (cut short) — the prompt (the upstream's count when it gave one) plus what was delivered
 * (rule 2.4.3).
 */
export function streamEndUsage(completed: boolean, reportedUsage: Usage | undefined, counter: ReturnType<typeof deferredCounter>, promptTokens: () => number): Usage {
  if (completed && reportedUsage !== undefined) {
    counter.discard();
    return reportedUsage;
  }
  const usage = emptyUsage(true);
  usage.promptTokens = reportedUsage?.promptTokens ?? promptTokens();
  usage.completionTokens = counter.total();
  usage.totalTokens = usage.promptTokens + usage.completionTokens;
  return usage;
}

/**
 * Waits for the upstream's first event, then returns the client's streaming Response. Rejects with an
 * UpstreamError (the upstream call cancelled) when the stream fails or ends before its first event; nothing
 * has been written to the client then, so the caller may try another channel.
 */
export async function openRelayStream(options: RelayStreamOptions): Promise<Response> {
  const { request, response, adapter } = options;
  const encoder = new TextEncoder();
  const counter = deferredCounter(request.requestedModel);
  let reportedUsage: Usage | undefined;
  let firstTokenMs: number | undefined;
  let ended = false;
  const keepAlive = keepAliveTimer(options.keepAliveMs);

  const upstream = readUpstreamEvents(response, options.maxLineBytes);
  const closeReader = upstream.close;
  const native = options.translation?.stream();
  const nextRelayEvents = translatedEvents(upstream, native, (usage) => {
    reportedUsage = usage;
  });
  const readUsage = native === undefined ? (json: unknown) => adapter.readUsage(json) : () => undefined;

  let { pending, pendingRead } = await awaitFirstEvents(nextRelayEvents, options.commitBy, response);

  const finish = (state: StreamEnd['state'], errorCode: string | undefined): void => {
    if (ended) return;
    ended = true;
    keepAlive.stop();
    if (state === 'completed') {
      // The end marker is in: free the upstream call's timers and connection now, not when its deadline fires.
      response.release();
      closeReader();
    }
    const usage = streamEndUsage(state === 'completed', reportedUsage, counter, options.promptTokens);
    options.onEnd({ state, errorCode, usage, firstTokenMs });
  };

  /**
   * The client asked for `stream_options.include_usage` but the upstream reported none (its type does not
   * support it): OpenAI's usage chunk (empty `choices`) is added before `[DONE]` with the local estimate, as
   * New API does. Only on a completed stream: a cut stream never gets a usage chunk or an end marker.
   */
  const usageChunkIfOwed = (): string => {
    if (!request.clientWantsStreamUsage || reportedUsage !== undefined) return '';
    const promptTokens = options.promptTokens();
    const completionTokens = counter.total();
    const chunk = {
      id: `chatcmpl-usage-${Date.now().toString(36)}`,
      object: request.endpoint === 'completions' ? 'text_completion' : 'chat.completion.chunk',
      created: Math.floor(Date.now() / 1000),
      model: request.requestedModel,
      choices: [],
      usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
    };
    return encodeSseEvent({ data: JSON.stringify(chunk) });
  };

  /**
   * Handles one event: returns the SSE text to send (empty when the event is dropped) and whether it ends the
   * stream with the upstream's own end marker.
   */
  const handle = (event: SseEvent): { text: string; end: boolean } => {
    if (event.data === '[DONE]') return { text: usageChunkIfOwed() + encodeSseEvent({ data: '[DONE]' }), end: true };
    counter.addRaw(event.data);
    if (!mayCarryUsage(event.data)) {
      // The common chat chunk: nothing to read from it now; its text is parsed only if it must be counted.
      if (firstTokenMs === undefined) firstTokenMs = performance.now();
      return { text: encodeSseEvent(event), end: false };
    }
    const json = parseJson(event.data);
    const usage = json === undefined ? undefined : readUsage(json);
    if (usage !== undefined) reportedUsage = usage;
    if (inspect(json).usageOnly && !request.clientWantsStreamUsage) return { text: '', end: false };
    if (firstTokenMs === undefined) firstTokenMs = performance.now();
    return { text: encodeSseEvent(event), end: false };
  };

  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      keepAlive.start(controller);
    },
    async pull(controller) {
      // Everything one upstream read completed goes to the client as one chunk.
      let out = '';
      const flush = (): void => {
        if (out === '') return;
        keepAlive.wrote();
        controller.enqueue(encoder.encode(out));
        out = '';
      };
      try {
        for (;;) {
          const events = pending ?? (await (pendingRead ?? nextRelayEvents()));
          pending = undefined;
          pendingRead = undefined;
          if (events === undefined) {
            // End of body without the end marker proves nothing was completed (2.4.2).
            out += errorEvent('stream_truncated', 'the upstream ended the stream before it was complete');
            flush();
            finish('upstream_error', 'stream_truncated');
            controller.close();
            return;
          }
          for (const event of events) {
            const { text, end } = handle(event);
            out += text;
            if (end) {
              flush();
              finish('completed', undefined);
              controller.close();
              return;
            }
          }
          // One upstream read per pull keeps memory bounded by what the client has not read yet.
          if (out !== '') {
            flush();
            return;
          }
        }
      } catch (error) {
        const code = isUpstreamError(error) ? error.code : 'stream_failed';
        try {
          out += errorEvent(code, 'the upstream stream failed before it was complete');
          flush();
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
      closeReader();
      finish('client_gone', 'client_gone');
    },
  },
  // Nothing is read before the client reads: a pull handles a whole upstream read, which may hold the end of
  // the stream, and the end must not be reported before the caller has recorded the committed attempt.
  { highWaterMark: 0 });

  return new Response(body, {
    status: 200,
    headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' },
  });
}
