/**
 * Gemini clients on `gemini` channels (architecture.md decision 1, passthrough): the official `@google/genai`
 * SDK and raw requests reach the mock upstream's `/v1beta/models/{model}:{method}` with their own body — the model
 * in the URL replaced, and the gateway's own rules (thinking suffix, the channel's safety settings, the model
 * named inside embedding bodies) applied — and get the upstream's bytes back untouched: generateContent, the SSE
 * stream, the JSON-array stream, embedContent and batchEmbedContents. Usage is still observed and billed, and a
 * model served by a gemini and an openai channel fails over from a raw attempt to a converted one.
 */
import { FinishReason, GoogleGenAI } from '@google/genai';
import { afterAll, beforeEach, describe, expect, test } from 'bun:test';
import { createHash } from 'node:crypto';
import type { RecordedRequest } from '../helpers/mock-upstream.ts';
import { type RelayHarness, splitSse, startRelayHarness } from '../helpers/relay-harness.ts';
import { mockUsage } from '../helpers/relay-streams.ts';

const harness: RelayHarness = await startRelayHarness();
afterAll(() => harness.stop());
beforeEach(() => harness.reset());

const MODEL = 'gemini-2.5-flash';
const gemini = await harness.addChannel({
  name: 'gemini',
  type: 'gemini',
  models: [MODEL, 'gemini-mapped', 'gemini-think', 'gemini-priced', 'gemini-embedding'],
  modelMapping: { 'gemini-mapped': 'gemini-2.5-pro', 'gemini-think': `${MODEL}-thinking-128`, 'gemini-priced': MODEL, 'gemini-embedding': 'text-embedding-004' },
});
const SAFETY = [{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_NONE' }];
await harness.addChannel({ name: 'gemini-safe', type: 'gemini', models: ['gemini-safe'], settings: { safety_settings: SAFETY } });
const dead = await harness.addChannel({ name: 'gemini-dead', type: 'gemini', models: ['gemini-mixed'], priority: 1, keys: [`AIza-invalid-${crypto.randomUUID()}`] });
const openAi = await harness.addChannel({ name: 'openai-spare', models: ['gemini-mixed', 'gemini-openai-only'], priority: 0, modelMapping: { 'gemini-mixed': 'gpt-4o-mini', 'gemini-openai-only': 'gpt-4o-mini' } });
await harness.deps.prices.set('gemini-priced', { input: '1.25', output: '10' });
await harness.reload();

const TEXT = 'Hello from the mock upstream with a quick';
const HI = { contents: [{ role: 'user', parts: [{ text: 'Hi' }] }] };
const client = new GoogleGenAI({ apiKey: harness.key, httpOptions: { baseUrl: harness.url, timeout: 10_000 } });

function raw(path: string, body: unknown): Promise<Response> {
  return fetch(`${harness.url}${path}`, {
    method: 'POST',
    headers: { 'x-goog-api-key': harness.key, 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** What the mock answers the request it recorded when asked directly (after a reset its ids repeat): the ground truth. */
async function directReply(recorded: RecordedRequest | undefined): Promise<Uint8Array> {
  if (recorded === undefined) throw new Error('the mock recorded no request');
  await harness.reset();
  const query = new URLSearchParams(recorded.query).toString();
  const response = await fetch(`${harness.mock.url}${recorded.path}${query === '' ? '' : `?${query}`}`, {
    method: 'POST',
    headers: { 'x-goog-api-key': 'AIza-direct', 'content-type': 'application/json' },
    body: JSON.stringify(recorded.json),
  });
  return new Uint8Array(await response.arrayBuffer());
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
const bytesOf = async (response: Response): Promise<Uint8Array> => new Uint8Array(await response.arrayBuffer());

describe('generateContent, raw', () => {
  test('whole: the client text forwarded byte for byte (the model is in the URL); the answer is the upstream bytes', async () => {
    const text = `{"contents": [{"role": "user", "parts": [{"text": "Hi"}]}],\n "generationConfig": {"temperature": 0, "seed": 7}, "x_future": [1.50, {"a": null}]}`;
    const response = await raw(`/v1beta/models/${MODEL}:generateContent`, text);
    expect(response.status).toBe(200);
    const received = await bytesOf(response);
    const sent = harness.mock.requests[0];
    expect(sent?.path).toBe(`/v1beta/models/${MODEL}:generateContent`);
    expect(sent?.query).toEqual({});
    expect(sent?.bodySha256).toBe(sha256(text));
    expect(sent?.headers['x-goog-api-key']).toBe(harness.channelKeys[0]);
    const [outcome] = await harness.waitForOutcomes(1);
    expect(outcome).toMatchObject({ channelId: gemini.id, stream: false, status: 200, endState: 'completed' });
    expect(outcome?.attempts).toEqual([expect.objectContaining({ channelId: gemini.id, status: 200, passthrough: true })]);
    const usage = mockUsage(harness);
    expect(outcome?.usage).toMatchObject({ promptTokens: usage.promptTokens, completionTokens: usage.completionTokens, estimated: false });
    expect(received).toEqual(await directReply(sent));
  });

  test("through the SDK with Google's own tools, which only a gemini channel takes: the mapped model in the URL, the body as sent", async () => {
    const response = await client.models.generateContent({ model: 'gemini-mapped', contents: 'Hi', config: { tools: [{ googleSearch: {} }], temperature: 0 } });
    expect(response.text).toBe(TEXT);
    expect(response.candidates?.[0]?.finishReason).toBe(FinishReason.STOP);
    const sent = harness.mock.requests[0];
    expect(sent?.path).toBe('/v1beta/models/gemini-2.5-pro:generateContent');
    expect(sent?.json).toMatchObject({ tools: [{ googleSearch: {} }], generationConfig: { temperature: 0 } });
    await harness.reset();

    // The same body for a model only an openai channel serves: the converter's 400, nothing sent upstream.
    const refused = await raw('/v1beta/models/gemini-openai-only:generateContent', { ...HI, tools: [{ googleSearch: {} }] });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ error: { code: 400, status: 'INVALID_ARGUMENT', message: expect.stringContaining('tools[0].googleSearch') } });
    expect(harness.mock.requests).toHaveLength(0);
  });

  test('stream (alt=sse): the SDK reads the upstream events; the raw stream is the upstream bytes exactly', async () => {
    let text = '';
    for await (const chunk of await client.models.generateContentStream({ model: MODEL, contents: 'Hi' })) text += chunk.text ?? '';
    expect(text).toBe(TEXT);
    await harness.waitForOutcomes(1);
    await harness.reset();

    const response = await raw(`/v1beta/models/${MODEL}:streamGenerateContent?alt=sse&key=never-forwarded`, HI);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toStartWith('text/event-stream');
    const received = await bytesOf(response);
    // Google frames events with CRLF; they come through as written.
    expect(new TextDecoder().decode(received)).toContain('\r\n\r\n');
    const sent = harness.mock.requests[0];
    expect(sent?.query).toEqual({ alt: 'sse' });
    expect(sent?.headers['x-goog-api-key']).toBe(harness.channelKeys[0]);
    const [outcome] = await harness.waitForOutcomes(1);
    expect(outcome).toMatchObject({ stream: true, endState: 'completed', partial: false, usage: { estimated: false } });
    expect(outcome?.usage.completionTokens).toBe(mockUsage(harness).completionTokens);
    expect(received).toEqual(await directReply(sent));
  });

  test('stream without alt=sse: the upstream JSON array, whole and untouched', async () => {
    const response = await raw(`/v1beta/models/${MODEL}:streamGenerateContent`, HI);
    expect(response.status).toBe(200);
    const received = await bytesOf(response);
    const items = JSON.parse(new TextDecoder().decode(received)) as { candidates?: unknown[] }[];
    expect(items.length).toBeGreaterThan(1);
    const sent = harness.mock.requests[0];
    expect(sent?.query).toEqual({});
    const [outcome] = await harness.waitForOutcomes(1);
    expect(outcome).toMatchObject({ stream: true, endState: 'completed', usage: { estimated: false } });
    expect(received).toEqual(await directReply(sent));
  });

  test('a priced model is billed from the usage the raw answer reported', async () => {
    await client.models.generateContent({ model: 'gemini-priced', contents: 'Hi' });
    const [outcome] = await harness.waitForOutcomes(1);
    const usage = mockUsage(harness);
    // $1.25 and $10 per 1M tokens.
    expect(outcome?.cost).toBe(Math.ceil(usage.promptTokens * 1.25 + usage.completionTokens * 10));
    expect(outcome?.cost).toBeGreaterThan(0);
  });
});

describe('what the gateway still does to a raw request', () => {
  test("the thinking suffix: cut from the URL's model, thinkingConfig set beside the client's own generationConfig", async () => {
    const response = await client.models.generateContent({ model: 'gemini-think', contents: 'Hi', config: { temperature: 0, thinkingConfig: { thinkingBudget: 4096 } } });
    expect(response.candidates?.[0]?.content?.parts?.[0]?.thought).toBe(true);
    const sent = harness.mock.requests[0];
    expect(sent?.path).toBe(`/v1beta/models/${MODEL}:generateContent`);
    // The suffix is the operator's choice, priced as such: it wins over the client's budget.
    expect(sent?.json).toMatchObject({ generationConfig: { temperature: 0, thinkingConfig: { thinkingBudget: 128, includeThoughts: true } } });
  });

  test("the channel's safety_settings apply when the client sends none; the client's own win", async () => {
    await raw('/v1beta/models/gemini-safe:generateContent', HI);
    expect(harness.mock.requests[0]?.json).toEqual({ ...HI, safetySettings: SAFETY });
    const own = [{ category: 'HARM_CATEGORY_HATE_SPEECH', threshold: 'BLOCK_ONLY_HIGH' }];
    await raw('/v1beta/models/gemini-safe:generateContent', { ...HI, safetySettings: own });
    expect(harness.mock.requests[1]?.json).toEqual({ ...HI, safetySettings: own });
  });

  test('embeddings: the model named inside the body becomes the upstream one; the answer untouched; usage the local count', async () => {
    const response = await client.models.embedContent({ model: 'gemini-embedding', contents: ['first text', 'second text'], config: { outputDimensionality: 8 } });
    expect(response.embeddings?.map((embedding) => embedding.values?.length)).toEqual([8, 8]);
    const batch = harness.mock.requests[0];
    expect(batch?.path).toBe('/v1beta/models/text-embedding-004:batchEmbedContents');
    const entries = (batch?.json as { requests: { model: string }[] }).requests;
    expect(entries.map((entry) => entry.model)).toEqual(['models/text-embedding-004', 'models/text-embedding-004']);
    await harness.waitForOutcomes(1);
    await harness.reset();

    const single = await raw('/v1beta/models/gemini-embedding:embedContent', { content: { parts: [{ text: 'one text' }] }, taskType: 'RETRIEVAL_QUERY' });
    expect(single.status).toBe(200);
    const received = await bytesOf(single);
    const sent = harness.mock.requests[0];
    expect(sent?.path).toBe('/v1beta/models/text-embedding-004:embedContent');
    expect(sent?.json).toEqual({ content: { parts: [{ text: 'one text' }] }, taskType: 'RETRIEVAL_QUERY' });
    const [outcome] = await harness.waitForOutcomes(1);
    expect(outcome).toMatchObject({ endpoint: 'embeddings', endState: 'completed', usage: { estimated: true } });
    expect(outcome?.usage.promptTokens).toBeGreaterThan(0);
    expect(outcome?.attempts[0]?.passthrough).toBe(true);
    expect(received).toEqual(await directReply(sent));
  });
});

describe('failover across channel types, decided per attempt', () => {
  test('a raw attempt rejected for its key fails over to a converted one; the client gets the converted answer, SSE', async () => {
    const response = await raw('/v1beta/models/gemini-mixed:streamGenerateContent?alt=sse', HI);
    expect(response.status).toBe(200);
    const events = splitSse(await response.text()).data.map((data) => JSON.parse(data) as { candidates?: { content?: { parts?: { text?: string }[] } }[] });
    expect(events.map((event) => event.candidates?.[0]?.content?.parts?.[0]?.text ?? '').join('')).toBe(TEXT);
    expect(harness.mock.requests.map((request) => request.path)).toEqual(['/v1beta/models/gemini-mixed:streamGenerateContent', '/v1/chat/completions']);
    const [outcome] = await harness.waitForOutcomes(1);
    expect(outcome?.attempts.map((attempt) => [attempt.channelId, attempt.status, attempt.passthrough ?? false])).toEqual([
      [dead.id, 401, true],
      [openAi.id, 200, false],
    ]);
  });
});
