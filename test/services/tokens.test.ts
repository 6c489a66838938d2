import { expect, test } from 'bun:test';
import { eq } from 'drizzle-orm';
import { sha256Hex } from '../../src/security/keys.ts';
import { createTokenService } from '../../src/services/tokens.ts';
import { forEachDialect, manualClock } from '../helpers/stores.ts';

const DAY = 24 * 3_600_000;

forEachDialect('token service', (context) => {
  test('create returns the full key once and stores only its digest', async () => {
    const { tokens, store } = context();
    const created = await tokens.create({ name: 'ci', quotaUsd: '5', expires: '30d', models: ['gpt-4o', ' gpt-4o', 'claude-sonnet-4'] });
    expect(created.key).toMatch(/^sk-[0-9A-Za-z]{48}$/);
    const body = created.key.slice(3);
    expect(created.token).toMatchObject({
      name: 'ci',
      username: 'root',
      status: 'enabled',
      unlimited: false,
      quotaUsd: '5',
      keyPrefix: `sk-${body.slice(0, 6)}…`,
      models: ['gpt-4o', 'claude-sonnet-4'],
      allowIps: [],
      group: null,
    });
    expect(Date.parse(created.token.expiresAt ?? '') - Date.now()).toBeGreaterThan(29 * DAY);
    const row = (await store.db.select().from(store.tables.tokens).where(eq(store.tables.tokens.id, created.token.id)))[0];
    expect(row?.keyHash).toBe(sha256Hex(body));
    expect(JSON.stringify(row)).not.toContain(body);
    expect(JSON.stringify(row)).not.toContain(body.slice(6, 20));
    // Nothing after creation shows the key again.
    expect(JSON.stringify(await tokens.get('ci'))).not.toContain(body);
    expect(JSON.stringify(await tokens.list())).not.toContain(body);
  });

  test('verify finds a presented key and its owner, and rejects anything else', async () => {
    const { tokens } = context();
    const { key, token } = await tokens.create({ name: 'verify-me', unlimited: true, allowIps: ['10.0.0.0/8'] });
    const verified = await tokens.verify(key);
    expect(verified).toMatchObject({
      token: { id: token.id, name: 'verify-me', status: 'enabled', unlimited: true, allowIps: ['10.0.0.0/8'] },
      owner: { username: 'root', role: 'root', status: 'enabled' },
      channelId: undefined,
    });
    expect(JSON.stringify(verified)).not.toMatch(/argon2|password/i);
    expect((await tokens.verify(`${key}-7`))?.channelId).toBe(7);
    expect((await tokens.verify(key.slice(3)))?.token.id).toBe(token.id);
    const wrong = `${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`;
    expect(await tokens.verify(wrong)).toBeUndefined();
    expect(await tokens.verify('sk-')).toBeUndefined();
    expect(await tokens.verify('not a key at all')).toBeUndefined();
    await tokens.remove('verify-me');
    expect(await tokens.verify(key)).toBeUndefined();
  });

  test('quota and unlimited exclude each other; neither means unlimited', async () => {
    const { tokens } = context();
    await expect(tokens.create({ name: 'both', quotaUsd: '1', unlimited: true })).rejects.toMatchObject({ code: 'invalid_argument', field: '--quota' });
    await expect(tokens.create({ name: 'negative', quotaUsd: '-1' })).rejects.toMatchObject({ code: 'invalid_argument', field: '--quota' });
    await expect(tokens.create({ name: 'garbage', quotaUsd: 'five' })).rejects.toMatchObject({ field: '--quota' });
    await expect(tokens.create({ name: 'limited', unlimited: false })).rejects.toMatchObject({ field: '--quota' });
    const plain = await tokens.create({ name: 'plain' });
    expect(plain.token).toMatchObject({ unlimited: true, quotaUsd: null, expiresAt: null });
  });

  test('bad expiry, models, IPs and groups are refused with the option name', async () => {
    const { tokens } = context();
    await expect(tokens.create({ name: 'old', expires: '2001-01-01' })).rejects.toMatchObject({ field: '--expires' });
    await expect(tokens.create({ name: 'odd', expires: 'tomorrow' })).rejects.toMatchObject({ field: '--expires' });
    await expect(tokens.create({ name: 'ip', allowIps: ['10.0.0.0/33'] })).rejects.toMatchObject({ field: '--allow-ips' });
    await expect(tokens.create({ name: 'ip', allowIps: ['example.com'] })).rejects.toMatchObject({ field: '--allow-ips' });
    await expect(tokens.create({ name: 'models', models: [''] })).rejects.toMatchObject({ field: '--models' });
    await expect(tokens.create({ name: 'group', group: 'no spaces' })).rejects.toMatchObject({ field: '--group' });
    await expect(tokens.create({ name: '123' })).rejects.toMatchObject({ field: '--name' });
    await expect(tokens.create({ name: '' })).rejects.toMatchObject({ field: '--name' });
  });

  test('the owner must exist and be enabled', async () => {
    const { tokens, users } = context();
    await expect(tokens.create({ name: 'x', user: 'ghost' })).rejects.toMatchObject({
      code: 'not_found',
      field: '--user',
      message: expect.stringContaining('gateway user list'),
    });
    await users.create({ username: 'frank', password: 'frank-password' });
    await users.setEnabled('frank', false);
    await expect(tokens.create({ name: 'x', user: 'frank' })).rejects.toMatchObject({ field: '--user', message: expect.stringContaining('gateway user enable frank') });
    await users.setEnabled('frank', true);
    expect((await tokens.create({ name: 'x', user: 'frank' })).token.username).toBe('frank');
  });

  test('names are unique per owner; a shared name needs --user', async () => {
    const { tokens } = context();
    await expect(tokens.create({ name: 'ci' })).rejects.toMatchObject({ code: 'conflict', field: '--name' });
    const franks = await tokens.create({ name: 'ci', user: 'frank' });
    await expect(tokens.get('ci')).rejects.toMatchObject({ message: expect.stringContaining(String(franks.token.id)) });
    expect((await tokens.get('ci', { user: 'frank' })).id).toBe(franks.token.id);
    expect((await tokens.get(String(franks.token.id))).username).toBe('frank');
    await expect(tokens.get(String(franks.token.id), { user: 'root' })).rejects.toMatchObject({ code: 'not_found' });
    expect((await tokens.list({ user: 'frank' })).map((token) => token.name)).toEqual(['x', 'ci']);
    await expect(tokens.update('ci', { name: 'x' }, { user: 'frank' })).rejects.toMatchObject({ code: 'conflict' });
  });

  test('update changes settings and sets the remaining quota', async () => {
    const { tokens } = context();
    const updated = await tokens.update('ci', { quotaUsd: '0.3', models: [], allowIps: ['2001:DB8::/32', '203.0.113.7'], group: 'vip', expires: 'never' }, { user: 'root' });
    expect(updated).toMatchObject({ quotaUsd: '0.3', unlimited: false, models: [], allowIps: ['2001:db8::/32', '203.0.113.7'], group: 'vip', expiresAt: null });
    const unlimited = await tokens.update('plain', { unlimited: true, group: '' });
    expect(unlimited).toMatchObject({ unlimited: true, quotaUsd: null, group: null });
    const zero = await tokens.update('plain', { quotaUsd: '0' });
    expect(zero).toMatchObject({ status: 'exhausted', quotaUsd: '0' });
    await expect(tokens.update('plain', { quotaUsd: '1', unlimited: true })).rejects.toMatchObject({ field: '--quota' });
    await expect(tokens.update('plain', {})).rejects.toMatchObject({ code: 'invalid_argument' });
    await expect(tokens.update('nothing-here', { group: 'vip' })).rejects.toMatchObject({ code: 'not_found' });
  });

  test('disable, enable and remove', async () => {
    const { tokens } = context();
    expect((await tokens.setEnabled('ci', false, { user: 'root' })).status).toBe('disabled');
    expect((await tokens.setEnabled('ci', true, { user: 'root' })).status).toBe('enabled');
    const removed = await tokens.remove('ci', { user: 'root' });
    expect(removed.name).toBe('ci');
    await expect(tokens.get('ci', { user: 'root' })).rejects.toMatchObject({ code: 'not_found' });
    // The name is free again for the same owner.
    expect((await tokens.create({ name: 'ci', quotaUsd: '1' })).token.name).toBe('ci');
  });

  test('expiry is computed from the clock, and a new expiry lifts it', async () => {
    const { store, cipher } = context();
    const clock = manualClock(Date.now());
    const tokens = createTokenService({ store, cipher, clock });
    const { key } = await tokens.create({ name: 'short-lived', expires: '1h' });
    clock.advance(2 * 3_600_000);
    expect((await tokens.get('short-lived')).status).toBe('expired');
    expect((await tokens.verify(key))?.token.status).toBe('expired');
    expect((await tokens.update('short-lived', { expires: '2w' })).status).toBe('enabled');
  });

  test('every write bumps the tokens revision', async () => {
    const { tokens, store } = context();
    const read = async () => (await store.db.select().from(store.tables.revisions).where(eq(store.tables.revisions.scope, 'tokens')))[0]?.version ?? 0;
    const before = await read();
    await tokens.update('x', { models: ['gpt-4o'] }, { user: 'frank' });
    expect(await read()).toBe(before + 1);
  });
});
