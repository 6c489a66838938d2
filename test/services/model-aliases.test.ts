import { expect, test } from 'bun:test';
import { readRevisions } from '../../src/db/repos/revisions.ts';
import type { Deps } from '../../src/deps.ts';
import { createModelAliasService, followModelChain, type ModelAliasService } from '../../src/services/model-aliases.ts';
import { listServedModels } from '../../src/services/served-models.ts';
import { forEachDialect } from '../helpers/stores.ts';

async function channelRevision(deps: Deps): Promise<number> {
  return (await readRevisions(deps.store))['channels'] ?? 0;
}

forEachDialect('model alias service', (context) => {
  const aliases = (): ModelAliasService => createModelAliasService(context());

  test('add, list and remove; every write bumps the channels counter', async () => {
    const deps = context();
    const before = await channelRevision(deps);
    const added = await aliases().add(' gpt-4 ', 'gpt-4o');
    expect(added).toMatchObject({ alias: 'gpt-4', target: 'gpt-4o' });
    expect(Date.parse(added.createdAt)).toBeGreaterThan(0);
    expect(await channelRevision(deps)).toBe(before + 1);
    await aliases().add('claude-latest', 'claude-sonnet-4-5');
    expect((await aliases().list()).map((entry) => `${entry.alias}→${entry.target}`)).toEqual(['claude-latest→claude-sonnet-4-5', 'gpt-4→gpt-4o']);
    expect(await aliases().remove('claude-latest')).toMatchObject({ alias: 'claude-latest', target: 'claude-sonnet-4-5' });
    expect(await channelRevision(deps)).toBe(before + 3);
    expect((await aliases().list()).map((entry) => entry.alias)).toEqual(['gpt-4']);
    await aliases().remove('gpt-4');
  });

  test('refuses an alias to itself, a duplicate, a cycle, bad names and unknown removals without bumping', async () => {
    const deps = context();
    await aliases().add('a', 'b');
    await aliases().add('b', 'c');
    const before = await channelRevision(deps);
    await expect(aliases().add('x', 'x')).rejects.toMatchObject({ code: 'invalid_argument', field: 'TARGET' });
    await expect(aliases().add('a', 'd')).rejects.toMatchObject({ code: 'conflict', field: 'ALIAS', message: expect.stringContaining('gateway model alias rm a') });
    await expect(aliases().add('c', 'a')).rejects.toMatchObject({ code: 'invalid_argument', message: expect.stringContaining('c → a → b → c') });
    await expect(aliases().add('', 'a')).rejects.toMatchObject({ code: 'invalid_argument', field: 'ALIAS' });
    await expect(aliases().add('a,b', 'x')).rejects.toMatchObject({ code: 'invalid_argument', field: 'ALIAS' });
    await expect(aliases().add('ok', 'line\nbreak')).rejects.toMatchObject({ code: 'invalid_argument', field: 'TARGET' });
    await expect(aliases().add('long', 'm'.repeat(257))).rejects.toMatchObject({ code: 'invalid_argument', field: 'TARGET' });
    await expect(aliases().remove('missing')).rejects.toMatchObject({ code: 'not_found', message: expect.stringContaining('gateway model alias list') });
    expect(await channelRevision(deps)).toBe(before);
    // A chain that does not come back is fine.
    await aliases().add('c', 'e');
    await aliases().remove('a');
    await aliases().remove('b');
    await aliases().remove('c');
  });

  test('two concurrent adds cannot close a cycle between them', async () => {
    const results = await Promise.allSettled([aliases().add('p', 'q'), aliases().add('q', 'p')]);
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    expect(results.find((result) => result.status === 'rejected')).toMatchObject({ reason: { code: 'invalid_argument' } });
    for (const entry of await aliases().list()) await aliases().remove(entry.alias);
  });

  test('served models come from enabled channels, with their channels, groups and aliases', async () => {
    const deps = context();
    const first = await deps.channels.add({ name: 'served-1', type: 'openai', keys: ['sk-served-1'], models: ['gpt-4o', 'gpt-4o-mini'], groups: ['default', 'vip'] });
    const second = await deps.channels.add({ name: 'served-2', type: 'openai', keys: ['sk-served-2'], models: ['gpt-4o'] });
    await deps.channels.add({ name: 'served-off', type: 'openai', keys: ['sk-served-3'], models: ['o3'] });
    await deps.channels.setEnabled('served-off', false);
    await aliases().add('four', 'four-latest');
    await aliases().add('four-latest', 'gpt-4o');
    const served = await listServedModels(deps);
    expect(served).toEqual([
      {
        model: 'gpt-4o',
        groups: ['default', 'vip'],
        channels: [
          { id: first.id, name: 'served-1' },
          { id: second.id, name: 'served-2' },
        ],
        aliases: ['four', 'four-latest'],
      },
      { model: 'gpt-4o-mini', groups: ['default', 'vip'], channels: [{ id: first.id, name: 'served-1' }], aliases: [] },
    ]);
    expect(JSON.stringify(served)).not.toContain('sk-served');
  });

  test('followModelChain ends on a cycle', () => {
    const map = new Map([
      ['a', 'b'],
      ['b', 'a'],
    ]);
    expect(followModelChain((name) => map.get(name), 'a')).toBe('b');
    expect(followModelChain((name) => map.get(name), 'z')).toBe('z');
  });
});
