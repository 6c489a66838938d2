/**
 * The mock upstream's errors, key handling, URL forms (OpenAI, Azure, custom), request records and control
 * channels (model scripts, `x-mock-*` headers, the control route, defaults).
 */
import { afterAll, beforeEach, describe, expect, test } from 'bun:test';
import { createHash } from 'node:crypto';
import { startMockUpstream, type MockUpstream } from '../mock-upstream.ts';
import { expectConforms, mockRequests } from './test-requests.ts';

const mock: MockUpstream = await startMockUpstream();
afterAll(() => mock.stop());
beforeEach(() => mock.reset());

const KEY = 'sk-mock-test-key-0001';
const { post, postJson, streamChunks } = mockRequests(mock, KEY);

describe('errors, keys and recording', () => {
  test('errors use OpenAI codes: invalid key (masked), missing key, 404, 429 with Retry-After, quota, 500', async () => {
    const cases: [string, Record<string, string>, number, string | null][] = [
      ['gpt-4o', { authorization: 'Bearer sk-invalid-0001' }, 401, 'invalid_api_key'],
      ['gpt-4o', { authorization: '' }, 401, null],
      ['mock/model-not-found', {}, 404, 'model_not_found'],
      ['mock/rate-limited', {}, 429, 'rate_limit_exceeded'],
      ['mock/quota-exhausted', {}, 429, 'insufficient_quota'],
      ['mock/server-error', {}, 500, 'server_error'],
    ];
    for (const [model, headers, status, code] of cases) {
      const response = await post('/v1/chat/completions', { model, messages: [] }, headers);
      const json: unknown = await response.json();
      expect(response.status).toBe(status);
      expectConforms('ErrorResponse', json);
      expect(json).toMatchObject({ error: { code } });
    }
    const limited = await post('/v1/chat/completions', { model: 'mock/rate-limited', messages: [] });
    expect(limited.headers.get('retry-after')).toBe('5');
    expect(JSON.stringify(mock.requests[0]?.reply)).toContain('401');
    const masked = await (await post('/v1/chat/completions', { model: 'gpt-4o', messages: [] }, { authorization: 'Bearer sk-invalid-SECRET-9999' })).text();
    expect(masked).not.toContain('SECRET');
    const unknown = await post('/v1/nothing', {});
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { message: 'Invalid URL (POST /v1/nothing)' } });
  });

  test('echo-key-in-401 puts the whole key in the body (the secret canary)', async () => {
    const canary = 'sk-CANARY-CH-1234abcd';
    const response = await post('/v1/chat/completions', { model: 'mock/echo-key', messages: [] }, { authorization: `Bearer ${canary}` });
    expect(response.status).toBe(401);
    expect(await response.text()).toContain(canary);
  });

  test('each request is recorded with its key, body digest, query and parsed body', async () => {
    const body = JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
    await fetch(`${mock.url}/v1/chat/completions?trace=1`, { method: 'POST', headers: { authorization: 'Bearer sk-channel-key-7', 'content-type': 'application/json', 'x-extra': 'yes' }, body });
    expect(mock.requests[0]).toMatchObject({
      index: 1,
      method: 'POST',
      path: '/v1/chat/completions',
      query: { trace: '1' },
      apiKey: 'sk-channel-key-7',
      keyHeader: 'authorization',
      endpoint: 'chat-completions',
      form: 'openai',
      model: 'gpt-4o',
      bodySha256: createHash('sha256').update(body).digest('hex'),
      bodyBytes: body.length,
      json: JSON.parse(body) as unknown,
      reply: { status: 200, ending: 'completed', chunksWritten: 1 },
    });
    expect(mock.requests[0]?.headers['x-extra']).toBe('yes');
  });

  test('Azure deployment URLs: api-key header, api-version required, filter chunk first in streams', async () => {
    const path = '/openai/deployments/my-gpt4o/chat/completions';
    const headers = { authorization: '', 'api-key': 'azure-key-1' };
    const json = await postJson(`${path}?api-version=2024-10-21`, { messages: [{ role: 'user', content: 'hi' }] }, headers);
    expect(json).toMatchObject({ model: 'my-gpt4o', prompt_filter_results: [{ prompt_index: 0 }], choices: [{ content_filter_results: { hate: { filtered: false } } }] });
    expect(mock.requests[0]).toMatchObject({ form: 'azure', deployment: 'my-gpt4o', apiVersion: '2024-10-21', apiKey: 'azure-key-1', keyHeader: 'api-key' });
    const { json: chunks } = await streamChunks(`${path}?api-version=2024-10-21`, { stream: true, messages: [{ role: 'user', content: 'hi' }] }, headers);
    expect(chunks[0]).toMatchObject({ choices: [], object: '', prompt_filter_results: expect.any(Array) });
    for (const chunk of chunks.slice(1)) expectConforms('CreateChatCompletionStreamResponse', chunk);
    expect((await post(path, { messages: [] }, headers)).status).toBe(404);
    const denied = await post(`${path}?api-version=2024-10-21`, { messages: [] }, { authorization: '', 'api-key': 'invalid' });
    expect(await denied.json()).toMatchObject({ error: { code: '401' } });
  });

  test('a custom full-endpoint path is served and recorded as such', async () => {
    const json = await postJson('/custom/tenant-a/proxy/chat/completions', { model: 'gpt-4o', messages: [] });
    expect(json.object).toBe('chat.completion');
    expect(mock.requests[0]).toMatchObject({ form: 'custom', endpoint: 'chat-completions' });
  });

  test('scripts come from the model, x-mock-* headers, defineScript, the control route and setDefaults; reset restores', async () => {
    expect((await post('/v1/chat/completions', { model: 'mock/status=418', messages: [] })).status).toBe(418);
    expect((await post('/v1/chat/completions', { model: 'gpt-4o', messages: [] }, { 'x-mock-status': '502' })).status).toBe(502);
    expect((await post('/v1/chat/completions', { model: 'gpt-4o', messages: [] }, { 'x-mock-script': 'overloaded' })).status).toBe(503);
    mock.defineScript('teapot', { status: 418 });
    expect((await post('/v1/chat/completions', { model: 'mock/teapot', messages: [] })).status).toBe(418);
    const defined = await fetch(`${mock.url}/__mock/scripts/brewing`, { method: 'PUT', body: JSON.stringify({ status: 418, 'retry-after': '3' }) });
    expect(defined.status).toBe(204);
    expect((await post('/v1/chat/completions', { model: 'mock/brewing', messages: [] })).headers.get('retry-after')).toBe('3');
    mock.setDefaults({ status: 401 });
    expect((await post('/v1/chat/completions', { model: 'gpt-4o', messages: [] })).status).toBe(401);
    const typo = await post('/v1/chat/completions', { model: 'mock/stauts=500', messages: [] });
    expect(typo.status).toBe(400);
    expect(await typo.json()).toMatchObject({ error: { message: expect.stringContaining('unknown mock control "stauts"'), param: 'model' } });
    mock.reset();
    expect(mock.requests).toHaveLength(0);
    expect((await post('/v1/chat/completions', { model: 'gpt-4o', messages: [] })).status).toBe(200);
    expect((await post('/v1/chat/completions', { model: 'mock/teapot', messages: [] })).status).toBe(400);
  });

  test('replies are deterministic: the same request after reset gives the same bytes', async () => {
    const body = { model: 'gpt-4o', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'hi' }] };
    const first = await (await post('/v1/chat/completions', body)).text();
    mock.reset();
    expect(await (await post('/v1/chat/completions', body)).text()).toBe(first);
  });
});
