import { expect, test } from 'bun:test';
import { eq } from 'drizzle-orm';
import { readRevisions } from '../../src/db/repos/revisions.ts';
import type { Deps } from '../../src/deps.ts';
import { type ErrorCode, GatewayError } from '../../src/errors/gateway-error.ts';
import type { ChannelInput } from '../../src/services/channels.ts';
import { forEachDialect } from '../helpers/stores.ts';

async function expectError(promise: Promise<unknown>, code: ErrorCode, fragment: string, field?: string): Promise<GatewayError> {
  try {
    await promise;
  } catch (error) {
    if (!(error instanceof GatewayError)) throw error;
    expect(error.code).toBe(code);
    expect(error.message).toContain(fragment);
    if (field !== undefined) expect(error.field).toBe(field);
    return error;
  }
  throw new Error(`expected ${code} containing "${fragment}"`);
}

let counter = 0;
function input(overrides: Partial<ChannelInput> = {}): ChannelInput {
  counter += 1;
  return { name: `channel-${counter}`, type: 'openai', keys: ['sk-test-key-0001'], models: ['gpt-4o-mini'], ...overrides };
}

async function channelRevision(deps: Deps): Promise<number> {
  return (await readRevisions(deps.store))['channels'] ?? 0;
}

async function abilitiesOf(deps: Deps, channelId: number) {
  const { abilities } = deps.store.tables;
  const rows = await deps.store.db.select().from(abilities).where(eq(abilities.channelId, channelId));
  return rows
    .map((row) => ({ group: row.group, model: row.model, enabled: row.enabled, priority: row.priority, weight: row.weight, tag: row.tag }))
    .sort((a, b) => `${a.group}/${a.model}`.localeCompare(`${b.group}/${b.model}`));
}

forEachDialect('channel service', (context) => {
  test('add stores a channel with defaults and returns a view without keys', async () => {
    const deps = context();
    const before = await channelRevision(deps);
    const view = await deps.channels.add(input({ name: '  openai-main ', keys: ['sk-abcdefgh1234WXYZ'], models: [' gpt-4o ', 'gpt-4o', '', 'o4-mini'] }));
    expect(view).toMatchObject({
      name: 'openai-main',
      type: 'openai',
      baseUrl: 'https://api.openai.com',
      status: 'enabled',
      priority: 0,
      weight: 1,
      models: ['gpt-4o', 'o4-mini'],
      groups: ['default'],
      modelMapping: {},
      statusCodeMapping: {},
      testModel: null,
      tag: null,
      keyMode: 'random',
      allowPrivate: null,
      keys: [{ position: 0, hint: 'WXYZ', status: 'enabled' }],
      usedUsd: '0',
      requestCount: 0,
      responseTimeMs: null,
      testedAt: null,
    });
    expect(view.id).toBeGreaterThan(0);
    expect(new Date(view.createdAt).toISOString()).toBe(view.createdAt);
    expect(JSON.stringify(view)).not.toContain('sk-abcdefgh1234WXYZ');
    expect(await channelRevision(deps)).toBe(before + 1);
    expect(await deps.channels.decryptKeys(view.id)).toEqual(['sk-abcdefgh1234WXYZ']);
  });

  test('keys are encrypted at rest, bound to their row, and decrypt back in order', async () => {
    const deps = context();
    const keys = ['sk-first-secret-key-AAAA', 'sk-second-secret-key-BBBB', 'short'];
    const view = await deps.channels.add(input({ keys, keyMode: 'polling' }));
    expect(view.keyMode).toBe('round-robin');
    expect(view.keys).toEqual([
      { position: 0, hint: 'AAAA', status: 'enabled' },
      { position: 1, hint: 'BBBB', status: 'enabled' },
      { position: 2, hint: '', status: 'enabled' },
    ]);
    const { channelKeys } = deps.store.tables;
    const rows = await deps.store.db.select().from(channelKeys).where(eq(channelKeys.channelId, view.id));
    expect(rows).toHaveLength(3);
    for (const row of rows) {
      const plaintext = keys[row.position] ?? '';
      expect(row.keyCiphertext).not.toContain(plaintext);
      expect(row.keyCiphertext.startsWith('v1.')).toBe(true);
      expect(deps.cipher.decrypt(row.keyCiphertext, `channel_keys:${view.id}:${row.position}`)).toBe(plaintext);
      // A ciphertext copied to another row does not decrypt.
      expect(() => deps.cipher.decrypt(row.keyCiphertext, `channel_keys:${view.id}:${row.position + 1}`)).toThrow();
    }
    expect(await deps.channels.decryptKeys(view.id)).toEqual(keys);
  });

  test('abilities are groups × models and follow every save', async () => {
    const deps = context();
    const view = await deps.channels.add(input({ models: ['m1', 'm2'], groups: ['default', 'vip'], priority: -3, weight: 0, tag: 'east' }));
    const expected = (enabled: boolean, priority = -3) =>
      [
        { group: 'default', model: 'm1' },
        { group: 'default', model: 'm2' },
        { group: 'vip', model: 'm1' },
        { group: 'vip', model: 'm2' },
      ].map((row) => ({ ...row, enabled, priority, weight: 0, tag: 'east' }));
    expect(await abilitiesOf(deps, view.id)).toEqual(expected(true));

    const revision = await channelRevision(deps);
    const disabled = await deps.channels.setEnabled(view.name, false);
    expect(disabled.status).toBe('disabled');
    expect(await abilitiesOf(deps, view.id)).toEqual(expected(false));
    await deps.channels.setEnabled(String(view.id), true);
    expect(await abilitiesOf(deps, view.id)).toEqual(expected(true));
    expect(await channelRevision(deps)).toBe(revision + 2);

    await deps.channels.update(view.name, { priority: 7 });
    expect(await abilitiesOf(deps, view.id)).toEqual(expected(true, 7));
    await deps.channels.update(view.name, { models: ['m3'], groups: ['team'] });
    expect(await abilitiesOf(deps, view.id)).toEqual([{ group: 'team', model: 'm3', enabled: true, priority: 7, weight: 0, tag: 'east' }]);
  });

  test('refs are ids or names; unknown refs are not found', async () => {
    const deps = context();
    const view = await deps.channels.add(input());
    expect((await deps.channels.get(String(view.id))).name).toBe(view.name);
    expect((await deps.channels.get(` ${view.name} `)).id).toBe(view.id);
    await expectError(deps.channels.get('999999'), 'not_found', 'no channel with id 999999');
    await expectError(deps.channels.get('missing'), 'not_found', 'no channel named "missing"; list channels with: gateway channel list');
    await expectError(deps.channels.update('missing', { priority: 1 }), 'not_found', 'missing');
    await expectError(deps.channels.setEnabled('missing', true), 'not_found', 'missing');
    await expectError(deps.channels.remove('missing'), 'not_found', 'missing');
  });

  test('names: trimmed, 1-64 characters, not all digits, unique', async () => {
    const deps = context();
    await expectError(deps.channels.add(input({ name: '   ' })), 'invalid_argument', '1 to 64', '--name');
    await expectError(deps.channels.add(input({ name: 'x'.repeat(65) })), 'invalid_argument', '1 to 64', '--name');
    await expectError(deps.channels.add(input({ name: '12345' })), 'invalid_argument', 'all digits', '--name');
    await expectError(deps.channels.add(input({ name: 'a\nb' })), 'invalid_argument', 'control', '--name');
    const first = await deps.channels.add(input({ name: 'x'.repeat(64) }));
    await expectError(deps.channels.add(input({ name: first.name })), 'conflict', 'already exists; choose another --name', '--name');
    const second = await deps.channels.add(input());
    await expectError(deps.channels.update(second.name, { name: first.name }), 'conflict', 'already exists');
    const renamed = await deps.channels.update(second.name, { name: `${second.name}-renamed` });
    expect(renamed.id).toBe(second.id);
    await expectError(deps.channels.get(second.name), 'not_found', second.name);
  });

  test('types and base URLs', async () => {
    const deps = context();
    await expectError(deps.channels.add(input({ type: 'palm' })), 'invalid_argument', 'use one of: openai, azure, anthropic', '--type');
    for (const type of ['azure', 'custom', 'openai-compatible']) {
      await expectError(deps.channels.add(input({ type })), 'invalid_argument', `channel type ${type} has no default address`, '--base-url');
    }
    await expectError(deps.channels.add(input({ baseUrl: 'not a url' })), 'invalid_argument', 'not a valid URL', '--base-url');
    await expectError(deps.channels.add(input({ baseUrl: 'ftp://example.com' })), 'blocked_destination', 'http or https');
    await expectError(deps.channels.add(input({ baseUrl: 'https://user:pass@example.com' })), 'blocked_destination', 'user name');
    await expectError(deps.channels.add(input({ baseUrl: 'http://169.254.169.254' })), 'blocked_destination', '--allow-private 169.254.169.254:80');
    await expectError(deps.channels.add(input({ baseUrl: 'https://example.com/#x' })), 'invalid_argument', 'fragment');
    await expectError(deps.channels.add(input({ type: 'ollama' })), 'blocked_destination', '--allow-private localhost:11434');
    await expectError(deps.channels.add(input({ allowPrivate: 'localhost' })), 'invalid_argument', 'HOST:PORT', '--allow-private');

    const ollama = await deps.channels.add(input({ type: 'ollama', allowPrivate: 'LOCALHOST:11434', keys: ['ollama'] }));
    expect(ollama).toMatchObject({ baseUrl: 'http://localhost:11434', allowPrivate: 'localhost:11434', keys: [{ position: 0, hint: '' }] });
    const azure = await deps.channels.add(input({ type: 'Azure', baseUrl: 'https://East.OpenAI.Azure.com./' }));
    expect(azure).toMatchObject({ type: 'azure', baseUrl: 'https://east.openai.azure.com' });
    const custom = await deps.channels.add(input({ type: 'custom', baseUrl: 'https://proxy.example.com/v1/{model}/chat?x=1' }));
    expect(custom.baseUrl).toBe('https://proxy.example.com/v1/{model}/chat?x=1');
    const anthropic = await deps.channels.add(input({ type: 'anthropic' }));
    expect(anthropic.baseUrl).toBe('https://api.anthropic.com');

    // Clearing the exception of a private channel is refused; so is moving it to another private port.
    await expectError(deps.channels.update(ollama.name, { allowPrivate: '' }), 'blocked_destination', '--allow-private localhost:11434');
    await expectError(deps.channels.update(ollama.name, { baseUrl: 'http://localhost:8080' }), 'blocked_destination', 'does not match');
    // A type change follows the new type's default only when the channel was on the old default.
    expect((await deps.channels.update(anthropic.name, { type: 'gemini' })).baseUrl).toBe('https://generativelanguage.googleapis.com');
    expect((await deps.channels.update(azure.name, { type: 'openai' })).baseUrl).toBe('https://east.openai.azure.com');
    await expectError(deps.channels.update(anthropic.name, { type: 'azure' }), 'invalid_argument', 'no default address');
  });

  test('keys: at least one, non-empty, single-line, distinct; update replaces them', async () => {
    const deps = context();
    await expectError(deps.channels.add(input({ keys: [] })), 'invalid_argument', 'at least one --key', '--key');
    await expectError(deps.channels.add(input({ keys: ['  '] })), 'invalid_argument', '--key is empty', '--key');
    await expectError(deps.channels.add(input({ keys: ['sk-a', 'sk-b\r\nX-Evil: 1'] })), 'invalid_argument', '--key #2 contains a line break');
    await expectError(deps.channels.add(input({ keys: ['sk-same-key', ' sk-same-key '] })), 'invalid_argument', '--key #2 repeats --key #1');
    const view = await deps.channels.add(input({ keys: ['sk-old-key-1111', 'sk-old-key-2222'] }));
    const updated = await deps.channels.update(view.name, { keys: ['sk-new-key-3333'] });
    expect(updated.keys).toEqual([{ position: 0, hint: '3333', status: 'enabled' }]);
    expect(await deps.channels.decryptKeys(view.id)).toEqual(['sk-new-key-3333']);
    // Other updates keep the keys.
    await deps.channels.update(view.name, { weight: 5 });
    expect(await deps.channels.decryptKeys(view.id)).toEqual(['sk-new-key-3333']);
  });

  test('models, groups, priority, weight, key mode and text fields', async () => {
    const deps = context();
    await expectError(deps.channels.add(input({ models: [] })), 'invalid_argument', 'at least one model', '--models');
    await expectError(deps.channels.add(input({ models: [' ', ''] })), 'invalid_argument', 'at least one model', '--models');
    await expectError(deps.channels.add(input({ models: ['a,b'] })), 'invalid_argument', 'commas', '--models');
    await expectError(deps.channels.add(input({ groups: [''] })), 'invalid_argument', 'at least one group', '--group');
    await expectError(deps.channels.add(input({ priority: 1.5 })), 'invalid_argument', 'whole number', '--priority');
    await expectError(deps.channels.add(input({ priority: 2 ** 31 })), 'invalid_argument', 'whole number', '--priority');
    await expectError(deps.channels.add(input({ weight: -1 })), 'invalid_argument', 'from 0', '--weight');
    await expectError(deps.channels.add(input({ keyMode: 'sticky' })), 'invalid_argument', 'random or round-robin', '--key-mode');
    await expectError(deps.channels.add(input({ tag: 'a\u001b[31mb' })), 'invalid_argument', 'control', '--tag');

    const view = await deps.channels.add(input({ priority: -10, weight: 0, testModel: ' gpt-4o-mini ', tag: 'batch', remark: 'note' }));
    expect(view).toMatchObject({ priority: -10, weight: 0, testModel: 'gpt-4o-mini', tag: 'batch', remark: 'note' });
    // An explicit zero is a value, not "absent".
    expect((await deps.channels.update(view.name, { priority: 0 })).priority).toBe(0);
    const cleared = await deps.channels.update(view.name, { tag: '', testModel: '' });
    expect(cleared).toMatchObject({ tag: null, testModel: null, priority: 0, weight: 0 });
  });

  test('model mapping: chains allowed; self-maps, cycles and empty names refused', async () => {
    const deps = context();
    const view = await deps.channels.add(input({ modelMapping: { ' gpt-4o ': ' gpt-4o-2024-11-20 ', a: 'b', b: 'c' } }));
    expect(view.modelMapping).toEqual({ 'gpt-4o': 'gpt-4o-2024-11-20', a: 'b', b: 'c' });
    await expectError(deps.channels.add(input({ modelMapping: { a: 'a' } })), 'invalid_argument', 'maps "a" to itself', '--model-map');
    await expectError(deps.channels.add(input({ modelMapping: { a: 'b', b: 'a' } })), 'invalid_argument', 'cycle: a → b → a', '--model-map');
    await expectError(deps.channels.add(input({ modelMapping: { a: 'b', b: 'c', c: 'a' } })), 'invalid_argument', 'cycle', '--model-map');
    await expectError(deps.channels.add(input({ modelMapping: { '': 'b' } })), 'invalid_argument', 'both sides', '--model-map');
    await expectError(deps.channels.add(input({ modelMapping: { a: ' ' } })), 'invalid_argument', 'both sides', '--model-map');
    // An update replaces the whole map.
    await expectError(deps.channels.update(view.name, { modelMapping: { x: 'y', y: 'x' } }), 'invalid_argument', 'cycle');
    expect((await deps.channels.update(view.name, { modelMapping: { c: 'a' } })).modelMapping).toEqual({ c: 'a' });
    expect((await deps.channels.update(view.name, { modelMapping: {} })).modelMapping).toEqual({});
  });

  test('status code mapping', async () => {
    const deps = context();
    const view = await deps.channels.add(input({ statusCodeMapping: { '429': '503' } }));
    expect(view.statusCodeMapping).toEqual({ '429': '503' });
    await expectError(deps.channels.add(input({ statusCodeMapping: { '500': '200' } })), 'invalid_argument', '2xx', '--status-code-map');
    await expectError(deps.channels.add(input({ statusCodeMapping: { abc: '500' } })), 'invalid_argument', '100-599', '--status-code-map');
    await expectError(deps.channels.add(input({ statusCodeMapping: { '429': '429' } })), 'invalid_argument', 'itself');
  });

  test('list filters by type, status, tag, group and model', async () => {
    const deps = context();
    const tag = `list-${Date.now()}`;
    const one = await deps.channels.add(input({ type: 'deepseek', tag, models: ['deepseek-chat'], groups: ['cn'] }));
    const two = await deps.channels.add(input({ type: 'openai', tag, models: ['gpt-4o-mini', 'deepseek-chat'] }));
    await deps.channels.setEnabled(two.name, false);
    const ids = async (filter: Parameters<Deps['channels']['list']>[0]) => (await deps.channels.list(filter)).map((view) => view.id);
    expect(await ids({ tag })).toEqual([one.id, two.id]);
    expect(await ids({ tag, type: 'deepseek' })).toEqual([one.id]);
    expect(await ids({ tag, status: 'disabled' })).toEqual([two.id]);
    expect(await ids({ tag, status: 'enabled' })).toEqual([one.id]);
    expect(await ids({ tag, group: 'cn' })).toEqual([one.id]);
    expect(await ids({ tag, model: 'deepseek-chat' })).toEqual([one.id, two.id]);
    expect(await ids({ tag, model: 'gpt-4o-mini', group: 'default' })).toEqual([two.id]);
    const listed = await deps.channels.list({ tag });
    expect(listed[0]?.keys).toHaveLength(1);
    expect(JSON.stringify(listed)).not.toContain('sk-test-key-0001');
    await expectError(deps.channels.list({ status: 'sleeping' }), 'invalid_argument', 'enabled, disabled, auto-disabled', '--status');
    await expectError(deps.channels.list({ type: 'nope' }), 'invalid_argument', 'use one of');
  });

  test('remove deletes the channel, its keys and abilities, and bumps the revision', async () => {
    const deps = context();
    const view = await deps.channels.add(input({ keys: ['sk-remove-me-1', 'sk-remove-me-2'], groups: ['a', 'b'] }));
    const revision = await channelRevision(deps);
    const removed = await deps.channels.remove(view.name);
    expect(removed.id).toBe(view.id);
    expect(await channelRevision(deps)).toBe(revision + 1);
    await expectError(deps.channels.get(String(view.id)), 'not_found', String(view.id));
    expect(await abilitiesOf(deps, view.id)).toEqual([]);
    expect(await deps.channels.decryptKeys(view.id)).toEqual([]);
  });

  test('a failed save changes nothing', async () => {
    const deps = context();
    const view = await deps.channels.add(input({ models: ['keep'] }));
    const revision = await channelRevision(deps);
    await expectError(deps.channels.update(view.name, { models: ['changed'], modelMapping: { x: 'x' } }), 'invalid_argument', 'itself');
    expect((await deps.channels.get(view.name)).models).toEqual(['keep']);
    expect(await abilitiesOf(deps, view.id)).toHaveLength(1);
    expect(await channelRevision(deps)).toBe(revision);
  });
});
