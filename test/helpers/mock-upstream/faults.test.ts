/**
 * Every fault of the mock upstream's vocabulary (reliability.md 3.2), observed from both sides: through
 * Bun's fetch, as the gateway sees it, and through a raw `node:net` client, which tells a RST from a FIN.
 */
import { afterAll, beforeEach, describe, expect, test } from 'bun:test';
import { createHash } from 'node:crypto';
import { connect } from 'node:net';
import { parseSse, startMockUpstream, type MockUpstream } from '../mock-upstream.ts';

const mock: MockUpstream = await startMockUpstream();
afterAll(() => mock.stop());
beforeEach(() => mock.reset());

const AUTH = { authorization: 'Bearer sk-faults', 'content-type': 'application/json' };

function chat(model: string, options: { stream?: boolean; includeUsage?: boolean; headers?: Record<string, string>; signal?: AbortSignal } = {}): Promise<Response> {
  const body = { model, stream: options.stream ?? true, ...(options.includeUsage === true ? { stream_options: { include_usage: true } } : {}), messages: [{ role: 'user', content: 'balance credit quota permission denied' }] };
  return fetch(`${mock.url}/v1/chat/completions`, { method: 'POST', headers: { ...AUTH, ...options.headers }, body: JSON.stringify(body), signal: options.signal });
}

/** Reads a body to its end or its error, keeping what arrived. */
async function readAll(response: Response): Promise<{ text: string; error: unknown }> {
  const reader = response.body?.getReader();
  const decoder = new TextDecoder();
  let text = '';
  if (reader === undefined) return { text, error: undefined };
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { text, error: undefined };
      text += decoder.decode(value, { stream: true });
    }
  } catch (error) {
    return { text, error };
  }
}

interface RawResult {
  readonly text: string;
  /** How the mock ended the connection: FIN (`end`), RST (`error` ECONNRESET), or still open (`open`). */
  readonly ending: 'end' | 'error' | 'open';
  readonly errorCode: string | undefined;
}

/** Sends bytes on a fresh TCP connection and collects the answer until FIN, RST, or `until` is satisfied. */
function rawExchange(request: string | Uint8Array, until?: (text: string) => boolean): Promise<RawResult> {
  return new Promise((resolve) => {
    const socket = connect(mock.port, '127.0.0.1');
    let text = '';
    let settled = false;
    const finish = (ending: RawResult['ending'], errorCode?: string): void => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolve({ text, ending, errorCode });
    };
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      if (until?.(text) === true) finish('open');
    });
    socket.on('end', () => finish('end'));
    socket.on('error', (error: NodeJS.ErrnoException) => finish('error', error.code));
    socket.write(request);
  });
}

function rawChat(model: string, extraHeaders = ''): string {
  const body = JSON.stringify({ model, stream: true, messages: [{ role: 'user', content: 'hi' }] });
  return `POST /v1/chat/completions HTTP/1.1\r\nhost: mock\r\nauthorization: Bearer sk-raw\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n${extraHeaders}\r\n${body}`;
}

const dataEvents = (text: string): number => parseSse(text).length;

describe('status, body and headers', () => {
  test('status with a raw body, JSON or text', async () => {
    const json = await chat(`mock/status=503,body=${encodeURIComponent('{"oops":true}')}`);
    expect(json.status).toBe(503);
    expect(json.headers.get('content-type')).toBe('application/json');
    expect(await json.json()).toEqual({ oops: true });
    const text = await chat('mock/status=502,body=upstream%20down');
    expect([text.status, text.headers.get('content-type'), await text.text()]).toEqual([502, 'text/plain; charset=utf-8', 'upstream down']);
  });

  test('retry-after, redirect and echo-input-in-error', async () => {
    expect((await chat('mock/status=429,retry-after=7')).headers.get('retry-after')).toBe('7');
    const redirect = await fetch(`${mock.url}/v1/chat/completions`, { method: 'POST', headers: AUTH, body: JSON.stringify({ model: 'mock/redirect-metadata' }), redirect: 'manual' });
    expect([redirect.status, redirect.headers.get('location')]).toEqual([302, 'http://169.254.169.254/latest/meta-data/']);
    const echoed = await chat('mock/bad-request');
    expect(echoed.status).toBe(400);
    expect(await echoed.json()).toMatchObject({ error: { message: 'Invalid request: balance credit quota permission denied', type: 'invalid_request_error' } });
  });

  test('x-mock-* headers drive the same controls as the model name', async () => {
    const response = await chat('gpt-4o', { headers: { 'x-mock-chunks': '2', 'x-mock-usage': 'huge' }, includeUsage: true });
    const events = parseSse(await response.text());
    expect(events).toHaveLength(1 + 2 + 1 + 1 + 1);
    expect(mock.completedStreams[0]?.usage?.promptTokens).toBe(1_000_000_000_000);
    expect(mock.requests[0]?.controls).toEqual({ chunks: 2, usage: 'huge' });
  });
});

describe('timing', () => {
  test('first-byte-delay-ms holds back the status line', async () => {
    const started = performance.now();
    const pending = chat('mock/first-byte-delay-ms=150', { stream: false });
    await Bun.sleep(50);
    expect(mock.requests[0]?.reply.status).toBeUndefined();
    expect(mock.openConnections()).toBe(1);
    const response = await pending;
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    expect(response.status).toBe(200);
  });

  test('chunk-delay-ms spaces every part', async () => {
    const started = performance.now();
    const { text } = await readAll(await chat('mock/chunks=3,chunk-delay-ms=30'));
    expect(dataEvents(text)).toBe(6);
    expect(performance.now() - started).toBeGreaterThanOrEqual(6 * 30 - 10);
  });

  test('drip-bytes writes each part a few bytes at a time', async () => {
    const started = performance.now();
    const response = await chat('mock/status=500,drip-bytes=32,chunk-delay-ms=5', { stream: false });
    const body: unknown = await response.json();
    expect(body).toMatchObject({ error: { code: 'server_error' } });
    expect(performance.now() - started).toBeGreaterThanOrEqual(4 * 5);
  });
});

describe('endings', () => {
  test('reset-after-chunks: the events sent arrive, then ECONNRESET; the stream is not completed', async () => {
    const { text, error } = await readAll(await chat('mock/reset-mid-stream'));
    expect(dataEvents(text)).toBe(20);
    expect(error).toMatchObject({ code: 'ECONNRESET' });
    expect(mock.requests[0]?.reply).toMatchObject({ ending: 'reset', chunksWritten: 20 });
    expect(mock.completedStreams).toHaveLength(0);
    const raw = await rawExchange(rawChat('mock/chunks=5,reset-after-chunks=2,cut-grace-ms=20'));
    expect([raw.ending, raw.errorCode, dataEvents(raw.text.slice(raw.text.indexOf('\r\n\r\n')))]).toEqual(['error', 'ECONNRESET', 2]);
  });

  test('fin-after-chunks on a chunked body: FIN without the last chunk, which fetch reports as an error', async () => {
    const raw = await rawExchange(rawChat('mock/chunks=5,fin-after-chunks=2'));
    expect(raw.ending).toBe('end');
    expect(raw.text).toContain('transfer-encoding: chunked');
    expect(raw.text).not.toContain('\r\n0\r\n\r\n');
    const { text, error } = await readAll(await chat('mock/fin-mid-stream'));
    expect(dataEvents(text)).toBe(20);
    expect(error).toBeDefined();
    expect(mock.requests.at(-1)?.reply.ending).toBe('fin');
  });

  test('a close-delimited body cut by FIN reads as a clean end: only the missing [DONE] tells', async () => {
    const response = await chat('mock/close-delimited-cut');
    expect(response.headers.get('content-length')).toBeNull();
    expect(response.headers.get('transfer-encoding')).toBeNull();
    expect(response.headers.get('connection')).toBe('close');
    const { text, error } = await readAll(response);
    expect(error).toBeUndefined();
    expect(dataEvents(text)).toBe(20);
    expect(text).not.toContain('[DONE]');
  });

  test('framing content-length and close deliver whole streams', async () => {
    const sized = await chat('mock/content-length');
    const sizedText = await sized.text();
    expect(sized.headers.get('content-length')).toBe(String(Buffer.byteLength(sizedText)));
    expect(sizedText).toEndWith('data: [DONE]\n\n');
    const closed = await chat('mock/close-delimited');
    expect(await closed.text()).toEndWith('data: [DONE]\n\n');
    await mock.waitUntilIdle();
    expect(mock.completedStreams).toHaveLength(2);
  });

  test('hang never answers; the client leaving closes the connection', async () => {
    const failure = await chat('mock/hang', { signal: AbortSignal.timeout(150) }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Error);
    await mock.waitUntilIdle(1000);
    expect(mock.requests[0]?.reply).toMatchObject({ status: undefined, ending: 'client-gone', chunksWritten: 0 });
  });

  test('stall-after-chunks: the first parts arrive, then silence until the client leaves', async () => {
    const controller = new AbortController();
    const response = await chat('mock/stall-mid-stream', { signal: controller.signal });
    const reader = response.body?.getReader();
    let text = '';
    while (dataEvents(text) < 3) text += new TextDecoder().decode((await reader?.read())?.value);
    const next = await Promise.race([reader?.read().then(() => 'data'), Bun.sleep(150).then(() => 'silence')]);
    expect(next).toBe('silence');
    expect(mock.openConnections()).toBe(1);
    controller.abort();
    await mock.waitUntilIdle(1000);
    expect(mock.requests[0]?.reply).toMatchObject({ ending: 'client-gone', chunksWritten: 3 });
  });

  test('stall-after-headers: a non-stream reply sends its head and no body', async () => {
    const controller = new AbortController();
    const response = await chat('mock/stall-after-headers', { stream: false, signal: controller.signal });
    expect(response.status).toBe(200);
    const outcome = await Promise.race([response.text().then(() => 'body'), Bun.sleep(150).then(() => 'silence')]);
    expect(outcome).toBe('silence');
    controller.abort();
    await mock.waitUntilIdle(1000);
  });

  test('a client that leaves mid-stream closes the upstream connection', async () => {
    const controller = new AbortController();
    const response = await chat('mock/chunks=50,chunk-delay-ms=20', { signal: controller.signal });
    const reader = response.body?.getReader();
    await reader?.read();
    expect(mock.openConnections()).toBe(1);
    controller.abort();
    await mock.waitUntilIdle(1000);
    expect(mock.openConnections()).toBe(0);
    expect(mock.requests[0]?.reply.ending).toBe('client-gone');
    expect(mock.requests[0]?.reply.chunksWritten).toBeLessThan(50);
    expect(mock.completedStreams).toHaveLength(0);
  });

  test('open connections count every request in flight; stop() ends hanging ones', async () => {
    const own = await startMockUpstream();
    const pending = [1, 2, 3].map(() => fetch(`${own.url}/v1/chat/completions`, { method: 'POST', headers: AUTH, body: JSON.stringify({ model: 'mock/hang' }) }).catch(() => undefined));
    while (own.requests.length < 3) await Bun.sleep(5);
    expect(own.openConnections()).toBe(3);
    await own.stop();
    await Promise.all(pending);
    expect(own.requests.map((request) => request.reply.ending)).toEqual(['stopped', 'stopped', 'stopped']);
    expect(own.openSockets()).toBe(0);
  });
});

describe('bodies', () => {
  test('line-bytes makes one data line exactly that long, stream or not', async () => {
    const { text } = await readAll(await chat('mock/line-bytes=100000', { includeUsage: true }));
    const lines = text.split('\n').filter((line) => line.startsWith('data: '));
    expect(lines.map((line) => Buffer.byteLength(line)).filter((length) => length === 100_000)).toHaveLength(1);
    expect(mock.completedStreams[0]?.usage?.completionTokens).toBeGreaterThan(24_000);
    const plain = await (await chat('mock/line-bytes=5000', { stream: false })).text();
    expect(Buffer.byteLength(plain)).toBe(5000);
  });

  test('the giant-line script sends one 8 MiB line', async () => {
    const { text } = await readAll(await chat('mock/giant-line'));
    const longest = Math.max(...text.split('\n').map((line) => Buffer.byteLength(line)));
    expect(longest).toBe(8 * 1024 * 1024);
  });

  test('usage faults: absent, negative, huge, fractional', async () => {
    const absent = parseSse(await (await chat('mock/usage-absent', { includeUsage: true })).text());
    expect(absent.some((event) => event.data.includes('"usage"'))).toBe(false);
    expect(await (await chat('mock/usage-absent', { stream: false })).json()).not.toHaveProperty('usage');
    expect(mock.completedReplies.map((reply) => reply.usage)).toEqual([undefined, undefined]);
    for (const [script, prompt] of [['usage-negative', -1_000_000], ['usage-huge', 1_000_000_000_000], ['usage-fractional', 12.5]] as const) {
      expect(await (await chat(`mock/${script}`, { stream: false })).json()).toMatchObject({ usage: { prompt_tokens: prompt, completion_tokens: 8, total_tokens: prompt + 8 } });
    }
  });

  test('sse line endings: CRLF and CR parse to the same events', async () => {
    const lf = await (await chat('mock/chunks=3')).text();
    const crlf = await (await chat('mock/chunks=3', { headers: { 'x-mock-sse': 'crlf' } })).text();
    const cr = await (await chat('mock/chunks=3', { headers: { 'x-mock-sse': 'cr' } })).text();
    expect(crlf).toContain('\r\n\r\n');
    expect(cr.includes('\n')).toBe(false);
    const strip = (text: string): string[] => parseSse(text).map((event) => event.data.replace(/"id":"[^"]+"/, ''));
    expect(strip(crlf)).toEqual(strip(lf));
    expect(strip(cr)).toEqual(strip(lf));
  });

  test('gzip-bomb: a small gzip body that inflates to the size asked', async () => {
    const raw = await rawExchange(`${rawChat('mock/gzip-bomb=2').replace('\r\n\r\n{', '\r\nconnection: close\r\n\r\n{')}`);
    const length = Number(/content-length: (\d+)/.exec(raw.text)?.[1]);
    expect(raw.text).toContain('content-encoding: gzip');
    expect(length).toBeLessThan(16 * 1024);
    expect((await (await chat('mock/gzip-bomb=2', { stream: false })).arrayBuffer()).byteLength).toBe(2 * 1024 * 1024);
  });
});

describe('HTTP framing of requests', () => {
  test('keep-alive: two requests on one connection get two replies', async () => {
    const first = rawChat('mock/chunks=1', '');
    const raw = await rawExchange(first + first, (text) => text.split('data: [DONE]').length === 3);
    expect(raw.ending).toBe('open');
    expect(raw.text.match(/HTTP\/1\.1 200 OK/g)).toHaveLength(2);
    expect(mock.requests.map((request) => request.index)).toEqual([1, 2]);
  });

  test('a chunked request body with Expect: 100-continue is read and digested', async () => {
    const body = JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'chunked' }] });
    const head = 'POST /v1/chat/completions HTTP/1.1\r\nhost: mock\r\nauthorization: Bearer sk-raw\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\nexpect: 100-continue\r\nconnection: close\r\n\r\n';
    const half = Math.floor(body.length / 2);
    const chunked = `${half.toString(16)}\r\n${body.slice(0, half)}\r\n${(body.length - half).toString(16)}\r\n${body.slice(half)}\r\n0\r\n\r\n`;
    const raw = await new Promise<string>((resolve) => {
      const socket = connect(mock.port, '127.0.0.1');
      let text = '';
      socket.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        if (text === 'HTTP/1.1 100 Continue\r\n\r\n') socket.write(chunked);
      });
      socket.on('close', () => resolve(text));
      socket.write(head);
    });
    expect(raw).toStartWith('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK');
    expect(mock.requests[0]?.bodySha256).toBe(createHash('sha256').update(body).digest('hex'));
  });

  test('a malformed request line gets a 400 and a closed connection', async () => {
    const raw = await rawExchange('NONSENSE\r\n\r\n');
    expect(raw.text).toStartWith('HTTP/1.1 400 Bad Request');
    expect(raw.ending).toBe('end');
  });
});
