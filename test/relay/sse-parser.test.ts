import { describe, expect, test } from 'bun:test';
import { createHash } from 'node:crypto';
import { isUpstreamError } from '../../src/relay/errors.ts';
import { encodeSseEvent, parseSse, SSE_KEEPALIVE, SseParser, type SseEvent } from '../../src/relay/stream/sse-parser.ts';

const encoder = new TextEncoder();
const MiB = 1024 * 1024;

/** A body that hands out the given chunks one per read, counting whether it was cancelled. */
function bodyOf(chunks: readonly (string | Uint8Array)[]): { body: ReadableStream<Uint8Array>; cancelled: () => boolean } {
  let index = 0;
  let cancelled = false;
  const body = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        const chunk = chunks[index++];
        if (chunk === undefined) controller.close();
        else controller.enqueue(typeof chunk === 'string' ? encoder.encode(chunk) : chunk);
      },
      cancel() {
        cancelled = true;
      },
    },
    { highWaterMark: 0 },
  );
  return { body, cancelled: () => cancelled };
}

async function collect(chunks: readonly (string | Uint8Array)[], maxLineBytes = 1024): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  for await (const event of parseSse(bodyOf(chunks).body, { maxLineBytes })) events.push(event);
  return events;
}

/** Splits bytes at the given offsets. */
function splitAt(bytes: Uint8Array, offsets: readonly number[]): Uint8Array[] {
  const parts: Uint8Array[] = [];
  let start = 0;
  for (const offset of [...offsets, bytes.length]) {
    parts.push(bytes.subarray(start, offset));
    start = offset;
  }
  return parts;
}

describe('line ends and fields (WHATWG event-stream rules)', () => {
  const expected: SseEvent[] = [
    { event: undefined, data: 'one', id: undefined },
    { event: 'update', data: 'two\nthree', id: '7' },
  ];

  test('LF, CRLF, CR and a mix of them parse the same', async () => {
    for (const end of ['\n', '\r\n', '\r']) {
      const text = `data: one${end}${end}event: update${end}id: 7${end}data: two${end}data: three${end}${end}`;
      expect(await collect([text])).toEqual(expected);
    }
    expect(await collect(['data: one\r\n\revent: update\nid: 7\r\ndata: two\rdata: three\n\r\n'])).toEqual(expected);
  });

  test('a CRLF split between two chunks is one line end, not two', async () => {
    expect(await collect(['data: a\r', '\ndata: b\r', '\n\r', '\n'])).toEqual([{ event: undefined, data: 'a\nb', id: undefined }]);
    // An empty chunk between the CR and the LF must not make them two line ends.
    expect(await collect(['data: a\r', '', '\ndata: b\r', '', '\n\r', '', '\n'])).toEqual([{ event: undefined, data: 'a\nb', id: undefined }]);
  });

  test('comments are ignored; a field without a colon has an empty value; one leading space is stripped', async () => {
    const events = await collect([': keep-alive\n\n:\n\ndata\n\ndata:  two spaces\ndata:none\n\n']);
    expect(events).toEqual([
      { event: undefined, data: '', id: undefined },
      { event: undefined, data: ' two spaces\nnone', id: undefined },
    ]);
  });

  test('an event without data is not dispatched, and its event type does not leak into the next one', async () => {
    expect(await collect(['event: ping\n\ndata: x\n\n'])).toEqual([{ event: undefined, data: 'x', id: undefined }]);
  });

  test('the last event id persists across events, an id with NUL is ignored, unknown fields are ignored', async () => {
    const events = await collect(['id: 1\ndata: a\n\ndata: b\n\nid: x\0y\nretry: 10\nfoo: bar\ndata: c\n\n']);
    expect(events.map((event) => event.id)).toEqual(['1', '1', '1']);
  });

  test('a leading BOM is dropped only at the start of the stream', async () => {
    const bom = new Uint8Array([0xef, 0xbb, 0xbf]);
    const events = await collect([bom.subarray(0, 1), bom.subarray(1), 'data: a\n\ndata: \uFEFFb\n\n']);
    expect(events.map((event) => event.data)).toEqual(['a', '\uFEFFb']);
  });

  test('a partial event at the end of the body is discarded, as the spec says', async () => {
    expect(await collect(['data: a\n\ndata: [DONE]\n'])).toEqual([{ event: undefined, data: 'a', id: undefined }]);
    expect(await collect(['data: a\n\ndata: {"cut'])).toHaveLength(1);
  });
});

describe('split anywhere (S7)', () => {
  const source = [
    ': keep-alive',
    '',
    'event: message',
    'data: {"text":"Grüße aus Köln — 你好，世界 🌍🚀 naïve café"}',
    'data: second line ßẞ ﬀ 👩‍👩‍👧',
    '',
    'data: العربية עברית हिन्दी 日本語 한국어',
    '',
    ': a comment 💬',
    'id: 42',
    'data: 😀',
    '',
    'data: [DONE]',
    '',
    '',
  ];
  const expectedEvents: SseEvent[] = [
    { event: 'message', data: '{"text":"Grüße aus Köln — 你好，世界 🌍🚀 naïve café"}\nsecond line ßẞ ﬀ 👩‍👩‍👧', id: undefined },
    { event: undefined, data: 'العربية עברית हिन्दी 日本語 한국어', id: undefined },
    { event: undefined, data: '😀', id: '42' },
    { event: undefined, data: '[DONE]', id: '42' },
  ];

  for (const [name, end] of [['LF', '\n'], ['CRLF', '\r\n'], ['CR', '\r']] as const) {
    test(`${name}: cut at every byte offset, and at every pair of offsets around the multi-byte text`, async () => {
      const bytes = encoder.encode(source.join(end));
      for (let offset = 0; offset <= bytes.length; offset++) {
        const events = await collect(splitAt(bytes, [offset]));
        expect(events).toEqual(expectedEvents);
      }
      // Two cuts inside the first event, where most multi-byte sequences are: every pair.
      const region = Math.min(bytes.length, 120);
      for (let first = 0; first < region; first += 3) {
        for (let second = first; second < region; second++) {
          const events = await collect(splitAt(bytes, [first, second]));
          expect(events.map((event) => event.data).join('|')).not.toContain('\uFFFD');
          expect(events).toEqual(expectedEvents);
        }
      }
    });
  }

  test('one byte per chunk', async () => {
    const bytes = encoder.encode(source.join('\r\n'));
    const chunks = Array.from(bytes, (_, index) => bytes.subarray(index, index + 1));
    expect(await collect(chunks)).toEqual(expectedEvents);
  });

  test('seeded random cuts, and the reassembled data equals the source', async () => {
    let seed = 20260601;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const bytes = encoder.encode(source.join('\r\n'));
    for (let run = 0; run < 2000; run++) {
      const offsets = Array.from({ length: 1 + Math.floor(random() * 8) }, () => Math.floor(random() * bytes.length)).sort((a, b) => a - b);
      const events = await collect(splitAt(bytes, offsets));
      if (JSON.stringify(events) !== JSON.stringify(expectedEvents)) throw new Error(`seed run ${run} failed at offsets ${offsets.join(',')}`);
    }
  });

  test('invalid UTF-8 becomes U+FFFD without breaking the stream', async () => {
    const events = await collect([new Uint8Array([0x64, 0x61, 0x74, 0x61, 0x3a, 0x20, 0xff, 0x0a, 0x0a]), 'data: ok\n\n']);
    expect(events.map((event) => event.data)).toEqual(['\uFFFD', 'ok']);
  });
});

describe('line cap (S6)', () => {
  test('an 8 MiB data line passes byte-identical under a 16 MiB cap, in 64 KiB chunks', async () => {
    const payload = Buffer.alloc(8 * MiB);
    for (let index = 0; index < payload.length; index++) payload[index] = 0x61 + (index % 26);
    payload.write('ü€😀', 1000, 'utf8');
    const text = payload.toString('utf8');
    const bytes = encoder.encode(`data: ${text}\n\ndata: [DONE]\n\n`);
    const chunks: Uint8Array[] = [];
    for (let offset = 0; offset < bytes.length; offset += 64 * 1024 + 1) chunks.push(bytes.subarray(offset, offset + 64 * 1024 + 1));
    const events = await collect(chunks, 16 * MiB);
    expect(events).toHaveLength(2);
    const digest = (value: string | Uint8Array) => createHash('sha256').update(value).digest('hex');
    expect(digest(encoder.encode(events[0]?.data ?? ''))).toBe(digest(payload));
    expect(events[1]?.data).toBe('[DONE]');
  });

  test('a line over the cap throws line_too_long before the line ends, and cancels the body', async () => {
    const { body, cancelled } = bodyOf(['data: ok\n\n', `data: ${'x'.repeat(600)}`, 'x'.repeat(600), 'never read\n\n']);
    const seen: string[] = [];
    let failure: unknown;
    try {
      for await (const event of parseSse(body, { maxLineBytes: 1000 })) seen.push(event.data);
    } catch (error) {
      failure = error;
    }
    expect(seen).toEqual(['ok']);
    expect(isUpstreamError(failure) && failure.code).toBe('line_too_long');
    expect(isUpstreamError(failure) && failure.retryable).toBe(false);
    expect(cancelled()).toBe(true);
  });

  test('a 17 MiB line against the 16 MiB cap throws line_too_long', async () => {
    const chunk = encoder.encode('x'.repeat(64 * 1024));
    const chunks: Uint8Array[] = [encoder.encode('data: ')];
    for (let sent = 0; sent < 17 * MiB; sent += chunk.length) chunks.push(chunk);
    await expect(collect([...chunks, '\n\n'], 16 * MiB)).rejects.toMatchObject({ code: 'line_too_long' });
  });

  test('a long line inside a single chunk is refused too; a line of exactly the cap passes', async () => {
    const exact = `data: ${'y'.repeat(994)}`;
    expect(await collect([`${exact}\n\n`], 1000)).toHaveLength(1);
    await expect(collect([`${exact}y\n\n`], 1000)).rejects.toMatchObject({ code: 'line_too_long' });
  });

  test("one event's data is capped as well: endless data lines without a blank line cannot grow memory", async () => {
    const lines = Array.from({ length: 50 }, () => `data: ${'z'.repeat(100)}\n`);
    await expect(collect(lines, 1000)).rejects.toMatchObject({ code: 'line_too_long' });
  });
});

describe('early exit', () => {
  test('leaving the loop cancels the body', async () => {
    const { body, cancelled } = bodyOf(['data: 1\n\n', 'data: 2\n\n', 'data: 3\n\n']);
    for await (const event of parseSse(body, { maxLineBytes: 100 })) {
      expect(event.data).toBe('1');
      break;
    }
    expect(cancelled()).toBe(true);
  });

  test('a body that ends normally is released, not cancelled', async () => {
    const { body, cancelled } = bodyOf(['data: 1\n\n']);
    for await (const event of parseSse(body, { maxLineBytes: 100 })) expect(event.data).toBe('1');
    expect(cancelled()).toBe(false);
  });
});

describe('encodeSseEvent', () => {
  test('round-trips through the parser, including CR, LF and leading spaces inside data', async () => {
    const originals = [
      { event: 'content_block_delta', data: '{"a":1}' },
      { data: ' leading space\nsecond\r\nthird\rfourth' },
      { data: '' },
    ];
    const text = originals.map((event) => encodeSseEvent(event)).join('') + SSE_KEEPALIVE;
    const events = await collect([text]);
    expect(events.map((event) => ({ event: event.event, data: event.data }))).toEqual([
      { event: 'content_block_delta', data: '{"a":1}' },
      { event: undefined, data: ' leading space\nsecond\nthird\nfourth' },
      { event: undefined, data: '' },
    ]);
  });

  test('writes the wire format, and refuses an event name that could inject a field', () => {
    expect(encodeSseEvent({ data: '[DONE]' })).toBe('data: [DONE]\n\n');
    expect(encodeSseEvent({ event: 'ping', data: 'a\nb' })).toBe('event: ping\ndata: a\ndata: b\n\n');
    expect(() => encodeSseEvent({ event: 'x\ndata: evil', data: '' })).toThrow(/CR or LF/);
    expect(SSE_KEEPALIVE).toBe(': keep-alive\n\n');
  });
});

describe('SseParser (the synchronous core the stream relay uses)', () => {
  test('every event of one chunk at once, a line split across chunks, CRLF and CR', () => {
    const parser = new SseParser(1024);
    const out: SseEvent[] = [];
    parser.push(encoder.encode('data: a\r\n\r\nevent: e\rdata: b\r\rdata: ha'), out);
    expect(out).toEqual([
      { event: undefined, data: 'a', id: undefined },
      { event: 'e', data: 'b', id: undefined },
    ]);
    parser.push(encoder.encode('lf\n\n'), out);
    expect(out.at(-1)).toEqual({ event: undefined, data: 'half', id: undefined });
  });

  test('an over-long line throws after the events before it are delivered', () => {
    const parser = new SseParser(16);
    const out: SseEvent[] = [];
    expect(() => parser.push(encoder.encode(`data: ok\n\ndata: ${'x'.repeat(32)}\n\n`), out)).toThrow();
    expect(out).toEqual([{ event: undefined, data: 'ok', id: undefined }]);
  });

  test('encodeSseEvent: CR in data still splits into data lines', () => {
    expect(encodeSseEvent({ data: 'a\r\nb\rc' })).toBe('data: a\ndata: b\ndata: c\n\n');
  });
});
