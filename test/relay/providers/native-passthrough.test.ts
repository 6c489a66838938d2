/**
 * The passthrough capabilities of the `anthropic` and `gemini` adapters with plain data: which requests they
 * take raw, the upstream request they build from the client's own body (its text when nothing must change;
 * otherwise only the model and the gateway's model-name rules applied), what they read from a whole answer, and
 * the error event a cut stream ends with.
 */
import { describe, expect, test } from 'bun:test';
import { UpstreamError } from '../../../src/relay/errors.ts';
import { anthropicAdapter } from '../../../src/relay/providers/anthropic.ts';
import { geminiAdapter } from '../../../src/relay/providers/gemini.ts';
import type { JsonBody, NativeCapability, NativeOperation, NativeRequest } from '../../../src/relay/types.ts';
import { chat, target } from './provider-fixtures.ts';

function capability(native: NativeCapability | undefined): NativeCapability {
  if (native === undefined) throw new Error('the adapter has no passthrough');
  return native;
}

const anthropic = capability(anthropicAdapter.native);
const gemini = capability(geminiAdapter.native);

function nativeRequest(dialect: NativeRequest['dialect'], operation: NativeOperation, body: JsonBody, extra: Partial<NativeRequest> = {}): NativeRequest {
  return { dialect, operation, body, text: JSON.stringify(body), query: {}, headers: {}, ...extra };
}

const claude = (upstreamModel: string, settings: Record<string, unknown> = {}) => target({ type: 'anthropic', baseUrl: 'https://api.anthropic.com', upstreamModel, settings });
const google = (upstreamModel: string, settings: Record<string, unknown> = {}) => target({ type: 'gemini', baseUrl: 'https://generativelanguage.googleapis.com', upstreamModel, settings });

const HI = [{ role: 'user', content: 'Hi' }];

describe('anthropic passthrough', () => {
  const build = (body: JsonBody, upstreamModel = 'claude-sonnet-4-5', extra: Partial<NativeRequest> = {}) =>
    anthropic.buildRequest(chat({}), nativeRequest('anthropic', 'messages', body, extra), claude(upstreamModel));

  test('takes Anthropic Messages only', () => {
    expect(anthropic.accepts(nativeRequest('anthropic', 'messages', {}), claude('m'))).toBe(true);
    expect(anthropic.accepts(nativeRequest('gemini', 'generateContent', {}), claude('m'))).toBe(false);
  });

  test("the client's text as it came when the model is the upstream's; otherwise only the model replaced, in place", () => {
    const text = '{"model":"claude-sonnet-4-5" , "max_tokens":16,"messages":[]}';
    expect(build({ model: 'claude-sonnet-4-5', max_tokens: 16, messages: [] }, 'claude-sonnet-4-5', { text }).body).toBe(text);
    expect(build({ max_tokens: 16, model: 'alias', messages: HI, x_new: 1 }).body).toBe('{"max_tokens":16,"model":"claude-sonnet-4-5","messages":[{"role":"user","content":"Hi"}],"x_new":1}');
  });

  test('the -thinking suffix: thinking on, max_tokens raised above the budget, sampling Anthropic refuses with thinking dropped', () => {
    const sent = JSON.parse(String(build({ model: 'm', max_tokens: 100, temperature: 0.2, top_k: 5, top_p: 0.9, messages: HI }, 'claude-sonnet-4-5-thinking').body)) as JsonBody;
    expect(sent).toEqual({ model: 'claude-sonnet-4-5', max_tokens: 8292, messages: HI, thinking: { type: 'enabled', budget_tokens: 8192 } });
    // A larger max_tokens stays; a top_p of at least 0.95 stays.
    expect(JSON.parse(String(build({ model: 'm', max_tokens: 20000, top_p: 0.95, messages: HI }, 'x-thinking').body))).toMatchObject({ max_tokens: 20000, top_p: 0.95 });
  });

  test('no thinking from the suffix with a forced tool, or after a tool call whose turn does not start with its thinking block', () => {
    const forced = JSON.parse(String(build({ model: 'm', max_tokens: 16, tool_choice: { type: 'tool', name: 'f' }, messages: HI }, 'x-thinking').body)) as JsonBody;
    expect(forced.thinking).toBeUndefined();
    const call = { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'f', input: {} }] };
    const result = { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'ok' }] };
    const unsigned = JSON.parse(String(build({ model: 'm', max_tokens: 16, messages: [...HI, call, result] }, 'x-thinking').body)) as JsonBody;
    expect(unsigned.thinking).toBeUndefined();
    const signed = { role: 'assistant', content: [{ type: 'thinking', thinking: '…', signature: 'sig' }, ...call.content] };
    const withThinking = JSON.parse(String(build({ model: 'm', max_tokens: 16, messages: [...HI, signed, result] }, 'x-thinking').body)) as JsonBody;
    expect(withThinking.thinking).toEqual({ type: 'enabled', budget_tokens: 8192 });
  });

  test('headers: the channel key, a dated anthropic-version from the client, beta names; ?beta=true kept', () => {
    const upstream = anthropic.buildRequest(
      { ...chat({}, true), anthropicBeta: ['files-api-2025-04-14'] },
      nativeRequest('anthropic', 'messages', { model: 'claude-sonnet-4-5' }, { query: { beta: 'true' }, headers: { 'anthropic-version': '2024-01-01' } }),
      claude('claude-sonnet-4-5', { anthropic_beta: 'context-1m-2025-08-07' }),
    );
    expect(upstream.url).toBe('https://api.anthropic.com/v1/messages?beta=true');
    expect(upstream.headers).toMatchObject({ 'anthropic-version': '2024-01-01', accept: 'text/event-stream', 'anthropic-beta': 'context-1m-2025-08-07,files-api-2025-04-14' });
  });

  test('whole answers: usage in the hub semantics and the text; an error body is an UpstreamError', () => {
    const message = { type: 'message', content: [{ type: 'text', text: 'Hello' }, { type: 'tool_use', name: 'f', input: { a: 1 } }], usage: { input_tokens: 10, cache_read_input_tokens: 5, output_tokens: 3 } };
    const read = anthropic.readWhole(message, chat({}), claude('m'));
    expect(read.usage).toMatchObject({ promptTokens: 15, cachedTokens: 5, completionTokens: 3 });
    expect(read.text).toBe('Hello' + 'f{"a":1}');
    expect(() => anthropic.readWhole({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }, chat({}), claude('m'))).toThrow(UpstreamError);
  });

  test("a cut stream's error event in Anthropic's shape: a timeout is timeout_error, a cut api_error", () => {
    expect(anthropic.errorEvent({ status: 0, code: 'idle_timeout', message: 'late' })).toEqual({ event: 'error', data: JSON.stringify({ type: 'error', error: { type: 'timeout_error', message: 'late' } }) });
    expect(JSON.parse(anthropic.errorEvent({ status: 0, code: 'stream_truncated', message: 'cut' }).data)).toMatchObject({ error: { type: 'api_error' } });
  });
});

describe('gemini passthrough', () => {
  const build = (operation: NativeOperation, body: JsonBody, upstreamModel = 'gemini-2.5-flash', settings: Record<string, unknown> = {}, query: Record<string, string> = {}) =>
    gemini.buildRequest(chat({}), nativeRequest('gemini', operation, body, { query }), google(upstreamModel, settings));

  test('takes generateContent, streamGenerateContent and the embedding methods (countTokens is answered locally)', () => {
    for (const operation of ['generateContent', 'streamGenerateContent', 'embedContent', 'batchEmbedContents'] as const) {
      expect(gemini.accepts(nativeRequest('gemini', operation, {}), google('m'))).toBe(true);
    }
    expect(gemini.accepts(nativeRequest('anthropic', 'messages', {}), google('m'))).toBe(false);
  });

  test('the model goes in the URL; the body is the client text as it came; alt=sse only when the client asked', () => {
    const body = { contents: [{ parts: [{ text: 'Hi' }] }], cachedContent: 'cachedContents/abc' };
    const whole = build('generateContent', body, 'gemini-2.5-pro');
    expect(whole.url).toBe('https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-pro:generateContent');
    expect(whole.body).toBe(JSON.stringify(body));
    expect(whole.headers).toMatchObject({ 'x-goog-api-key': expect.any(String), accept: 'application/json' });
    expect(build('streamGenerateContent', body, 'm', {}, { alt: 'sse' }).url).toEndWith('/models/m:streamGenerateContent?alt=sse');
    expect(build('streamGenerateContent', body).url).toEndWith(':streamGenerateContent');
  });

  test('thinking suffixes set thinkingConfig, kept beside the rest of generationConfig; safety_settings only when the client sent none', () => {
    const body = { contents: [], generationConfig: { temperature: 0, thinkingConfig: { thinkingLevel: 'HIGH' } } };
    expect(JSON.parse(String(build('generateContent', body, 'gemini-2.5-flash-nothinking').body))).toEqual({ contents: [], generationConfig: { temperature: 0, thinkingConfig: { thinkingBudget: 0 } } });
    expect(build('generateContent', body, 'gemini-2.5-flash-high').url).toContain('/models/gemini-2.5-flash:');
    const safety = [{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_NONE' }];
    expect(JSON.parse(String(build('generateContent', { contents: [] }, 'm', { safety_settings: safety }).body))).toEqual({ contents: [], safetySettings: safety });
    expect(JSON.parse(String(build('generateContent', { contents: [], safetySettings: [] }, 'm', { safety_settings: safety }).body))).toEqual({ contents: [], safetySettings: [] });
  });

  test('embedding bodies: the model names inside them become the upstream one; entries without one are left alone', () => {
    const batch = { requests: [{ model: 'models/alias', content: { parts: [{ text: 'a' }] } }, { content: { parts: [{ text: 'b' }] } }] };
    expect(JSON.parse(String(build('batchEmbedContents', batch, 'text-embedding-004').body))).toEqual({
      requests: [{ model: 'models/text-embedding-004', content: { parts: [{ text: 'a' }] } }, { content: { parts: [{ text: 'b' }] } }],
    });
    const same = { requests: [{ model: 'models/text-embedding-004', content: {} }] };
    expect(build('batchEmbedContents', same, 'text-embedding-004').body).toBe(JSON.stringify(same));
    expect(JSON.parse(String(build('embedContent', { model: 'models/x', content: {} }, 'text-embedding-004').body))).toEqual({ model: 'models/text-embedding-004', content: {} });
  });

  test('whole answers: usage from the last response that has it (a JSON-array stream); an error at its end is an UpstreamError', () => {
    const first = { candidates: [{ content: { parts: [{ text: 'Hel' }] } }], usageMetadata: { promptTokenCount: 4 } };
    const last = { candidates: [{ content: { parts: [{ text: 'lo' }] }, finishReason: 'STOP' }], usageMetadata: { promptTokenCount: 4, candidatesTokenCount: 2, totalTokenCount: 6 } };
    const read = gemini.readWhole([first, last], chat({}), google('m'));
    expect(read.usage).toMatchObject({ promptTokens: 4, completionTokens: 2 });
    expect(read.text).toBe('Hello');
    expect(() => gemini.readWhole([first, { error: { code: 503, message: 'overloaded', status: 'UNAVAILABLE' } }], chat({}), google('m'))).toThrow(UpstreamError);
    expect(gemini.readWhole({ embedding: { values: [0.1] } }, chat({}), google('m'))).toEqual({ usage: undefined, text: '' });
  });

  test("a cut stream's error object in Google's shape: a timeout is 504 DEADLINE_EXCEEDED, a cut 502, an upstream status kept", () => {
    expect(JSON.parse(gemini.errorEvent({ status: 0, code: 'idle_timeout', message: 'late' }).data)).toMatchObject({ error: { code: 504, status: 'DEADLINE_EXCEEDED' } });
    expect(JSON.parse(gemini.errorEvent({ status: 0, code: 'connection_failed', message: 'cut' }).data)).toMatchObject({ error: { code: 502, status: 'UNAVAILABLE' } });
    expect(JSON.parse(gemini.errorEvent({ status: 503, code: 'UNAVAILABLE', message: 'busy' }).data)).toMatchObject({ error: { code: 503, status: 'UNAVAILABLE' } });
    expect(gemini.errorEvent({ status: 0, code: 'x', message: 'y' }).event).toBeUndefined();
  });
});
