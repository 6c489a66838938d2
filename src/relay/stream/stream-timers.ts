/**
 * The timers of a relayed stream: the first-byte deadline by which relay-stream.ts commits the stream even
 * without an event, and the `: keep-alive` comments that keep a quiet stream open once it is committed.
 */
import type { DispatchResponse } from '../dispatch.ts';
import { isUpstreamError, UpstreamError } from '../errors.ts';
import { SSE_KEEPALIVE, type SseEvent } from './sse-parser.ts';

/**
 * What the first read left for the first pull: the events it read, or the read still running at the deadline.
 * `T` is what one read yields: hub events for relay-stream.ts, event blocks for the passthrough.
 */
export interface FirstEvents<T = SseEvent[]> {
  pending: T | undefined;
  pendingRead: Promise<T | undefined> | undefined;
}

export async function awaitFirstEvents<T = SseEvent[]>(
  nextRelayEvents: () => Promise<T | undefined>,
  commitBy: number,
  response: DispatchResponse,
): Promise<FirstEvents<T>> {
  // The first read, or the first-byte deadline if it comes first; a read still running then is taken over by pull.
  let pending: T | undefined;
  let pendingRead: Promise<T | undefined> | undefined;
  const firstRead = nextRelayEvents();
  let deadlineTimer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<'deadline'>((resolve) => {
    deadlineTimer = setTimeout(() => resolve('deadline'), Math.max(0, commitBy - performance.now()));
  });
  let endedBeforeFirstEvent = false;
  try {
    const first = await Promise.race([firstRead, deadline]);
    if (first === 'deadline') {
      pendingRead = firstRead;
      // Its failure, if any, is met by the first pull; until then it must not count as unhandled.
      firstRead.catch(() => undefined);
    } else if (first === undefined) {
      endedBeforeFirstEvent = true;
    } else {
      pending = first;
    }
  } catch (error) {
    response.cancel();
    if (isUpstreamError(error)) throw error;
    throw new UpstreamError({ status: 0, code: 'stream_failed', message: 'the upstream stream failed before its first event', retryable: true, channelAtFault: false });
  } finally {
    clearTimeout(deadlineTimer);
  }
  if (endedBeforeFirstEvent) {
    throw new UpstreamError({
      status: 0,
      code: 'stream_truncated',
      message: 'the upstream answered with an event stream that ended before its first event',
      retryable: true,
      channelAtFault: false,
    });
  }
  return { pending, pendingRead };
}

export interface KeepAlive {
  start: (controller: ReadableStreamDefaultController<Uint8Array>) => void;
  /** Something was written to the client: the next keep-alive comment is due a full interval from now. */
  wrote: () => void;
  stop: () => void;
}

export function keepAliveTimer(keepAliveMs: number): KeepAlive {
  const encoder = new TextEncoder();
  let keepAlive: ReturnType<typeof setInterval> | undefined;
  let lastWrite = performance.now();
  return {
    start(controller) {
      keepAlive = setInterval(
        () => {
          if (performance.now() - lastWrite < keepAliveMs) return;
          lastWrite = performance.now();
          try {
            controller.enqueue(encoder.encode(SSE_KEEPALIVE));
          } catch {
            // The stream is already closed; the interval is cleared by finish().
          }
        },
        Math.max(50, Math.floor(keepAliveMs / 4)),
      );
    },
    wrote() {
      lastWrite = performance.now();
    },
    stop() {
      if (keepAlive !== undefined) clearInterval(keepAlive);
    },
  };
}
