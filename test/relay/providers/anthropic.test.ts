/**
 * The `anthropic` adapter with plain data: the Messages request it builds
 * (https://docs.anthropic.com/en/api/messages), the error mapping of https://docs.anthropic.com/en/api/errors
 * (bodies as Anthropic documents them), usage in the hub's semantics, and the answer converters it lends.
 */
import { describe, expect, test } from 'bun:test';
import { UpstreamError } from '../../../src/relay/errors.ts';
import { anthropicAdapter, anthropicBetaHeader, anthropicMessagesUrl } from '../../../src/relay/providers/anthropic.ts';
import { REDACTED } from '../../../src/security/redact.ts';
import { chat, headers, sentJson, target } from './provider-fixtures.ts';

const ANTHROPIC_KEY = 'sk-ant-api03-Qw3rTy8uIoP1aSdFgHjKlZxCvBnM0987654321';
const channel = (overrides: Parameters<typeof target>[0] = {}) =>
  target({ type: 'anthropic', baseUrl: 'https://api.anthropic.com', key: ANTHROPIC_KEY, upstreamModel: 'claude-sonnet-4-5', ...overrides });

const anthropicError = (type: string, message: string): string => JSON.stringify({ type: 'error', error: { type, message }, request_id: 'req_011CSHoEeqs5C35K2UUqR7Fy' });

describe('anthropic adapter: request', () => {
  test('POST <base>/v1/messages with x-api-key, anthropic-version and the converted body', () => {
    const upstream = anthropicAdapter.buildRequest(chat({ max_tokens: 256, messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hello' }] }), channel());
    expect(upstream.url).toBe('https://api.anthropic.com/v1/messages');
    expect(upstream.method).toBe('POST');
    expect(upstream.headers).toEqual({ 'x-api-key': ANTHROPIC_KEY, 'anthropic-version': '2023-06-01', 'content-type': 'application/json', accept: 'application/json' });
    expect(sentJson(upstream)).toEqual({ model: 'claude-sonnet-4-5', max_tokens: 256, system: 'Be brief.', messages: [{ role: 'user', content: 'Hello' }] });
  });

  test('stream: stream true in the body and an event-stream Accept; no stream_options (Anthropic always reports usage)', () => {
    const upstream = anthropicAdapter.buildRequest(chat({ stream: true, stream_options: { include_usage: true } }, true), channel());
    expect(sentJson(upstream)).toMatchObject({ stream: true, max_tokens: 8192 });
    expect(sentJson(upstream).stream_options).toBeUndefined();
    expect(upstream.headers.accept).toBe('text/event-stream');
    expect(anthropicAdapter.streamUsage).toBe(false);
    expect([...anthropicAdapter.endpoints]).toEqual(['chat-completions']);
  });

  test('base URLs: trailing slash, already versioned, a proxy path, and the default when empty', () => {
    expect(anthropicMessagesUrl('https://api.anthropic.com/')).toBe('https://api.anthropic.com/v1/messages');
    expect(anthropicMessagesUrl('https://proxy.example.com/anthropic/v1')).toBe('https://proxy.example.com/anthropic/v1/messages');
    expect(anthropicMessagesUrl('https://proxy.example.com/anthropic')).toBe('https://proxy.example.com/anthropic/v1/messages');
    expect(anthropicMessagesUrl('')).toBe('https://api.anthropic.com/v1/messages');
  });

  test('anthropic-beta from the channel setting; a value with CR/LF is never sent', () => {
    const beta = anthropicAdapter.buildRequest(chat({}), channel({ settings: { anthropic_beta: 'context-1m-2025-08-07' } }));
    expect(beta.headers['anthropic-beta']).toBe('context-1m-2025-08-07');
    const injected = anthropicAdapter.buildRequest(chat({}), channel({ settings: { anthropic_beta: 'x\r\nx-evil: 1' } }));
    expect(injected.headers['anthropic-beta']).toBeUndefined();
    expect(anthropicAdapter.buildRequest(chat({}), channel()).headers['anthropic-beta']).toBeUndefined();
  });

  test('input Messages cannot express is a 400 UpstreamError naming the field, not retried', () => {
    let thrown: unknown;
    try {
      anthropicAdapter.buildRequest(chat({ n: 2 }), channel());
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(UpstreamError);
    expect(thrown).toMatchObject({ status: 400, code: 'invalid_request', retryable: false, channelAtFault: false });
    expect((thrown as UpstreamError).message).toContain('n:');
  });
});

describe('anthropic adapter: errors', () => {
  const table: { status: number; type: string; message: string; retryable: boolean; fault: 'key' | 'channel' | false }[] = [
    { status: 400, type: 'invalid_request_error', message: 'messages: roles must alternate between "user" and "assistant"', retryable: false, fault: false },
    { status: 401, type: 'authentication_error', message: 'invalid x-api-key', retryable: true, fault: 'key' },
    { status: 402, type: 'billing_error', message: 'Your credit balance is too low to access the Anthropic API.', retryable: true, fault: 'key' },
    // The type decides, whatever the status.
    { status: 400, type: 'billing_error', message: 'Your credit balance is too low to access the Anthropic API.', retryable: true, fault: 'key' },
    { status: 403, type: 'permission_error', message: 'Your API key does not have permission to use the specified resource.', retryable: true, fault: 'key' },
    { status: 404, type: 'not_found_error', message: 'model: claude-9', retryable: true, fault: false },
    { status: 413, type: 'request_too_large', message: 'Request exceeds the maximum allowed number of bytes.', retryable: true, fault: false },
    { status: 429, type: 'rate_limit_error', message: 'This request would exceed your rate limit.', retryable: true, fault: false },
    { status: 500, type: 'api_error', message: 'Internal server error', retryable: true, fault: false },
    { status: 529, type: 'overloaded_error', message: 'Overloaded', retryable: true, fault: false },
  ];
  for (const row of table) {
    test(`${row.status} ${row.type}`, () => {
      const error = anthropicAdapter.parseError(row.status, headers(), anthropicError(row.type, row.message));
      expect(error).toBeInstanceOf(UpstreamError);
      expect({ status: error.status, code: error.code, message: error.message, retryable: error.retryable, fault: error.channelAtFault }).toEqual({
        status: row.status,
        code: row.type,
        message: row.message,
        retryable: row.retryable,
        fault: row.fault,
      });
    });
  }

  test('429 carries Retry-After; a non-JSON 502 from a proxy is still retried', () => {
    const limited = anthropicAdapter.parseError(429, headers({ 'retry-after': '12' }), anthropicError('rate_limit_error', 'slow down'));
    expect(limited.retryAfterMs).toBe(12_000);
    expect(anthropicAdapter.parseError(502, headers(), '<html>Bad Gateway</html>')).toMatchObject({ code: 'http_502', retryable: true, channelAtFault: false });
  });

  test('the channel key is redacted from the message and the logged body', () => {
    const echoed = anthropicError('authentication_error', `invalid x-api-key: ${ANTHROPIC_KEY}`);
    const error = anthropicAdapter.parseError(401, headers(), echoed, { secrets: [ANTHROPIC_KEY] });
    for (const text of [error.message, error.upstreamBody ?? '']) {
      expect(text).not.toContain(ANTHROPIC_KEY.slice(-12));
      expect(text).not.toContain('sk-ant-api03');
      expect(text).toContain(REDACTED);
    }
  });
});

describe('anthropic adapter: usage and answers', () => {
  const message = {
    id: 'msg_013Zva2CMHLNnXjNJJKqJ2EF',
    type: 'message',
    role: 'assistant',
    model: 'claude-sonnet-4-5',
    content: [{ type: 'text', text: 'Hi! My name is Claude.' }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: 2095, output_tokens: 503, cache_creation_input_tokens: 100, cache_read_input_tokens: 1000 },
  };

  test('usage in the hub semantics: the prompt includes cache reads and writes', () => {
    expect(anthropicAdapter.readUsage(message)).toEqual({
      promptTokens: 3195,
      completionTokens: 503,
      totalTokens: 3698,
      cachedTokens: 1000,
      cacheWriteTokens: 100,
      reasoningTokens: 0,
      imageInputTokens: 0,
      audioInputTokens: 0,
      audioOutputTokens: 0,
      estimated: false,
      clamped: false,
    });
    expect(anthropicAdapter.readUsage({ type: 'message' })).toBeUndefined();
  });

  test('translate: a Message becomes a chat.completion; a stream becomes chunks ending completed', () => {
    const translation = anthropicAdapter.translate?.(chat({}), channel());
    expect(translation).toBeDefined();
    const completion = translation?.response(message);
    expect(completion).toMatchObject({ object: 'chat.completion', choices: [{ message: { role: 'assistant', content: 'Hi! My name is Claude.' }, finish_reason: 'stop' }] });
    expect(completion?.usage).toMatchObject({ prompt_tokens: 3195, completion_tokens: 503, prompt_tokens_details: { cached_tokens: 1000 } });

    const stream = translation?.stream();
    const event = (type: string, data: Record<string, unknown>) => ({ event: type, data: JSON.stringify({ type, ...data }) });
    const chunks = [
      event('message_start', { message: { ...message, content: [], stop_reason: null, usage: { input_tokens: 25, output_tokens: 1 } } }),
      event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
      event('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'Hello' } }),
      event('content_block_stop', { index: 0 }),
      event('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 15 } }),
    ].flatMap((native) => stream?.push(native) ?? []);
    expect(stream?.completed).toBe(false);
    expect(chunks.map((chunk) => (chunk.choices as { delta: unknown }[])[0]?.delta)).toEqual([{ role: 'assistant', content: '' }, { content: 'Hello' }]);
    const end = stream?.push(event('message_stop', {})) ?? [];
    expect(stream?.completed).toBe(true);
    expect(end.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 25, completion_tokens: 15 } });
    expect(stream?.usage()).toMatchObject({ promptTokens: 25, completionTokens: 15, estimated: false });
    expect(() => stream?.push(event('error', { error: { type: 'overloaded_error', message: 'Overloaded' } }))).not.toThrow();
  });
});

describe('anthropic-beta', () => {
  test("the channel's names first, then the client's, each once; malformed names dropped", () => {
    expect(anthropicBetaHeader(undefined, undefined)).toBeUndefined();
    expect(anthropicBetaHeader(' context-1m-2025-08-07 , ', ['a-2025', 'context-1m-2025-08-07'])).toBe('context-1m-2025-08-07,a-2025');
    expect(anthropicBetaHeader(undefined, ['ok-1', 'bad\r\nx-injected: 1', 'spaces inside', ''])).toBe('ok-1');
  });
});
