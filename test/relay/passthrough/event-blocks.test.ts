import { describe, expect, test } from 'bun:test';
import { isUpstreamError } from '../../../src/relay/errors.ts';
import { EventBlocks } from '../../../src/relay/passthrough/event-blocks.ts';
import { type SseEvent, SseParser } from '../../../src/relay/stream/sse-parser.ts';
import { seededRandom } from '../../helpers/seeded-random.ts';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Pushes each read, then ends the body, and returns the blocks as text. */
function split(reads: readonly string[], maxHeldBytes = 1024): string[] {
  const blocks = new EventBlocks(maxHeldBytes);
  const out: Uint8Array[] = [];
  const texts: string[] = [];
  for (const read of reads) {
    blocks.push(encoder.encode(read), out);
    // Blocks may be views of the read: copied (decoded) before the next one.
    texts.push(...out.map((block) => decoder.decode(block)));
    out.length = 0;
  }
  blocks.flush(out);
  texts.push(...out.map((block) => decoder.decode(block)));
  return texts;
}

describe('event blocks', () => {
  test('LF, CRLF and CR line ends: one block per event, ending with its blank line, bytes as sent', () => {
    expect(split(['event: a\ndata: 1\n\ndata: 2\n\n'])).toEqual(['event: a\ndata: 1\n\n', 'data: 2\n\n']);
    expect(split(['data: 1\r\n\r\ndata: 2\r\n\r\n'])).toEqual(['data: 1\r\n\r\n', 'data: 2\r\n\r\n']);
    expect(split(['data: 1\r\rdata: 2\r\r'])).toEqual(['data: 1\r\r', 'data: 2\r\r']);
    expect(split([': ping\n\n'])).toEqual([': ping\n\n']);
  });

  test('an event split across reads is held until its blank line; a CRLF split across reads stays one line end', () => {
    expect(split(['da', 'ta: 1', '\n', '\n'])).toEqual(['data: 1\n\n']);
    expect(split(['data: 1\r', '\n\r\n'])).toEqual(['data: 1\r\n\r\n']);
    // The CR ends the blank line; the LF in the next read belongs to it, and goes out with its event.
    expect(split(['data: 1\r\n\r', '\ndata: 2\r\n\r\n'])).toEqual(['data: 1\r\n\r\n', 'data: 2\r\n\r\n']);
    // Bare CRs: the event goes out with the next read, or at the end of the body.
    expect(split(['data: 1\r\r', 'data: 2\r\r'])).toEqual(['data: 1\r\r', 'data: 2\r\r']);
  });

  test('the blocks of one read are given at once, except one whose blank line ends with the read', () => {
    const blocks = new EventBlocks(1024);
    const out: Uint8Array[] = [];
    blocks.push(encoder.encode('data: 1\r\n\r\ndata: 2\r\n\r'), out);
    expect(out.map((block) => decoder.decode(block))).toEqual(['data: 1\r\n\r\n']);
    out.length = 0;
    blocks.push(encoder.encode('\n'), out);
    expect(out.map((block) => decoder.decode(block))).toEqual(['data: 2\r\n\r\n']);
  });

  test('an event longer than the cap: the blocks before it, then line_too_long', () => {
    const blocks = new EventBlocks(16);
    const out: Uint8Array[] = [];
    let caught: unknown;
    try {
      blocks.push(encoder.encode(`data: 1\n\ndata: ${'x'.repeat(32)}`), out);
    } catch (error) {
      caught = error;
    }
    expect(out.map((block) => decoder.decode(block))).toEqual(['data: 1\n\n']);
    expect(isUpstreamError(caught) && caught.code === 'line_too_long').toBe(true);
  });

  test('random reads of a random stream: the blocks are the stream up to its last event end, each one parsed event at most', () => {
    const random = seededRandom(20260521);
    const ends = ['\n', '\r\n', '\r'];
    for (let round = 0; round < 200; round++) {
      const end = ends[Math.floor(random() * ends.length)] ?? '\n';
      let stream = '';
      const count = 1 + Math.floor(random() * 6);
      for (let index = 0; index < count; index++) {
        if (random() < 0.2) stream += `: comment ${index}${end}`;
        if (random() < 0.5) stream += `event: e${index}${end}`;
        stream += `data: {"n":${index},"text":"é ✓ ${'x'.repeat(Math.floor(random() * 20))}"}${end}`;
        if (random() < 0.2) stream += `data: second line${end}`;
        stream += end;
      }
      const tail = random() < 0.5 ? 'data: unfinished' : '';
      const whole = encoder.encode(stream + tail);
      const reads: Uint8Array[] = [];
      for (let at = 0; at < whole.length; ) {
        const size = 1 + Math.floor(random() * 12);
        reads.push(whole.subarray(at, at + size));
        at += size;
      }
      const blocks = new EventBlocks(4096);
      const out: Uint8Array[] = [];
      const parser = new SseParser(4096);
      const kept: string[] = [];
      const events: SseEvent[] = [];
      for (const read of [...reads, undefined]) {
        if (read === undefined) blocks.flush(out);
        else blocks.push(read, out);
        for (const block of out) {
          const parsed: SseEvent[] = [];
          parser.push(block, parsed);
          expect(parsed.length).toBeLessThanOrEqual(1);
          events.push(...parsed);
          kept.push(decoder.decode(block));
        }
        out.length = 0;
      }
      expect(kept.join('')).toBe(stream);
      const expected: SseEvent[] = [];
      new SseParser(4096).push(encoder.encode(stream), expected);
      expect(events).toEqual(expected);
    }
  });
});
