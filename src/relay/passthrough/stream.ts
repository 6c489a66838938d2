/**
 * Relays a native upstream stream to a client of the same dialect with the upstream's bytes untouched
 * (architecture.md decision 1, reliability.md 2.4.1 "passthrough forwards upstream bytes untouched while
 * observing events"). Everything else is relay-stream.ts's contract (G7, G8):
 * - each event goes out as the bytes the upstream wrote, as soon as its blank line arrives (event-blocks.ts);
 *   only whole events are written, so the gateway's own bytes — keep-alive comments, the closing error event —
 *   always fall between two events;
 * - the events are read on the side by the adapter's observer (the outbound dialect's NativeToHubStream): usage,
 *   the provider's end marker, and the text delivered, counted only when the upstream reports no usage;
 * - the stream is committed on the upstream's first event (or at the first-byte deadline); a failure before
 *   that — a reset, an in-band error event, a body without events — is an ordinary failed attempt;
 * - it ends completed only on the provider's own end marker (Anthropic `message_stop`, a Gemini finishReason
 *   on every candidate); a cut, a timeout, an over-long event, an in-band error or a malformed event ends it with
 *   one error event in the dialect's shape, never a made-up end;
 * - a quiet stream gets `: keep-alive` comments; a client that leaves cancels the upstream call at once.
 */
import { cutToBytes, redact } from '../../security/redact.ts';
import type { DispatchResponse } from '../dispatch.ts';
import { isUpstreamError, type UpstreamError } from '../errors.ts';
import { inspect } from '../stream/chunk-facts.ts';
import { deferredCounter } from '../stream/deferred-counter.ts';
import { type StreamEnd, streamEndUsage } from '../stream/relay-stream.ts';
import { encodeSseEvent, type SseEvent, SseParser } from '../stream/sse-parser.ts';
import { awaitFirstEvents, keepAliveTimer } from '../stream/stream-timers.ts';
import { readUpstreamChunks } from '../stream/upstream-reader.ts';
import type { ChannelTarget, NativeCapability, RelayRequest, Usage } from '../types.ts';
import { concat as join, EventBlocks } from './event-blocks.ts';

export interface PassthroughStreamOptions {
  request: RelayRequest;
  response: DispatchResponse;
  native: NativeCapability;
  target: ChannelTarget;
  maxLineBytes: number;
  keepAliveMs: number;
  /** performance.now() by which the stream is committed even without an event: the attempt's first-byte deadline. */
  commitBy: number;
  /** Computed only when the upstream reported no usage, or the stream was cut. */
  promptTokens: () => number;
  onEnd: (end: StreamEnd) => void;
}

/** What one upstream read gave. */
interface PassthroughRead {
  /** The bytes to forward: the whole events of the read, up to the one that failed (undefined: none). */
  bytes: Uint8Array | undefined;
  /** Events among them the observer accepted. */
  events: number;
  /** The provider's end marker was among them (nothing after it is forwarded). */
  completed: boolean;
  /** An event the observer refused — an in-band error, a malformed event — or an over-long one: the end. */
  failure: UpstreamError | undefined;
}

/** Error messages reach the client; upstream text in them is cut and has the channel's key removed (2.6.4). */
const MESSAGE_LIMIT_BYTES = 1024;

/** The parts as one new array (what one pull writes), undefined for none. */
function concat(parts: readonly Uint8Array[]): Uint8Array | undefined {
  return parts.length === 0 ? undefined : join(parts);
}

/**
 * Waits for the upstream's first event, then returns the client's streaming Response. Rejects with an
 * UpstreamError (the upstream call cancelled) when the stream fails or ends before its first event; nothing has
 * been written to the client then, so the caller may try another channel.
 */
export async function openPassthroughStream(options: PassthroughStreamOptions): Promise<Response> {
  const { request, response, native, target } = options;
  const encoder = new TextEncoder();
  const counter = deferredCounter(request.requestedModel);
  const observer = native.observe(request, target);
  let reportedUsage: Usage | undefined;
  let firstTokenMs: number | undefined;
  let ended = false;
  const keepAlive = keepAliveTimer(options.keepAliveMs);

  const chunks = readUpstreamChunks(response);
  const blocks = new EventBlocks(2 * options.maxLineBytes);
  const parser = new SseParser(options.maxLineBytes);

  /** One event through the observer: the text it delivers is counted (lazily), the usage kept. */
  const observe = (event: SseEvent): void => {
    for (const chunk of observer.push(event)) {
      const facts = inspect(chunk);
      if (facts.text !== '') counter.add(facts.text);
      for (let call = 0; call < facts.toolCalls; call++) counter.addToolCall();
    }
    reportedUsage = observer.usage() ?? reportedUsage;
  };

  let bodyEnded = false;
  /** The next read that completed at least one event block (or a failure); undefined when the body ended. */
  const next = async (): Promise<PassthroughRead | undefined> => {
    try {
      for (;;) {
        if (bodyEnded) return undefined;
        const chunk = await chunks.read();
        const complete: Uint8Array[] = [];
        let failure: UpstreamError | undefined;
        if (chunk === undefined) {
          // The last event may still wait for an LF that did not come (event-blocks.ts).
          bodyEnded = true;
          blocks.flush(complete);
          if (complete.length === 0) return undefined;
        } else {
          try {
            blocks.push(chunk, complete);
          } catch (error) {
            if (!isUpstreamError(error)) throw error;
            failure = error;
          }
        }
        if (complete.length === 0 && failure === undefined) continue;
        const kept: Uint8Array[] = [];
        let events = 0;
        let completed = false;
        for (const block of complete) {
          const parsed: SseEvent[] = [];
          try {
            parser.push(block, parsed);
            for (const event of parsed) observe(event);
          } catch (error) {
            if (!isUpstreamError(error)) throw error;
            failure = error;
            break;
          }
          kept.push(block);
          events += parsed.length;
          if (observer.completed) {
            completed = true;
            failure = undefined;
            break;
          }
        }
        // A completed stream is released by finish(); a failed one is cancelled here, as relay-stream.ts does.
        if (failure !== undefined) chunks.close();
        return { bytes: concat(kept), events, completed, failure };
      }
    } catch (error) {
      chunks.close();
      throw error;
    }
  };

  /**
   * Until the first event: reads that hold only comments are kept for the client, and a failure is the
   * attempt's (thrown: nothing was sent, another channel may answer).
   */
  const firstEvent = async (): Promise<PassthroughRead | undefined> => {
    const before: Uint8Array[] = [];
    for (;;) {
      const read = await next();
      if (read === undefined) return undefined;
      if (read.failure !== undefined) throw read.failure;
      if (read.bytes !== undefined) before.push(read.bytes);
      if (read.events > 0 || read.completed) return { ...read, bytes: concat(before) };
    }
  };

  let { pending, pendingRead } = await awaitFirstEvents(firstEvent, options.commitBy, response);

  const finish = (state: StreamEnd['state'], errorCode: string | undefined): void => {
    if (ended) return;
    ended = true;
    keepAlive.stop();
    if (state === 'completed') {
      // The end marker is in: free the upstream call's timers and connection now, not when its deadline fires.
      response.release();
      chunks.close();
    }
    options.onEnd({ state, errorCode, usage: streamEndUsage(state === 'completed', reportedUsage, counter, options.promptTokens), firstTokenMs });
  };

  /** The dialect's error event; `status` 0 for the gateway's own transport codes (timeouts, cuts). */
  const errorEvent = (status: number, code: string, message: string): Uint8Array => {
    const safe = cutToBytes(redact(message, [target.key]), MESSAGE_LIMIT_BYTES);
    return encoder.encode(encodeSseEvent(native.errorEvent({ status, code, message: safe }, observer)));
  };

  const body = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        keepAlive.start(controller);
      },
      async pull(controller) {
        const write = (bytes: Uint8Array): void => {
          keepAlive.wrote();
          controller.enqueue(bytes);
        };
        try {
          for (;;) {
            const read = pending ?? (await (pendingRead ?? next()));
            pending = undefined;
            pendingRead = undefined;
            if (read === undefined) {
              // End of body without the end marker proves nothing was completed (2.4.2).
              write(errorEvent(0, 'stream_truncated', 'the upstream ended the stream before it was complete'));
              finish('upstream_error', 'stream_truncated');
              controller.close();
              return;
            }
            if (read.bytes !== undefined) {
              if (firstTokenMs === undefined && read.events > 0) firstTokenMs = performance.now();
              write(read.bytes);
            }
            if (read.failure !== undefined) {
              const failure = read.failure;
              write(errorEvent(failure.status, failure.code, failure.message));
              finish('upstream_error', failure.code);
              controller.close();
              return;
            }
            if (read.completed) {
              finish('completed', undefined);
              controller.close();
              return;
            }
            // One upstream read per pull keeps memory bounded by what the client has not read yet.
            if (read.bytes !== undefined) return;
          }
        } catch (error) {
          const code = isUpstreamError(error) ? error.code : 'stream_failed';
          try {
            write(errorEvent(0, code, 'the upstream stream failed before it was complete'));
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
        chunks.close();
        finish('client_gone', 'client_gone');
      },
    },
    // Nothing is read before the client reads: a pull handles a whole upstream read, which may hold the end of
    // the stream, and the end must not be reported before the caller has recorded the committed attempt.
    { highWaterMark: 0 },
  );

  return new Response(body, {
    status: 200,
    headers: {
      'content-type': response.headers.get('content-type') ?? 'text/event-stream',
      'cache-control': 'no-cache',
      'x-accel-buffering': 'no',
    },
  });
}
