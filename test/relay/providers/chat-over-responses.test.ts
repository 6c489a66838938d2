/**
 * OpenAI-family and custom channels with the setting `chat_api: responses`: a chat request goes to the channel's
 * Responses URL as a Responses request (https://platform.openai.com/docs/api-reference/responses/create), after
 * the usual OpenAI-family fixes, and the adapter lends the converters back; without the setting nothing changes.
 */
import { describe, expect, test } from 'bun:test';
import { UpstreamError } from '../../../src/relay/errors.ts';
import { azureOpenAIAdapter } from '../../../src/relay/providers/azure-openai.ts';
import { customAdapter } from '../../../src/relay/providers/custom.ts';
import { openaiAdapter } from '../../../src/relay/providers/openai.ts';
import { openaiCompatibleAdapter, openrouterAdapter } from '../../../src/relay/providers/openai-compatible.ts';
import { adapterFor } from '../../../src/relay/providers/registry.ts';
import { channelKinds } from '../../../src/services/channel-types.ts';
import { validateOpenAi } from '../../helpers/openai-schema.ts';
import { channelKey, chat, request, sentJson, target } from './provider-fixtures.ts';

const responsesChannel = (overrides: Parameters<typeof target>[0] = {}) => target({ settings: { chat_api: 'responses' }, ...overrides });

describe('chat_api: responses', () => {
  test('openai: POST {base}/v1/responses with the Bearer key and a Responses body', () => {
    const upstream = openaiAdapter.buildRequest(chat({ max_tokens: 100, temperature: 0 }), responsesChannel({ settings: { chat_api: 'responses', organization: 'org-1' } }));
    expect(upstream.url).toBe('https://api.openai.com/v1/responses');
    expect(upstream.headers).toEqual({ Authorization: `Bearer ${channelKey}`, 'OpenAI-Organization': 'org-1', Accept: 'application/json', 'Content-Type': 'application/json' });
    const body = sentJson(upstream);
    expect(body).toEqual({
      model: 'gpt-4o-mini',
      input: [{ type: 'message', role: 'user', content: 'Say this is a test!' }],
      max_output_tokens: 100,
      temperature: 0,
      store: false,
    });
    expect(validateOpenAi('CreateResponse', body)).toEqual([]);
  });

  test('streams: stream true, no stream_options (response.completed always carries usage), an event-stream Accept', () => {
    const upstream = openaiAdapter.buildRequest(chat({ stream: true, stream_options: { include_usage: true } }, true), responsesChannel());
    expect(sentJson(upstream)).toMatchObject({ stream: true });
    expect(sentJson(upstream).stream_options).toBeUndefined();
    expect(upstream.headers.Accept).toBe('text/event-stream');
  });

  test('the OpenAI-family fixes apply first: a reasoning suffix is the effort, o-series lose temperature and take developer', () => {
    const body = sentJson(
      openaiAdapter.buildRequest(
        chat({ model: 'o3-mini-high', temperature: 0.2, max_tokens: 500, messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi' }] }),
        responsesChannel({ upstreamModel: 'o3-mini-high' }),
      ),
    );
    expect(body).toEqual({
      model: 'o3-mini',
      input: [
        { type: 'message', role: 'developer', content: 'Be brief.' },
        { type: 'message', role: 'user', content: 'Hi' },
      ],
      max_output_tokens: 500,
      reasoning: { effort: 'high' },
      store: false,
    });
  });

  test('the compatible family, Azure and custom channels: each to its own Responses URL', () => {
    expect(openaiCompatibleAdapter.buildRequest(chat({}), responsesChannel({ type: 'openai-compatible', baseUrl: 'http://10.0.0.5:8000/v1' })).url).toBe('http://10.0.0.5:8000/v1/responses');
    expect(openrouterAdapter.buildRequest(chat({}), responsesChannel({ type: 'openrouter', baseUrl: 'https://openrouter.ai/api' })).url).toBe('https://openrouter.ai/api/v1/responses');
    expect(azureOpenAIAdapter.buildRequest(chat({}), responsesChannel({ type: 'azure', baseUrl: 'https://res.openai.azure.com' })).url).toBe('https://res.openai.azure.com/openai/v1/responses');
    const custom = responsesChannel({ type: 'custom', baseUrl: 'https://llm.example.com/api/v1/responses' });
    expect(customAdapter.buildRequest(chat({}), custom).url).toBe('https://llm.example.com/api/v1/responses');
    expect(customAdapter.buildRequest(chat({}), { ...custom, settings: { chat_api: 'responses', endpoint: 'responses' } }).url).toBe('https://llm.example.com/api/v1/responses');
    // A custom channel serving another endpoint is not a chat channel at all.
    expect(() => customAdapter.buildRequest(chat({}), { ...custom, settings: { chat_api: 'responses', endpoint: 'embeddings' } })).toThrow('serves embeddings only');
  });

  test('input the Responses API cannot express is the client\'s 400 naming the field, not retried', () => {
    let thrown: unknown;
    try {
      openaiAdapter.buildRequest(chat({ n: 2 }), responsesChannel());
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(UpstreamError);
    expect(thrown).toMatchObject({ status: 400, code: 'invalid_request', retryable: false, channelAtFault: false });
    expect((thrown as UpstreamError).message).toStartWith('n:');
  });

  test('translate lends the Responses converters for chat requests only', () => {
    const translation = openaiAdapter.translate?.(chat({}), responsesChannel());
    const completion = translation?.response({
      id: 'resp_1',
      object: 'response',
      created_at: 1741476542,
      status: 'completed',
      model: 'gpt-4o-mini-2024-07-18',
      output: [{ id: 'msg_1', type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: 'This is a test!', annotations: [] }] }],
      usage: { input_tokens: 12, output_tokens: 5, total_tokens: 17 },
    });
    expect(completion).toMatchObject({ object: 'chat.completion', choices: [{ message: { content: 'This is a test!' }, finish_reason: 'stop' }], usage: { prompt_tokens: 12 } });
    const stream = translation?.stream();
    stream?.push({ event: 'response.completed', data: JSON.stringify({ type: 'response.completed', response: { id: 'resp_1', status: 'completed', output: [], usage: { input_tokens: 1, output_tokens: 2 } } }) });
    expect(stream?.completed).toBe(true);
    // Usage of the native answer, which the relay bills.
    expect(openaiAdapter.readUsage({ usage: { input_tokens: 12, output_tokens: 5, total_tokens: 17 } })).toMatchObject({ promptTokens: 12, completionTokens: 5 });
    // Other endpoints of the channel pass through, and so does everything on a channel without the setting.
    const embeddings = request('embeddings', { model: 'text-embedding-3-small', input: 'hi' });
    expect(openaiAdapter.translate?.(embeddings, responsesChannel())).toBeUndefined();
    expect(openaiAdapter.buildRequest(embeddings, responsesChannel()).url).toBe('https://api.openai.com/v1/embeddings');
    const responses = request('responses', { model: 'gpt-4o-mini', input: 'hi' });
    expect(openaiAdapter.translate?.(responses, responsesChannel())).toBeUndefined();
    expect(sentJson(openaiAdapter.buildRequest(responses, responsesChannel()))).toEqual({ model: 'gpt-4o-mini', input: 'hi' });
  });

  test('without the setting (or with chat_api: chat) chat requests go to /chat/completions untranslated', () => {
    for (const settings of [{}, { chat_api: 'chat' }]) {
      const channel = target({ settings });
      expect(openaiAdapter.buildRequest(chat({}), channel).url).toBe('https://api.openai.com/v1/chat/completions');
      expect(openaiAdapter.translate?.(chat({}), channel)).toBeUndefined();
    }
  });

  test('every OpenAI-family adapter honours the setting', () => {
    for (const kind of channelKinds) {
      if (kind === 'anthropic' || kind === 'gemini') continue;
      const adapter = adapterFor(kind);
      const channel = responsesChannel({ type: kind, baseUrl: kind === 'custom' ? 'https://llm.example.com/v1/responses' : 'https://llm.example.com' });
      expect(adapter.buildRequest(chat({}), channel).url).toEndWith('/responses');
      expect(adapter.translate?.(chat({}), channel)).toBeDefined();
    }
  });
});
