/**
 * Errors on the Gemini surface, in Google's shape (`{"error":{code,message,status,details}}`, the request id
 * as a RequestInfo detail) and so as the SDK's ApiError: missing and unknown keys, a key without quota, a model
 * the key may not use, bodies generateContent refuses, an unknown method, no channel for the model, and a
 * stream the upstream cut, which ends with Google's error object (never a finishReason) and is billed as partial.
 */
import { ApiError, GoogleGenAI } from '@google/genai';
import { afterAll, beforeEach, describe, expect, test } from 'bun:test';
import { type RelayHarness, splitSse, startRelayHarness } from '../helpers/relay-harness.ts';
import { expectClientGone, rejection } from '../helpers/relay-streams.ts';

const harness: RelayHarness = await startRelayHarness({ mock: { scripts: { 'long-slow': { chunks: 40, chunkDelayMs: 50 } } } });
afterAll(() => harness.stop());
beforeEach(() => harness.reset());

const MODEL = 'gemini-2.5-flash';
await harness.addChannel({
  name: 'gemini-on-openai',
  models: [MODEL, 'gemini-cut', 'gemini-upstream-400', 'gemini-slow'],
  modelMapping: { [MODEL]: 'gpt-4o-mini', 'gemini-cut': 'mock/reset-mid-stream', 'gemini-upstream-400': 'mock/status=400', 'gemini-slow': 'mock/long-slow' },
});

const HI = { contents: [{ role: 'user', parts: [{ text: 'Hi' }] }] };

function clientFor(key: string): GoogleGenAI {
  return new GoogleGenAI({ apiKey: key, httpOptions: { baseUrl: harness.url, timeout: 10_000 } });
}

const failure = (promise: Promise<unknown>): Promise<ApiError> => rejection(promise, ApiError);

interface GoogleError {
  error: { code: number; message: string; status: string; details: { '@type': string; reason?: string; domain?: string; requestId?: string }[] };
}

/** The SDK's ApiError message is the JSON body it received. */
function bodyOf(error: ApiError): GoogleError {
  return JSON.parse(error.message) as GoogleError;
}

function expectGoogleError(body: unknown, code: number, status: string, reason?: string): GoogleError {
  // No asymmetric matcher here: Bun 1.4's toMatchObject writes `expect.any(…)` into the received object.
  expect(body).toMatchObject({ error: { code, status } });
  const error = body as GoogleError;
  expect(typeof error.error.message).toBe('string');
  if (reason !== undefined) expect(error.error.details).toContainEqual({ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason, domain: 'gateway' });
  return error;
}

function raw(path: string, body: unknown, headers: Record<string, string> = { 'x-goog-api-key': harness.key }): Promise<Response> {
  return fetch(`${harness.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

describe('keys', () => {
  test('no key (neither x-goog-api-key nor ?key=): 401 UNAUTHENTICATED with the request id, nothing sent upstream', async () => {
    const response = await raw(`/v1beta/models/${MODEL}:generateContent`, HI, {});
    expect(response.status).toBe(401);
    const body = expectGoogleError(await response.json(), 401, 'UNAUTHENTICATED', 'UNAUTHORIZED');
    expect(body.error.details).toContainEqual({ '@type': 'type.googleapis.com/google.rpc.RequestInfo', requestId: response.headers.get('x-request-id') ?? 'missing' });
    expect(harness.mock.requests).toHaveLength(0);
  });

  test('an unknown key through the SDK, as ?key= and on the model list: 401 UNAUTHENTICATED', async () => {
    const bad = 'sk-not-a-real-key-000000000000000000';
    const error = await failure(clientFor(bad).models.generateContent({ model: MODEL, contents: 'Hi' }));
    expect(error.status).toBe(401);
    expectGoogleError(bodyOf(error), 401, 'UNAUTHENTICATED');
    const viaQuery = await raw(`/v1beta/models/${MODEL}:streamGenerateContent?alt=sse&key=${bad}`, HI, {});
    expect(viaQuery.status).toBe(401);
    expectGoogleError(await viaQuery.json(), 401, 'UNAUTHENTICATED');
    const list = await fetch(`${harness.url}/v1beta/models`, { headers: { 'x-goog-api-key': bad } });
    expect(list.status).toBe(401);
    expectGoogleError(await list.json(), 401, 'UNAUTHENTICATED');
    // The key is never logged, not even a rejected one sent in the query string.
    expect(harness.logLines.some((line) => line.includes(bad.slice(3)))).toBe(false);
  });

  test('a key without quota: 429 RESOURCE_EXHAUSTED, reason QUOTA_EXHAUSTED', async () => {
    const key = await harness.createKey({ quotaUsd: '0', unlimited: false });
    const error = await failure(clientFor(key).models.generateContent({ model: MODEL, contents: 'Hi' }));
    expect(error.status).toBe(429);
    const body = expectGoogleError(bodyOf(error), 429, 'RESOURCE_EXHAUSTED', 'QUOTA_EXHAUSTED');
    expect(body.error.message).toContain('no quota left');
  });

  test('a model outside the key’s list: 403 PERMISSION_DENIED, for generateContent and countTokens', async () => {
    const client = clientFor(await harness.createKey({ models: ['some-other-model'] }));
    const error = await failure(client.models.generateContent({ model: MODEL, contents: 'Hi' }));
    expectGoogleError(bodyOf(error), 403, 'PERMISSION_DENIED', 'MODEL_NOT_ALLOWED');
    const counted = await failure(client.models.countTokens({ model: MODEL, contents: 'Hi' }));
    expectGoogleError(bodyOf(counted), 403, 'PERMISSION_DENIED', 'MODEL_NOT_ALLOWED');
    expect(harness.mock.requests).toHaveLength(0);
  });
});

describe('bodies and paths', () => {
  const client = clientFor(harness.key);

  test('a turn with an unknown role: 400 INVALID_ARGUMENT naming the field; nothing is sent upstream', async () => {
    const error = await failure(client.models.generateContent({ model: MODEL, contents: [{ role: 'assistant', parts: [{ text: 'Hi' }] }] }));
    expect(error.status).toBe(400);
    const body = expectGoogleError(bodyOf(error), 400, 'INVALID_ARGUMENT', 'INVALID_REQUEST');
    expect(body.error.message).toContain('contents[0].role');
    expect(harness.mock.requests).toHaveLength(0);
  });

  test('malformed JSON, no contents, an oversized model name: 400 INVALID_ARGUMENT', async () => {
    const cases: [string, string, string][] = [
      [`/v1beta/models/${MODEL}:generateContent`, '{"contents": ', 'not valid JSON'],
      [`/v1beta/models/${MODEL}:generateContent`, JSON.stringify({ contents: [] }), 'contents'],
      [`/v1/models/${'m'.repeat(300)}:generateContent`, JSON.stringify(HI), 'model'],
    ];
    for (const [path, body, mentions] of cases) {
      const response = await raw(path, body);
      expect(response.status).toBe(400);
      const error = expectGoogleError(await response.json(), 400, 'INVALID_ARGUMENT');
      expect(error.error.message).toContain(mentions);
    }
    expect(harness.mock.requests).toHaveLength(0);
  });

  test('an unknown method or a path without one: 404 NOT_FOUND in Google’s shape', async () => {
    for (const path of [`/v1beta/models/${MODEL}:predict`, `/v1beta/models/${MODEL}`]) {
      const response = await raw(path, HI);
      expect(response.status).toBe(404);
      expectGoogleError(await response.json(), 404, 'NOT_FOUND');
    }
    const missing = await fetch(`${harness.url}/v1beta/models/gemini-nowhere`, { headers: { 'x-goog-api-key': harness.key } });
    expect(missing.status).toBe(404);
    expectGoogleError(await missing.json(), 404, 'NOT_FOUND');
  });

  test('no channel serves the model: 503 UNAVAILABLE naming it; an upstream 400 keeps its status', async () => {
    const missing = await failure(client.models.generateContent({ model: 'gemini-nowhere', contents: 'Hi' }));
    expect(missing.status).toBe(503);
    const body = expectGoogleError(bodyOf(missing), 503, 'UNAVAILABLE');
    expect(body.error.message).toContain('gemini-nowhere');

    const refused = await failure(client.models.generateContent({ model: 'gemini-upstream-400', contents: 'Hi' }));
    expect(refused.status).toBe(400);
    expectGoogleError(bodyOf(refused), 400, 'INVALID_ARGUMENT');
  });
});

describe('streams', () => {
  test('an upstream cut mid-stream: the SDK stream throws after some text; the raw stream ends with one error object, no finishReason', async () => {
    const client = clientFor(harness.key);
    let text = '';
    const error = await failure(
      (async () => {
        for await (const chunk of await client.models.generateContentStream({ model: 'gemini-cut', contents: 'Hi' })) text += chunk.text ?? '';
      })(),
    );
    expect(error.status).toBe(502);
    expect(error.message).toContain('UNAVAILABLE');
    expect(text.length).toBeGreaterThan(0);

    const response = await raw(`/v1beta/models/gemini-cut:streamGenerateContent?alt=sse`, HI);
    expect(response.status).toBe(200);
    const data = splitSse(await response.text()).data.map((entry) => JSON.parse(entry) as Record<string, unknown>);
    expect(data.length).toBeGreaterThan(1);
    expect(data.filter((entry) => entry.error !== undefined)).toHaveLength(1);
    expectGoogleError(data.at(-1), 502, 'UNAVAILABLE');
    expect(JSON.stringify(data)).not.toContain('finishReason');

    // Without alt=sse the array ends with the same error object.
    const array = await raw(`/v1beta/models/gemini-cut:streamGenerateContent`, HI);
    expect(array.status).toBe(200);
    const items = (await array.json()) as unknown[];
    expectGoogleError(items.at(-1), 502, 'UNAVAILABLE');

    const outcomes = await harness.waitForOutcomes(3);
    expect(outcomes.every((outcome) => outcome.endState === 'upstream_error' && outcome.partial)).toBe(true);
  });

  test('a client that leaves mid-stream aborts the upstream call; the outcome is client_gone', async () => {
    const controller = new AbortController();
    const response = await fetch(`${harness.url}/v1beta/models/gemini-slow:streamGenerateContent?alt=sse`, {
      method: 'POST',
      headers: { 'x-goog-api-key': harness.key, 'content-type': 'application/json' },
      body: JSON.stringify(HI),
      signal: controller.signal,
    });
    const reader = response.body?.getReader();
    const first = await reader?.read();
    expect(new TextDecoder().decode(first?.value)).toStartWith('data: {"candidates"');
    await expectClientGone(harness, controller, reader);
  });
});
