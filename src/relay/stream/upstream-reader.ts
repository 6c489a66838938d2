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

export function readUpstreamEvents(response: DispatchResponse, maxLineBytes: number): UpstreamEvents {
  // The body is read here, one upstream read at a time, and every event it completes is handled at once.
  // The dispatcher's direct read when it has one (no wrapper stream in between), else the body's reader.
  const directRead = response.read?.bind(response);
  const reader = directRead === undefined ? response.body.getReader() : undefined;
  const readChunk = async (): Promise<Uint8Array | undefined> => {
    if (reader === undefined) return directRead?.();
    const result = await reader.read();
    if (!result.done) return result.value;
    reader.releaseLock();
    return undefined;
  };
  const parser = new SseParser(maxLineBytes);
  let readerOpen = true;
  /** An over-long line found after some events of the same read: thrown once those events are handled. */
  let deferredFailure: { error: unknown } | undefined;
  /** Cancelling the body aborts the upstream call (the dispatcher's body cancel). */
  const closeReader = (): void => {
    if (!readerOpen) return;
    readerOpen = false;
    if (reader === undefined) response.cancel();
    else reader.cancel().catch(() => undefined);
  };
  /** Reads until at least one event is complete; undefined when the body ended. */
  const nextEvents = async (): Promise<SseEvent[] | undefined> => {
    try {
      if (deferredFailure !== undefined) throw deferredFailure.error;
      for (;;) {
        const chunk = await readChunk();
        if (chunk === undefined) {
          readerOpen = false;
          return undefined;
        }
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
