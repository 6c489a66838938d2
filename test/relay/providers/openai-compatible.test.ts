/**
 * OpenAI-compatible presets, with fixtures from each provider's API reference (linked in
 * src/relay/providers/openai-compatible.ts).
 */
import { describe, expect, test } from 'bun:test';
import type { OpenAIFamilyAdapter } from '../../../src/relay/providers/openai.ts';
import {
  deepseekAdapter,
  mistralAdapter,
  moonshotAdapter,
  OPENROUTER_DEFAULT_TITLE,
  ollamaAdapter,
  openaiCompatibleAdapter,
  openrouterAdapter,
  siliconflowAdapter,
  xaiAdapter,
} from '../../../src/relay/providers/openai-compatible.ts';
import type { Endpoint } from '../../../src/relay/types.ts';
import { chat, request, sentJson, target } from './provider-fixtures.ts';

function endpointsOf(adapter: OpenAIFamilyAdapter): Endpoint[] {
  return [...adapter.endpoints].sort();
}

describe('preset endpoint sets and stream usage (domain.md 5.1)', () => {
  const table: [string, OpenAIFamilyAdapter, Endpoint[], boolean][] = [
    ['deepseek', deepseekAdapter, ['chat-completions', 'completions'], true],
    ['openrouter', openrouterAdapter, ['chat-completions', 'completions', 'embeddings', 'responses'], false],
    ['ollama', ollamaAdapter, ['chat-completions', 'completions', 'embeddings', 'responses'], true],
    ['mistral', mistralAdapter, ['chat-completions', 'embeddings'], false],
    ['xai', xaiAdapter, ['chat-completions', 'images-generations', 'responses'], true],
    ['moonshot', moonshotAdapter, ['chat-completions'], true],
    ['siliconflow', siliconflowAdapter, ['audio-speech', 'audio-transcriptions', 'chat-completions', 'embeddings', 'images-generations', 'rerank'], true],
  ];
  for (const [name, adapter, endpoints, streamUsage] of table) {
    test(name, () => {
      expect(endpointsOf(adapter)).toEqual([...endpoints].sort());
      expect(adapter.streamUsage).toBe(streamUsage);
    });
  }

  test('openai-compatible tries every endpoint and never sends stream_options', () => {
    expect(openaiCompatibleAdapter.endpoints.size).toBe(11);
    expect(openaiCompatibleAdapter.streamUsage).toBe(false);
    const body = sentJson(openaiCompatibleAdapter.buildRequest(chat({ stream: true, stream_options: { include_usage: true } }, true), target({ baseUrl: 'https://api.groq.com/openai/v1' })));
    expect('stream_options' in body).toBe(false);
  });
});

describe('DeepSeek', () => {
  const deepseek = (baseUrl = 'https://api.deepseek.com') => target({ type: 'deepseek', baseUrl, upstreamModel: 'deepseek-chat' });

  test('chat under /v1, FIM completion under /beta whatever the base', () => {
    expect(deepseekAdapter.buildRequest(chat({}), deepseek()).url).toBe('https://api.deepseek.com/v1/chat/completions');
    const fim = request('completions', { model: 'deepseek-chat', prompt: 'def fib(a):', suffix: '    return fib(a-1) + fib(a-2)', max_tokens: 128 });
    expect(deepseekAdapter.buildRequest(fim, deepseek()).url).toBe('https://api.deepseek.com/beta/completions');
    expect(deepseekAdapter.buildRequest(fim, deepseek('https://api.deepseek.com/v1/')).url).toBe('https://api.deepseek.com/beta/completions');
  });

  test('streams ask for usage', () => {
    expect(sentJson(deepseekAdapter.buildRequest(chat({ stream: true }, true), deepseek())).stream_options).toEqual({ include_usage: true });
  });
});

describe('OpenRouter', () => {
  const openrouter = (settings: Record<string, unknown> = {}) =>
    target({ type: 'openrouter', baseUrl: 'https://openrouter.ai/api', upstreamModel: 'openai/gpt-4o', settings });

  test('URL under /api/v1, Bearer key, default title and no referer unless set', () => {
    const upstream = openrouterAdapter.buildRequest(chat({}), openrouter());
    expect(upstream.url).toBe('https://openrouter.ai/api/v1/chat/completions');
    expect(upstream.headers['X-Title']).toBe(OPENROUTER_DEFAULT_TITLE);
    expect(upstream.headers['HTTP-Referer']).toBeUndefined();
    expect(upstream.headers.Authorization).toStartWith('Bearer ');
  });

  test('attribution headers from the channel settings', () => {
    const upstream = openrouterAdapter.buildRequest(chat({}), openrouter({ http_referer: 'https://chat.example.com', x_title: 'Example Chat' }));
    expect(upstream.headers).toMatchObject({ 'HTTP-Referer': 'https://chat.example.com', 'X-Title': 'Example Chat' });
  });

  test('provider-prefixed models are sent as given, without stream_options', () => {
    const body = sentJson(openrouterAdapter.buildRequest(chat({ stream: true }, true), openrouter()));
    expect(body.model).toBe('openai/gpt-4o');
    expect('stream_options' in body).toBe(false);
  });
});

describe('Ollama, xAI, Moonshot, SiliconFlow URLs', () => {
  test('Ollama adds /v1 to the server address and asks for stream usage', () => {
    const upstream = ollamaAdapter.buildRequest(chat({ stream: true }, true), target({ type: 'ollama', baseUrl: 'http://localhost:11434', upstreamModel: 'qwen2.5:7b' }));
    expect(upstream.url).toBe('http://localhost:11434/v1/chat/completions');
    expect(sentJson(upstream)).toMatchObject({ model: 'qwen2.5:7b', stream_options: { include_usage: true } });
  });

  test('xAI, Moonshot and SiliconFlow', () => {
    expect(xaiAdapter.buildRequest(request('responses', { model: 'grok-4', input: 'hi' }), target({ baseUrl: 'https://api.x.ai' })).url).toBe('https://api.x.ai/v1/responses');
    expect(moonshotAdapter.buildRequest(chat({}), target({ baseUrl: 'https://api.moonshot.cn/v1' })).url).toBe('https://api.moonshot.cn/v1/chat/completions');
    const rerank = request('rerank', { model: 'BAAI/bge-reranker-v2-m3', query: 'Apple', documents: ['apple', 'banana'] });
    expect(siliconflowAdapter.buildRequest(rerank, target({ baseUrl: 'https://api.siliconflow.cn', upstreamModel: 'BAAI/bge-reranker-v2-m3' })).url).toBe(
      'https://api.siliconflow.cn/v1/rerank',
    );
  });
});

describe('Mistral', () => {
  const mistral = target({ type: 'mistral', baseUrl: 'https://api.mistral.ai', upstreamModel: 'mistral-large-latest' });
  const send = (body: Record<string, unknown>, stream = false) => sentJson(mistralAdapter.buildRequest(chat(body, stream), mistral));

  test('max_completion_tokens goes back to max_tokens; absent stays absent; an explicit 0 is kept', () => {
    expect(send({ max_completion_tokens: 256 })).toMatchObject({ max_tokens: 256 });
    expect('max_completion_tokens' in send({ max_completion_tokens: 256 })).toBe(false);
    expect(send({ max_completion_tokens: 0 }).max_tokens).toBe(0);
    const absent = send({});
    expect('max_tokens' in absent || 'max_completion_tokens' in absent).toBe(false);
    expect(send({ max_tokens: 10, max_completion_tokens: 20 })).toMatchObject({ max_tokens: 10 });
  });

  test('streams carry no stream_options (Mistral refuses unknown fields)', () => {
    expect('stream_options' in send({ stream: true, stream_options: { include_usage: true } }, true)).toBe(false);
  });

  test('embeddings bodies are untouched apart from the model', () => {
    const upstream = mistralAdapter.buildRequest(request('embeddings', { model: 'e', input: ['a'], max_completion_tokens: 1 }), target({ baseUrl: 'https://api.mistral.ai', upstreamModel: 'mistral-embed' }));
    expect(upstream.url).toBe('https://api.mistral.ai/v1/embeddings');
    expect(sentJson(upstream)).toEqual({ model: 'mistral-embed', input: ['a'], max_completion_tokens: 1 });
  });
});
