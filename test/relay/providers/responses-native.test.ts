/**
 * The Responses passthrough of the OpenAI-family adapters with plain data: which channels take a Responses
 * client's body raw (the adapters that list `responses`, a `chat_api: responses` channel, a custom channel whose
 * URL is a Responses endpoint), the upstream request they build from it (the client's text when nothing must
 * change; otherwise only the model and the reasoning suffix applied), what they read from a whole answer, and the
 * error event a cut stream ends with, numbered after the last event relayed.
 */
import { describe, expect, test } from 'bun:test';
import { createResponsesObserver } from '../../../src/relay/dialects/responses/stream-observer.ts';
import { anthropicAdapter } from '../../../src/relay/providers/anthropic.ts';
import { providers } from '../../../src/relay/providers/registry.ts';
import type { ChannelKind } from '../../../src/services/channel-types.ts';
import type { JsonBody, NativeCapability, NativeRequest, RelayRequest } from '../../../src/relay/types.ts';
import { functionResponse, parseSse, reasoningResponse, textResponse, textStream } from '../dialects/responses/fixtures.ts';
import { channelKey, sentJson, target } from './provider-fixtures.ts';
import { validateOpenAi } from '../../helpers/openai-schema.ts';

function nativeRequest(body: JsonBody, text = JSON.stringify(body)): NativeRequest {
  return { dialect: 'responses', operation: 'responses', body, text, query: {}, headers: {} };
}

function relayRequest(body: JsonBody, stream = false): RelayRequest {
  return { endpoint: 'chat-completions', clientEndpoint: 'responses', requestedModel: String(body.model), body: { model: body.model, messages: [] }, stream, clientWantsStreamUsage: true, native: nativeRequest(body) };
}

function capability(kind: ChannelKind): NativeCapability {
  const native: NativeCapability | undefined = providers[kind].native;
  if (native === undefined) throw new Error(`${kind} has no passthrough`);
  return native;
}

const openai = capability('openai');
const BODY = { model: 'gpt-4.1', input: 'Hi', previous_response_id: 'resp_1', tools: [{ type: 'web_search' }] };

describe('which channels take a Responses client raw', () => {
  test('the adapters that list the responses endpoint; the chat-only presets only with chat_api: responses', () => {
    const takes = (kind: ChannelKind, settings: Record<string, unknown> = {}) => capability(kind).accepts(nativeRequest(BODY), target({ type: kind, settings }));
    for (const kind of ['openai', 'azure', 'openai-compatible', 'openrouter', 'ollama', 'xai'] as const) expect(takes(kind)).toBe(true);
    for (const kind of ['deepseek', 'mistral', 'moonshot', 'siliconflow'] as const) {
      expect(takes(kind)).toBe(false);
      expect(takes(kind, { chat_api: 'responses' })).toBe(true);
      expect(takes(kind, { chat_api: 'chat' })).toBe(false);
    }
  });

  test('custom: when its endpoint is responses, or its chat URL is a Responses one (chat_api: responses)', () => {
    const takes = (settings: Record<string, unknown>) => capability('custom').accepts(nativeRequest(BODY), target({ type: 'custom', settings }));
    expect(takes({})).toBe(false);
    expect(takes({ endpoint: 'responses' })).toBe(true);
    expect(takes({ chat_api: 'responses' })).toBe(true);
    expect(takes({ endpoint: 'embeddings', chat_api: 'responses' })).toBe(false);
  });

  test('only the Responses dialect; anthropic and gemini channels convert it', () => {
    expect(openai.accepts({ ...nativeRequest(BODY), dialect: 'anthropic', operation: 'messages' }, target())).toBe(false);
    expect(anthropicAdapter.native?.accepts(nativeRequest(BODY), target({ type: 'anthropic' }))).toBe(false);
  });
});

describe('the upstream request', () => {
  test("the client's text as it came when the model is the upstream's, to {base}/v1/responses with the channel key", () => {
    const text = `{ "model": "gpt-4.1",  "input": "Hi", "previous_response_id": "resp_1" }`;
    const upstream = openai.buildRequest(relayRequest(BODY, true), nativeRequest(JSON.parse(text) as JsonBody, text), target({ upstreamModel: 'gpt-4.1' }));
    expect(upstream).toMatchObject({ url: 'https://api.openai.com/v1/responses', method: 'POST', body: text });
    expect(upstream.headers).toMatchObject({ Authorization: `Bearer ${channelKey}`, Accept: 'text/event-stream', 'Content-Type': 'application/json' });
  });

  test('a mapped model is replaced in place; a reasoning suffix becomes reasoning.effort; everything else kept', () => {
    expect(sentJson(openai.buildRequest(relayRequest(BODY), nativeRequest(BODY), target({ upstreamModel: 'gpt-4.1-mini' })))).toEqual({ ...BODY, model: 'gpt-4.1-mini' });
    const reasoning = { ...BODY, model: 'o3', reasoning: { summary: 'auto' } };
    expect(sentJson(openai.buildRequest(relayRequest(reasoning), nativeRequest(reasoning), target({ upstreamModel: 'o3-high' })))).toEqual({ ...reasoning, reasoning: { summary: 'auto', effort: 'high' } });
  });

  test("each channel's Responses URL: Azure's v1 API, a custom URL, a chat_api: responses custom channel's one URL", () => {
    const azure = capability('azure').buildRequest(relayRequest(BODY), nativeRequest(BODY), target({ type: 'azure', baseUrl: 'https://res.openai.azure.com', upstreamModel: 'gpt-4.1' }));
    expect(azure.url).toBe('https://res.openai.azure.com/openai/v1/responses');
    expect(azure.headers['api-key']).toBe(channelKey);
    const custom = capability('custom');
    const url = 'https://proxy.example/acme/responses';
    expect(custom.buildRequest(relayRequest(BODY), nativeRequest(BODY), target({ type: 'custom', baseUrl: url, settings: { endpoint: 'responses' } })).url).toBe(url);
    expect(custom.buildRequest(relayRequest(BODY), nativeRequest(BODY), target({ type: 'custom', baseUrl: url, settings: { chat_api: 'responses' } })).url).toBe(url);
    const deepseek = capability('deepseek').buildRequest(relayRequest(BODY), nativeRequest(BODY), target({ type: 'deepseek', baseUrl: 'https://api.deepseek.com', settings: { chat_api: 'responses' } }));
    expect(deepseek.url).toBe('https://api.deepseek.com/v1/responses');
  });
});

describe('answers', () => {
  test('a whole Response: usage in the hub semantics and the generated text', () => {
    expect(openai.readWhole(textResponse, relayRequest(BODY), target())).toEqual({
      usage: expect.objectContaining({ promptTokens: 36, completionTokens: 87, estimated: false }),
      text: 'In a peaceful grove beneath a silver moon, a unicorn named Lumina discovered a hidden pool that reflected the stars.',
    });
    expect(openai.readWhole(functionResponse, relayRequest(BODY), target()).text).toBe('get_current_weather{"location":"Boston, MA","unit":"celsius"}');
    expect(openai.readWhole(reasoningResponse, relayRequest(BODY), target()).text).toContain('The capital of France is Paris.');
    // A background response is queued without usage: the relay estimates.
    expect(openai.readWhole({ id: 'resp_1', object: 'response', status: 'queued', output: [] }, relayRequest(BODY), target())).toEqual({ usage: undefined, text: '' });
  });

  test("a cut stream's error event: a ResponseErrorEvent numbered after the last event relayed (0 before any)", () => {
    const observer = createResponsesObserver();
    for (const event of parseSse(textStream).slice(0, 6)) observer.push(event);
    const event = openai.errorEvent({ status: 0, code: 'idle_timeout', message: 'late' }, observer);
    expect(event.event).toBe('error');
    const payload = JSON.parse(event.data) as Record<string, unknown>;
    expect(payload).toEqual({ type: 'error', code: 'idle_timeout', message: 'late', param: null, sequence_number: 6 });
    expect(validateOpenAi('ResponseErrorEvent', payload)).toEqual([]);
    expect(JSON.parse(openai.errorEvent({ status: 0, code: 'stream_truncated', message: 'cut' }, createResponsesObserver()).data)).toMatchObject({ sequence_number: 0 });
  });
});
