/**
 * The upstream side of a relayed stream: the upstream body read into SSE events one upstream read at a time,
 * and the reader closed (which aborts the upstream call) when the relay is done with it.
 */
import type { DispatchResponse } from '../dispatch.ts';
import { SseParser, type SseEvent } from './sse-parser.ts';

export interface UpstreamEvents {
  next: () => Promise<SseEvent[] | undefined>;
  close: () => void;
}

/** The upstream body one read at a time; `close` cancels it, which aborts the upstream call. */
export interface UpstreamChunks {
  /** The next chunk, undefined at the end of the body; rejects with the dispatcher's UpstreamError. */
  read: () => Promise<Uint8Array | undefined>;
  close: () => void;
}

export function readUpstreamChunks(response: DispatchResponse): UpstreamChunks {
  // The dispatcher's direct read when it has one (no wrapper stream in between), else the body's reader.
  const directRead = response.read?.bind(response);
  const reader = directRead === undefined ? response.body.getReader() : undefined;
  let readerOpen = true;
  return {
    async read() {
      let chunk: Uint8Array | undefined;
      if (reader === undefined) {
        chunk = await directRead?.();
      } else {
        const result = await reader.read();
        if (result.done) reader.releaseLock();
        else chunk = result.value;
      }
      if (chunk === undefined) readerOpen = false;
      return chunk;
    },
    // Cancelling the body aborts the upstream call (the dispatcher's body cancel).
    close() {
      if (!readerOpen) return;
      readerOpen = false;
      if (reader === undefined) response.cancel();
      else reader.cancel().catch(() => undefined);
    },
  };
}

export function readUpstreamEvents(response: DispatchResponse, maxLineBytes: number): UpstreamEvents {
  // The body is read here, one upstream read at a time, and every event it completes is handled at once.
  const chunks = readUpstreamChunks(response);
  const parser = new SseParser(maxLineBytes);
  /** An over-long line found after some events of the same read: thrown once those events are handled. */
  let deferredFailure: { error: unknown } | undefined;
  const closeReader = chunks.close;
  /** Reads until at least one event is complete; undefined when the body ended. */
  const nextEvents = async (): Promise<SseEvent[] | undefined> => {
    try {
      if (deferredFailure !== undefined) throw deferredFailure.error;
      for (;;) {
        const chunk = await chunks.read();
        if (chunk === undefined) return undefined;
        const events: SseEvent[] = [];
        try {
          parser.push(chunk, events);
        } catch (error) {
          if (events.length === 0) throw error;
          deferredFailure = { error };
        }
        if (events.length > 0) return events;
      }
    } catch (error) {
      closeReader();
      throw error;
    }
  };
  return { next: nextEvents, close: closeReader };
}
