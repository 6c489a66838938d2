/**
 * The official `openai` client pointed at the gateway, which relays to the mock upstream over a real socket:
 * every endpoint of issue 3 in both stream modes, with each body and each stream chunk held to OpenAI's
 * OpenAPI document. Also: model mapping (the requested name is billed, the mapped one is sent), global
 * aliases, and an Azure channel (deployment URL, api-version, api-key header).
 */
import { afterAll, beforeEach, describe, expect, test } from 'bun:test';
import OpenAI, { toFile } from 'openai';
import { validateOpenAi, validateSchema } from '../helpers/openai-schema.ts';
import { type RelayHarness, splitSse, startRelayHarness } from '../helpers/relay-harness.ts';

const harness: RelayHarness = await startRelayHarness();
afterAll(() => harness.stop());
beforeEach(() => harness.reset());

const MODELS = [
  'gpt-4o',
  'gpt-4o-mini',
  'gpt-3.5-turbo-instruct',
  'text-embedding-3-small',
  'omni-moderation-latest',
  'dall-e-3',
  'gpt-image-1',
  'tts-1',
  'whisper-1',
];
const main = await harness.addChannel({ name: 'main', models: MODELS });
await harness.addChannel({ name: 'mapped', models: ['my-chat'], modelMapping: { 'my-chat': 'gpt-4o-mini' } });
await harness.addChannel({ name: 'rerank', type: 'openai-compatible', models: ['jina-reranker-v2-base-multilingual'] });
const AZURE_KEY = `azure-CANARY-${crypto.randomUUID()}`;
await harness.addChannel({ name: 'azure', type: 'azure', models: ['azure-gpt'], modelMapping: { 'azure-gpt': 'prod-gpt4o' }, keys: [AZURE_KEY] });
await harness.addAlias('gpt4', 'gpt-4o');

const client = harness.client();
const TEXT = 'Hello from the mock upstream with a quick';
const WEATHER = {
  type: 'function' as const,
  function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
};

function conforms(schema: string, value: unknown): void {
  expect(validateOpenAi(schema, value)).toEqual([]);
}

describe('chat completions', () => {
  test('non-stream: the answer, usage, one outcome with upstream usage', async () => {
    const completion = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
    conforms('CreateChatCompletionResponse', completion);
    expect(completion.choices[0]?.message.content).toBe(TEXT);
    expect(completion.usage?.completion_tokens).toBe(8);
    const [outcome] = await harness.waitForOutcomes(1);
    expect(outcome).toMatchObject({ endpoint: 'chat-completions', requestedModel: 'gpt-4o', upstreamModel: 'gpt-4o', channelId: main.id, status: 200, endState: 'completed', partial: false });
    expect(outcome?.usage).toMatchObject({ completionTokens: 8, estimated: false });
    expect(harness.mock.requests).toHaveLength(1);
  });

  test('stream without include_usage: every chunk conforms, no usage chunk reaches the client, [DONE] ends it', async () => {
    const stream = await client.chat.completions.create({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    let text = '';
    let chunks = 0;
    for await (const chunk of stream) {
      conforms('CreateChatCompletionStreamResponse', chunk);
      expect(chunk.usage ?? null).toBeNull();
      expect(chunk.choices).toHaveLength(1);
      text += chunk.choices[0]?.delta.content ?? '';
      chunks++;
    }
    expect(text).toBe(TEXT);
    expect(chunks).toBe(10);
    // The gateway asked the upstream for usage anyway, to bill it, and dropped the extra chunk.
    expect(harness.mock.requests[0]?.json).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    const [outcome] = await harness.waitForOutcomes(1);
    expect(outcome).toMatchObject({ stream: true, endState: 'completed', partial: false, usage: { completionTokens: 8, estimated: false } });
  });

  test('stream with include_usage: the usage chunk (empty choices) comes last, before [DONE]', async () => {
    const response = await harness.post('/v1/chat/completions', { model: 'gpt-4o', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'hi' }] });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toStartWith('text/event-stream');
    const { data } = splitSse(await response.text());
    expect(data.at(-1)).toBe('[DONE]');
    const chunks = data.slice(0, -1).map((line) => JSON.parse(line) as Record<string, unknown>);
    for (const chunk of chunks) conforms('CreateChatCompletionStreamResponse', chunk);
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { completion_tokens: 8 } });
    expect(chunks.slice(0, -1).every((chunk) => chunk.usage === null)).toBe(true);

    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of await client.chat.completions.create({ model: 'gpt-4o', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'hi' }] })) {
      if (chunk.usage) usage = chunk.usage;
    }
    expect(usage?.completion_tokens).toBe(8);
  });

  test('tool call, non-stream and streamed (argument deltas reassembled by the SDK)', async () => {
    const completion = await client.chat.completions.create({ model: 'gpt-4o', tools: [WEATHER], messages: [{ role: 'user', content: 'Please call a tool.' }] });
    conforms('CreateChatCompletionResponse', completion);
    const call = completion.choices[0]?.message.tool_calls?.[0];
    expect(call?.type === 'function' ? [call.function.name, JSON.parse(call.function.arguments)] : []).toEqual(['get_weather', { city: 'mock' }]);

    const runner = client.chat.completions.stream({ model: 'gpt-4o', tools: [WEATHER], messages: [{ role: 'user', content: 'call a tool' }] });
    runner.on('chunk', (chunk) => conforms('CreateChatCompletionStreamResponse', chunk));
    const final = await runner.finalChatCompletion();
    const streamed = final.choices[0]?.message.tool_calls?.[0];
    expect(streamed?.type === 'function' ? [streamed.function.name, JSON.parse(streamed.function.arguments)] : []).toEqual(['get_weather', { city: 'mock' }]);
    expect(final.choices[0]?.finish_reason).toBe('tool_calls');
  });
});

describe('other endpoints', () => {
  test('embeddings (the SDK asks for base64 and decodes it)', async () => {
    const embedding = await client.embeddings.create({ model: 'text-embedding-3-small', input: ['a', 'b'], dimensions: 16 });
    expect(embedding.data.map((item) => item.embedding.length)).toEqual([16, 16]);
    const raw = await (await harness.post('/v1/embeddings', { model: 'text-embedding-3-small', input: 'a', dimensions: 8 })).json();
    conforms('CreateEmbeddingResponse', raw);
    const outcomes = await harness.waitForOutcomes(2);
    expect(outcomes.every((outcome) => outcome.endpoint === 'embeddings' && outcome.endState === 'completed')).toBe(true);
  });

  test('models list and retrieve: the models this key may use', async () => {
    const list = await client.models.list();
    const ids = list.data.map((model) => model.id);
    expect(ids).toEqual(expect.arrayContaining([...MODELS, 'my-chat', 'azure-gpt', 'gpt4']));
    conforms('ListModelsResponse', await (await fetch(`${harness.url}/v1/models`, { headers: { authorization: `Bearer ${harness.key}` } })).json());
    const model = await client.models.retrieve('gpt-4o');
    conforms('Model', model);
    expect(model.id).toBe('gpt-4o');
    const limited = harness.client(await harness.createKey({ models: ['gpt-4o-mini'] }));
    expect((await limited.models.list()).data.map((entry) => entry.id)).toEqual(['gpt-4o-mini']);
    const missing = await limited.models.retrieve('gpt-4o').catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(OpenAI.NotFoundError);
  });

  test('legacy completions, plain and streamed', async () => {
    const completion = await client.completions.create({ model: 'gpt-3.5-turbo-instruct', prompt: 'Once upon a time' });
    conforms('CreateCompletionResponse', completion);
    expect(completion.choices[0]?.text).toBe(TEXT);
    let text = '';
    for await (const chunk of await client.completions.create({ model: 'gpt-3.5-turbo-instruct', prompt: 'x', stream: true })) text += chunk.choices[0]?.text ?? '';
    expect(text).toBe(TEXT);
    const outcomes = await harness.waitForOutcomes(2);
    expect(outcomes.map((outcome) => [outcome.endpoint, outcome.stream, outcome.endState])).toEqual([
      ['completions', false, 'completed'],
      ['completions', true, 'completed'],
    ]);
  });

  test('moderations', async () => {
    const moderation = await client.moderations.create({ model: 'omni-moderation-latest', input: ['fine', 'this is mock:flagged'] });
    conforms('CreateModerationResponse', moderation);
    expect(moderation.results.map((result) => result.flagged)).toEqual([false, true]);
  });

  test('image generation: URL and base64 answers', async () => {
    const dalle = await client.images.generate({ model: 'dall-e-3', prompt: 'a cat' });
    conforms('ImagesResponse', dalle);
    expect(dalle.data?.[0]?.url).toStartWith(harness.mock.url);
    const gptImage = await client.images.generate({ model: 'gpt-image-1', prompt: 'a cat' });
    conforms('ImagesResponse', gptImage);
    expect(gptImage.data?.[0]?.b64_json).toEqual(expect.any(String));
  });

  test('image edit (multipart) passes files and fields through with the model replaced', async () => {
    const edited = await client.images.edit({ model: 'gpt-image-1', prompt: 'add a hat', image: await toFile(new Uint8Array([0x89, 0x50, 0x4e, 0x47]), 'cat.png', { type: 'image/png' }) });
    conforms('ImagesResponse', edited);
    expect(harness.mock.requests[0]).toMatchObject({ endpoint: 'images-edits', model: 'gpt-image-1' });
    expect(harness.mock.requests[0]?.multipartFields).toEqual(expect.arrayContaining(['model', 'prompt', 'image']));
  });

  test('audio speech: binary audio streamed through byte for byte', async () => {
    const speech = await client.audio.speech.create({ model: 'tts-1', input: 'Hello', voice: 'alloy' });
    expect(speech.headers.get('content-type')).toBe('audio/mpeg');
    const bytes = new Uint8Array(await speech.arrayBuffer());
    expect(bytes.byteLength).toBe(8 * 417);
    expect([...bytes.subarray(0, 2)]).toEqual([0xff, 0xfb]);
    const [outcome] = await harness.waitForOutcomes(1);
    expect(outcome).toMatchObject({ endpoint: 'audio-speech', status: 200, endState: 'completed' });
  });

  test('transcription and translation (multipart)', async () => {
    const transcript = await client.audio.transcriptions.create({ model: 'whisper-1', file: await toFile(new Uint8Array(16_000), 'a.mp3') });
    conforms('CreateTranscriptionResponseJson', transcript);
    expect(transcript.text).toBe('Mock transcript of 16000 bytes of audio.');
    expect(harness.mock.requests[0]?.multipartFields).toEqual(expect.arrayContaining(['file', 'model']));
    const text = await client.audio.transcriptions.create({ model: 'whisper-1', file: await toFile(new Uint8Array(8_000), 'a.mp3'), response_format: 'text' });
    expect(String(text).trim()).toBe('Mock transcript of 8000 bytes of audio.');
    const translation = await client.audio.translations.create({ model: 'whisper-1', file: await toFile(new Uint8Array(16_000), 'b.mp3') });
    conforms('CreateTranslationResponseJson', translation);
  });

  test('rerank (Jina/Cohere shape, plain fetch)', async () => {
    const response = await harness.post('/v1/rerank', { model: 'jina-reranker-v2-base-multilingual', query: 'brown fox', documents: ['a lazy dog', 'the quick brown fox', 'a brown bear'], top_n: 2 });
    expect(response.status).toBe(200);
    const json = (await response.json()) as { results: { index: number; relevance_score: number }[] };
    const schema = {
      type: 'object',
      required: ['results'],
      properties: { results: { type: 'array', items: { type: 'object', required: ['index', 'relevance_score'], properties: { index: { type: 'integer' }, relevance_score: { type: 'number' } } } } },
    };
    expect(validateSchema(schema, json)).toEqual([]);
    expect(json.results.map((result) => result.index)).toEqual([1, 2]);
    expect(harness.mock.requests[0]).toMatchObject({ path: '/v1/rerank', endpoint: 'rerank' });
  });

  test('Responses API, non-stream and stream (ends with response.completed, no [DONE])', async () => {
    const response = await client.responses.create({ model: 'gpt-4o', input: 'hi' });
    conforms('Response', response);
    expect(response.output_text).toBe(TEXT);

    const types: string[] = [];
    for await (const event of await client.responses.create({ model: 'gpt-4o', input: 'hi', stream: true })) {
      conforms('ResponseStreamEvent', event);
      types.push(event.type);
    }
    expect(types[0]).toBe('response.created');
    expect(types.at(-1)).toBe('response.completed');

    const raw = await (await harness.post('/v1/responses', { model: 'gpt-4o', input: 'hi', stream: true })).text();
    expect(splitSse(raw).data).not.toContain('[DONE]');
    const outcomes = await harness.waitForOutcomes(3);
    expect(outcomes.map((outcome) => [outcome.stream, outcome.endState, outcome.usage.completionTokens, outcome.usage.estimated])).toEqual([
      [false, 'completed', 8, false],
      [true, 'completed', 8, false],
      [true, 'completed', 8, false],
    ]);
  });
});

describe('routing names', () => {
  test('model mapping: the requested name is billed and shown, the mapped name is sent', async () => {
    const completion = await client.chat.completions.create({ model: 'my-chat', messages: [{ role: 'user', content: 'hi' }] });
    expect(completion.choices[0]?.message.content).toBe(TEXT);
    expect(harness.mock.requests[0]?.model).toBe('gpt-4o-mini');
    const [outcome] = await harness.waitForOutcomes(1);
    expect(outcome).toMatchObject({ requestedModel: 'my-chat', upstreamModel: 'gpt-4o-mini' });
  });

  test('a global alias routes to the target model on every channel', async () => {
    await client.chat.completions.create({ model: 'gpt4', messages: [{ role: 'user', content: 'hi' }] });
    expect(harness.mock.requests[0]?.model).toBe('gpt-4o');
    const [outcome] = await harness.waitForOutcomes(1);
    expect(outcome).toMatchObject({ requestedModel: 'gpt4', upstreamModel: 'gpt-4o', channelId: main.id });
  });

  test('Azure channel: deployment URL with api-version and the api-key header, non-stream and stream', async () => {
    const completion = await client.chat.completions.create({ model: 'azure-gpt', messages: [{ role: 'user', content: 'hi' }] });
    expect(completion.choices[0]?.message.content).toBe(TEXT);
    const [request] = harness.mock.requests;
    expect(request).toMatchObject({ form: 'azure', path: '/openai/deployments/prod-gpt4o/chat/completions', deployment: 'prod-gpt4o', keyHeader: 'api-key', apiKey: AZURE_KEY });
    expect(request?.apiVersion).toEqual(expect.any(String));
    expect(request?.headers.authorization).toBeUndefined();

    let text = '';
    // Azure opens its streams with a chunk that has no choices; the SDK must get it through untouched.
    for await (const chunk of await client.chat.completions.create({ model: 'azure-gpt', stream: true, messages: [{ role: 'user', content: 'hi' }] })) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe(TEXT);
    const outcomes = await harness.waitForOutcomes(2);
    expect(outcomes.map((outcome) => [outcome.requestedModel, outcome.upstreamModel, outcome.endState])).toEqual([
      ['azure-gpt', 'prod-gpt4o', 'completed'],
      ['azure-gpt', 'prod-gpt4o', 'completed'],
    ]);
  });
});
