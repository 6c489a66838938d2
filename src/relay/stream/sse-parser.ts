/**
 * A byte-level parser for `text/event-stream` (https://html.spec.whatwg.org/multipage/server-sent-events.html#parsing-an-event-stream),
 * docs/reliability.md 2.4.1 and G7/G8.
 *
 * Lines are found in bytes, before any decoding: CR (0x0D) and LF (0x0A) never occur inside a multi-byte UTF-8
 * sequence, so a line is complete bytes and decodes whole, and a code point split across chunks survives.
 * Memory is bounded by one line: a line longer than `maxLineBytes` (STREAM_SCANNER_MAX_BUFFER_MB) throws
 * `line_too_long` as soon as it grows past the cap, and so does one event's joined `data` (an upstream sending
 * endless `data:` lines without a blank line would otherwise grow without bound). The stream is never
 * accumulated.
 *
 * At the end of the body, a partial line and an event without its closing blank line are discarded, as the
 * specification says; the relay then sees no end marker and reports the stream as truncated (2.4.2).
 */
import { UpstreamError } from '../errors.ts';

export interface SseEvent {
  /** The `event:` field, or undefined when the event had none (the spec's default type "message"). */
  event: string | undefined;
  /** The `data:` lines joined by "\n". */
  data: string;
  /** The last `id:` seen in the stream so far (the spec's last event ID), or undefined when none was sent. */
  id: string | undefined;
}

export interface SseParseOptions {
  maxLineBytes: number;
}

/** An SSE comment line: clients ignore it, proxies and idle timers see traffic (2.4.6). */
export const SSE_KEEPALIVE = ': keep-alive\n\n';

const LF = 0x0a;
const CR = 0x0d;
const UTF8_BOM = [0xef, 0xbb, 0xbf] as const;

function lineTooLong(maxLineBytes: number, what: string): UpstreamError {
  return new UpstreamError({
    status: 0,
    code: 'line_too_long',
    message: `the upstream sent ${what} longer than ${maxLineBytes} bytes; raise stream_max_line_mb (STREAM_SCANNER_MAX_BUFFER_MB) if such replies are expected`,
    retryable: false,
    channelAtFault: false,
  });
}

/** Splits bytes into lines at CRLF, LF or CR, keeping at most one unfinished line. */
class LineSplitter {
  private parts: Uint8Array[] = [];
  private pendingBytes = 0;
  /** The previous chunk ended with CR: an LF at the start of the next one belongs to that line end. */
  private afterCr = false;
  private firstLine = true;
  // `ignoreBOM: true` keeps U+FEFF in later lines; only the stream's first BOM is dropped (by hand, below).
  private readonly decoder = new TextDecoder('utf-8', { ignoreBOM: true });

  constructor(private readonly maxLineBytes: number) {}

  /** Calls `onLine` for every line the chunk completes; throws `line_too_long` after the lines before it. */
  push(chunk: Uint8Array, onLine: (line: string) => void): void {
    // An empty chunk must not forget a CR that ended the previous one.
    if (chunk.byteLength === 0) return;
    let start = 0;
    if (this.afterCr && chunk[0] === LF) start = 1;
    this.afterCr = false;
    let nextLf = chunk.indexOf(LF, start);
    let nextCr = chunk.indexOf(CR, start);
    while (nextLf !== -1 || nextCr !== -1) {
      const end = nextLf === -1 ? nextCr : nextCr === -1 ? nextLf : Math.min(nextLf, nextCr);
      onLine(this.finishLine(chunk.subarray(start, end)));
      start = end + 1;
      if (chunk[end] === CR) {
        if (end + 1 === chunk.length) this.afterCr = true;
        else if (chunk[end + 1] === LF) start = end + 2;
      }
      if (nextLf !== -1 && nextLf < start) nextLf = chunk.indexOf(LF, start);
      if (nextCr !== -1 && nextCr < start) nextCr = chunk.indexOf(CR, start);
    }
    if (start < chunk.length) this.keep(chunk.subarray(start));
  }

  private keep(part: Uint8Array): void {
    this.pendingBytes += part.byteLength;
    if (this.pendingBytes > this.maxLineBytes) throw lineTooLong(this.maxLineBytes, 'a line');
    // A copy: the producer may reuse its buffer once the read returns.
    this.parts.push(part.slice());
  }

  private finishLine(tail: Uint8Array): string {
    let bytes = tail;
    if (this.parts.length > 0) {
      const length = this.pendingBytes + tail.byteLength;
      if (length > this.maxLineBytes) throw lineTooLong(this.maxLineBytes, 'a line');
      bytes = new Uint8Array(length);
      let offset = 0;
      for (const part of this.parts) {
        bytes.set(part, offset);
        offset += part.byteLength;
      }
      bytes.set(tail, offset);
      this.parts = [];
      this.pendingBytes = 0;
    } else if (tail.byteLength > this.maxLineBytes) {
      throw lineTooLong(this.maxLineBytes, 'a line');
    }
    if (this.firstLine) {
      this.firstLine = false;
      if (UTF8_BOM.every((byte, index) => bytes[index] === byte)) bytes = bytes.subarray(UTF8_BOM.length);
    }
    // Every event ends with a blank line: no decoder call for it.
    return bytes.byteLength === 0 ? '' : this.decoder.decode(bytes);
  }
}

/** Applies the spec's field rules to decoded lines and returns an event at each blank line that ends one. */
class EventBuilder {
  private eventType: string | undefined;
  private dataLines: string[] = [];
  private dataLength = 0;
  private lastEventId: string | undefined;

  constructor(private readonly maxLineBytes: number) {}

  accept(line: string): SseEvent | undefined {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'event':
        this.eventType = value;
        break;
      case 'data':
        this.dataLength += value.length + 1;
        // UTF-16 units never exceed UTF-8 bytes, so this cap is at most as strict as the line cap.
        if (this.dataLength > this.maxLineBytes + 1) throw lineTooLong(this.maxLineBytes, "one event's data");
        this.dataLines.push(value);
        break;
      case 'id':
        if (!value.includes('\0')) this.lastEventId = value;
        break;
      default:
        // `retry` only matters to a reconnecting browser client; unknown fields are ignored by the spec.
        break;
    }
    return undefined;
  }

  private dispatch(): SseEvent | undefined {
    const eventType = this.eventType;
    this.eventType = undefined;
    if (this.dataLines.length === 0) return undefined;
    const data = this.dataLines.join('\n');
    this.dataLines = [];
    this.dataLength = 0;
    return { event: eventType, data, id: this.lastEventId };
  }
}

/**
 * The synchronous core of `parseSse`: bytes in, complete events out, for a consumer that reads the body itself
 * (the stream relay handles every event of one upstream read in one go). Memory is bounded by one line.
 */
export class SseParser {
  private readonly lines: LineSplitter;
  private readonly builder: EventBuilder;

  constructor(maxLineBytes: number) {
    this.lines = new LineSplitter(maxLineBytes);
    this.builder = new EventBuilder(maxLineBytes);
  }

  /**
   * Appends to `out` every event the chunk completes, in order. A `line_too_long` error is thrown after the
   * events before the offending line were appended, so a caller that catches it can deliver them first.
   */
  push(chunk: Uint8Array, out: SseEvent[]): void {
    this.lines.push(chunk, (line) => {
      const event = this.builder.accept(line);
      if (event !== undefined) out.push(event);
    });
  }
}

/**
 * Parses an SSE body into events. Leaving the loop early (break, return, or an error thrown here) cancels the
 * body, which aborts the upstream call when the body comes from the dispatcher.
 */
export async function* parseSse(body: ReadableStream<Uint8Array>, options: SseParseOptions): AsyncGenerator<SseEvent, void, undefined> {
  const reader = body.getReader();
  const parser = new SseParser(options.maxLineBytes);
  let finished = false;
  try {
    for (;;) {
      const result = await reader.read();
      if (result.done) {
        finished = true;
        return;
      }
      const events: SseEvent[] = [];
      let failure: unknown;
      let failed = false;
      try {
        parser.push(result.value, events);
      } catch (error) {
        failure = error;
        failed = true;
      }
      // The events before an over-long line are delivered before its error, as they arrived.
      for (const event of events) yield event;
      if (failed) throw failure;
    }
  } finally {
    if (finished) reader.releaseLock();
    else await reader.cancel().catch(() => undefined);
  }
}

/**
 * Writes one event in SSE syntax. Every line of `data` becomes its own `data:` line, so CR or LF inside the
 * data can never end the event early or inject a field.
 */
export function encodeSseEvent(event: { event?: string | undefined; data: string }): string {
  let text = '';
  if (event.event !== undefined) {
    if (event.event.includes('\n') || event.event.includes('\r')) throw new TypeError('an SSE event name cannot contain CR or LF');
    text += `event: ${event.event}\n`;
  }
  const data = event.data;
  // The common case (what the parser produces: lines joined by LF, never a CR) without a regular expression.
  if (!data.includes('\r')) return `${text}data: ${data.includes('\n') ? data.replaceAll('\n', '\ndata: ') : data}\n\n`;
  for (const line of data.split(/\r\n|\r|\n/)) text += `data: ${line}\n`;
  return `${text}\n`;
}
