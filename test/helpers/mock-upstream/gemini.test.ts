/**
 * The mock upstream's Gemini dialect, driven by the official `@google/genai` SDK (and by raw fetches where the
 * SDK hides the wire): generateContent and its stream, function calling, thinking, countTokens, embeddings,
 * errors as the SDK's ApiError, and the stream faults of reliability.md 3.2 applied to Gemini's stream.
 */
import { ApiError, FunctionCallingConfigMode, GoogleGenAI, Type } from '@google/genai';
import { afterAll, beforeEach, describe, expect, test } from 'bun:test';
import { parseSse, startMockUpstream, type MockUpstream } from '../mock-upstream.ts';

const mock: MockUpstream = await startMockUpstream();
afterAll(() => mock.stop());
beforeEach(() => mock.reset());

const KEY = 'AIza-mock-gemini-key-0001';
const MODEL = 'gemini-2.5-flash';
/** The 3.x SDK calls `/v1/…` by default; `v1beta` is what most other clients use. */
const ai = new GoogleGenAI({ apiKey: KEY, httpOptions: { baseUrl: mock.url } });
const beta = new GoogleGenAI({ apiKey: KEY, httpOptions: { baseUrl: mock.url, apiVersion: 'v1beta' } });
const HELLO = 'Hello from the mock upstream with a quick';
const WEATHER_TOOLS = [
  {
    functionDeclarations: [
      {
        name: 'get_weather',
        description: 'The weather in a city',
        parameters: { type: Type.OBJECT, properties: { city: { type: Type.STRING }, days: { type: Type.INTEGER } }, required: ['city'] },
      },
    ],
  },
];

function raw(path: string, body: unknown, headers: Record<string, string> = { 'x-goog-api-key': KEY }): Promise<Response> {
  return fetch(`${mock.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
}

const HI = { contents: [{ role: 'user', parts: [{ text: 'Hello' }] }] };

async function failure(promise: Promise<unknown>): Promise<ApiError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof ApiError)) throw new Error(`expected an ApiError, got ${String(error)}`);
  return error;
}

/** An ApiError's message is the error body as JSON. */
function errorBody(error: ApiError): { error: { code: number; message: string; status: string; details?: unknown[] } } {
  return JSON.parse(error.message) as { error: { code: number; message: string; status: string; details?: unknown[] } };
}

describe('generateContent', () => {
  test('a GenerateContentResponse with usageMetadata; the model comes from the URL and the request is recorded', async () => {
    const response = await ai.models.generateContent({ model: MODEL, contents: 'Hello there' });
    expect(response.text).toBe(HELLO);
    expect(response.candidates).toEqual([{ content: { parts: [{ text: HELLO }], role: 'model' }, finishReason: 'STOP' as never, index: 0 }]);
    expect(response.usageMetadata).toEqual({ promptTokenCount: 3, candidatesTokenCount: 8, totalTokenCount: 11, promptTokensDetails: [{ modality: 'TEXT' as never, tokenCount: 3 }] });
    expect([response.modelVersion, response.responseId]).toEqual([MODEL, 'mock000001']);
    expect(mock.requests[0]).toMatchObject({
      path: `/v1/models/${MODEL}:generateContent`,
      endpoint: 'gemini-generate-content',
      form: 'gemini',
      model: MODEL,
      apiKey: KEY,
      keyHeader: 'x-goog-api-key',
      reply: { status: 200, ending: 'completed' },
    });
    expect(mock.completedReplies[0]).toEqual({ requestIndex: 1, endpoint: 'gemini-generate-content', model: MODEL, apiKey: KEY, stream: false, usage: { promptTokens: 3, completionTokens: 8, totalTokens: 11, cachedTokens: 0, reasoningTokens: 0 }, chunks: 1, text: HELLO });

    await beta.models.generateContent({ model: MODEL, contents: 'Hello' });
    expect(mock.requests[1]?.path).toBe(`/v1beta/models/${MODEL}:generateContent`);
  });

  test('the mock/<script> convention works in the URL path, plain or URL-encoded; maxOutputTokens cuts with MAX_TOKENS', async () => {
    const plain = await ai.models.generateContent({ model: 'mock/chunks=2', contents: 'Hello' });
    expect(plain.text).toBe('Hello from');
    expect(mock.requests[0]).toMatchObject({ path: '/v1/models/mock/chunks=2:generateContent', model: 'mock/chunks=2', controls: { chunks: 2 } });
    const encoded = await raw(`/v1beta/models/${encodeURIComponent('mock/chunks=3,cached-tokens=1')}:generateContent`, HI);
    expect(await encoded.json()).toMatchObject({ candidates: [{ content: { parts: [{ text: 'Hello from the' }] } }], usageMetadata: { cachedContentTokenCount: 1, cacheTokensDetails: [{ modality: 'TEXT', tokenCount: 1 }] } });
    expect(mock.requests[1]).toMatchObject({ model: 'mock/chunks=3,cached-tokens=1', controls: { chunks: 3, cachedTokens: 1 } });
    const cut = await ai.models.generateContent({ model: MODEL, contents: 'Hello', config: { maxOutputTokens: 2 } });
    expect(cut.candidates?.[0]).toMatchObject({ finishReason: 'MAX_TOKENS', content: { parts: [{ text: 'Hello from' }] } });
    const empty = await raw(`/v1beta/models/${MODEL}:generateContent`, { contents: [] });
    expect([empty.status, await empty.json()]).toEqual([400, { error: { code: 400, message: '* GenerateContentRequest.contents: contents is not specified\n', status: 'INVALID_ARGUMENT' } }]);
  });

  test('a stream is data-only SSE framed with CRLF, no [DONE]; the text is split and the last event has finishReason and usage', async () => {
    const chunks = [];
    for await (const chunk of await ai.models.generateContentStream({ model: MODEL, contents: 'Hello' })) chunks.push(chunk);
    expect(chunks).toHaveLength(8);
    expect(chunks.map((chunk) => chunk.text).join('')).toBe(HELLO);
    expect(chunks.slice(0, -1).every((chunk) => chunk.candidates?.[0]?.finishReason === undefined)).toBe(true);
    expect(chunks[0]?.usageMetadata).toEqual({ promptTokenCount: 2, totalTokenCount: 2, promptTokensDetails: [{ modality: 'TEXT' as never, tokenCount: 2 }] });
    expect(chunks.at(-1)?.candidates?.[0]?.finishReason).toBe('STOP' as never);
    expect(chunks.at(-1)?.usageMetadata).toMatchObject({ promptTokenCount: 2, candidatesTokenCount: 8, totalTokenCount: 10 });
    expect(mock.requests[0]).toMatchObject({ path: `/v1/models/${MODEL}:streamGenerateContent`, query: { alt: 'sse' }, endpoint: 'gemini-stream-generate-content' });
    expect(mock.completedStreams[0]).toMatchObject({ stream: true, chunks: 8, text: HELLO, usage: { promptTokens: 2, completionTokens: 8 } });

    const response = await raw(`/v1beta/models/mock/chunks=3:streamGenerateContent?alt=sse`, HI);
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const body = await response.text();
    expect(body).toStartWith('data: {"candidates":');
    expect(body.split('\r\n\r\n')).toHaveLength(4);
    expect(body).not.toContain('[DONE]');
    expect(body).not.toContain('event:');
    expect(parseSse(body).map((event) => (JSON.parse(event.data) as { candidates: { content: { parts: { text: string }[] } }[] }).candidates[0]?.content.parts[0]?.text)).toEqual(['Hello', ' from', ' the']);

    // Without alt=sse Google streams one JSON array.
    const array = await raw(`/v1beta/models/mock/chunks=3:streamGenerateContent`, HI);
    expect(array.headers.get('content-type')).toBe('application/json; charset=UTF-8');
    expect((JSON.parse(await array.text()) as unknown[]).length).toBe(3);
  });

  test('function calling: functionCall parts when tools are offered and the tool-call control is on; a functionResponse gets text', async () => {
    const called = await ai.models.generateContent({ model: 'mock/tool-call', contents: 'Weather in Paris?', config: { tools: WEATHER_TOOLS } });
    expect(called.functionCalls).toEqual([{ name: 'get_weather', args: { city: 'mock' } }]);
    expect(called.candidates?.[0]?.finishReason).toBe('STOP' as never);

    const chunks = [];
    for await (const chunk of await ai.models.generateContentStream({ model: 'mock/tool-call', contents: 'Weather?', config: { tools: WEATHER_TOOLS } })) chunks.push(chunk);
    expect(chunks).toHaveLength(1);
    expect(chunks[0]?.functionCalls).toEqual([{ name: 'get_weather', args: { city: 'mock' } }]);
    expect(mock.completedStreams[0]?.text).toBe('{"city":"mock"}');

    // mode ANY with one allowed name forces the call without the control; thinking adds a thought signature.
    const forced = await ai.models.generateContent({
      model: MODEL,
      contents: 'Hi',
      config: { tools: WEATHER_TOOLS, toolConfig: { functionCallingConfig: { mode: FunctionCallingConfigMode.ANY, allowedFunctionNames: ['get_weather'] } }, thinkingConfig: { thinkingBudget: 512 } },
    });
    expect(forced.candidates?.[0]?.content?.parts).toEqual([{ functionCall: { name: 'get_weather', args: { city: 'mock' } }, thoughtSignature: expect.any(String) }]);

    const answered = await ai.models.generateContent({
      model: 'mock/tool-call',
      contents: [
        { role: 'user', parts: [{ text: 'Weather in Paris?' }] },
        { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: { city: 'Paris' } } }] },
        { role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { forecast: 'sunny' } } }] },
      ],
      config: { tools: WEATHER_TOOLS },
    });
    expect(answered.text).toBe(HELLO);
  });

  test('thinking: thought parts with includeThoughts, thoughtsTokenCount whenever the model thinks', async () => {
    const response = await ai.models.generateContent({ model: MODEL, contents: 'Hello', config: { thinkingConfig: { includeThoughts: true, thinkingBudget: 1024 } } });
    const parts = response.candidates?.[0]?.content?.parts ?? [];
    expect(parts).toEqual([{ text: '**Weighing the request**\n\nLet me think this through.', thought: true }, { text: HELLO }]);
    expect(response.text).toBe(HELLO);
    expect(response.usageMetadata).toMatchObject({ promptTokenCount: 2, candidatesTokenCount: 8, thoughtsTokenCount: 10, totalTokenCount: 20 });
    expect(mock.completedReplies[0]?.usage).toMatchObject({ completionTokens: 18, reasoningTokens: 10 });

    const chunks = [];
    for await (const chunk of await ai.models.generateContentStream({ model: 'mock/chunks=2', contents: 'Hello', config: { thinkingConfig: { includeThoughts: true } } })) chunks.push(chunk);
    expect(chunks.map((chunk) => chunk.candidates?.[0]?.content?.parts?.[0]?.thought ?? false)).toEqual([true, false, false]);
    expect(chunks.at(-1)?.usageMetadata?.thoughtsTokenCount).toBe(10);

    const hidden = await ai.models.generateContent({ model: MODEL, contents: 'Hello', config: { thinkingConfig: { thinkingBudget: 1024 } } });
    expect(hidden.candidates?.[0]?.content?.parts).toEqual([{ text: HELLO }]);
    expect(hidden.usageMetadata?.thoughtsTokenCount).toBe(10);
    const off = await ai.models.generateContent({ model: MODEL, contents: 'Hello', config: { thinkingConfig: { thinkingBudget: 0 } } });
    expect(off.usageMetadata).not.toHaveProperty('thoughtsTokenCount');
  });

  test('countTokens gives the prompt count generateContent reports', async () => {
    const contents = 'How many tokens is this sentence?';
    const counted = await ai.models.countTokens({ model: MODEL, contents });
    const generated = await ai.models.generateContent({ model: MODEL, contents });
    expect(counted.totalTokens).toBe(generated.usageMetadata?.promptTokenCount ?? -1);
    expect(mock.requests[0]).toMatchObject({ path: `/v1/models/${MODEL}:countTokens`, endpoint: 'gemini-count-tokens' });
    const wrapped = await raw(`/v1beta/models/${MODEL}:countTokens`, { generateContentRequest: { model: `models/${MODEL}`, contents: [{ role: 'user', parts: [{ text: contents }] }] } });
    expect(await wrapped.json()).toEqual({ totalTokens: counted.totalTokens, promptTokensDetails: [{ modality: 'TEXT', tokenCount: counted.totalTokens }] });
  });

  test('embeddings: embedding.values from embedContent, embeddings[] from batchEmbedContents, equal inputs embed equally', async () => {
    const batch = await ai.models.embedContent({ model: 'gemini-embedding-001', contents: ['first text', 'second text', 'first text'], config: { outputDimensionality: 16 } });
    const vectors = (batch.embeddings ?? []).map((embedding) => embedding.values ?? []);
    expect(vectors.map((vector) => vector.length)).toEqual([16, 16, 16]);
    expect(vectors[0]).toEqual(vectors[2] ?? []);
    expect(vectors[0]).not.toEqual(vectors[1] ?? []);
    expect(mock.requests[0]).toMatchObject({ path: '/v1/models/gemini-embedding-001:batchEmbedContents', endpoint: 'gemini-batch-embed-contents', model: 'gemini-embedding-001' });
    const single = (await (await raw('/v1beta/models/text-embedding-004:embedContent', { model: 'models/text-embedding-004', content: { parts: [{ text: 'first text' }] } })).json()) as { embedding: { values: number[] } };
    expect(single.embedding.values).toHaveLength(768);
    expect(mock.requests[1]).toMatchObject({ endpoint: 'gemini-embed-content', model: 'text-embedding-004' });
    const full = (await (await raw('/v1beta/models/gemini-embedding-001:embedContent', { content: { parts: [{ text: 'x' }] } })).json()) as { embedding: { values: number[] } };
    expect(full.embedding.values).toHaveLength(3072);
  });
});

describe('keys and errors', () => {
  test("statuses surface as the SDK's ApiError with Google's error body", async () => {
    const cases: [number, string][] = [
      [400, 'INVALID_ARGUMENT'],
      [401, 'UNAUTHENTICATED'],
      [403, 'PERMISSION_DENIED'],
      [404, 'NOT_FOUND'],
      [429, 'RESOURCE_EXHAUSTED'],
      [500, 'INTERNAL'],
      [503, 'UNAVAILABLE'],
      [504, 'DEADLINE_EXCEEDED'],
    ];
    for (const [status, name] of cases) {
      const error = await failure(ai.models.generateContent({ model: `mock/status=${status}`, contents: 'Hi' }));
      expect(error.status).toBe(status);
      expect(errorBody(error)).toMatchObject({ error: { code: status, status: name, message: expect.any(String) } });
    }
    const limited = await raw(`/v1beta/models/mock/rate-limited:generateContent`, HI);
    expect(limited.headers.get('retry-after')).toBe('5');
    expect(await limited.json()).toMatchObject({ error: { code: 429, status: 'RESOURCE_EXHAUSTED', details: [{ '@type': 'type.googleapis.com/google.rpc.QuotaFailure' }, { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '5s' }] } });
    const notFound = errorBody(await failure(beta.models.generateContent({ model: 'mock/model-not-found', contents: 'Hi' })));
    expect(notFound.error.message).toStartWith('models/mock/model-not-found is not found for API version v1beta, or is not supported for generateContent.');
    const coded = errorBody(await failure(ai.models.generateContent({ model: 'mock/status=400,code=FAILED_PRECONDITION', contents: 'Hi' })));
    expect(coded.error).toMatchObject({ code: 400, status: 'FAILED_PRECONDITION' });
    const echoed = errorBody(await failure(ai.models.generateContent({ model: 'mock/bad-request', contents: 'the secret prompt' })));
    expect(echoed.error.message).toBe('Request contains an invalid argument: the secret prompt');
    const typo = errorBody(await failure(ai.models.generateContent({ model: 'mock/stauts=500', contents: 'Hi' })));
    expect(typo.error).toMatchObject({ code: 400, status: 'INVALID_ARGUMENT', message: expect.stringContaining('unknown mock control "stauts"') });
  });

  test('keys: x-goog-api-key or ?key=; a missing key is 403 PERMISSION_DENIED, a rejected one 400 API_KEY_INVALID; the echo canary', async () => {
    const query = await raw(`/v1beta/models/${MODEL}:generateContent?key=query-key-1`, HI, {});
    expect(query.status).toBe(200);
    expect(mock.requests[0]).toMatchObject({ apiKey: 'query-key-1', keyHeader: 'key', query: { key: 'query-key-1' } });

    const missing = await raw(`/v1beta/models/${MODEL}:generateContent`, HI, {});
    expect([missing.status, await missing.json()]).toEqual([
      403,
      { error: { code: 403, message: "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.", status: 'PERMISSION_DENIED' } },
    ]);

    const rejected = await failure(new GoogleGenAI({ apiKey: 'AIza-invalid-0001', httpOptions: { baseUrl: mock.url } }).models.generateContent({ model: MODEL, contents: 'Hi' }));
    expect(rejected.status).toBe(400);
    expect(errorBody(rejected).error).toMatchObject({ status: 'INVALID_ARGUMENT', message: 'API key not valid. Please pass a valid API key.', details: [{ reason: 'API_KEY_INVALID', domain: 'googleapis.com' }, { locale: 'en-US' }] });
    expect(rejected.message).not.toContain('AIza-invalid-0001');

    const canary = 'AIza-CANARY-GM-1234abcd';
    const echoed = await failure(new GoogleGenAI({ apiKey: canary, httpOptions: { baseUrl: mock.url } }).models.generateContent({ model: 'mock/echo-key', contents: 'Hi' }));
    expect(echoed.status).toBe(401);
    expect(echoed.message).toContain(canary);
  });
});

describe('stream faults', () => {
  test('a reset mid-stream surfaces as an error in the SDK; the stream is recorded as reset, not completed', async () => {
    let received = 0;
    const error = await (async () => {
      for await (const _chunk of await ai.models.generateContentStream({ model: 'mock/reset-mid-stream', contents: 'Hi' })) received += 1;
    })().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Error);
    expect(String(error)).toContain('ECONNRESET');
    expect(received).toBe(20);
    expect(mock.requests[0]?.reply).toMatchObject({ ending: 'reset', chunksWritten: 20 });
    const fin = await (async () => {
      for await (const _chunk of await ai.models.generateContentStream({ model: 'mock/fin-mid-stream', contents: 'Hi' })) received += 1;
    })().catch((caught: unknown) => caught);
    expect(fin).toBeInstanceOf(Error);
    expect(mock.requests[1]?.reply.ending).toBe('fin');
    expect(mock.completedStreams).toHaveLength(0);
  });

  test("error-event-after-chunks: Google's in-band error, thrown by the SDK as an ApiError", async () => {
    let received = 0;
    const error = await (async () => {
      for await (const _chunk of await ai.models.generateContentStream({ model: 'mock/error-event-mid-stream', contents: 'Hi' })) received += 1;
    })().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 503 });
    expect(received).toBe(20);
    expect(mock.requests[0]?.reply).toMatchObject({ ending: 'error-event', chunksWritten: 21, usage: undefined });
    const body = await (await raw('/v1beta/models/mock/chunks=3,error-event-after-chunks=1,code=RESOURCE_EXHAUSTED:streamGenerateContent?alt=sse', HI)).text();
    expect(parseSse(body).map((event) => JSON.parse(event.data) as unknown)[1]).toEqual({ error: { code: 429, message: 'Mock error RESOURCE_EXHAUSTED.', status: 'RESOURCE_EXHAUSTED' } });
    expect(mock.completedStreams).toHaveLength(0);
  });

  test('usage faults: absent, negative, huge, fractional', async () => {
    const absent = await (await raw('/v1beta/models/mock/usage-absent:streamGenerateContent?alt=sse', HI)).text();
    expect(absent).not.toContain('usageMetadata');
    expect(await (await raw('/v1beta/models/mock/usage-absent:generateContent', HI)).json()).not.toHaveProperty('usageMetadata');
    expect(mock.completedReplies.map((reply) => reply.usage)).toEqual([undefined, undefined]);
    for (const [script, prompt] of [['usage-negative', -1_000_000], ['usage-huge', 1_000_000_000_000], ['usage-fractional', 12.5]] as const) {
      const response = await ai.models.generateContent({ model: `mock/${script}`, contents: 'Hi' });
      expect(response.usageMetadata).toMatchObject({ promptTokenCount: prompt, candidatesTokenCount: 8, totalTokenCount: prompt + 8 });
    }
  });

  test('timing and framing: chunk delays, LF events when asked, a close-delimited stream, line-bytes', async () => {
    const started = performance.now();
    const chunks = [];
    for await (const chunk of await ai.models.generateContentStream({ model: 'mock/chunks=4,chunk-delay-ms=25', contents: 'Hi' })) chunks.push(chunk);
    expect(chunks).toHaveLength(4);
    expect(performance.now() - started).toBeGreaterThanOrEqual(4 * 25 - 10);

    const lf = await (await raw('/v1beta/models/mock/chunks=2:streamGenerateContent?alt=sse', HI, { 'x-goog-api-key': KEY, 'x-mock-sse': 'lf' })).text();
    expect(lf).not.toContain('\r');
    const closed = [];
    for await (const chunk of await ai.models.generateContentStream({ model: 'mock/close-delimited', contents: 'Hi' })) closed.push(chunk.text);
    expect(closed.join('')).toBe(HELLO);

    const long = await (await raw('/v1beta/models/mock/line-bytes=20000:streamGenerateContent?alt=sse', HI)).text();
    expect(long.split('\r\n').filter((line) => Buffer.byteLength(line) === 20_000)).toHaveLength(1);
    const plain = await (await raw('/v1beta/models/mock/line-bytes=3000:generateContent', HI)).text();
    expect(Buffer.byteLength(plain)).toBe(3000);
  });
});
