/**
 * Azure OpenAI adapter, with fixtures written from https://learn.microsoft.com/azure/ai-foundry/openai/reference
 * and https://learn.microsoft.com/azure/ai-foundry/openai/api-version-lifecycle (v1 API).
 */
import { describe, expect, test } from 'bun:test';
import { UpstreamError } from '../../../src/relay/errors.ts';
import { AZURE_DEFAULT_API_VERSION, azureOpenAIAdapter } from '../../../src/relay/providers/azure-openai.ts';
import type { Endpoint } from '../../../src/relay/types.ts';
import { chat, headers, request, sentJson, target } from './provider-fixtures.ts';

const azureKey = '8f2d41c9a07b4e6d93a1f05c7e2b68d4';
const azure = (overrides: Parameters<typeof target>[0] = {}) =>
  target({ type: 'azure', baseUrl: 'https://contoso.openai.azure.com', key: azureKey, upstreamModel: 'gpt-4o', ...overrides });
const build = azureOpenAIAdapter.buildRequest.bind(azureOpenAIAdapter);

describe('Azure OpenAI request building', () => {
  test('deployment URLs per task, with the default api-version', () => {
    const tasks: [Endpoint, string][] = [
      ['chat-completions', 'chat/completions'],
      ['completions', 'completions'],
      ['embeddings', 'embeddings'],
      ['images-generations', 'images/generations'],
      ['audio-speech', 'audio/speech'],
    ];
    for (const [endpoint, task] of tasks) {
      expect(build(request(endpoint, { model: 'gpt-4o', input: 'x' }), azure()).url).toBe(
        `https://contoso.openai.azure.com/openai/deployments/gpt-4o/${task}?api-version=${AZURE_DEFAULT_API_VERSION}`,
      );
    }
    expect(AZURE_DEFAULT_API_VERSION).toBe('2025-04-01-preview');
  });

  test('the channel api_version setting wins; trailing slashes and a trailing /openai are tolerated', () => {
    expect(build(chat({}), azure({ settings: { api_version: '2024-10-21' } })).url).toBe(
      'https://contoso.openai.azure.com/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21',
    );
    for (const baseUrl of ['https://contoso.openai.azure.com/', 'https://contoso.openai.azure.com/openai/']) {
      expect(build(chat({}), azure({ baseUrl })).url).toBe(
        `https://contoso.openai.azure.com/openai/deployments/gpt-4o/chat/completions?api-version=${AZURE_DEFAULT_API_VERSION}`,
      );
    }
  });

  test('the key goes in api-key, never in Authorization', () => {
    const upstream = build(chat({}), azure());
    expect(upstream.headers).toEqual({ 'api-key': azureKey, 'Content-Type': 'application/json', Accept: 'application/json' });
  });

  test('dots are stripped from deployment names only when strip_model_dots is true', () => {
    const legacy = azure({ upstreamModel: 'gpt-3.5-turbo', settings: { strip_model_dots: true } });
    expect(build(chat({}), legacy).url).toContain('/openai/deployments/gpt-35-turbo/chat/completions');
    expect(sentJson(build(chat({}), legacy)).model).toBe('gpt-35-turbo');
    for (const settings of [{}, { strip_model_dots: false }]) {
      expect(build(chat({}), azure({ upstreamModel: 'gpt-3.5-turbo', settings })).url).toContain('/openai/deployments/gpt-3.5-turbo/');
    }
  });

  test('the deployment is one encoded path segment; dot segments are refused', () => {
    expect(build(chat({}), azure({ upstreamModel: 'a/b?c#d' })).url).toContain('/openai/deployments/a%2Fb%3Fc%23d/chat/completions?');
    expect(() => build(chat({}), azure({ upstreamModel: '..' }))).toThrow(UpstreamError);
  });

  test('Responses use the v1 API with the deployment in the body; api-version only when the channel asks', () => {
    const upstream = build(request('responses', { model: 'x', input: 'hi' }), azure({ upstreamModel: 'gpt-4.1-nano' }));
    expect(upstream.url).toBe('https://contoso.openai.azure.com/openai/v1/responses');
    expect(sentJson(upstream).model).toBe('gpt-4.1-nano');
    expect(build(request('responses', { model: 'x', input: 'hi' }), azure({ settings: { responses_api_version: 'preview' } })).url).toBe(
      'https://contoso.openai.azure.com/openai/v1/responses?api-version=preview',
    );
  });

  test('endpoints: no moderations or rerank; streams ask for usage', () => {
    expect(azureOpenAIAdapter.endpoints.has('moderations')).toBe(false);
    expect(azureOpenAIAdapter.endpoints.has('rerank')).toBe(false);
    expect(azureOpenAIAdapter.endpoints.has('audio-transcriptions')).toBe(true);
    expect(azureOpenAIAdapter.streamUsage).toBe(true);
    expect(sentJson(build(chat({ stream: true }, true), azure())).stream_options).toEqual({ include_usage: true });
  });

  test('Whisper forms go to the deployment with the model field replaced', () => {
    const form = new FormData();
    form.append('file', new File([new Uint8Array([0])], 'a.wav'));
    form.append('model', 'whisper');
    const upstream = build(request('audio-transcriptions', form), azure({ upstreamModel: 'whisper-prod' }));
    expect(upstream.url).toBe(`https://contoso.openai.azure.com/openai/deployments/whisper-prod/audio/transcriptions?api-version=${AZURE_DEFAULT_API_VERSION}`);
    expect(upstream.body instanceof FormData ? upstream.body.get('model') : undefined).toBe('whisper-prod');
  });

  test('o-series deployments get the reasoning fixes', () => {
    const body = sentJson(build(chat({ max_tokens: 10, temperature: 0 }), azure({ upstreamModel: 'o3-mini-low' })));
    expect(body).toMatchObject({ model: 'o3-mini', max_completion_tokens: 10, reasoning_effort: 'low' });
    expect('temperature' in body).toBe(false);
  });
});

describe('Azure OpenAI errors', () => {
  test('401 with Azure’s numeric-string code is a key fault', () => {
    const body = JSON.stringify({
      error: { code: '401', message: 'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription.' },
    });
    expect(azureOpenAIAdapter.parseError(401, headers(), body)).toMatchObject({ status: 401, code: '401', retryable: true, channelAtFault: 'key' });
  });

  test('content filter 400 is neither retried nor the channel’s fault', () => {
    const body = JSON.stringify({ error: { message: 'The response was filtered due to the prompt triggering content management policy.', type: null, param: 'prompt', code: 'content_filter', status: 400 } });
    expect(azureOpenAIAdapter.parseError(400, headers(), body)).toMatchObject({ code: 'content_filter', retryable: false, channelAtFault: false });
  });

  test('429 with retry-after-ms and the key redacted from the logged body', () => {
    const body = JSON.stringify({ error: { code: '429', message: `Requests to the ChatCompletions_Create Operation have exceeded call rate limit (key ${azureKey}).` } });
    const error = azureOpenAIAdapter.parseError(429, headers({ 'retry-after-ms': '6000', 'retry-after': '6' }), body, { secrets: [azureKey] });
    expect(error).toMatchObject({ retryable: true, channelAtFault: false, retryAfterMs: 6000 });
    expect(error.upstreamBody).not.toContain(azureKey);
    expect(error.message).not.toContain(azureKey);
  });
});
