/**
 * Multi-key management, the root-only key reveal and batch changes by tag, on both dialects: positions stay
 * contiguous and every ciphertext stays bound to its position, statuses and counters survive a removal, every
 * change bumps the `channels` revision (what a running relay reloads on) and rewrites the routing rows.
 */
import { beforeAll, expect, test } from 'bun:test';
import { eq } from 'drizzle-orm';
import { readRevisions } from '../../src/db/repos/revisions.ts';
import type { Deps } from '../../src/deps.ts';
import { GatewayError } from '../../src/errors/gateway-error.ts';
import { hashPassword } from '../../src/security/password.ts';
import { type ChannelKeyService, createChannelKeyService } from '../../src/services/channel-keys.ts';
import { type ChannelTagService, createChannelTagService } from '../../src/services/channel-tags.ts';
import { forEachDialect } from '../helpers/stores.ts';

const KEYS = ['sk-multi-key-aaaa-0001', 'sk-multi-key-bbbb-0002', 'sk-multi-key-cccc-0003'] as const;
const root = { userId: 1, username: 'root', role: 'root' as const };

async function failure(promise: Promise<unknown>): Promise<GatewayError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error('expected a GatewayError');
}

async function revision(deps: Deps): Promise<number> {
  return (await readRevisions(deps.store)).channels ?? 0;
}

forEachDialect('channel keys and tags', (context) => {
  let keys: ChannelKeyService;
  let tags: ChannelTagService;
  let passwordHash: string;

  beforeAll(async () => {
    const deps = context();
    keys = createChannelKeyService(deps);
    tags = createChannelTagService(deps);
    passwordHash = await hashPassword('the-root-password');
  });

  test('add appends at the next positions, refuses a key the channel has, and bumps the revision', async () => {
    const deps = context();
    const channel = await deps.channels.add({ name: 'multi', type: 'openai', keys: [KEYS[0]], models: ['gpt-4o'] });
    const before = await revision(deps);
    const view = await keys.add('multi', [KEYS[1], ` ${KEYS[2]} `]);
    expect(view.keys).toEqual([
      { position: 0, hint: '0001', status: 'enabled' },
      { position: 1, hint: '0002', status: 'enabled' },
      { position: 2, hint: '0003', status: 'enabled' },
    ]);
    expect(await deps.channels.decryptKeys(channel.id)).toEqual([...KEYS]);
    expect(await revision(deps)).toBeGreaterThan(before);
    const duplicate = await failure(keys.add('multi', ['sk-new-key-zzzz-0009', KEYS[0]]));
    expect({ code: duplicate.code, field: duplicate.field }).toEqual({ code: 'invalid_argument', field: '--key' });
    expect(duplicate.message).not.toContain(KEYS[0]);
    expect((await failure(keys.add('multi', ['bad\nkey']))).field).toBe('--key');
    expect((await failure(keys.add('no-such-channel', ['sk-x-0000000000']))).code).toBe('not_found');
  });

  test('disable and enable one key; the routing index uses enabled keys only', async () => {
    const deps = context();
    const before = await revision(deps);
    const view = await keys.setEnabled('multi', 1, false);
    expect(view.keys.map((key) => key.status)).toEqual(['enabled', 'disabled', 'enabled']);
    expect(view.status).toBe('enabled');
    expect(await revision(deps)).toBeGreaterThan(before);
    expect((await keys.list('multi')).keys[1]).toEqual({ position: 1, hint: '0002', status: 'disabled' });
    expect((await keys.setEnabled('multi', 1, true)).keys[1]?.status).toBe('enabled');
    const missing = await failure(keys.setEnabled('multi', 7, false));
    expect(missing.code).toBe('not_found');
    expect(missing.message).toContain('0, 1, 2');
  });

  test('remove renumbers the keys after it, re-encrypted at their new positions, keeping status and counters', async () => {
    const deps = context();
    const channel = await deps.channels.get('multi');
    await keys.setEnabled('multi', 2, false);
    const { channelKeys } = deps.store.tables;
    await deps.store.write((db) => db.update(channelKeys).set({ requestCount: 42 }).where(eq(channelKeys.position, 2)).returning({ id: channelKeys.id }));
    const view = await keys.remove('multi', 0);
    expect(view.keys).toEqual([
      { position: 0, hint: '0002', status: 'enabled' },
      { position: 1, hint: '0003', status: 'disabled' },
    ]);
    expect(await deps.channels.decryptKeys(channel.id)).toEqual([KEYS[1], KEYS[2]]);
    const rows = await deps.store.db.select().from(channelKeys).where(eq(channelKeys.channelId, channel.id));
    expect(rows.find((row) => row.position === 1)?.requestCount).toBe(42);
    await keys.remove('multi', 1);
    const last = await failure(keys.remove('multi', 0));
    expect({ code: last.code, field: last.field }).toEqual({ code: 'conflict', field: 'position' });
    expect(await deps.channels.decryptKeys(channel.id)).toEqual([KEYS[1]]);
  });

  test('reveal: root with the right password sees the keys; anyone else, or a wrong password, does not', async () => {
    const deps = context();
    await keys.add('multi', [KEYS[2]]);
    const revealed = await keys.reveal('multi', { actor: root, password: 'the-root-password', passwordHash });
    expect(revealed.keys.map((key) => ({ position: key.position, key: key.key }))).toEqual([
      { position: 0, key: KEYS[1] },
      { position: 1, key: KEYS[2] },
    ]);
    expect((await keys.reveal('multi', { actor: root, password: 'the-root-password', passwordHash }, 1)).keys.map((key) => key.key)).toEqual([KEYS[2]]);
    const wrong = await failure(keys.reveal('multi', { actor: root, password: 'guess', passwordHash }));
    expect({ code: wrong.code, field: wrong.field }).toEqual({ code: 'forbidden', field: 'password' });
    const admin = await failure(keys.reveal('multi', { actor: { ...root, role: 'admin' }, password: 'the-root-password', passwordHash }));
    expect(admin.code).toBe('forbidden');
    expect((await failure(keys.reveal('multi', { actor: root, password: 'the-root-password', passwordHash }, 9))).code).toBe('not_found');
    expect(deps).toBeDefined();
  });

  test('batch by tag: enable, disable, priority and weight, delete — all channels of the tag in one transaction', async () => {
    const deps = context();
    for (const name of ['eu-1', 'eu-2']) await deps.channels.add({ name, type: 'openai', keys: [`sk-${name}-key-00000`], models: ['gpt-4o'], tag: 'eu west' });
    const other = await deps.channels.add({ name: 'us-1', type: 'openai', keys: ['sk-us-1-key-00000'], models: ['gpt-4o'], tag: 'us' });
    const before = await revision(deps);
    const disabled = await tags.setEnabled(' eu west ', false);
    expect(disabled.map((channel) => [channel.name, channel.status])).toEqual([
      ['eu-1', 'disabled'],
      ['eu-2', 'disabled'],
    ]);
    expect(await revision(deps)).toBeGreaterThan(before);
    expect((await deps.channels.get('us-1')).status).toBe('enabled');
    const { abilities } = deps.store.tables;
    const routed = await deps.store.db.select().from(abilities).where(eq(abilities.tag, 'eu west'));
    expect(routed.map((row) => row.enabled)).toEqual([false, false]);

    expect((await tags.setEnabled('eu west', true)).every((channel) => channel.status === 'enabled')).toBe(true);
    const updated = await tags.update('eu west', { priority: 5, weight: 3 });
    expect(updated.map((channel) => [channel.priority, channel.weight])).toEqual([
      [5, 3],
      [5, 3],
    ]);
    const abilityRows = await deps.store.db.select().from(abilities).where(eq(abilities.tag, 'eu west'));
    expect(abilityRows.map((row) => [row.priority, row.weight])).toEqual([
      [5, 3],
      [5, 3],
    ]);
    expect((await failure(tags.update('eu west', { weight: -1 }))).field).toBe('--weight');
    expect((await deps.channels.get('eu-1')).weight).toBe(3);

    expect((await failure(tags.setEnabled('nobody', true))).code).toBe('not_found');
    expect((await failure(tags.remove(''))).code).toBe('not_found');
    const removed = await tags.remove('eu west');
    expect(removed.map((channel) => channel.name)).toEqual(['eu-1', 'eu-2']);
    expect((await deps.channels.list()).map((channel) => channel.name)).toContain(other.name);
    expect((await failure(deps.channels.get('eu-1'))).code).toBe('not_found');
  });

  test('page: literal search, filters and totals', async () => {
    const deps = context();
    await deps.channels.add({ name: '100%_proxy', type: 'deepseek', keys: ['sk-deep-key-000000'], models: ['deepseek-chat'], remark: 'from vendor' });
    const page = await deps.channels.page({ search: '%_' }, { limit: 10, offset: 0 });
    expect(page.channels.map((channel) => channel.name)).toEqual(['100%_proxy']);
    expect((await deps.channels.page({ search: 'VENDOR' }, { limit: 10, offset: 0 })).total).toBe(1);
    expect((await deps.channels.page({ search: 'deepseek-chat', type: 'deepseek' }, { limit: 10, offset: 0 })).total).toBe(1);
    const all = await deps.channels.page({}, { limit: 1, offset: 1 });
    expect(all.total).toBe((await deps.channels.list()).length);
    expect(all.channels).toHaveLength(1);
    expect((await failure(deps.channels.page({ status: 'sleeping' }, { limit: 1, offset: 0 }))).field).toBe('--status');
  });
});
