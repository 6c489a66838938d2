/**
 * Splits an upstream SSE body into event blocks — the bytes of one event up to and including the blank line that
 * ends it (https://html.spec.whatwg.org/multipage/server-sent-events.html#parsing-an-event-stream) — so the
 * passthrough can forward each event as the bytes the upstream wrote, and only whole events: a keep-alive
 * comment or the closing error event is then always written between two events, never inside a half-sent line.
 *
 * Line ends are LF, CRLF or CR, as in sse-parser.ts; a CRLF split across two reads stays one line end: an event
 * whose blank line ends with a CR that is the last byte of a read is held until the next read shows whether an
 * LF belongs to it (or the body ends), so even the last event goes out with every byte. The bytes of an
 * unfinished event are held until its blank line arrives, at most `maxHeldBytes` (then `line_too_long`, as the
 * parser answers an over-long line), so memory is bounded by one event.
 */
import { UpstreamError } from '../errors.ts';

const LF = 0x0a;
const CR = 0x0d;

export class EventBlocks {
  private held: Uint8Array[] = [];
  private heldBytes = 0;
  /** No byte of the current line has been seen yet (a line end now is a blank line, the end of an event). */
  private lineEmpty = true;
  /** The last byte was a CR line end: an LF first in the next read belongs to it. */
  private afterCr = false;
  /** A complete block whose blank line ended with a CR that was the read's last byte (see above). */
  private crBlock: Uint8Array | undefined;

  constructor(private readonly maxHeldBytes: number) {}

  /**
   * Appends to `blocks` every event block the read completes, in order; the rest is held (copied) for the next
   * read. A block may be a view of `chunk`: the caller copies what it keeps before it reads again. An event
   * growing past the cap throws `line_too_long` after the blocks before it were appended.
   */
  push(chunk: Uint8Array, blocks: Uint8Array[]): void {
    if (chunk.byteLength === 0) return;
    let start = 0;
    let index = 0;
    if (this.crBlock !== undefined) {
      const block = this.crBlock;
      this.crBlock = undefined;
      if (chunk[0] === LF) {
        blocks.push(concat([block, chunk.subarray(0, 1)]));
        start = 1;
      } else {
        blocks.push(block);
      }
    }
    if (this.afterCr && chunk[0] === LF) index = 1;
    this.afterCr = false;
    let nextLf = chunk.indexOf(LF, index);
    let nextCr = chunk.indexOf(CR, index);
    for (;;) {
      if (nextLf !== -1 && nextLf < index) nextLf = chunk.indexOf(LF, index);
      if (nextCr !== -1 && nextCr < index) nextCr = chunk.indexOf(CR, index);
      const lineEnd = nextLf === -1 ? nextCr : nextCr === -1 ? nextLf : Math.min(nextLf, nextCr);
      if (lineEnd === -1) {
        if (index < chunk.length) this.lineEmpty = false;
        break;
      }
      if (lineEnd > index) this.lineEmpty = false;
      let end = lineEnd + 1;
      if (chunk[lineEnd] === CR) {
        if (end === chunk.length) this.afterCr = true;
        else if (chunk[end] === LF) end++;
      }
      if (this.lineEmpty && this.afterCr) {
        // A copy: the block outlives this read.
        this.crBlock = this.take(chunk.subarray(start, end)).slice();
        start = end;
      } else if (this.lineEmpty) {
        blocks.push(this.take(chunk.subarray(start, end)));
        start = end;
      }
      this.lineEmpty = true;
      index = end;
    }
    if (start < chunk.length) this.hold(chunk.subarray(start));
  }

  /** At the end of the body: the block still waiting for a possible LF, as it is. */
  flush(blocks: Uint8Array[]): void {
    if (this.crBlock !== undefined) blocks.push(this.crBlock);
    this.crBlock = undefined;
  }

  private hold(part: Uint8Array): void {
    this.heldBytes += part.byteLength;
    if (this.heldBytes > this.maxHeldBytes) {
      throw new UpstreamError({
        status: 0,
        code: 'line_too_long',
        message: `the upstream sent one event longer than ${this.maxHeldBytes} bytes; raise stream_max_line_mb (STREAM_SCANNER_MAX_BUFFER_MB) if such replies are expected`,
        retryable: false,
        channelAtFault: false,
      });
    }
    // A copy: the producer may reuse its buffer once the read returns.
    this.held.push(part.slice());
  }

  private take(tail: Uint8Array): Uint8Array {
    if (this.held.length === 0) return tail;
    const block = concat([...this.held, tail]);
    this.held = [];
    this.heldBytes = 0;
    return block;
  }
}

/** The parts joined into one new array. */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.byteLength;
  const joined = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.byteLength;
  }
  return joined;
}
