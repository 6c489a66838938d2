/**
 * The model-list request per channel type and the reading of its answer, as plain data: OpenAI's and
 * Anthropic's `data[].id` (https://platform.openai.com/docs/api-reference/models/list,
 * https://docs.anthropic.com/en/api/models-list), Gemini's `models[].name` (https://ai.google.dev/api/models).
 */
import { expect, test } from 'bun:test';
import { modelListRequest, readModelIds } from '../../src/services/upstream-models.ts';

test('each type asks its own list URL with its own credential header; the key never goes in the URL', () => {
  expect(modelListRequest('openai', 'https://api.openai.com', 'sk-k')).toEqual({
    url: 'https://api.openai.com/v1/models',
    method: 'GET',
    headers: { Authorization: 'Bearer sk-k', accept: 'application/json' },
    body: undefined,
  });
  expect(modelListRequest('ollama', 'http://localhost:11434/v1/', 'x')?.url).toBe('http://localhost:11434/v1/models');
  expect(modelListRequest('openrouter', 'https://openrouter.ai/api', 'k')?.url).toBe('https://openrouter.ai/api/v1/models');
  const anthropic = modelListRequest('anthropic', 'https://api.anthropic.com', 'sk-ant-k');
  expect(anthropic?.url).toBe('https://api.anthropic.com/v1/models?limit=1000');
  expect(anthropic?.headers).toEqual({ 'x-api-key': 'sk-ant-k', 'anthropic-version': '2023-06-01', accept: 'application/json' });
  const gemini = modelListRequest('gemini', 'https://generativelanguage.googleapis.com', 'AIza-k');
  expect(gemini?.url).toBe('https://generativelanguage.googleapis.com/v1beta/models?pageSize=1000');
  expect(gemini?.headers['x-goog-api-key']).toBe('AIza-k');
  expect(modelListRequest('gemini', 'https://proxy.example/v1', 'k')?.url).toBe('https://proxy.example/v1/models?pageSize=1000');
  expect(modelListRequest('azure', 'https://res.openai.azure.com', 'k')).toBeUndefined();
  expect(modelListRequest('custom', 'https://x.example/run/{model}', 'k')).toBeUndefined();
});

test('ids are read from data[].id or models[].name, sorted and de-duplicated; unusable entries are dropped', () => {
  expect(readModelIds({ object: 'list', data: [{ id: 'gpt-4o' }, { id: 'gpt-4o-mini' }, { id: 'gpt-4o' }, { id: '' }, { id: 'a,b' }, { id: 'x\ny' }, { id: 7 }, null] })).toEqual([
    'gpt-4o',
    'gpt-4o-mini',
  ]);
  expect(readModelIds({ models: [{ name: 'models/gemini-2.5-flash' }, { name: 'models/text-embedding-004' }] })).toEqual(['gemini-2.5-flash', 'text-embedding-004']);
  expect(readModelIds({ data: [{ id: 'claude-sonnet-4-5', type: 'model' }], has_more: false })).toEqual(['claude-sonnet-4-5']);
  expect(readModelIds({ error: 'nope' })).toBeUndefined();
  expect(readModelIds('text')).toBeUndefined();
  expect(readModelIds({ data: [{ id: 'm'.repeat(300) }] })).toEqual([]);
});
