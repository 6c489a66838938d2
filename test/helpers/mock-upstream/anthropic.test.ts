/**
 * The mock upstream's Anthropic Messages dialect, driven by the official `@anthropic-ai/sdk` (and by raw
 * fetches where the SDK hides the wire): messages and streams, tool use, thinking, count_tokens, errors as the
 * SDK's typed errors, and the stream faults of reliability.md 3.2 applied to Anthropic's event stream.
 */
import Anthropic, {
  APIConnectionTimeoutError,
  APIError,
  AuthenticationError,
  BadRequestError,
  InternalServerError,
  NotFoundError,
  OverloadedError,
  PaymentRequiredError,
  PermissionDeniedError,
  RateLimitError,
} from '@anthropic-ai/sdk';
import { afterAll, beforeEach, describe, expect, test } from 'bun:test';
import { parseSse, startMockUpstream, type MockUpstream } from '../mock-upstream.ts';

const mock: MockUpstream = await startMockUpstream();
afterAll(() => mock.stop());
beforeEach(() => mock.reset());

const KEY = 'sk-ant-mock-0001';
const MODEL = 'claude-opus-4-7';
const client = new Anthropic({ apiKey: KEY, baseURL: mock.url, maxRetries: 0 });
const HELLO = 'Hello from the mock upstream with a quick';
const WEATHER = {
  name: 'get_weather',
  description: 'The weather in a city',
  input_schema: { type: 'object' as const, properties: { city: { type: 'string' }, days: { type: 'integer' } }, required: ['city'] },
};

function raw(body: Record<string, unknown>, headers: Record<string, string> = {}, path = '/v1/messages'): Promise<Response> {
  return fetch(`${mock.url}${path}`, {
    method: 'POST',
    headers: { 'x-api-key': KEY, 'anthropic-version': '2023-06-01', 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

interface Event {
  readonly event: string | undefined;
  readonly data: Record<string, unknown>;
}

async function rawEvents(model: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<Event[]> {
  const response = await raw({ model, max_tokens: 1024, stream: true, messages: [{ role: 'user', content: 'Hello' }], ...extra }, headers);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
  return parseSse(await response.text()).map((event) => ({ event: event.event, data: JSON.parse(event.data) as Record<string, unknown> }));
}

/** A content block's text, or its type for other blocks. */
function blockText(block: Anthropic.ContentBlock): string {
  return block.type === 'text' ? block.text : block.type;
}

/** Reads a stream to its end or its error, counting the events the SDK yielded. */
async function drain(stream: AsyncIterable<unknown>): Promise<{ events: number; error: unknown }> {
  let events = 0;
  try {
    for await (const _event of stream) events += 1;
    return { events, error: undefined };
  } catch (error) {
    return { events, error };
  }
}

describe('messages', () => {
  test('a non-stream answer is the Message object with Anthropic usage; the request and the reply are recorded', async () => {
    const { data: message, response } = await client.messages
      .create({ model: MODEL, max_tokens: 1024, system: 'Be brief.', messages: [{ role: 'user', content: 'Hello there' }] })
      .withResponse();
    expect(message).toMatchObject({
      id: 'msg_mock000001',
      type: 'message',
      role: 'assistant',
      model: MODEL,
      content: [{ type: 'text', text: HELLO }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: expect.any(Number), output_tokens: 8, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, service_tier: 'standard' },
    });
    expect(response.headers.get('request-id')).toBe('req_mock000001');
    expect(response.headers.get('openai-version')).toBeNull();
    expect(mock.requests[0]).toMatchObject({
      path: '/v1/messages',
      endpoint: 'anthropic-messages',
      form: 'anthropic',
      model: MODEL,
      apiKey: KEY,
      keyHeader: 'authorization',
      reply: { status: 200, ending: 'completed', chunksWritten: 1 },
    });
    expect(mock.requests[0]?.headers['anthropic-version']).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(mock.completedReplies).toEqual([
      { requestIndex: 1, endpoint: 'anthropic-messages', model: MODEL, apiKey: KEY, stream: false, usage: expect.objectContaining({ promptTokens: message.usage.input_tokens, completionTokens: 8, cacheWriteTokens: 0 }), chunks: 1, text: HELLO },
    ]);
  });

  test('max_tokens below the answer cuts it with stop_reason max_tokens; missing fields are 400s', async () => {
    const cut = await client.messages.create({ model: MODEL, max_tokens: 3, messages: [{ role: 'user', content: 'Hello' }] });
    expect(cut).toMatchObject({ content: [{ type: 'text', text: 'Hello from the' }], stop_reason: 'max_tokens', usage: { output_tokens: 3 } });
    const missing = await raw({ model: MODEL, messages: [{ role: 'user', content: 'Hello' }] });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: 'max_tokens: Field required' }, request_id: 'req_mock000002' });
  });

  test("a stream sends Anthropic's named events in the documented order, and the SDK assembles the message", async () => {
    const events = await rawEvents('mock/chunks=3');
    expect(events.map((event) => event.event)).toEqual(['message_start', 'content_block_start', 'ping', 'content_block_delta', 'content_block_delta', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop']);
    for (const event of events) expect(event.data.type).toBe(event.event);
    expect(events[0]?.data).toMatchObject({ message: { id: 'msg_mock000001', model: 'mock/chunks=3', content: [], stop_reason: null, usage: { output_tokens: 1 } } });
    expect(events[1]?.data).toEqual({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } });
    expect(events.slice(3, 6).map((event) => event.data.delta)).toEqual([{ type: 'text_delta', text: 'Hello' }, { type: 'text_delta', text: ' from' }, { type: 'text_delta', text: ' the' }]);
    expect(events[7]?.data).toMatchObject({ delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 3 } });

    const stream = client.messages.stream({ model: MODEL, max_tokens: 1024, messages: [{ role: 'user', content: 'Hello' }] });
    const texts: string[] = [];
    stream.on('text', (text) => texts.push(text));
    const final = await stream.finalMessage();
    expect(texts.join('')).toBe(HELLO);
    expect(final).toMatchObject({ id: 'msg_mock000002', content: [{ type: 'text', text: HELLO }], stop_reason: 'end_turn', usage: { output_tokens: 8 } });
    expect(mock.completedStreams.map((reply) => [reply.requestIndex, reply.stream, reply.usage?.completionTokens, reply.text])).toEqual([
      [1, true, 3, 'Hello from the'],
      [2, true, 8, HELLO],
    ]);
  });

  test('tool use: a tool_use block, input_json_delta fragments in streams, stop_reason tool_use; a tool result gets text', async () => {
    const message = await client.messages.create({ model: 'mock/tool-call', max_tokens: 1024, tools: [WEATHER], messages: [{ role: 'user', content: 'Weather in Paris?' }] });
    expect(message).toMatchObject({ content: [{ type: 'tool_use', id: 'toolu_mock000001', name: 'get_weather', input: { city: 'mock' } }], stop_reason: 'tool_use' });

    const events = await rawEvents('mock/tool-call', { tools: [WEATHER] });
    expect(events[1]?.data).toEqual({ type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: 'toolu_mock000002', name: 'get_weather', input: {}, caller: { type: 'direct' } } });
    const fragments = events.filter((event) => event.event === 'content_block_delta').map((event) => event.data.delta as { type: string; partial_json: string });
    expect(fragments.length).toBeGreaterThan(2);
    expect(fragments.every((delta) => delta.type === 'input_json_delta')).toBe(true);
    expect(JSON.parse(fragments.map((delta) => delta.partial_json).join(''))).toEqual({ city: 'mock' });
    expect(events.at(-2)?.data).toMatchObject({ delta: { stop_reason: 'tool_use' } });

    // A forced tool_choice calls the tool without the control; the SDK's stream helper assembles the input.
    const forced = await client.messages.stream({ model: MODEL, max_tokens: 1024, tools: [WEATHER], tool_choice: { type: 'tool', name: 'get_weather' }, messages: [{ role: 'user', content: 'Hi' }] }).finalMessage();
    expect(forced.content).toEqual([{ type: 'tool_use', id: 'toolu_mock000003', name: 'get_weather', input: { city: 'mock' }, caller: { type: 'direct' } }]);

    const answered = await client.messages.create({
      model: 'mock/tool-call',
      max_tokens: 1024,
      tools: [WEATHER],
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: forced.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_mock000003', content: 'Sunny, 21 °C' }] },
      ],
    });
    expect(answered).toMatchObject({ content: [{ type: 'text', text: HELLO }], stop_reason: 'end_turn' });
  });

  test('thinking: a thinking block with its signature before the answer, thinking_delta then signature_delta in streams', async () => {
    const message = await client.messages.create({ model: MODEL, max_tokens: 4096, thinking: { type: 'enabled', budget_tokens: 2048 }, messages: [{ role: 'user', content: 'Hello' }] });
    expect(message.content as unknown[]).toEqual([
      { type: 'thinking', thinking: 'Let me think this through step by step.', signature: expect.any(String) },
      { type: 'text', text: HELLO },
    ]);
    expect(message.usage.output_tokens).toBe(8 + 9);

    const events = await rawEvents(MODEL, { thinking: { type: 'enabled', budget_tokens: 2048 } });
    const thinking = events.filter((event) => event.data.index === 0).map((event) => [event.event, (event.data.delta as { type?: string } | undefined)?.type]);
    expect(thinking[0]).toEqual(['content_block_start', undefined]);
    expect(thinking.slice(1, -2).every(([, type]) => type === 'thinking_delta')).toBe(true);
    expect(thinking.slice(-2)).toEqual([['content_block_delta', 'signature_delta'], ['content_block_stop', undefined]]);
    expect(events.find((event) => event.event === 'content_block_start' && event.data.index === 1)?.data).toMatchObject({ content_block: { type: 'text' } });

    const stream = client.messages.stream({ model: MODEL, max_tokens: 4096, thinking: { type: 'adaptive', display: 'omitted' }, messages: [{ role: 'user', content: 'Hello' }] });
    const final = await stream.finalMessage();
    expect(final.content[0]).toEqual({ type: 'thinking', thinking: '', signature: expect.stringMatching(/.+/) });
    expect(final.content.map(blockText)).toEqual(['thinking', HELLO]);
  });

  test('count_tokens gives the input tokens a Message reports; cache reads and writes split them as Anthropic does', async () => {
    const request = { model: MODEL, system: 'You are terse.', tools: [WEATHER], messages: [{ role: 'user' as const, content: 'How many tokens is this sentence?' }] };
    const counted = await client.messages.countTokens(request);
    const message = await client.messages.create({ ...request, max_tokens: 100 });
    expect(counted).toEqual({ input_tokens: message.usage.input_tokens });
    expect(mock.requests[0]).toMatchObject({ path: '/v1/messages/count_tokens', endpoint: 'anthropic-count-tokens' });

    mock.reset();
    const cached = await client.messages.create({ model: 'mock/prompt-tokens=100,cached-tokens=60,cache-write-tokens=30', max_tokens: 100, messages: [{ role: 'user', content: 'Hi' }] });
    expect(cached.usage).toMatchObject({ input_tokens: 10, cache_read_input_tokens: 60, cache_creation_input_tokens: 30, cache_creation: { ephemeral_5m_input_tokens: 30, ephemeral_1h_input_tokens: 0 } });
    expect(mock.completedReplies[0]?.usage).toEqual({ promptTokens: 100, completionTokens: 8, totalTokens: 108, cachedTokens: 60, reasoningTokens: 0, cacheWriteTokens: 30 });
  });
});

describe('keys, headers and errors', () => {
  test("statuses surface as the SDK's typed errors with Anthropic's error types", async () => {
    const cases: [number, new (...args: never[]) => APIError, string][] = [
      [400, BadRequestError, 'invalid_request_error'],
      [401, AuthenticationError, 'authentication_error'],
      [402, PaymentRequiredError, 'billing_error'],
      [403, PermissionDeniedError, 'permission_error'],
      [404, NotFoundError, 'not_found_error'],
      [429, RateLimitError, 'rate_limit_error'],
      [500, InternalServerError, 'api_error'],
      [529, OverloadedError, 'overloaded_error'],
    ];
    for (const [status, type, errorType] of cases) {
      const error = await client.messages.create({ model: `mock/status=${status},retry-after=7`, max_tokens: 10, messages: [{ role: 'user', content: 'Hi' }] }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(type);
      expect(error).toMatchObject({ status, type: errorType, requestID: expect.stringMatching(/^req_mock\d{6}$/) });
      expect((error as APIError).error).toMatchObject({ type: 'error', error: { type: errorType, message: expect.any(String) } });
      expect((error as APIError).headers?.get('retry-after')).toBe('7');
    }
    const notFound = await client.messages.create({ model: 'mock/model-not-found', max_tokens: 10, messages: [{ role: 'user', content: 'Hi' }] }).catch((caught: unknown) => caught);
    expect((notFound as APIError).error).toMatchObject({ error: { message: 'model: mock/model-not-found' } });
    const coded = await client.messages.create({ model: 'mock/status=400,code=request_too_large', max_tokens: 10, messages: [{ role: 'user', content: 'Hi' }] }).catch((caught: unknown) => caught);
    expect(coded).toMatchObject({ status: 400, type: 'request_too_large' });
    const echoed = await raw({ model: 'mock/bad-request', max_tokens: 10, messages: [{ role: 'user', content: 'the secret prompt' }] });
    expect(await echoed.json()).toMatchObject({ error: { type: 'invalid_request_error', message: 'Invalid request: the secret prompt' } });
  });

  test('keys: x-api-key or Bearer, 401 when missing or rejected, the echo-key canary; anthropic-version required', async () => {
    const viaHeader = await raw({ model: MODEL, max_tokens: 10, messages: [{ role: 'user', content: 'Hi' }] });
    expect(viaHeader.status).toBe(200);
    expect(mock.requests[0]).toMatchObject({ apiKey: KEY, keyHeader: 'x-api-key' });

    const missing = await raw({ model: MODEL, max_tokens: 10, messages: [] }, { 'x-api-key': '' });
    expect(missing.status).toBe(401);
    expect(await missing.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error', message: 'x-api-key header is required' } });

    const rejected = await new Anthropic({ apiKey: 'sk-ant-invalid-0001', baseURL: mock.url, maxRetries: 0 }).messages.create({ model: MODEL, max_tokens: 10, messages: [{ role: 'user', content: 'Hi' }] }).catch((caught: unknown) => caught);
    expect(rejected).toBeInstanceOf(AuthenticationError);
    expect(String(rejected)).not.toContain('sk-ant-invalid-0001');

    const canary = 'sk-CANARY-ANT-1234abcd';
    const echoed = await new Anthropic({ apiKey: canary, baseURL: mock.url, maxRetries: 0 }).messages.create({ model: 'mock/echo-key', max_tokens: 10, messages: [{ role: 'user', content: 'Hi' }] }).catch((caught: unknown) => caught);
    expect(echoed).toBeInstanceOf(AuthenticationError);
    expect(JSON.stringify((echoed as APIError).error)).toContain(canary);

    const headers = { 'x-api-key': KEY, 'content-type': 'application/json' };
    const noVersion = await fetch(`${mock.url}/v1/messages`, { method: 'POST', headers, body: JSON.stringify({ model: MODEL, max_tokens: 10, messages: [] }) });
    expect(noVersion.status).toBe(400);
    expect(await noVersion.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: 'anthropic-version: header is required' } });
  });

  test('beta headers and ?beta=true are recorded; a bad mock control is an invalid_request_error', async () => {
    await client.beta.messages.create({ model: MODEL, max_tokens: 10, betas: ['interleaved-thinking-2025-05-14', 'context-1m-2025-08-07'], messages: [{ role: 'user', content: 'Hi' }] });
    expect(mock.requests[0]).toMatchObject({ path: '/v1/messages', endpoint: 'anthropic-messages' });
    expect(mock.requests[0]?.headers['anthropic-beta']).toBe('interleaved-thinking-2025-05-14,context-1m-2025-08-07');
    // Claude Code sends `?beta=true` and repeats `anthropic-beta`; the parser joins repeated headers with ", ".
    const response = await fetch(`${mock.url}/v1/messages?beta=true`, {
      method: 'POST',
      headers: [['x-api-key', KEY], ['anthropic-version', '2023-06-01'], ['anthropic-beta', 'oauth-2025-04-20'], ['anthropic-beta', 'fine-grained-tool-streaming-2025-05-14'], ['content-type', 'application/json']],
      body: JSON.stringify({ model: MODEL, max_tokens: 10, messages: [{ role: 'user', content: 'Hi' }] }),
    });
    expect(response.status).toBe(200);
    expect(mock.requests[1]).toMatchObject({ query: { beta: 'true' }, endpoint: 'anthropic-messages' });
    expect(mock.requests[1]?.headers['anthropic-beta']).toBe('oauth-2025-04-20, fine-grained-tool-streaming-2025-05-14');

    const typo = await client.messages.create({ model: 'mock/stauts=500', max_tokens: 10, messages: [{ role: 'user', content: 'Hi' }] }).catch((caught: unknown) => caught);
    expect(typo).toBeInstanceOf(BadRequestError);
    expect((typo as APIError).error).toMatchObject({ error: { type: 'invalid_request_error', message: expect.stringContaining('unknown mock control "stauts"') } });
  });
});

describe('stream faults', () => {
  test('a reset mid-stream surfaces as an error in the SDK; the stream is recorded as reset, not completed', async () => {
    const stream = await client.messages.create({ model: 'mock/reset-mid-stream', max_tokens: 1024, stream: true, messages: [{ role: 'user', content: 'Hi' }] });
    const { events, error } = await drain(stream);
    expect(error).toBeInstanceOf(Error);
    expect(String(error)).toContain('ECONNRESET');
    expect(events).toBe(19); // 20 parts were written; the SDK skips the ping
    expect(mock.requests[0]?.reply).toMatchObject({ ending: 'reset', chunksWritten: 20 });
    const helper = await client.messages.stream({ model: 'mock/fin-mid-stream', max_tokens: 1024, messages: [{ role: 'user', content: 'Hi' }] }).finalMessage().catch((caught: unknown) => caught);
    expect(helper).toBeInstanceOf(Error);
    expect(mock.requests[1]?.reply.ending).toBe('fin');
    expect(mock.completedStreams).toHaveLength(0);
  });

  test("error-event-after-chunks: Anthropic's in-band error event, thrown by the SDK as an APIError", async () => {
    const events = await rawEvents('mock/chunks=6,error-event-after-chunks=5');
    expect(events.map((event) => event.event)).toEqual(['message_start', 'content_block_start', 'ping', 'content_block_delta', 'content_block_delta', 'error']);
    expect(events.at(-1)?.data).toEqual({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
    expect(mock.requests[0]?.reply).toMatchObject({ ending: 'error-event', chunksWritten: 6, usage: undefined });

    const stream = await client.messages.create({ model: 'mock/error-event-mid-stream', max_tokens: 1024, stream: true, messages: [{ role: 'user', content: 'Hi' }] });
    const { events: yielded, error } = await drain(stream);
    expect(yielded).toBe(19);
    expect(error).toBeInstanceOf(APIError);
    expect(error).toMatchObject({ type: 'overloaded_error' });
    const typed = await rawEvents('mock/error-event-after-chunks=1,code=api_error');
    expect(typed.map((event) => event.event)).toEqual(['message_start', 'error']);
    expect(typed[1]?.data).toMatchObject({ error: { type: 'api_error' } });
    expect(mock.completedStreams).toHaveLength(0);
  });

  test('usage faults: absent, negative, huge, fractional', async () => {
    const absent = await rawEvents('mock/usage-absent');
    expect(absent.some((event) => JSON.stringify(event.data).includes('"usage"'))).toBe(false);
    expect(await (await raw({ model: 'mock/usage-absent', max_tokens: 10, messages: [{ role: 'user', content: 'Hi' }] })).json()).not.toHaveProperty('usage');
    expect(mock.completedReplies.map((reply) => reply.usage)).toEqual([undefined, undefined]);
    for (const [script, prompt] of [['usage-negative', -1_000_000], ['usage-huge', 1_000_000_000_000], ['usage-fractional', 12.5]] as const) {
      const message = await client.messages.create({ model: `mock/${script}`, max_tokens: 1024, messages: [{ role: 'user', content: 'Hi' }] });
      expect(message.usage).toMatchObject({ input_tokens: prompt, output_tokens: 8, cache_read_input_tokens: 0 });
      const events = await rawEvents(`mock/${script}`);
      expect(events[0]?.data).toMatchObject({ message: { usage: { input_tokens: prompt } } });
      expect(events.at(-2)?.data).toMatchObject({ usage: { input_tokens: prompt, output_tokens: 8 } });
    }
  });

  test('timing and framing faults: chunk delays, close-delimited bodies, CRLF events, a hang the SDK times out on', async () => {
    const started = performance.now();
    const slow = await client.messages.stream({ model: 'mock/chunks=3,chunk-delay-ms=20', max_tokens: 1024, messages: [{ role: 'user', content: 'Hi' }] }).finalMessage();
    expect(slow.content.map(blockText)).toEqual(['Hello from the']);
    expect(performance.now() - started).toBeGreaterThanOrEqual(9 * 20 - 10);

    const closed = await client.messages.stream({ model: 'mock/close-delimited', max_tokens: 1024, messages: [{ role: 'user', content: 'Hi' }] }).finalMessage();
    expect(closed.content.map(blockText)).toEqual([HELLO]);
    const crlf = await client.messages.stream({ model: MODEL, max_tokens: 1024, messages: [{ role: 'user', content: 'Hi' }] }, { headers: { 'x-mock-sse': 'crlf' } }).finalMessage();
    expect(crlf.content.map(blockText)).toEqual([HELLO]);

    const hung = await client.messages.create({ model: 'mock/hang', max_tokens: 10, messages: [{ role: 'user', content: 'Hi' }] }, { timeout: 150 }).catch((caught: unknown) => caught);
    expect(hung).toBeInstanceOf(APIConnectionTimeoutError);
    await mock.waitUntilIdle(1000);
    expect(mock.requests.at(-1)?.reply).toMatchObject({ status: undefined, ending: 'client-gone' });
  });

  test('line-bytes makes the first text_delta line, or the whole Message, exactly that long', async () => {
    const response = await raw({ model: 'mock/line-bytes=20000', max_tokens: 100_000, stream: true, messages: [{ role: 'user', content: 'Hi' }] });
    const lines = (await response.text()).split('\n').filter((line) => line.startsWith('data: '));
    expect(lines.filter((line) => Buffer.byteLength(line) === 20_000)).toHaveLength(1);
    expect(mock.completedStreams[0]?.usage?.completionTokens).toBeGreaterThan(4000);
    const plain = await (await raw({ model: 'mock/line-bytes=3000', max_tokens: 100_000, messages: [{ role: 'user', content: 'Hi' }] })).text();
    expect(Buffer.byteLength(plain)).toBe(3000);
  });

  test('replies are deterministic: the same request after reset gives the same bytes', async () => {
    const body = { model: MODEL, max_tokens: 1024, stream: true, thinking: { type: 'enabled', budget_tokens: 1024 }, messages: [{ role: 'user', content: 'Hi' }] };
    const first = await (await raw(body)).text();
    mock.reset();
    expect(await (await raw(body)).text()).toBe(first);
  });
});
