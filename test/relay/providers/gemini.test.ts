/**
 * The `gemini` adapter with plain data: the generateContent and batchEmbedContents requests it builds
 * (https://ai.google.dev/api/generate-content, https://ai.google.dev/api/embeddings), the error mapping for the
 * bodies of https://ai.google.dev/gemini-api/docs/troubleshooting#error-codes, usage in the hub's semantics
 * (https://ai.google.dev/api/generate-content#UsageMetadata), and the answer converters it lends.
 */
import { describe, expect, test } from 'bun:test';
import { createGeminiOutbound } from '../../../src/relay/dialects/gemini/outbound.ts';
import { UpstreamError } from '../../../src/relay/errors.ts';
import { createGeminiAdapter, geminiAdapter, geminiMethodUrl } from '../../../src/relay/providers/gemini.ts';
import { REDACTED } from '../../../src/security/redact.ts';
import { estimatePromptTokens } from '../../../src/tokenizer/count.ts';
import { chat, headers, request, sentJson, target } from './provider-fixtures.ts';

const GEMINI_KEY = 'AIzaSyD3mO4kEy8uIoP1aSdFgHjKlZxCvBnM09876';
const channel = (overrides: Parameters<typeof target>[0] = {}) =>
  target({ type: 'gemini', baseUrl: 'https://generativelanguage.googleapis.com', key: GEMINI_KEY, upstreamModel: 'gemini-2.5-flash', ...overrides });

const googleError = (code: number, status: string, message: string, details?: unknown[]): string =>
  JSON.stringify({ error: { code, message, status, ...(details === undefined ? {} : { details }) } });

function thrownBy(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('gemini adapter: request', () => {
  test('POST <base>/v1beta/models/<model>:generateContent with x-goog-api-key and the converted body', () => {
    const upstream = geminiAdapter.buildRequest(chat({ max_tokens: 256, temperature: 0, messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hello' }] }), channel());
    expect(upstream.url).toBe('https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent');
    expect(upstream.method).toBe('POST');
    expect(upstream.headers).toEqual({ 'x-goog-api-key': GEMINI_KEY, 'content-type': 'application/json', accept: 'application/json' });
    expect(upstream.url).not.toContain(GEMINI_KEY);
    expect(sentJson(upstream)).toEqual({
      contents: [{ role: 'user', parts: [{ text: 'Hello' }] }],
      systemInstruction: { parts: [{ text: 'Be brief.' }] },
      // The explicit 0 survives.
      generationConfig: { maxOutputTokens: 256, temperature: 0 },
    });
  });

  test('stream: :streamGenerateContent?alt=sse, an event-stream Accept, nothing stream-specific in the body', () => {
    const upstream = geminiAdapter.buildRequest(chat({ stream: true, stream_options: { include_usage: true } }, true), channel());
    expect(upstream.url).toBe('https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse');
    expect(upstream.headers.accept).toBe('text/event-stream');
    const body = sentJson(upstream);
    expect(body.stream).toBeUndefined();
    expect(body.stream_options).toBeUndefined();
    expect(geminiAdapter.streamUsage).toBe(false);
  });

  test('thinking suffixes are stripped from the URL and become a thinking budget', () => {
    const thinking = geminiAdapter.buildRequest(chat({}), channel({ upstreamModel: 'gemini-2.5-pro-thinking-128' }));
    expect(thinking.url).toEndWith('/models/gemini-2.5-pro:generateContent');
    expect(sentJson(thinking).generationConfig).toMatchObject({ thinkingConfig: { thinkingBudget: 128 } });
    const off = geminiAdapter.buildRequest(chat({}), channel({ upstreamModel: 'gemini-2.5-flash-nothinking' }));
    expect(off.url).toEndWith('/models/gemini-2.5-flash:generateContent');
    expect(sentJson(off).generationConfig).toMatchObject({ thinkingConfig: { thinkingBudget: 0 } });
  });

  test('the model is one encoded path segment: no climbing out of the path, no second method', () => {
    expect(geminiMethodUrl('https://g.example', 'mock/tool-call', 'generateContent')).toBe('https://g.example/v1beta/models/mock%2Ftool-call:generateContent');
    expect(geminiMethodUrl('https://g.example', '../../admin?x=1#', 'generateContent')).toBe('https://g.example/v1beta/models/..%2F..%2Fadmin%3Fx%3D1%23:generateContent');
    expect(geminiMethodUrl('https://g.example', 'a:b', 'generateContent')).toBe('https://g.example/v1beta/models/a%3Ab:generateContent');
    expect(thrownBy(() => geminiMethodUrl('https://g.example', '-thinking', 'generateContent'))).toMatchObject({ status: 400, code: 'invalid_model_name', retryable: false });
  });

  test('base URLs: trailing slash, already versioned (v1beta, v1), a proxy path, and the default when empty', () => {
    expect(geminiMethodUrl('https://generativelanguage.googleapis.com/', 'm', 'generateContent')).toBe('https://generativelanguage.googleapis.com/v1beta/models/m:generateContent');
    expect(geminiMethodUrl('https://proxy.example.com/google/v1beta', 'm', 'generateContent')).toBe('https://proxy.example.com/google/v1beta/models/m:generateContent');
    expect(geminiMethodUrl('https://proxy.example.com/google/v1/', 'm', 'streamGenerateContent')).toBe('https://proxy.example.com/google/v1/models/m:streamGenerateContent?alt=sse');
    expect(geminiMethodUrl('https://proxy.example.com/google', 'm', 'batchEmbedContents')).toBe('https://proxy.example.com/google/v1beta/models/m:batchEmbedContents');
    expect(geminiMethodUrl('', 'm', 'generateContent')).toBe('https://generativelanguage.googleapis.com/v1beta/models/m:generateContent');
  });

  test('input generateContent cannot express is a 400 UpstreamError naming the field, not retried', () => {
    const thrown = thrownBy(() => geminiAdapter.buildRequest(chat({ messages: [{ role: 'narrator', content: 'x' }] }), channel()));
    expect(thrown).toBeInstanceOf(UpstreamError);
    expect(thrown).toMatchObject({ status: 400, code: 'invalid_request', retryable: false, channelAtFault: false });
    expect((thrown as UpstreamError).message).toContain('messages[0].role');
  });

  test('other endpoints are not served', () => {
    expect([...geminiAdapter.endpoints].sort()).toEqual(['chat-completions', 'embeddings']);
    const thrown = thrownBy(() => geminiAdapter.buildRequest(request('moderations', { input: 'x' }), channel()));
    expect(thrown).toMatchObject({ status: 501, code: 'endpoint_not_supported' });
  });
});

describe('gemini adapter: errors', () => {
  const apiKeyInvalid = [
    { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', domain: 'googleapis.com', metadata: { service: 'generativelanguage.googleapis.com' } },
    { '@type': 'type.googleapis.com/google.rpc.LocalizedMessage', locale: 'en-US', message: 'API key not valid. Please pass a valid API key.' },
  ];
  const table: { name: string; status: number; body: string; reported: number; code: string; retryable: boolean; fault: 'key' | 'channel' | false }[] = [
    {
      name: '400 API_KEY_INVALID is the key\'s, reported as 401',
      status: 400,
      body: googleError(400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.', apiKeyInvalid),
      reported: 401,
      code: 'API_KEY_INVALID',
      retryable: true,
      fault: 'key',
    },
    { name: '400 INVALID_ARGUMENT is the client\'s', status: 400, body: googleError(400, 'INVALID_ARGUMENT', 'Request contains an invalid argument.'), reported: 400, code: 'INVALID_ARGUMENT', retryable: false, fault: false },
    { name: '400 FAILED_PRECONDITION (region) is the channel\'s', status: 400, body: googleError(400, 'FAILED_PRECONDITION', 'User location is not supported for the API use.'), reported: 400, code: 'FAILED_PRECONDITION', retryable: true, fault: 'channel' },
    { name: '401 UNAUTHENTICATED', status: 401, body: googleError(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials.'), reported: 401, code: 'UNAUTHENTICATED', retryable: true, fault: 'key' },
    { name: '403 PERMISSION_DENIED', status: 403, body: googleError(403, 'PERMISSION_DENIED', 'The caller does not have permission'), reported: 403, code: 'PERMISSION_DENIED', retryable: true, fault: 'key' },
    { name: '404 NOT_FOUND', status: 404, body: googleError(404, 'NOT_FOUND', 'models/gemini-9 is not found for API version v1beta'), reported: 404, code: 'NOT_FOUND', retryable: true, fault: false },
    { name: '429 RESOURCE_EXHAUSTED', status: 429, body: googleError(429, 'RESOURCE_EXHAUSTED', 'You exceeded your current quota.'), reported: 429, code: 'RESOURCE_EXHAUSTED', retryable: true, fault: false },
    { name: '500 INTERNAL', status: 500, body: googleError(500, 'INTERNAL', 'An internal error has occurred.'), reported: 500, code: 'INTERNAL', retryable: true, fault: false },
    { name: '503 UNAVAILABLE', status: 503, body: googleError(503, 'UNAVAILABLE', 'The model is overloaded. Please try again later.'), reported: 503, code: 'UNAVAILABLE', retryable: true, fault: false },
    { name: '504 DEADLINE_EXCEEDED is not retried (New API ranges)', status: 504, body: googleError(504, 'DEADLINE_EXCEEDED', 'Deadline expired.'), reported: 504, code: 'DEADLINE_EXCEEDED', retryable: false, fault: false },
    { name: 'a non-JSON 502 from a proxy', status: 502, body: '<html>Bad Gateway</html>', reported: 502, code: 'http_502', retryable: true, fault: false },
    { name: 'a non-JSON 401 is still the key\'s', status: 401, body: 'Unauthorized', reported: 401, code: 'http_401', retryable: true, fault: 'key' },
  ];
  for (const row of table) {
    test(row.name, () => {
      const error = geminiAdapter.parseError(row.status, headers(), row.body);
      expect(error).toBeInstanceOf(UpstreamError);
      expect({ status: error.status, code: error.code, retryable: error.retryable, fault: error.channelAtFault }).toEqual({
        status: row.reported,
        code: row.code,
        retryable: row.retryable,
        fault: row.fault,
      });
    });
  }

  test('the message is Google\'s; an empty body says so', () => {
    expect(geminiAdapter.parseError(400, headers(), googleError(400, 'INVALID_ARGUMENT', 'Request contains an invalid argument.')).message).toBe('Request contains an invalid argument.');
    expect(geminiAdapter.parseError(500, headers(), '').message).toBe('the upstream answered HTTP 500 with an empty body');
  });

  test('429: the delay from Retry-After, else from google.rpc.RetryInfo', () => {
    const retryInfo = [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '38.5s' }];
    const body = googleError(429, 'RESOURCE_EXHAUSTED', 'You exceeded your current quota.', retryInfo);
    expect(geminiAdapter.parseError(429, headers(), body).retryAfterMs).toBe(38_500);
    expect(geminiAdapter.parseError(429, headers({ 'retry-after': '5' }), body).retryAfterMs).toBe(5_000);
    expect(geminiAdapter.parseError(429, headers(), googleError(429, 'RESOURCE_EXHAUSTED', 'quota')).retryAfterMs).toBeUndefined();
  });

  test('the channel key is redacted from the message and the logged body', () => {
    const echoed = googleError(401, 'UNAUTHENTICATED', `API key not valid: ${GEMINI_KEY}. Please pass a valid API key.`);
    const error = geminiAdapter.parseError(401, headers(), echoed, { secrets: [GEMINI_KEY] });
    for (const text of [error.message, error.upstreamBody ?? '']) {
      expect(text).not.toContain(GEMINI_KEY.slice(-12));
      expect(text).toContain(REDACTED);
    }
  });
});

describe('gemini adapter: usage and answers', () => {
  const adapter = createGeminiAdapter(createGeminiOutbound({ now: () => 1_750_000_000_000 }));
  const answer = {
    candidates: [{ content: { role: 'model', parts: [{ text: 'Thinking it over.', thought: true }, { text: 'Hi! I am Gemini.' }] }, finishReason: 'STOP', index: 0 }],
    usageMetadata: { promptTokenCount: 120, candidatesTokenCount: 30, thoughtsTokenCount: 50, cachedContentTokenCount: 100, totalTokenCount: 200 },
    modelVersion: 'gemini-2.5-flash',
    responseId: 'mAitaLmkHPPlz7IPvtfUqQ4',
  };

  test('usage in the hub semantics: completion includes thoughts, prompt includes cached tokens', () => {
    expect(adapter.readUsage(answer)).toEqual({
      promptTokens: 120,
      completionTokens: 80,
      totalTokens: 200,
      cachedTokens: 100,
      cacheWriteTokens: 0,
      reasoningTokens: 50,
      imageInputTokens: 0,
      audioInputTokens: 0,
      audioOutputTokens: 0,
      estimated: false,
      clamped: false,
    });
    expect(adapter.readUsage({ candidates: [] })).toBeUndefined();
  });

  test('translate: an answer becomes a chat.completion; a stream becomes chunks, completed at the finishReason', () => {
    const translation = adapter.translate?.(chat({}), channel());
    expect(translation).toBeDefined();
    const completion = translation?.response(answer);
    expect(completion).toMatchObject({
      id: 'mAitaLmkHPPlz7IPvtfUqQ4',
      object: 'chat.completion',
      created: 1_750_000_000,
      choices: [{ message: { role: 'assistant', content: 'Hi! I am Gemini.', reasoning_content: 'Thinking it over.' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 120, completion_tokens: 80, prompt_tokens_details: { cached_tokens: 100 }, completion_tokens_details: { reasoning_tokens: 50 } },
    });

    const stream = translation?.stream();
    const event = (data: unknown) => ({ event: undefined, data: JSON.stringify(data) });
    const first = stream?.push(event({ candidates: [{ content: { role: 'model', parts: [{ text: 'Hello' }] }, index: 0 }], usageMetadata: { promptTokenCount: 9, totalTokenCount: 9 } })) ?? [];
    expect(stream?.completed).toBe(false);
    expect(first.map((chunk) => (chunk.choices as { delta: unknown }[])[0]?.delta)).toEqual([{ role: 'assistant', content: '' }, { content: 'Hello' }]);
    const last = stream?.push(event({ candidates: [{ content: { role: 'model', parts: [{ text: ' there' }] }, finishReason: 'STOP', index: 0 }], usageMetadata: { promptTokenCount: 9, candidatesTokenCount: 2, totalTokenCount: 11 } })) ?? [];
    expect(stream?.completed).toBe(true);
    expect(last.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 9, completion_tokens: 2 } });
    expect(stream?.usage()).toMatchObject({ promptTokens: 9, completionTokens: 2, estimated: false });
  });

  test('an in-band error event throws an UpstreamError with Google\'s status name', () => {
    const stream = adapter.translate?.(chat({}, true), channel())?.stream();
    const thrown = thrownBy(() => stream?.push({ event: undefined, data: googleError(503, 'UNAVAILABLE', 'The model is overloaded.') }));
    expect(thrown).toMatchObject({ status: 503, code: 'UNAVAILABLE', retryable: true });
  });
});

describe('gemini adapter: embeddings', () => {
  const embed = (body: Record<string, unknown>) => request('embeddings', { model: 'text-embedding-004', ...body });
  const embeddingChannel = channel({ upstreamModel: 'text-embedding-004' });

  test('a string or an array of strings → one batchEmbedContents request per input, each naming the model', () => {
    const one = geminiAdapter.buildRequest(embed({ input: 'hello world' }), embeddingChannel);
    expect(one.url).toBe('https://generativelanguage.googleapis.com/v1beta/models/text-embedding-004:batchEmbedContents');
    expect(one.headers['x-goog-api-key']).toBe(GEMINI_KEY);
    expect(sentJson(one)).toEqual({ requests: [{ model: 'models/text-embedding-004', content: { parts: [{ text: 'hello world' }] } }] });
    const many = geminiAdapter.buildRequest(embed({ input: ['a', 'b'], dimensions: 256 }), embeddingChannel);
    expect(sentJson(many)).toEqual({
      requests: [
        { model: 'models/text-embedding-004', content: { parts: [{ text: 'a' }] }, outputDimensionality: 256 },
        { model: 'models/text-embedding-004', content: { parts: [{ text: 'b' }] }, outputDimensionality: 256 },
      ],
    });
  });

  test('token arrays, an empty list, a bad encoding_format or dimensions are 400s naming the field', () => {
    for (const [body, field] of [
      [{ input: [1, 2, 3] }, 'input:'],
      [{ input: [] }, 'input:'],
      [{ input: 'x', encoding_format: 'int8' }, 'encoding_format:'],
      [{ input: 'x', dimensions: 0 }, 'dimensions:'],
    ] as const) {
      const thrown = thrownBy(() => geminiAdapter.buildRequest(embed(body), embeddingChannel));
      expect(thrown).toMatchObject({ status: 400, code: 'invalid_request', retryable: false, channelAtFault: false });
      expect((thrown as UpstreamError).message).toStartWith(field);
    }
  });

  test('the answer → an OpenAI embeddings list, usage the local estimate (Gemini reports none)', () => {
    const relayed = embed({ input: ['a', 'b'] });
    const translation = geminiAdapter.translate?.(relayed, embeddingChannel);
    const list = translation?.response({ embeddings: [{ values: [0.5, -0.25] }, { values: [1, 0] }] });
    const estimate = estimatePromptTokens('text-embedding-004', relayed.body as Record<string, unknown>, 'embeddings');
    expect(list).toEqual({
      object: 'list',
      data: [
        { object: 'embedding', index: 0, embedding: [0.5, -0.25] },
        { object: 'embedding', index: 1, embedding: [1, 0] },
      ],
      model: 'text-embedding-004',
      usage: { prompt_tokens: estimate, total_tokens: estimate },
    });
    expect(estimate).toBeGreaterThan(0);
    expect(geminiAdapter.readUsage({ embeddings: [] })).toBeUndefined();
  });

  test('encoding_format base64: little-endian float32 bytes, as OpenAI sends them', () => {
    const translation = geminiAdapter.translate?.(embed({ input: 'a', encoding_format: 'base64' }), embeddingChannel);
    const list = translation?.response({ embeddings: [{ values: [0.5, -0.25] }] });
    const encoded = (list?.data as { embedding: string }[])[0]?.embedding ?? '';
    expect([...new Float32Array(new Uint8Array(Buffer.from(encoded, 'base64')).buffer)]).toEqual([0.5, -0.25]);
  });

  test('an answer without numeric embeddings is a failed attempt', () => {
    const translation = geminiAdapter.translate?.(embed({ input: 'a' }), embeddingChannel);
    expect(thrownBy(() => translation?.response({ embeddings: [{ values: ['x'] }] }))).toMatchObject({ code: 'bad_response_body', retryable: true });
    expect(thrownBy(() => translation?.response({}))).toMatchObject({ code: 'bad_response_body' });
  });
});
