import { describe, expect, test } from 'bun:test';
import { UpstreamError } from '../../../src/relay/errors.ts';
import { customAdapter } from '../../../src/relay/providers/custom.ts';
import { chat, request, sentJson, target } from './provider-fixtures.ts';

const custom = (baseUrl: string, settings: Record<string, unknown> = {}, upstreamModel = 'llama-3-8b') =>
  target({ type: 'custom', baseUrl, settings, upstreamModel });

function thrown(action: () => unknown): UpstreamError | undefined {
  try {
    action();
  } catch (error) {
    if (error instanceof UpstreamError) return error;
    throw error;
  }
  return undefined;
}

describe('custom channels', () => {
  test('the base URL is the full endpoint; chat by default', () => {
    const upstream = customAdapter.buildRequest(chat({}), custom('https://llm.internal.example/api/generate/chat'));
    expect(upstream.url).toBe('https://llm.internal.example/api/generate/chat');
    expect(sentJson(upstream).model).toBe('llama-3-8b');
  });

  test('{model} is replaced in the path and the query, slashes kept, other characters encoded', () => {
    const template = 'https://gw.example/ai/run/{model}/chat?deployment={model}';
    expect(customAdapter.buildRequest(chat({}), custom(template, {}, '@cf/meta/llama-3-8b')).url).toBe(
      'https://gw.example/ai/run/@cf/meta/llama-3-8b/chat?deployment=@cf/meta/llama-3-8b',
    );
    expect(customAdapter.buildRequest(chat({}), custom(template, {}, 'a b?c#d')).url).toBe(
      'https://gw.example/ai/run/a%20b%3Fc%23d/chat?deployment=a%20b%3Fc%23d',
    );
  });

  test('a model name cannot climb out of the path or choose the host', () => {
    expect(thrown(() => customAdapter.buildRequest(chat({}), custom('https://gw.example/run/{model}', {}, '../../admin')))).toMatchObject({
      status: 400,
      code: 'invalid_model_name',
      retryable: false,
    });
    expect(thrown(() => customAdapter.buildRequest(chat({}), custom('https://{model}.gw.example/chat')))).toMatchObject({ code: 'invalid_channel_url' });
  });

  test('the endpoint setting names the one endpoint served; others fail over', () => {
    const embeddings = custom('https://gw.example/embed', { endpoint: 'embeddings' });
    expect(customAdapter.buildRequest(request('embeddings', { model: 'e', input: 'x' }), embeddings).url).toBe('https://gw.example/embed');
    expect(thrown(() => customAdapter.buildRequest(chat({}), embeddings))).toMatchObject({ status: 501, code: 'endpoint_not_supported', retryable: true, channelAtFault: false });
    const misspelt = thrown(() => customAdapter.buildRequest(chat({}), custom('https://gw.example/x', { endpoint: 'embedding' })));
    expect(misspelt?.message).toContain('use one of: chat-completions');
  });

  test('no stream_options: custom upstreams are not known to honour them', () => {
    expect(customAdapter.streamUsage).toBe(false);
    expect('stream_options' in sentJson(customAdapter.buildRequest(chat({ stream: true, stream_options: { include_usage: true } }, true), custom('https://gw.example/c')))).toBe(false);
  });
});
