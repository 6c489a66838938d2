import { describe, expect, test } from 'bun:test';
import { eq } from 'drizzle-orm';
import { readRevisions } from '../../src/db/repos/revisions.ts';
import type { Deps } from '../../src/deps.ts';
import { GatewayError } from '../../src/errors/gateway-error.ts';
import { channelSettingNames, looksLikeKey, normalizeChannelSetting, parseChannelSetting } from '../../src/services/channel-settings.ts';
import { mergeSettings } from '../../src/services/channel-validation.ts';
import { forEachDialect } from '../helpers/stores.ts';

function refusal(run: () => unknown): GatewayError {
  try {
    run();
  } catch (error) {
    if (!(error instanceof GatewayError)) throw error;
    expect(error.code).toBe('invalid_argument');
    expect(error.field).toBe('--setting');
    return error;
  }
  throw new Error('expected an invalid_argument error');
}

async function refusalOf(promise: Promise<unknown>): Promise<GatewayError> {
  try {
    await promise;
  } catch (error) {
    if (!(error instanceof GatewayError)) throw error;
    expect(error.field).toBe('--setting');
    return error;
  }
  throw new Error('expected an invalid_argument error');
}

describe('parseChannelSetting', () => {
  test('text settings are trimmed; the first = splits name from value', () => {
    expect(parseChannelSetting(' api_version = 2025-04-01-preview ')).toEqual({ name: 'api_version', value: '2025-04-01-preview' });
    expect(parseChannelSetting('x_title=a=b')).toEqual({ name: 'x_title', value: 'a=b' });
    expect(parseChannelSetting('anthropic_beta=context-1m-2025-08-07,interleaved-thinking-2025-05-14').value).toBe(
      'context-1m-2025-08-07,interleaved-thinking-2025-05-14',
    );
  });

  test('integers, booleans and JSON are typed', () => {
    expect(parseChannelSetting('max_tokens=16000').value).toBe(16000);
    expect(parseChannelSetting('max_tokens=1').value).toBe(1);
    expect(parseChannelSetting('thinking_to_content=true').value).toBe(true);
    expect(parseChannelSetting('strip_model_dots=FALSE').value).toBe(false);
    expect(parseChannelSetting('safety_settings=[{"category":"HARM_CATEGORY_HARASSMENT","threshold":"BLOCK_NONE"}]').value).toEqual([
      { category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_NONE' },
    ]);
  });

  test('choices take one of their values, in any case; anything else is refused naming them', () => {
    expect(parseChannelSetting('chat_api=responses')).toEqual({ name: 'chat_api', value: 'responses' });
    expect(parseChannelSetting('chat_api= Responses ').value).toBe('responses');
    expect(parseChannelSetting('chat_api=chat').value).toBe('chat');
    expect(normalizeChannelSetting('chat_api', 'responses')).toBe('responses');
    for (const bad of ['response', 'completions', 'true']) {
      expect(refusal(() => parseChannelSetting(`chat_api=${bad}`)).message).toContain('chat_api must be one of chat, responses');
    }
    expect(refusal(() => normalizeChannelSetting('chat_api', true)).message).toContain('one of chat, responses');
  });

  test('an empty value is kept as the removal marker, for every kind', () => {
    for (const text of ['api_version=', 'max_tokens=', 'thinking_to_content=  ', 'safety_settings=', 'chat_api=']) {
      expect(parseChannelSetting(text).value).toBe('');
    }
  });

  test('unknown names and entries without = are refused with the fix', () => {
    const unknown = refusal(() => parseChannelSetting('api-version=2024'));
    expect(unknown.message).toContain('unknown --setting "api-version"');
    expect(unknown.message).toContain(`known settings: ${channelSettingNames.join(', ')}`);
    expect(refusal(() => parseChannelSetting('=x')).message).toContain('unknown --setting ""');
    expect(refusal(() => parseChannelSetting('api_version')).message).toContain('must look like NAME=VALUE');
    // Not a setting, however plausible: only what an adapter reads is accepted.
    expect(refusal(() => parseChannelSetting('status_code_mapping={}')).message).toContain('unknown --setting');
  });

  test('bad values are refused, each naming the setting and what it takes', () => {
    expect(refusal(() => parseChannelSetting('organization=org\r\nX-Injected: 1')).message).toContain('one line');
    expect(refusal(() => parseChannelSetting('organization=a\u0000b')).message).toContain('one line');
    expect(refusal(() => parseChannelSetting(`project=${'p'.repeat(1001)}`)).message).toContain('longer than 1000');
    expect(parseChannelSetting(`project=${'p'.repeat(1000)}`).value).toHaveLength(1000);
    for (const bad of ['0', '-5', '1.5', '1e3', '0x10', 'many', '1000001']) {
      expect(refusal(() => parseChannelSetting(`max_tokens=${bad}`)).message).toContain('max_tokens must be a whole number from 1 to 1000000');
    }
    for (const bad of ['yes', '1', 'on']) {
      expect(refusal(() => parseChannelSetting(`thinking_to_content=${bad}`)).message).toContain('must be true or false');
    }
    expect(refusal(() => parseChannelSetting('safety_settings=[{')).message).toContain('must be JSON');
    expect(refusal(() => parseChannelSetting('safety_settings={"a":1}')).message).toContain('must be a JSON array');
    expect(refusal(() => parseChannelSetting(`safety_settings=[${'"x",'.repeat(3000)}"x"]`)).message).toContain('longer than 10000');
  });

  test('key-like values are refused and sent to --key', () => {
    for (const text of ['organization=sk-proj-abc123', 'project= sk_live_123', 'x_title=AIzaSyA-secret', 'http_referer=Bearer abc', 'endpoint=gsk_123']) {
      expect(refusal(() => parseChannelSetting(text)).message).toContain('looks like an API key');
    }
    expect(refusal(() => parseChannelSetting('safety_settings=[{"category":"sk-ant-api03-secret"}]')).message).toContain('--key');
    expect(parseChannelSetting('organization=org-abc123').value).toBe('org-abc123');
    expect(looksLikeKey({ nested: ['fine', { deep: 'xai-123' }] })).toBe(true);
    expect(looksLikeKey(8192)).toBe(false);
  });
});

describe('normalizeChannelSetting and mergeSettings', () => {
  test('typed values from the service API are checked like their text form', () => {
    expect(normalizeChannelSetting('max_tokens', 4096)).toBe(4096);
    expect(normalizeChannelSetting('max_tokens', '4096')).toBe(4096);
    expect(normalizeChannelSetting('strip_model_dots', true)).toBe(true);
    expect(normalizeChannelSetting('safety_settings', [{ category: 'X', threshold: 'BLOCK_NONE' }])).toEqual([{ category: 'X', threshold: 'BLOCK_NONE' }]);
    expect(refusal(() => normalizeChannelSetting('max_tokens', 0)).message).toContain('from 1 to');
    expect(refusal(() => normalizeChannelSetting('api_version', 2024)).message).toContain('must be text');
    expect(refusal(() => normalizeChannelSetting('thinking_to_content', 1)).message).toContain('true or false');
    expect(refusal(() => normalizeChannelSetting('safety_settings', { category: 'X' })).message).toContain('JSON array');
  });

  test('changes merge into the current settings; empty removes; names the gateway does not know are kept', () => {
    const current = { api_version: '2024-10-21', strip_model_dots: true, region: 'eastus' };
    expect(mergeSettings(current, { api_version: '2025-04-01-preview', strip_model_dots: '', max_tokens: 100 })).toEqual({
      api_version: '2025-04-01-preview',
      region: 'eastus',
      max_tokens: 100,
    });
    expect(mergeSettings({}, { api_version: '' })).toEqual({});
    expect(current).toEqual({ api_version: '2024-10-21', strip_model_dots: true, region: 'eastus' });
  });
});

async function channelRevision(deps: Deps): Promise<number> {
  return (await readRevisions(deps.store))['channels'] ?? 0;
}

async function storedSettings(deps: Deps, id: number): Promise<unknown> {
  const { channels } = deps.store.tables;
  const [row] = await deps.store.db.select({ settings: channels.settings }).from(channels).where(eq(channels.id, id));
  return JSON.parse(row?.settings ?? 'null');
}

forEachDialect('channel settings', (context) => {
  const base = { type: 'azure', baseUrl: 'https://east.openai.azure.com', keys: ['azure-key-0001'], models: ['gpt-4o'] };

  test('add stores settings as JSON and shows them; no settings is {}', async () => {
    const deps = context();
    const view = await deps.channels.add({ ...base, name: 'with-settings', settings: { api_version: ' 2025-04-01-preview ', strip_model_dots: 'true', max_tokens: 100 } });
    const expected = { api_version: '2025-04-01-preview', strip_model_dots: true, max_tokens: 100 };
    expect(view.settings).toEqual(expected);
    expect(await storedSettings(deps, view.id)).toEqual(expected);
    expect((await deps.channels.get('with-settings')).settings).toEqual(expected);

    const plain = await deps.channels.add({ ...base, name: 'without-settings' });
    expect(plain.settings).toEqual({});
    expect(await storedSettings(deps, plain.id)).toEqual({});
    // '' on add means "not set".
    expect((await deps.channels.add({ ...base, name: 'empty-setting', settings: { api_version: '' } })).settings).toEqual({});
  });

  test('update merges, removes with empty, and bumps the revision so the daemon reloads', async () => {
    const deps = context();
    const view = await deps.channels.add({ ...base, name: 'merge', settings: { api_version: '2024-10-21', strip_model_dots: true } });
    const revision = await channelRevision(deps);
    const updated = await deps.channels.update('merge', { settings: { api_version: '2025-04-01-preview', responses_api_version: 'preview' } });
    expect(updated.settings).toEqual({ api_version: '2025-04-01-preview', strip_model_dots: true, responses_api_version: 'preview' });
    expect(await channelRevision(deps)).toBe(revision + 1);

    const removed = await deps.channels.update(String(view.id), { settings: { strip_model_dots: '', responses_api_version: '' } });
    expect(removed.settings).toEqual({ api_version: '2025-04-01-preview' });
    expect(await storedSettings(deps, view.id)).toEqual({ api_version: '2025-04-01-preview' });
    expect(await channelRevision(deps)).toBe(revision + 2);

    // Other fields leave settings alone.
    expect((await deps.channels.update('merge', { priority: 3 })).settings).toEqual({ api_version: '2025-04-01-preview' });
  });

  test('a refused setting changes nothing', async () => {
    const deps = context();
    const view = await deps.channels.add({ ...base, name: 'refused', settings: { api_version: '2024-10-21' } });
    const revision = await channelRevision(deps);
    const error = await refusalOf(deps.channels.update('refused', { priority: 9, settings: { api_version: '2025-01-01', organization: 'sk-secret-0001' } }));
    expect(error.message).toContain('give keys with --key');
    const after = await deps.channels.get('refused');
    expect(after.settings).toEqual({ api_version: '2024-10-21' });
    expect(after.priority).toBe(view.priority);
    expect(await channelRevision(deps)).toBe(revision);
    await refusalOf(deps.channels.add({ ...base, name: 'refused-2', settings: { region: 'eastus' } }));
    await expect(deps.channels.get('refused-2')).rejects.toThrow('no channel named');
  });

  test('a key-like value written around the service is never shown', async () => {
    const deps = context();
    const view = await deps.channels.add({ ...base, name: 'hand-edited' });
    const { channels } = deps.store.tables;
    await deps.store.db
      .update(channels)
      .set({ settings: JSON.stringify({ api_version: '2024-10-21', organization: 'sk-leaked-0001' }) })
      .where(eq(channels.id, view.id));
    const shown = await deps.channels.get('hand-edited');
    expect(shown.settings).toEqual({ api_version: '2024-10-21' });
    expect(JSON.stringify(shown)).not.toContain('sk-leaked');
  });
});
