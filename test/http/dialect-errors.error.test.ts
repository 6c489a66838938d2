/**
 * Errors around the relay routes come in the caller's dialect too: an unknown sub-path, a request refused
 * while draining. Anthropic clients get `{"type":"error",…}`, Gemini clients Google's `{"error":{code,status}}`,
 * everyone else OpenAI's shape.
 */
import { describe, expect, test } from 'bun:test';
import { createApp } from '../../src/app.ts';
import { dialectOfPath } from '../../src/http/dialect-errors.ts';
import { createLifecycle } from '../../src/http/plugins/lifecycle.ts';
import { createTestEnvironment, openDeps } from '../helpers/stores.ts';

describe('dialect of a path', () => {
  test.each([
    ['POST', '/v1/messages', 'anthropic'],
    ['POST', '/v1/messages/count_tokens', 'anthropic'],
    ['POST', '/v1/messagesx', 'openai'],
    ['POST', '/v1beta/models/gemini-2.5-flash:generateContent', 'gemini'],
    ['GET', '/v1beta/models', 'gemini'],
    ['POST', '/v1/models/gemini-2.5-flash:generateContent', 'gemini'],
    ['GET', '/v1/models/gpt-4o', 'openai'],
    ['POST', '/v1/chat/completions', 'openai'],
  ] as const)('%s %s → %s', (method, path, dialect) => {
    expect(dialectOfPath(method, path)).toBe(dialect);
  });
});

describe('the errors and lifecycle plugins answer in the caller dialect', async () => {
  const environment = await createTestEnvironment('sqlite');
  const deps = await openDeps(environment);
  const lifecycle = createLifecycle();
  const app = createApp(deps, { lifecycle });
  const call = (method: string, path: string) => app.handle(new Request(`http://gateway${path}`, { method, headers: { 'content-type': 'application/json' }, body: method === 'POST' ? '{}' : undefined }));

  test('404 for an unknown sub-path', async () => {
    const anthropic = await call('POST', '/v1/messages/nonexistent');
    expect(anthropic.status).toBe(404);
    expect(await anthropic.json()).toMatchObject({ type: 'error', error: { type: 'not_found_error' } });
    const gemini = await call('GET', '/v1beta/nothing-here');
    expect(gemini.status).toBe(404);
    expect(await gemini.json()).toMatchObject({ error: { code: 404, status: 'NOT_FOUND' } });
    const openai = await call('GET', '/v1/nothing-here');
    expect(openai.status).toBe(404);
    expect(await openai.json()).toMatchObject({ error: { type: 'invalid_request_error', code: 'not_found' } });
  });

  test('503 with Retry-After while draining', async () => {
    lifecycle.beginDrain();
    try {
      const anthropic = await call('POST', '/v1/messages');
      expect(anthropic.status).toBe(503);
      expect(anthropic.headers.get('retry-after')).toBe('1');
      expect(await anthropic.json()).toMatchObject({ type: 'error', error: { message: expect.stringContaining('shutting down') } });
      const gemini = await call('POST', '/v1beta/models/x:generateContent');
      expect(gemini.status).toBe(503);
      expect(await gemini.json()).toMatchObject({ error: { code: 503, status: 'UNAVAILABLE' } });
      const openai = await call('POST', '/v1/chat/completions');
      expect(await openai.json()).toMatchObject({ error: { code: 'shutting_down' } });
    } finally {
      await deps.close();
      await environment.cleanup();
    }
  });
});
