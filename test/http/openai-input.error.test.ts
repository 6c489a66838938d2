/**
 * Hostile and malformed input over HTTP (reliability.md I1, M3, 2.8): every problem with a request body is a
 * 4xx in OpenAI's error shape, never a 5xx; body caps hold after decompression; routes the gateway does not
 * implement answer 501 and unknown ones 404, both in OpenAI's shape; a model no channel serves is a 503 that
 * names the fix. A seeded mutation round closes the file (the fast-tier slice of I1).
 *
 * The body cap is 1 MiB here (MAX_REQUEST_BODY_MB), so oversize bodies stay cheap.
 */
import { afterAll, beforeEach, describe, expect, test } from 'bun:test';
import { deflateSync } from 'node:zlib';
import { type RelayHarness, splitSse, startRelayHarness } from '../helpers/relay-harness.ts';

const harness: RelayHarness = await startRelayHarness({ env: { MAX_REQUEST_BODY_MB: '1' } });
afterAll(() => harness.stop());
beforeEach(() => harness.reset());

// `usage-absent` makes the gateway estimate every prompt it relays, so odd bodies also exercise the tokenizer.
await harness.addChannel({
  name: 'input',
  models: ['gpt-4o', 'whisper-1', 'gpt-3.5-turbo-instruct'],
  modelMapping: { 'gpt-4o': 'mock/usage-absent' },
});

const MiB = 1024 * 1024;
const chatBody = { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] };

interface Answer {
  status: number;
  json: { error?: { message?: unknown; type?: unknown; code?: unknown } } & Record<string, unknown>;
  text: string;
}

async function send(path: string, body: RequestInit['body'], headers: Record<string, string> = {}, method = 'POST'): Promise<Answer> {
  const response = await fetch(`${harness.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${harness.key}`, 'content-type': 'application/json', ...headers },
    body,
  });
  const text = await response.text();
  let json: Answer['json'] = {};
  try {
    json = JSON.parse(text) as Answer['json'];
  } catch {
    // Streams and plain bodies are checked by their callers.
  }
  return { status: response.status, json, text };
}

/** A 4xx (or the named status) in OpenAI's shape: `{ error: { message, type, code } }`. */
function expectClientError(answer: Answer, status: number, code?: string): void {
  expect(answer.status).toBe(status);
  expect(typeof answer.json.error?.message).toBe('string');
  expect(typeof answer.json.error?.type).toBe('string');
  expect(typeof answer.json.error?.code).toBe('string');
  if (code !== undefined) expect(answer.json.error?.code).toBe(code);
}

describe('malformed bodies are 400s', () => {
  test.each([
    ['truncated JSON', '{"model":"gpt-4o","messages":[{"role":"user"'],
    ['not JSON at all', 'model=gpt-4o'],
    ['NaN', '{"model":"gpt-4o","temperature":NaN,"messages":[]}'],
    ['empty body', ''],
    ['an array', '[{"model":"gpt-4o"}]'],
    ['a string', '"gpt-4o"'],
    ['a number', '42'],
    ['null', 'null'],
  ])('%s', async (_name, body) => {
    expectClientError(await send('/v1/chat/completions', body), 400, 'invalid_request');
    expect(harness.mock.requests).toHaveLength(0);
  });

  test('invalid UTF-8 and a NUL byte inside a string', async () => {
    const invalid = new Uint8Array([...new TextEncoder().encode('{"model":"gpt-4o","messages":[{"role":"user","content":"'), 0xff, 0xfe, ...new TextEncoder().encode('"}]}')]);
    expectClientError(await send('/v1/chat/completions', invalid), 400, 'invalid_request');
    // An escaped NUL is valid JSON and goes through.
    expect((await send('/v1/chat/completions', JSON.stringify({ ...chatBody, messages: [{ role: 'user', content: 'a\u0000b' }] }))).status).toBe(200);
  });

  test.each([
    ['missing model', { messages: [] }, 'model'],
    ['model not a string', { model: 42, messages: [] }, 'model'],
    ['blank model', { model: '   ', messages: [] }, 'model'],
    ['stream: "yes"', { ...chatBody, stream: 'yes' }, 'stream'],
    ['n 1000', { ...chatBody, n: 1000 }, 'n'],
    ['max_tokens -1', { ...chatBody, max_tokens: -1 }, 'max_tokens'],
    ['max_tokens 10^12', { ...chatBody, max_tokens: 1e12 }, 'max_tokens'],
    ['max_tokens 1.5', { ...chatBody, max_tokens: 1.5 }, 'max_tokens'],
    ['max_completion_tokens "10"', { ...chatBody, max_completion_tokens: '10' }, 'max_completion_tokens'],
  ])('%s', async (_name, body, field) => {
    const answer = await send('/v1/chat/completions', JSON.stringify(body));
    expectClientError(answer, 400, 'invalid_request');
    expect(String(answer.json.error?.message)).toContain(field);
    expect(harness.mock.requests).toHaveLength(0);
  });

  test('a 1 MB model name is refused as a 400 without echoing it back', async () => {
    const answer = await send('/v1/chat/completions', JSON.stringify({ ...chatBody, model: 'm'.repeat(1_000_000) }));
    expectClientError(answer, 400, 'invalid_request');
    expect(answer.text.length).toBeLessThan(2000);
  });

  test('duplicate keys take the last value; a BOM before the body is tolerated; depth 10 000 is not a 5xx', async () => {
    expect((await send('/v1/chat/completions', '{"model":"nope","model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}')).status).toBe(200);
    expect((await send('/v1/chat/completions', `\uFEFF${JSON.stringify(chatBody)}`)).status).toBeLessThan(500);
    const deep = `{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"prompt":${'['.repeat(10_000)}${']'.repeat(10_000)}}`;
    expect((await send('/v1/chat/completions', deep)).status).toBeLessThan(500);
    const wide = JSON.stringify({ ...chatBody, prompt: Array.from({ length: 100_000 }, () => 1) });
    expect((await send('/v1/chat/completions', wide)).status).toBeLessThan(500);
  });

  test('odd shapes inside an accepted body still get an answer, never a 5xx', async () => {
    const odd = [
      { ...chatBody, messages: [null, 5, 'x', { role: 7, content: [null, 3, { type: 'image_url' }, { type: 'image_url', image_url: { url: 5 } }, { type: 'image_url', image_url: 'data:image/png;base64,!!!' }] }] },
      { ...chatBody, messages: 'hi', tools: 'x', functions: [null] },
      { ...chatBody, messages: [{ role: 'assistant', tool_calls: [null, { function: null }, { function: { name: 1, arguments: {} } }] }] },
      { ...chatBody, input: { deep: [{ text: 5 }] }, documents: [null, { text: null }] },
      { ...chatBody, stream: true, stream_options: 'yes' },
    ];
    for (const body of odd) expect((await send('/v1/chat/completions', JSON.stringify(body))).status).toBeLessThan(500);
  });
});

describe('body size and encoding', () => {
  test('413 for a body over the cap: declared, chunked without a length, and gzip inflating past it', async () => {
    const big = JSON.stringify({ ...chatBody, padding: 'x'.repeat(2 * MiB) });
    expectClientError(await send('/v1/chat/completions', big), 413, 'payload_too_large');
    const chunked = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let index = 0; index < 4; index++) controller.enqueue(new Uint8Array(MiB / 2).fill(0x20));
        controller.close();
      },
    });
    expectClientError(await send('/v1/chat/completions', chunked), 413, 'payload_too_large');
    const bomb = Bun.gzipSync(new TextEncoder().encode(JSON.stringify({ ...chatBody, padding: ' '.repeat(8 * MiB) })));
    expect(bomb.byteLength).toBeLessThan(MiB);
    expectClientError(await send('/v1/chat/completions', bomb, { 'content-encoding': 'gzip' }), 413, 'payload_too_large');
    expect(harness.mock.requests).toHaveLength(0);
  });

  test('gzip and deflate bodies are accepted', async () => {
    const bytes = new TextEncoder().encode(JSON.stringify(chatBody));
    expect((await send('/v1/chat/completions', Bun.gzipSync(bytes), { 'content-encoding': 'gzip' })).status).toBe(200);
    // HTTP's "deflate" is the zlib format (RFC 9110 8.4.1.2), which node:zlib writes; Bun.deflateSync writes raw deflate.
    expect((await send('/v1/chat/completions', deflateSync(bytes), { 'content-encoding': 'deflate' })).status).toBe(200);
    expect(harness.mock.requests.map((request) => request.json)).toEqual([expect.objectContaining({ model: 'mock/usage-absent' }), expect.objectContaining({ model: 'mock/usage-absent' })]);
  });

  test('an unsupported Content-Encoding, or gzip that is not gzip, is a 4xx', async () => {
    const bytes = JSON.stringify(chatBody);
    const unsupported = await send('/v1/chat/completions', bytes, { 'content-encoding': 'compress' });
    expect(unsupported.status).toBeGreaterThanOrEqual(400);
    expect(unsupported.status).toBeLessThan(500);
    expect(String(unsupported.json.error?.message)).toContain('gzip');
    expectClientError(await send('/v1/chat/completions', bytes, { 'content-encoding': 'gzip' }), 400, 'invalid_request');
  });

  test('multipart on a JSON route, JSON on a multipart route, and a broken multipart body', async () => {
    const form = new FormData();
    form.append('model', 'gpt-4o');
    form.append('messages', '[]');
    const multipart = await fetch(`${harness.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${harness.key}` }, body: form });
    expect(multipart.status).toBe(400);
    expect(await multipart.json()).toMatchObject({ error: { code: 'invalid_request' } });

    const json = await send('/v1/audio/transcriptions', JSON.stringify({ model: 'whisper-1', file: 'x' }));
    expectClientError(json, 400, 'invalid_request');
    expect(String(json.json.error?.message)).toContain('multipart/form-data');

    const broken = await send('/v1/audio/transcriptions', '--xyz\r\nnot a part', { 'content-type': 'multipart/form-data; boundary=abc' });
    expectClientError(broken, 400, 'invalid_request');
    expect(harness.mock.requests).toHaveLength(0);
  });
});

describe('routes', () => {
  test.each([
    ['GET', '/v1/files'],
    ['POST', '/v1/files'],
    ['POST', '/v1/images/variations'],
    ['DELETE', '/v1/models/gpt-4o'],
    ['POST', '/v1/batches'],
    ['GET', '/v1/assistants'],
  ])('%s %s: 501 in OpenAI shape', async (method, path) => {
    const answer = await send(path, method === 'GET' || method === 'DELETE' ? null : '{}', {}, method);
    expectClientError(answer, 501, 'not_implemented');
    expect(String(answer.json.error?.message)).toContain(path);
  });

  test('an unknown /v1 path: 404 in OpenAI shape', async () => {
    for (const [method, path] of [['POST', '/v1/chat/complete'], ['GET', '/v1/nothing-here'], ['PUT', '/v1/chat/completions']] as const) {
      expectClientError(await send(path, method === 'GET' ? null : '{}', {}, method), 404, 'not_found');
    }
  });

  test('a model no channel serves: 503 naming `gateway channel add`, for plain and streaming requests', async () => {
    for (const stream of [false, true]) {
      const answer = await send('/v1/chat/completions', JSON.stringify({ ...chatBody, model: 'no-such-model', stream }));
      expect(answer.status).toBe(503);
      expect(answer.json.error).toMatchObject({ type: 'upstream_error', code: 'model_not_available' });
      expect(answer.text).toContain('gateway channel add');
    }
    const [outcome] = await harness.waitForOutcomes(1);
    expect(outcome).toMatchObject({ status: 503, endState: 'failed_before_output', attempts: [] });
  });
});

describe('I1 (fast slice): seeded mutations of valid bodies never get a 5xx', () => {
  test('400 mutations of chat, completions and Responses bodies', async () => {
    let seed = 20_260_101;
    const next = (): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const pick = <T>(values: readonly T[]): T => values[Math.floor(next() * values.length)] as T;
    const bases: [string, Record<string, unknown>][] = [
      ['/v1/chat/completions', { model: 'gpt-4o', messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: [{ type: 'text', text: 'hi' }] }], max_tokens: 5, stream: false }],
      ['/v1/completions', { model: 'gpt-3.5-turbo-instruct', prompt: ['a', 'b'], n: 1 }],
      ['/v1/responses', { model: 'gpt-4o', input: [{ role: 'user', content: 'hi' }], instructions: 'x', max_output_tokens: 5 }],
    ];
    const weird: readonly unknown[] = [null, -1, 1e12, 0, 1.5, '', 'yes', [], {}, [[[]]], true, '\u0000', '\uFFFD', 'x'.repeat(5000), { text: 5 }];
    const failures: string[] = [];
    for (let index = 0; index < 400; index++) {
      const [path, base] = pick(bases);
      let text: string;
      const mutation = next();
      if (mutation < 0.3) {
        text = JSON.stringify(base).slice(0, Math.floor(next() * JSON.stringify(base).length));
      } else if (mutation < 0.45) {
        const bytes = new TextEncoder().encode(JSON.stringify(base));
        bytes[Math.floor(next() * bytes.length)] = Math.floor(next() * 256);
        text = new TextDecoder().decode(bytes);
      } else {
        const body: Record<string, unknown> = structuredClone(base);
        const field = pick([...Object.keys(base), 'stream', 'n', 'max_tokens', 'stream_options', 'tools', 'input', 'prompt', 'messages']);
        body[field] = pick(weird);
        text = JSON.stringify(body);
      }
      const response = await fetch(`${harness.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${harness.key}`, 'content-type': 'application/json' }, body: text });
      const raw = await response.text();
      // An unknown model (a mutated name) is the documented 503 model_not_available; any other 5xx is a bug.
      if (response.status >= 500 && !raw.includes('"code":"model_not_available"')) failures.push(`${response.status} ${path} ${text.slice(0, 200)} → ${raw.slice(0, 200)}`);
      else if (response.status >= 400) {
        const json = JSON.parse(raw) as { error?: { message?: unknown } };
        if (typeof json.error?.message !== 'string') failures.push(`no OpenAI error shape: ${raw.slice(0, 200)}`);
      } else if (response.headers.get('content-type')?.startsWith('text/event-stream') === true) {
        const { data } = splitSse(raw);
        if (data.length === 0) failures.push(`empty stream for ${text.slice(0, 200)}`);
      }
    }
    expect(failures).toEqual([]);
    // The server is still up and serving.
    expect((await send('/v1/chat/completions', JSON.stringify(chatBody))).status).toBe(200);
  });
});
