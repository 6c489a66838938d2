/**
 * The mock upstream's routes, checked against OpenAI's OpenAPI document and driven by the official `openai`
 * client: if the SDK and the schemas accept the mock, relay tests built on it exercise the real wire format.
 * Errors, keys, URL forms and scripts are in mock-upstream/routing.test.ts, faults in mock-upstream/faults.test.ts.
 */
import { afterAll, beforeEach, describe, expect, test } from 'bun:test';
import OpenAI, { AzureOpenAI, toFile } from 'openai';
import { countTokens } from 'gpt-tokenizer';
import { startMockUpstream, type MockUpstream } from './mock-upstream.ts';
import { expectConforms, mockRequests, withoutStatus } from './mock-upstream/test-requests.ts';
import { openAiSpecAvailable, openAiSpecPath, validateOpenAi, validateSchema } from './openai-schema.ts';

const mock: MockUpstream = await startMockUpstream();
afterAll(() => mock.stop());
beforeEach(() => mock.reset());

const KEY = 'sk-mock-test-key-0001';
const { post, postJson, streamChunks } = mockRequests(mock, KEY);
const TOOLS = [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' }, days: { type: 'integer' } }, required: ['city'] } } }];

test(`OpenAI's OpenAPI document is readable at ${openAiSpecPath}`, () => {
  expect(validateOpenAi('CreateChatCompletionResponse', { id: 'x' })).toContain('$: missing required property "choices"');
  expect(validateOpenAi('CompletionUsage', { prompt_tokens: 12.5, completion_tokens: 1, total_tokens: 13.5 })[0]).toContain('expected integer');
});

describe('chat completions', () => {
  test('non-stream answer echoes the model and reports detailed usage', async () => {
    const json = await postJson('/v1/chat/completions', { model: 'mock/cached-tokens=2,reasoning-tokens=3', messages: [{ role: 'user', content: 'Say hello to the mock upstream.' }] });
    expect(json.status).toBe(200);
    expectConforms('CreateChatCompletionResponse', withoutStatus(json));
    expect(json).toMatchObject({ object: 'chat.completion', model: 'mock/cached-tokens=2,reasoning-tokens=3', choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'Hello from the mock upstream with a quick' } }] });
    expect(json.usage).toEqual({
      prompt_tokens: 8,
      completion_tokens: 11,
      total_tokens: 19,
      prompt_tokens_details: { cached_tokens: 2, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 3, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
    });
    expect(mock.completedReplies).toHaveLength(1);
    expect(mock.completedStreams).toHaveLength(0);
  });

  test('stream without include_usage: role delta, content deltas, finish chunk, [DONE] and no usage', async () => {
    const { events, json } = await streamChunks('/v1/chat/completions', { model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    for (const chunk of json) expectConforms('CreateChatCompletionStreamResponse', chunk);
    expect(events.at(-1)?.data).toBe('[DONE]');
    expect(json).toHaveLength(1 + 8 + 1);
    expect(json[0]).toMatchObject({ object: 'chat.completion.chunk', choices: [{ delta: { role: 'assistant', content: '' }, finish_reason: null }] });
    expect(json.at(-1)).toMatchObject({ choices: [{ delta: {}, finish_reason: 'stop' }] });
    expect(json.every((chunk) => !('usage' in chunk) && Array.isArray(chunk.choices) && chunk.choices.length === 1)).toBe(true);
    expect(new Set(json.map((chunk) => chunk.id)).size).toBe(1);
    expect(mock.completedStreams).toEqual([expect.objectContaining({ stream: true, usage: undefined, chunks: 11, text: 'Hello from the mock upstream with a quick' })]);
  });

  test('stream with include_usage ends with a usage chunk whose choices are empty; usage matches the tokenizer', async () => {
    const { json } = await streamChunks('/v1/chat/completions', { model: 'mock/chunks=40', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'hi' }] });
    for (const chunk of json) expectConforms('CreateChatCompletionStreamResponse', chunk);
    const last = json.at(-1);
    expect(last?.choices).toEqual([]);
    expect(json.slice(0, -1).every((chunk) => chunk.usage === null)).toBe(true);
    const text = json.flatMap((chunk) => (Array.isArray(chunk.choices) ? chunk.choices : [])).map((choice: { delta?: { content?: string } }) => choice.delta?.content ?? '').join('');
    expect(last?.usage).toMatchObject({ prompt_tokens: 1, completion_tokens: 40, total_tokens: 41 });
    expect(countTokens(text)).toBe(40);
    expect(mock.completedStreams[0]?.usage).toEqual({ promptTokens: 1, completionTokens: 40, totalTokens: 41, cachedTokens: 0, reasoningTokens: 0 });
  });

  test('max_tokens cuts the answer with finish_reason "length"; an explicit 0 gives no content', async () => {
    const cut = await postJson('/v1/chat/completions', { model: 'gpt-4o', max_tokens: 3, messages: [{ role: 'user', content: 'hi' }] });
    expect(cut).toMatchObject({ choices: [{ finish_reason: 'length', message: { content: 'Hello from the' } }], usage: { completion_tokens: 3 } });
    const zero = await postJson('/v1/chat/completions', { model: 'gpt-4o', max_completion_tokens: 0, messages: [{ role: 'user', content: 'hi' }] });
    expect(zero).toMatchObject({ choices: [{ finish_reason: 'length', message: { content: '' } }], usage: { completion_tokens: 0 } });
  });

  test('tools plus "call a tool" answer with tool_calls; tool_choice "none" never calls', async () => {
    const json = await postJson('/v1/chat/completions', { model: 'gpt-4o', tools: TOOLS, messages: [{ role: 'user', content: 'Please call a tool.' }] });
    expectConforms('CreateChatCompletionResponse', withoutStatus(json));
    expect(json).toMatchObject({ choices: [{ finish_reason: 'tool_calls', message: { content: null, tool_calls: [{ id: 'call_mock000001', type: 'function', function: { name: 'get_weather', arguments: '{"city":"mock"}' } }] } }] });
    const none = await postJson('/v1/chat/completions', { model: 'gpt-4o', tools: TOOLS, tool_choice: 'none', messages: [{ role: 'user', content: 'call a tool' }] });
    expect(none).toMatchObject({ choices: [{ finish_reason: 'stop' }] });
    const plain = await postJson('/v1/chat/completions', { model: 'gpt-4o', tools: TOOLS, messages: [{ role: 'user', content: 'just talk' }] });
    expect(plain).toMatchObject({ choices: [{ finish_reason: 'stop' }] });
  });

  test('a tool result after the call is answered in text, even when the user asked for a tool (a round trip ends)', async () => {
    const call = { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } };
    const history = [{ role: 'user', content: 'call a tool' }, { role: 'assistant', content: null, tool_calls: [call] }, { role: 'tool', tool_call_id: 'call_1', content: 'sunny' }];
    const answered = await postJson('/v1/chat/completions', { model: 'mock/tool-call', tools: TOOLS, messages: history });
    expect(answered).toMatchObject({ choices: [{ finish_reason: 'stop', message: { content: 'Hello from the mock upstream with a quick' } }] });
    // A tool result followed by a new user message is still an answer to the result.
    const withText = await postJson('/v1/chat/completions', { model: 'gpt-4o', tools: TOOLS, messages: [...history, { role: 'user', content: 'call a tool' }] });
    expect(withText).toMatchObject({ choices: [{ finish_reason: 'stop' }] });
    const again = await postJson('/v1/chat/completions', { model: 'gpt-4o', tools: TOOLS, messages: [...history, { role: 'assistant', content: 'It is sunny.' }, { role: 'user', content: 'call a tool' }] });
    expect(again).toMatchObject({ choices: [{ finish_reason: 'tool_calls' }] });
  });

  test('streamed tool call: id and name first, then argument fragments that join into the arguments', async () => {
    const { json } = await streamChunks('/v1/chat/completions', { model: 'mock/tool-call,chunks=5', stream: true, tools: TOOLS, messages: [{ role: 'user', content: 'weather?' }] });
    for (const chunk of json) expectConforms('CreateChatCompletionStreamResponse', chunk);
    const deltas = json.map((chunk) => (chunk.choices as { delta: { tool_calls?: { index: number; id?: string; function?: { name?: string; arguments?: string } }[] } }[])[0]?.delta);
    expect(deltas[0]?.tool_calls?.[0]).toEqual({ index: 0, id: 'call_mock000001', type: 'function', function: { name: 'get_weather', arguments: '' } } as never);
    const fragments = deltas.slice(1).flatMap((delta) => delta?.tool_calls ?? []);
    expect(fragments.length).toBe(5);
    expect(fragments.every((fragment) => fragment.index === 0 && fragment.id === undefined)).toBe(true);
    expect(JSON.parse(fragments.map((fragment) => fragment.function?.arguments ?? '').join(''))).toEqual({ city: 'mock' });
    expect(json.at(-1)).toMatchObject({ choices: [{ finish_reason: 'tool_calls' }] });
  });
});

describe('other JSON endpoints', () => {
  test('legacy completions, plain and streamed with usage', async () => {
    const json = await postJson('/v1/completions', { model: 'gpt-3.5-turbo-instruct', prompt: 'Once upon a time' });
    expectConforms('CreateCompletionResponse', withoutStatus(json));
    expect(json).toMatchObject({ object: 'text_completion', choices: [{ text: 'Hello from the mock upstream with a quick', finish_reason: 'stop' }], usage: { prompt_tokens: 4, completion_tokens: 8 } });
    const { events, json: chunks } = await streamChunks('/v1/completions', { model: 'gpt-3.5-turbo-instruct', prompt: 'x', stream: true, stream_options: { include_usage: true } });
    // The document has no schema for completion stream chunks; they reuse CreateCompletionResponse, except
    // that unfinished choices carry `finish_reason: null` and, with include_usage, `usage: null`.
    for (const chunk of chunks.slice(0, -1)) {
      const { usage: _usage, ...rest } = chunk;
      const choices = (rest.choices as Record<string, unknown>[]).map((choice) => ({ ...choice, finish_reason: choice.finish_reason ?? 'stop' }));
      expectConforms('CreateCompletionResponse', { ...rest, choices });
    }
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { completion_tokens: 8 } });
    expect(events.at(-1)?.data).toBe('[DONE]');
  });

  test('embeddings: floats, base64 of the same float32 values, string or array input', async () => {
    const floats = await postJson('/v1/embeddings', { model: 'text-embedding-3-small', input: ['alpha', 'beta'], dimensions: 8 });
    expectConforms('CreateEmbeddingResponse', withoutStatus(floats));
    const data = floats.data as { index: number; embedding: number[] }[];
    expect(data.map((item) => item.index)).toEqual([0, 1]);
    expect(data[0]?.embedding).toHaveLength(8);
    expect(Math.hypot(...(data[0]?.embedding ?? []))).toBeCloseTo(1, 5);
    const encoded = await postJson('/v1/embeddings', { model: 'text-embedding-3-small', input: 'alpha', dimensions: 8, encoding_format: 'base64' });
    const [first] = encoded.data as { embedding: string }[];
    const bytes = Buffer.from(first?.embedding ?? '', 'base64');
    const decoded = Array.from({ length: bytes.length / 4 }, (_, index) => bytes.readFloatLE(index * 4));
    expect(decoded).toEqual(data[0]?.embedding ?? []);
    const full = await postJson('/v1/embeddings', { model: 'text-embedding-3-small', input: 'alpha' });
    expect((full.data as { embedding: number[] }[])[0]?.embedding).toHaveLength(1536);
    expect((await post('/v1/embeddings', { model: 'text-embedding-3-small' })).status).toBe(400);
  });

  test('moderations flag text containing "mock:flagged"', async () => {
    const json = await postJson('/v1/moderations', { model: 'omni-moderation-latest', input: ['fine', 'this is mock:flagged'] });
    expectConforms('CreateModerationResponse', withoutStatus(json));
    expect((json.results as { flagged: boolean }[]).map((result) => result.flagged)).toEqual([false, true]);
  });

  test('image generation: DALL·E URLs served by the mock, gpt-image base64 with usage', async () => {
    const dalle = await postJson('/v1/images/generations', { model: 'dall-e-3', prompt: 'a cat', n: 2 });
    expectConforms('ImagesResponse', withoutStatus(dalle));
    const [image] = dalle.data as { url: string; revised_prompt: string }[];
    const png = new Uint8Array(await (await fetch(image?.url ?? '')).arrayBuffer());
    expect([...png.subarray(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
    const gptImage = await postJson('/v1/images/generations', { model: 'gpt-image-1', prompt: 'a cat' });
    expectConforms('ImagesResponse', withoutStatus(gptImage));
    expect(gptImage).toMatchObject({ data: [{ b64_json: expect.any(String) }], usage: { input_tokens: 2, output_tokens: 1056 } });
  });

  test('image edits are multipart; field names are recorded; a missing image is a 400', async () => {
    const form = new FormData();
    form.append('model', 'gpt-image-1');
    form.append('prompt', 'add a hat');
    form.append('image[]', new File([new Uint8Array([1, 2, 3])], 'cat.png', { type: 'image/png' }));
    const response = await fetch(`${mock.url}/v1/images/edits`, { method: 'POST', headers: { authorization: `Bearer ${KEY}` }, body: form });
    const json: unknown = await response.json();
    expect(response.status).toBe(200);
    expectConforms('ImagesResponse', json);
    expect(mock.requests[0]?.multipartFields).toEqual(['model', 'prompt', 'image[]']);
    const missing = new FormData();
    missing.append('prompt', 'x');
    const refused = await fetch(`${mock.url}/v1/images/edits`, { method: 'POST', headers: { authorization: `Bearer ${KEY}` }, body: missing });
    expect(refused.status).toBe(400);
    expectConforms('ErrorResponse', await refused.json());
  });

  test('speech streams binary audio/mpeg in chunks', async () => {
    const response = await post('/v1/audio/speech', { model: 'tts-1', input: 'Hello', voice: 'alloy' });
    expect(response.headers.get('content-type')).toBe('audio/mpeg');
    expect(response.headers.get('transfer-encoding')).toBe('chunked');
    const bytes = new Uint8Array(await response.arrayBuffer());
    expect(bytes.byteLength).toBe(8 * 417);
    expect([...bytes.subarray(0, 2)]).toEqual([0xff, 0xfb]);
  });

  test('transcriptions answer json (seconds for whisper, tokens for gpt-4o) or text; translations json', async () => {
    const send = async (path: string, model: string, format?: string): Promise<Response> => {
      const form = new FormData();
      form.append('file', new File([new Uint8Array(32_000)], 'speech.mp3', { type: 'audio/mpeg' }));
      form.append('model', model);
      if (format !== undefined) form.append('response_format', format);
      return fetch(`${mock.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${KEY}` }, body: form });
    };
    const whisper: unknown = await (await send('/v1/audio/transcriptions', 'whisper-1')).json();
    expectConforms('CreateTranscriptionResponseJson', whisper);
    expect(whisper).toMatchObject({ usage: { type: 'duration', seconds: 2 } });
    const tokens: unknown = await (await send('/v1/audio/transcriptions', 'gpt-4o-transcribe')).json();
    expectConforms('CreateTranscriptionResponseJson', tokens);
    expect(tokens).toMatchObject({ usage: { type: 'tokens', input_tokens: 20 } });
    const text = await send('/v1/audio/transcriptions', 'whisper-1', 'text');
    expect(text.headers.get('content-type')).toStartWith('text/plain');
    expect(await text.text()).toBe('Mock transcript of 32000 bytes of audio.\n');
    const translation: unknown = await (await send('/v1/audio/translations', 'whisper-1')).json();
    expectConforms('CreateTranslationResponseJson', translation);
    expect(mock.requests[0]?.multipartFields).toEqual(['file', 'model']);
  });

  test('rerank answers the Jina/Cohere shape, best first, cut to top_n', async () => {
    const json = await postJson('/v1/rerank', { model: 'jina-reranker-v2-base-multilingual', query: 'brown fox', documents: ['a lazy dog', 'the quick brown fox', { text: 'a brown bear' }], top_n: 2 });
    const rerankSchema = {
      type: 'object',
      required: ['results'],
      properties: {
        results: { type: 'array', items: { type: 'object', required: ['index', 'relevance_score'], properties: { index: { type: 'integer' }, relevance_score: { type: 'number' }, document: { type: 'object', required: ['text'] } } } },
        usage: { type: 'object', required: ['total_tokens'], properties: { total_tokens: { type: 'integer' }, prompt_tokens: { type: 'integer' } } },
        meta: { type: 'object', properties: { billed_units: { type: 'object', properties: { search_units: { type: 'integer' } } } } },
      },
    };
    expect(validateSchema(rerankSchema, withoutStatus(json))).toEqual([]);
    expect((json.results as { index: number; document: { text: string } }[]).map((result) => [result.index, result.document.text])).toEqual([
      [1, 'the quick brown fox'],
      [2, 'a brown bear'],
    ]);
    expect((await post('/v2/rerank', { model: 'rerank-v3.5', query: 'x', documents: ['x'], return_documents: false })).status).toBe(200);
  });

  test('models list', async () => {
    const response = await fetch(`${mock.url}/v1/models`, { headers: { authorization: `Bearer ${KEY}` } });
    const json: unknown = await response.json();
    expectConforms('ListModelsResponse', json);
    expect(json).toMatchObject({ object: 'list', data: expect.arrayContaining([{ id: 'gpt-4o', object: 'model', created: 1_735_689_600, owned_by: 'system' }]) });
  });
});

describe('Responses API', () => {
  test('non-stream Response object with output_text and usage', async () => {
    const json = await postJson('/v1/responses', { model: 'gpt-4o', input: 'Say hello', instructions: 'Be brief.' });
    expectConforms('Response', withoutStatus(json));
    expect(json).toMatchObject({ object: 'response', status: 'completed', instructions: 'Be brief.', output: [{ type: 'message', content: [{ type: 'output_text', text: 'Hello from the mock upstream with a quick' }] }], usage: { output_tokens: 8 } });
  });

  test('stream: named events from response.created to response.completed, sequence numbers in order, no [DONE]', async () => {
    const { events, json } = await streamChunks('/v1/responses', { model: 'gpt-4o', input: 'hi', stream: true });
    for (const event of json) expectConforms('ResponseStreamEvent', event);
    expect(events.map((event) => event.event)).toEqual(json.map((event) => event.type as string));
    expect(json.map((event) => event.type)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      ...Array<string>(8).fill('response.output_text.delta'),
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(json.map((event) => event.sequence_number)).toEqual(json.map((_, index) => index));
    expect(events.some((event) => event.data === '[DONE]')).toBe(false);
    expect(json.at(-1)).toMatchObject({ response: { status: 'completed', usage: { output_tokens: 8 } } });
    expect(mock.completedStreams[0]?.usage?.completionTokens).toBe(8);
  });

  test('stream with a function call: arguments arrive as deltas', async () => {
    const tools = [{ type: 'function', name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }];
    const { json } = await streamChunks('/v1/responses', { model: 'gpt-4o', input: [{ role: 'user', content: 'call a tool' }], tools, stream: true });
    for (const event of json) expectConforms('ResponseStreamEvent', event);
    const deltas = json.filter((event) => event.type === 'response.function_call_arguments.delta').map((event) => event.delta);
    expect(deltas.join('')).toBe('{"city":"mock"}');
    expect(json.at(-1)).toMatchObject({ response: { output: [{ type: 'function_call', name: 'get_weather', arguments: '{"city":"mock"}', status: 'completed' }] } });
  });
});

describe('official openai client against the mock', () => {
  const client = new OpenAI({ apiKey: KEY, baseURL: `${mock.url}/v1`, maxRetries: 0 });

  test('chat, streaming chat with usage, tool calls and embeddings', async () => {
    const completion = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
    expect(completion.choices[0]?.message.content).toBe('Hello from the mock upstream with a quick');
    expect(completion.usage?.prompt_tokens_details?.cached_tokens).toBe(0);

    const stream = await client.chat.completions.create({ model: 'gpt-4o', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'hi' }] });
    let text = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe('Hello from the mock upstream with a quick');
    expect(usage?.completion_tokens).toBe(8);

    const runner = client.chat.completions.stream({ model: 'gpt-4o', tools: [{ type: 'function', function: { name: 'get_weather', parameters: TOOLS[0]?.function.parameters } }], messages: [{ role: 'user', content: 'call a tool' }] });
    const final = await runner.finalChatCompletion();
    const call = final.choices[0]?.message.tool_calls?.[0];
    expect(call?.type === 'function' ? [call.function.name, JSON.parse(call.function.arguments)] : []).toEqual(['get_weather', { city: 'mock' }]);
    expect(final.choices[0]?.finish_reason).toBe('tool_calls');

    // The SDK asks for base64 by default and decodes it to floats itself.
    const embedding = await client.embeddings.create({ model: 'text-embedding-3-small', input: ['a', 'b'], dimensions: 16 });
    expect(embedding.data.map((item) => item.embedding.length)).toEqual([16, 16]);
    expect(mock.requests.at(-1)?.json).toMatchObject({ encoding_format: 'base64' });
  });

  test('responses, models, audio and errors', async () => {
    const response = await client.responses.create({ model: 'gpt-4o', input: 'hi' });
    expect(response.output_text).toBe('Hello from the mock upstream with a quick');
    const events: string[] = [];
    for await (const event of await client.responses.create({ model: 'gpt-4o', input: 'hi', stream: true })) events.push(event.type);
    expect(events.at(-1)).toBe('response.completed');
    const models = await client.models.list();
    expect(models.data.map((model) => model.id)).toContain('gpt-4o');
    const transcript = await client.audio.transcriptions.create({ model: 'whisper-1', file: await toFile(new Uint8Array(16_000), 'a.mp3') });
    expect(transcript.text).toBe('Mock transcript of 16000 bytes of audio.');
    const error = await client.chat.completions.create({ model: 'mock/quota-exhausted', messages: [] }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect(error).toMatchObject({ status: 429, code: 'insufficient_quota', type: 'insufficient_quota' });
  });

  test('the Azure client reaches the deployment route', async () => {
    const azure = new AzureOpenAI({ apiKey: 'azure-key-2', endpoint: mock.url, apiVersion: '2024-10-21', deployment: 'prod-gpt4o', maxRetries: 0 });
    const completion = await azure.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
    expect(completion.choices[0]?.message.content).toBe('Hello from the mock upstream with a quick');
    expect(mock.requests[0]).toMatchObject({ form: 'azure', deployment: 'prod-gpt4o', apiVersion: '2024-10-21', apiKey: 'azure-key-2', keyHeader: 'api-key' });
  });
});
