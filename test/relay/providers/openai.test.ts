/**
 * OpenAI request building, with fixtures written from https://platform.openai.com/docs/api-reference and
 * https://platform.openai.com/docs/guides/reasoning. Errors and usage: openai-error.test.ts, openai-usage.test.ts.
 */
import { describe, expect, test } from 'bun:test';
import { openaiAdapter } from '../../../src/relay/providers/openai.ts';
import type { Endpoint } from '../../../src/relay/types.ts';
import { channelKey, chat, request, sentJson, target } from './provider-fixtures.ts';

const build = openaiAdapter.buildRequest.bind(openaiAdapter);

describe('OpenAI request building', () => {
  test('every endpoint but rerank maps to its documented path', () => {
    const paths: [Endpoint, string][] = [
      ['chat-completions', '/v1/chat/completions'],
      ['completions', '/v1/completions'],
      ['embeddings', '/v1/embeddings'],
      ['moderations', '/v1/moderations'],
      ['images-generations', '/v1/images/generations'],
      ['images-edits', '/v1/images/edits'],
      ['audio-speech', '/v1/audio/speech'],
      ['audio-transcriptions', '/v1/audio/transcriptions'],
      ['audio-translations', '/v1/audio/translations'],
      ['responses', '/v1/responses'],
    ];
    for (const [endpoint, path] of paths) {
      expect(openaiAdapter.endpoints.has(endpoint)).toBe(true);
      expect(build(request(endpoint, { model: 'gpt-4o-mini', input: 'x' }), target()).url).toBe(`https://api.openai.com${path}`);
    }
    expect(openaiAdapter.endpoints.has('rerank')).toBe(false);
  });

  test('base URLs with or without /v1 and trailing slashes join to one /v1', () => {
    const cases: [string, string][] = [
      ['https://api.openai.com', 'https://api.openai.com/v1/chat/completions'],
      ['https://api.openai.com/', 'https://api.openai.com/v1/chat/completions'],
      ['https://api.openai.com/v1', 'https://api.openai.com/v1/chat/completions'],
      ['https://openrouter.ai/api', 'https://openrouter.ai/api/v1/chat/completions'],
      ['http://host:11434/v1', 'http://host:11434/v1/chat/completions'],
      ['http://host:11434/v1//', 'http://host:11434/v1/chat/completions'],
      ['https://open.bigmodel.cn/api/paas/v4', 'https://open.bigmodel.cn/api/paas/v4/chat/completions'],
    ];
    for (const [baseUrl, url] of cases) expect(build(chat({}), target({ baseUrl })).url).toBe(url);
  });

  test('the body keeps unknown fields, takes the upstream model, and the client body is not changed', () => {
    const client = { model: 'my-alias', messages: [{ role: 'system', content: 'Be brief.' }], seed: 7, vendor_extension: { a: 1 } };
    const upstream = build(request('chat-completions', client), target({ upstreamModel: 'o3-mini' }));
    expect(sentJson(upstream)).toMatchObject({ model: 'o3-mini', seed: 7, vendor_extension: { a: 1 } });
    expect(client).toEqual({ model: 'my-alias', messages: [{ role: 'system', content: 'Be brief.' }], seed: 7, vendor_extension: { a: 1 } });
  });

  test('headers come from an allowlist: Bearer key, JSON content type, Accept, organization and project', () => {
    const upstream = build(chat({}), target({ settings: { organization: 'org-abc', project: 'proj_123' } }));
    expect(upstream.method).toBe('POST');
    expect(upstream.headers).toEqual({
      Authorization: `Bearer ${channelKey}`,
      'Content-Type': 'application/json',
      Accept: 'application/json',
      'OpenAI-Organization': 'org-abc',
      'OpenAI-Project': 'proj_123',
    });
    expect(build(chat({}, true), target()).headers.Accept).toBe('text/event-stream');
  });

  test('setting values with CR or LF never become headers', () => {
    const upstream = build(chat({}), target({ settings: { organization: 'org-abc\r\nX-Evil: 1', project: 42 } }));
    expect(Object.keys(upstream.headers).sort()).toEqual(['Accept', 'Authorization', 'Content-Type']);
  });

  test('streaming chat and completions ask for the usage chunk, keeping other stream options', () => {
    const streamed = sentJson(build(chat({ stream: true, stream_options: { include_obfuscation: false } }, true), target()));
    expect(streamed.stream_options).toEqual({ include_obfuscation: false, include_usage: true });
    const optedOut = sentJson(build(chat({ stream: true, stream_options: { include_usage: false } }, true), target()));
    expect(optedOut.stream_options).toEqual({ include_usage: true });
    const completions = sentJson(build(request('completions', { model: 'gpt-3.5-turbo-instruct', prompt: 'Say', stream: true }, true), target()));
    expect(completions.stream_options).toEqual({ include_usage: true });
  });

  test('non-stream requests lose stream_options', () => {
    const body = sentJson(build(chat({ stream_options: { include_usage: true } }), target()));
    expect('stream_options' in body).toBe(false);
  });

  test('multipart bodies are rebuilt with the model replaced and no Content-Type header', async () => {
    const form = new FormData();
    form.append('file', new File([new Uint8Array([1, 2, 3])], 'audio.mp3', { type: 'audio/mpeg' }));
    form.append('model', 'whisper-alias');
    form.append('language', 'en');
    const upstream = build(request('audio-transcriptions', form), target({ upstreamModel: 'whisper-1' }));
    expect(upstream.url).toBe('https://api.openai.com/v1/audio/transcriptions');
    expect(upstream.headers['Content-Type']).toBeUndefined();
    if (!(upstream.body instanceof FormData)) throw new Error('expected a form');
    expect([...upstream.body.keys()]).toEqual(['file', 'model', 'language']);
    expect(upstream.body.get('model')).toBe('whisper-1');
    const file = upstream.body.get('file');
    expect(file instanceof File ? [file.name, await file.bytes()] : undefined).toEqual(['audio.mp3', new Uint8Array([1, 2, 3])]);
  });

  test('audio speech accepts any content type back', () => {
    const upstream = build(request('audio-speech', { model: 'tts-1', input: 'Hello', voice: 'alloy' }), target({ upstreamModel: 'tts-1' }));
    expect(upstream.headers.Accept).toBe('*/*');
  });
});

describe('reasoning models (o-series, gpt-5)', () => {
  const reasoning = (body: Record<string, unknown>, upstreamModel = 'o3-mini') => sentJson(build(chat(body), target({ upstreamModel })));

  test('max_tokens becomes max_completion_tokens; absent stays absent, an explicit 0 is kept as 0', () => {
    expect(reasoning({ max_tokens: 100 })).toMatchObject({ max_completion_tokens: 100 });
    expect('max_tokens' in reasoning({ max_tokens: 100 })).toBe(false);
    const zero = reasoning({ max_tokens: 0 });
    expect(zero.max_completion_tokens).toBe(0);
    expect('max_tokens' in zero).toBe(false);
    const absent = reasoning({});
    expect('max_tokens' in absent || 'max_completion_tokens' in absent).toBe(false);
    expect(reasoning({ max_tokens: 100, max_completion_tokens: 50 })).toMatchObject({ max_completion_tokens: 50 });
  });

  test('sampling fields are dropped for reasoning models, explicit zeros included; other models keep them', () => {
    const sampled = { temperature: 0, top_p: 0, presence_penalty: 0, frequency_penalty: 0, logprobs: true, top_logprobs: 0, logit_bias: {} };
    const dropped = reasoning(sampled);
    for (const field of Object.keys(sampled)) expect(field in dropped).toBe(false);
    const kept = reasoning(sampled, 'gpt-4o');
    expect(kept).toMatchObject(sampled);
    expect('temperature' in reasoning({}, 'gpt-4o')).toBe(false);
  });

  test('gpt-5.1 with effort none keeps sampling fields; gpt-5-chat is not a reasoning model', () => {
    expect(reasoning({ temperature: 0, reasoning_effort: 'none' }, 'gpt-5.1')).toMatchObject({ temperature: 0, reasoning_effort: 'none' });
    const chatModel = reasoning({ temperature: 0.2, max_tokens: 64, messages: [{ role: 'system', content: 's' }] }, 'gpt-5-chat-latest');
    expect(chatModel).toMatchObject({ temperature: 0.2, max_completion_tokens: 64, messages: [{ role: 'system', content: 's' }] });
  });

  test('the first system message becomes developer for o-series and gpt-5, not for o1-mini or gpt-4o', () => {
    const messages = [
      { role: 'user', content: 'hi' },
      { role: 'system', content: 'first' },
      { role: 'system', content: 'second' },
    ];
    expect(reasoning({ messages }).messages).toEqual([
      { role: 'user', content: 'hi' },
      { role: 'developer', content: 'first' },
      { role: 'system', content: 'second' },
    ]);
    expect(reasoning({ messages }, 'gpt-5').messages).toMatchObject([{ role: 'user' }, { role: 'developer' }, { role: 'system' }]);
    expect(reasoning({ messages }, 'o1-mini').messages).toEqual(messages);
    expect(reasoning({ messages }, 'gpt-4o').messages).toEqual(messages);
    expect(messages[1]?.role).toBe('system');
  });

  test('an effort suffix is stripped from the model and sent as reasoning_effort, overriding the body', () => {
    expect(reasoning({ reasoning_effort: 'low' }, 'o3-mini-high')).toMatchObject({ model: 'o3-mini', reasoning_effort: 'high' });
    expect(reasoning({}, 'gpt-5-minimal')).toMatchObject({ model: 'gpt-5', reasoning_effort: 'minimal' });
    expect(reasoning({ reasoning_effort: 'medium' }, 'o4-mini')).toMatchObject({ model: 'o4-mini', reasoning_effort: 'medium' });
    const plain = reasoning({}, 'gpt-4o-mini-low');
    expect(plain.model).toBe('gpt-4o-mini-low');
    expect('reasoning_effort' in plain).toBe(false);
  });

  test('models that do not reason go without reasoning_effort (a converted thinking request would get a 400); others keep it', () => {
    for (const model of ['gpt-4o', 'gpt-4o-mini', 'gpt-4.1-nano', 'gpt-4', 'gpt-4-turbo', 'gpt-3.5-turbo', 'chatgpt-4o-latest', 'gpt-5-chat-latest', 'gpt-5.1-chat-latest']) {
      expect({ model, kept: 'reasoning_effort' in reasoning({ reasoning_effort: 'high' }, model) }).toEqual({ model, kept: false });
    }
    for (const model of ['o3-mini', 'gpt-5', 'gpt-5.1', 'deepseek-reasoner', 'grok-3-mini', 'qwen3-32b', 'my-custom-model']) {
      expect(reasoning({ reasoning_effort: 'high' }, model)).toMatchObject({ reasoning_effort: 'high' });
    }
  });

  test('Responses requests carry the suffix effort in reasoning.effort, keeping other reasoning fields', () => {
    const body = sentJson(build(request('responses', { model: 'x', input: 'hi', reasoning: { summary: 'auto' } }), target({ upstreamModel: 'o3-xhigh' })));
    expect(body).toMatchObject({ model: 'o3', reasoning: { summary: 'auto', effort: 'xhigh' } });
    expect('reasoning_effort' in body).toBe(false);
  });
});
