/**
 * The official `@google/genai` SDK pointed at the gateway's Gemini surface, relayed to OpenAI-type channels on
 * the mock upstream (Gemini clients on an OpenAI-compatible model): generateContent whole and streamed (SSE and
 * the JSON-array form), a function calling round trip, countTokens, embeddings, the model list in Google's
 * shape (and OpenAI's still on GET /v1/models), both key carriers, and the outcome billed like any request.
 */
import { type Content, FinishReason, type FunctionDeclaration, GoogleGenAI, Type } from '@google/genai';
import { afterAll, beforeEach, describe, expect, test } from 'bun:test';
import { type RelayHarness, splitSse, startRelayHarness } from '../helpers/relay-harness.ts';

const harness: RelayHarness = await startRelayHarness();
afterAll(() => harness.stop());
beforeEach(() => harness.reset());

const MODEL = 'gemini-2.5-flash';
await harness.addChannel({
  name: 'gemini-on-openai',
  models: [MODEL, 'gemini-tools', 'gemini-priced', 'gemini-embedding-001', 'mock/slashed'],
  modelMapping: { [MODEL]: 'gpt-4o-mini', 'gemini-tools': 'mock/tool-call', 'gemini-priced': 'gpt-4o-mini', 'gemini-embedding-001': 'text-embedding-3-small', 'mock/slashed': 'gpt-4o-mini' },
});
await harness.deps.prices.set('gemini-priced', { input: '1.25', output: '10' });
await harness.reload();

const TEXT = 'Hello from the mock upstream with a quick';
const WEATHER: FunctionDeclaration = {
  name: 'get_weather',
  description: 'The weather in a city',
  parameters: { type: Type.OBJECT, properties: { city: { type: Type.STRING } }, required: ['city'] },
};

/** The SDK's default API version (`v1` in 3.x) and the documented `v1beta`. */
function clientFor(key: string, apiVersion?: string): GoogleGenAI {
  return new GoogleGenAI({ apiKey: key, httpOptions: { baseUrl: harness.url, timeout: 10_000, ...(apiVersion === undefined ? {} : { apiVersion }) } });
}

const client = clientFor(harness.key);

describe('generateContent', () => {
  test('whole: the text, usageMetadata mapped from the hub, one completed outcome; the hub request is a chat completion', async () => {
    const response = await client.models.generateContent({
      model: MODEL,
      contents: 'Hi',
      config: { systemInstruction: 'Be brief.', maxOutputTokens: 256, temperature: 0 },
    });
    expect(response.text).toBe(TEXT);
    expect(response.candidates?.[0]?.finishReason).toBe(FinishReason.STOP);
    const [outcome] = await harness.waitForOutcomes(1);
    expect(outcome).toMatchObject({ endpoint: 'chat-completions', requestedModel: MODEL, upstreamModel: 'gpt-4o-mini', stream: false, status: 200, endState: 'completed' });
    expect(response.usageMetadata).toMatchObject({ promptTokenCount: outcome?.usage.promptTokens, candidatesTokenCount: 8 });
    expect(response.usageMetadata?.totalTokenCount).toBe((outcome?.usage.promptTokens ?? 0) + 8);
    expect(harness.mock.requests[0]?.json).toMatchObject({
      model: 'gpt-4o-mini',
      max_tokens: 256,
      // An explicit 0 is carried, not dropped (style.md rule 5).
      temperature: 0,
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi' },
      ],
    });
    expect(harness.mock.requests[0]?.json).not.toHaveProperty('stream');
  });

  test('under /v1beta as under /v1, and a model name with a slash, sent as is or URL-encoded', async () => {
    const beta = await clientFor(harness.key, 'v1beta').models.generateContent({ model: MODEL, contents: 'Hi' });
    expect(beta.text).toBe(TEXT);
    const slashed = await client.models.generateContent({ model: 'mock/slashed', contents: 'Hi' });
    expect(slashed.text).toBe(TEXT);
    const encoded = await fetch(`${harness.url}/v1beta/models/${encodeURIComponent('mock/slashed')}:generateContent`, {
      method: 'POST',
      headers: { 'x-goog-api-key': harness.key, 'content-type': 'application/json' },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'Hi' }] }] }),
    });
    expect(encoded.status).toBe(200);
    const outcomes = await harness.waitForOutcomes(3);
    expect(outcomes.map((outcome) => outcome.requestedModel)).toEqual([MODEL, 'mock/slashed', 'mock/slashed']);
  });

  test('stream (alt=sse): the joined text equals the whole answer; the last event has finishReason and usageMetadata', async () => {
    let text = '';
    let last: { candidates?: { finishReason?: string }[]; usageMetadata?: { candidatesTokenCount?: number } } | undefined;
    for await (const chunk of await client.models.generateContentStream({ model: MODEL, contents: 'Hi' })) {
      text += chunk.text ?? '';
      last = chunk;
    }
    expect(text).toBe(TEXT);
    expect(last?.candidates?.[0]?.finishReason).toBe('STOP');
    expect(last?.usageMetadata?.candidatesTokenCount).toBe(8);

    const raw = await fetch(`${harness.url}/v1beta/models/${MODEL}:streamGenerateContent?alt=sse`, {
      method: 'POST',
      headers: { 'x-goog-api-key': harness.key, 'content-type': 'application/json' },
      body: JSON.stringify({ contents: [{ parts: [{ text: 'Hi' }] }] }),
    });
    expect(raw.status).toBe(200);
    expect(raw.headers.get('content-type')).toStartWith('text/event-stream');
    const events = splitSse(await raw.text()).events;
    // Google's stream has no event names and no end marker.
    expect(events.every((event) => event.event === undefined)).toBe(true);
    expect(events.map((event) => event.data)).not.toContain('[DONE]');

    const outcomes = await harness.waitForOutcomes(2);
    expect(outcomes.map((outcome) => [outcome.stream, outcome.endState, outcome.partial])).toEqual([
      [true, 'completed', false],
      [true, 'completed', false],
    ]);
    expect(harness.mock.requests[0]?.json).toMatchObject({ stream: true, stream_options: { include_usage: true } });
  });

  test('stream without alt=sse: one JSON array of GenerateContentResponse objects, as Google answers', async () => {
    const response = await harness.post(`/v1beta/models/${MODEL}:streamGenerateContent`, { contents: [{ parts: [{ text: 'Hi' }] }] }, { headers: { 'x-goog-api-key': harness.key } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toStartWith('application/json');
    const items = (await response.json()) as { candidates?: { content?: { parts?: { text?: string }[] }; finishReason?: string }[]; usageMetadata?: unknown }[];
    expect(Array.isArray(items)).toBe(true);
    const text = items.flatMap((item) => item.candidates ?? []).flatMap((candidate) => candidate.content?.parts ?? []).map((part) => part.text ?? '').join('');
    expect(text).toBe(TEXT);
    expect(items.at(-1)).toMatchObject({ candidates: [{ finishReason: 'STOP' }], usageMetadata: { candidatesTokenCount: 8 } });
  });

  test('function calling round trip: the call whole and streamed, then the functionResponse answered', async () => {
    const question: Content = { role: 'user', parts: [{ text: 'Weather in Paris?' }] };
    const tools = [{ functionDeclarations: [WEATHER] }];
    const called = await client.models.generateContent({ model: 'gemini-tools', contents: [question], config: { tools } });
    const call = called.functionCalls?.[0];
    expect(call).toMatchObject({ name: 'get_weather', args: { city: 'mock' } });

    const streamedCalls: unknown[] = [];
    for await (const chunk of await client.models.generateContentStream({ model: 'gemini-tools', contents: [question], config: { tools } })) {
      streamedCalls.push(...(chunk.functionCalls ?? []));
    }
    expect(streamedCalls).toMatchObject([{ name: 'get_weather', args: { city: 'mock' } }]);

    const modelTurn = called.candidates?.[0]?.content;
    if (modelTurn === undefined || call?.name === undefined) throw new Error('no function call');
    const answered = await client.models.generateContent({
      model: MODEL,
      contents: [question, modelTurn, { role: 'user', parts: [{ functionResponse: { id: call.id, name: call.name, response: { output: 'Sunny, 21 °C' } } }] }],
      config: { tools },
    });
    expect(answered.text).toBe(TEXT);
    const hubRequest = harness.mock.requests[2]?.json as { messages: Record<string, unknown>[]; tools: unknown[] };
    expect(hubRequest.tools).toMatchObject([{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', required: ['city'] } } }]);
    expect(hubRequest.messages.slice(1)).toMatchObject([
      { role: 'assistant', tool_calls: [{ type: 'function', function: { name: 'get_weather' } }] },
      { role: 'tool', content: 'Sunny, 21 °C' },
    ]);
    const callId = (hubRequest.messages[1]?.tool_calls as { id: string }[])[0]?.id;
    expect(hubRequest.messages[2]?.tool_call_id).toBe(callId);
  });

  test('a priced model is billed: the outcome carries the cost of the hub usage', async () => {
    const response = await client.models.generateContent({ model: 'gemini-priced', contents: 'Hi' });
    const [outcome] = await harness.waitForOutcomes(1);
    const input = response.usageMetadata?.promptTokenCount ?? 0;
    const output = response.usageMetadata?.candidatesTokenCount ?? 0;
    // $1.25 and $10 per million tokens: 1.25 and 10 micro-USD per token, rounded up once (src/services/pricing.ts).
    expect(outcome?.cost).toBe(Math.ceil(input * 1.25 + output * 10));
    expect(outcome?.cost).toBeGreaterThan(0);
    expect(outcome?.billing?.state).toBe('settled');
  });
});

describe('keys', () => {
  test('the key as ?key= (raw fetch) and as x-goog-api-key (what the SDK sends); the query never reaches the log', async () => {
    const viaQuery = await fetch(`${harness.url}/v1beta/models/${MODEL}:generateContent?key=${encodeURIComponent(harness.key)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'Hi' }] }] }),
    });
    expect(viaQuery.status).toBe(200);
    expect(((await viaQuery.json()) as { candidates: { content: { parts: { text: string }[] } }[] }).candidates[0]?.content.parts[0]?.text).toBe(TEXT);
    const viaHeader = await fetch(`${harness.url}/v1/models/${MODEL}:generateContent`, {
      method: 'POST',
      headers: { 'x-goog-api-key': harness.key, 'content-type': 'application/json' },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'Hi' }] }] }),
    });
    expect(viaHeader.status).toBe(200);
    await harness.waitForOutcomes(2);
    const secret = harness.key.replace(/^sk-/, '');
    expect(harness.logLines.some((line) => line.includes(secret))).toBe(false);
    expect(harness.logLines.some((line) => line.includes(`:generateContent`))).toBe(true);
  });
});

describe('countTokens, embeddings and models', () => {
  test('countTokens counts the converted prompt locally, without calling the upstream', async () => {
    const short = await client.models.countTokens({ model: MODEL, contents: 'Hi' });
    const long = await client.models.countTokens({ model: MODEL, contents: 'What is the weather like in Paris today, and should I bring an umbrella? Answer in full sentences.' });
    expect(short.totalTokens).toBeGreaterThan(0);
    expect(long.totalTokens).toBeGreaterThan((short.totalTokens ?? 0) + 10);
    const wrapped = await harness.post(`/v1beta/models/${MODEL}:countTokens`, { generateContentRequest: { model: `models/${MODEL}`, contents: [{ parts: [{ text: 'Hi' }] }] } }, { headers: { 'x-goog-api-key': harness.key } });
    expect(await wrapped.json()).toEqual({ totalTokens: short.totalTokens });
    expect(harness.mock.requests).toHaveLength(0);
  });

  test('embedContent through the SDK (batchEmbedContents) and raw embedContent: vectors from the hub embeddings endpoint', async () => {
    const response = await client.models.embedContent({ model: 'gemini-embedding-001', contents: ['first text', 'second text'], config: { outputDimensionality: 8 } });
    expect(response.embeddings).toHaveLength(2);
    expect(response.embeddings?.[0]?.values).toHaveLength(8);
    expect(harness.mock.requests[0]?.json).toMatchObject({ model: 'text-embedding-3-small', input: ['first text', 'second text'], dimensions: 8 });

    const single = await harness.post('/v1beta/models/gemini-embedding-001:embedContent', { content: { parts: [{ text: 'one text' }] } }, { headers: { 'x-goog-api-key': harness.key } });
    expect(single.status).toBe(200);
    const body = (await single.json()) as { embedding: { values: number[] } };
    expect(body.embedding.values.length).toBeGreaterThan(0);
    const outcomes = await harness.waitForOutcomes(2);
    expect(outcomes.map((outcome) => [outcome.endpoint, outcome.requestedModel])).toEqual([
      ['embeddings', 'gemini-embedding-001'],
      ['embeddings', 'gemini-embedding-001'],
    ]);
  });

  test("models list and get in Google's shape under /v1beta and, for Google clients, /v1; limited to the key's models; OpenAI's shape otherwise", async () => {
    const beta = clientFor(harness.key, 'v1beta');
    const names: string[] = [];
    for await (const model of await beta.models.list()) names.push(model.name ?? '');
    expect(names).toEqual(expect.arrayContaining([`models/${MODEL}`, 'models/gemini-tools', 'models/gemini-priced']));
    const raw = (await (await fetch(`${harness.url}/v1beta/models`, { headers: { 'x-goog-api-key': harness.key } })).json()) as { models: unknown[] };
    expect(raw.models).toContainEqual({ name: `models/${MODEL}`, displayName: MODEL, supportedGenerationMethods: ['generateContent', 'streamGenerateContent', 'countTokens'] });
    expect(await beta.models.get({ model: MODEL })).toMatchObject({ name: `models/${MODEL}`, displayName: MODEL });

    const limited = clientFor(await harness.createKey({ models: [MODEL] }), 'v1beta');
    const limitedNames: string[] = [];
    for await (const model of await limited.models.list()) limitedNames.push(model.name ?? '');
    expect(limitedNames).toEqual([`models/${MODEL}`]);

    // The SDK's default /v1: GET /v1/models is OpenAI's route, answered in Google's shape for x-goog-api-key.
    const v1Names: string[] = [];
    for await (const model of await client.models.list()) v1Names.push(model.name ?? '');
    expect(v1Names).toEqual(names);
    expect(await client.models.get({ model: MODEL })).toMatchObject({ name: `models/${MODEL}` });
    const v1Missing = await fetch(`${harness.url}/v1/models/gemini-nowhere`, { headers: { 'x-goog-api-key': harness.key } });
    expect(v1Missing.status).toBe(404);
    expect(await v1Missing.json()).toMatchObject({ error: { code: 404, status: 'NOT_FOUND' } });

    const openAi = (await (await fetch(`${harness.url}/v1/models`, { headers: { authorization: `Bearer ${harness.key}` } })).json()) as Record<string, unknown>;
    expect(openAi).toMatchObject({ object: 'list', data: expect.arrayContaining([{ id: MODEL, object: 'model', created: 0, owned_by: 'gateway' }]) });
    const openAiOne = await fetch(`${harness.url}/v1/models/${MODEL}`, { headers: { authorization: `Bearer ${harness.key}` } });
    expect(await openAiOne.json()).toEqual({ id: MODEL, object: 'model', created: 0, owned_by: 'gateway' });
  });
});
