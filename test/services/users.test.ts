import { describe, expect, test } from 'bun:test';
import { eq } from 'drizzle-orm';
import { verifyPassword } from '../../src/security/password.ts';
import { createUserService } from '../../src/services/users.ts';
import { createTestEnvironment, forEachDialect, openDeps } from '../helpers/stores.ts';

forEachDialect('user service', (context) => {
  test('the first start created root once, with the configured password', async () => {
    const { users, store, rootBootstrap } = context();
    expect(rootBootstrap).toEqual({ created: true, username: 'root', generated: false });
    const again = await users.ensureRoot({ password: 'another-password' });
    expect(again.created).toBe(false);
    const roots = await users.list({ role: 'root' });
    expect(roots.map((user) => user.username)).toEqual(['root']);
    const rows = await store.db.select().from(store.tables.users).where(eq(store.tables.users.username, 'root'));
    expect(await verifyPassword('test-root-password', rows[0]?.passwordHash ?? '')).toBe(true);
  });

  test('create returns a generated password once and never a hash', async () => {
    const { users, store } = context();
    const created = await users.create({ username: 'alice', email: 'alice@example.com' });
    expect(created.password).toMatch(/^[0-9A-Za-z]{20}$/);
    expect(created.user).toMatchObject({ username: 'alice', role: 'user', status: 'enabled', group: 'default', balanceUsd: '0' });
    expect(JSON.stringify(created.user)).not.toContain('argon2');
    const rows = await store.db.select().from(store.tables.users).where(eq(store.tables.users.username, 'alice'));
    expect(await verifyPassword(created.password ?? '', rows[0]?.passwordHash ?? '')).toBe(true);
    const withPassword = await users.create({ username: 'bob', password: 'bob-password', role: 'admin' });
    expect(withPassword.password).toBeUndefined();
    expect(withPassword.user.role).toBe('admin');
  });

  test('usernames are validated and unique, ignoring case', async () => {
    const { users } = context();
    await expect(users.create({ username: 'ALICE' })).rejects.toMatchObject({ code: 'conflict', message: expect.stringContaining('gateway user show alice') });
    await expect(users.create({ username: '12345' })).rejects.toMatchObject({ code: 'invalid_argument' });
    await expect(users.create({ username: 'bad name' })).rejects.toMatchObject({ code: 'invalid_argument' });
    await expect(users.create({ username: 'x'.repeat(33) })).rejects.toMatchObject({ code: 'invalid_argument' });
    await expect(users.create({ username: 'carol', password: 'short' })).rejects.toMatchObject({ field: '--password' });
    await expect(users.create({ username: 'carol', role: 'god' as 'root' })).rejects.toMatchObject({ field: '--role' });
  });

  test('get accepts an id or a username; unknown users name the fix', async () => {
    const { users } = context();
    const alice = await users.get('alice');
    expect((await users.get(String(alice.id))).username).toBe('alice');
    await expect(users.get('nobody')).rejects.toMatchObject({ code: 'not_found', message: expect.stringContaining('gateway user list') });
  });

  test('top-ups are exact and each writes one ledger row and one log line', async () => {
    const { users, store } = context();
    const first = await users.topup('alice', '0.1');
    expect(first.amountUsd).toBe('0.1');
    const second = await users.topup('alice', '$0.2');
    expect(second.user.balanceUsd).toBe('0.3');
    const { ledgerEntries, logs } = store.tables;
    const entries = await store.db.select().from(ledgerEntries).where(eq(ledgerEntries.userId, second.user.id));
    expect(entries.map((entry) => [entry.kind, entry.amount])).toEqual([
      ['credit', 100_000],
      ['credit', 200_000],
    ]);
    expect(entries.every((entry) => /^topup:[0-9a-f-]{36}$/.test(entry.externalId))).toBe(true);
    const lines = await store.db.select().from(logs).where(eq(logs.userId, second.user.id));
    expect(lines.map((line) => [line.type, line.content])).toEqual([
      [1, 'admin top-up $0.1 via CLI'],
      [1, 'admin top-up $0.2 via CLI'],
    ]);
    await expect(users.topup('alice', '0')).rejects.toMatchObject({ code: 'invalid_argument' });
    await expect(users.topup('alice', '-5')).rejects.toMatchObject({ code: 'invalid_argument' });
    await expect(users.topup('alice', '1.0000001')).rejects.toMatchObject({ code: 'invalid_argument' });
    expect((await users.get('alice')).balanceUsd).toBe('0.3');
  });

  test('an opening quota is credited through the ledger', async () => {
    const { users, store } = context();
    const { user } = await users.create({ username: 'dave', password: 'dave-password', quotaUsd: '2.5' });
    expect(user.balanceUsd).toBe('2.5');
    const entries = await store.db.select().from(store.tables.ledgerEntries).where(eq(store.tables.ledgerEntries.userId, user.id));
    expect(entries.map((entry) => entry.amount)).toEqual([2_500_000]);
  });

  test('a password change or demotion revokes sign-ins', async () => {
    const { users, store } = context();
    const read = async () => (await store.db.select().from(store.tables.users).where(eq(store.tables.users.username, 'bob')))[0];
    const before = await read();
    await users.update('bob', { password: 'new-bob-password' });
    await users.update('bob', { role: 'user' });
    const after = await read();
    expect(after?.authVersion).toBe((before?.authVersion ?? 0) + 2);
    expect(await verifyPassword('new-bob-password', after?.passwordHash ?? '')).toBe(true);
    await users.update('bob', { displayName: 'Bob B.' });
    expect((await read())?.authVersion).toBe(after?.authVersion);
    await expect(users.update('bob', {})).rejects.toMatchObject({ code: 'invalid_argument' });
    await expect(users.update('bob', { username: 'Alice' })).rejects.toMatchObject({ code: 'conflict' });
  });

  test('the last enabled root cannot be disabled, demoted or removed', async () => {
    const { users } = context();
    await expect(users.setEnabled('root', false)).rejects.toMatchObject({ code: 'conflict', message: expect.stringContaining('--role root') });
    await expect(users.update('root', { role: 'admin' })).rejects.toMatchObject({ code: 'conflict' });
    await expect(users.remove('root')).rejects.toMatchObject({ code: 'conflict' });
    await users.create({ username: 'root2', password: 'root2-password', role: 'root' });
    expect((await users.setEnabled('root', false)).status).toBe('disabled');
    await expect(users.remove('root2')).rejects.toMatchObject({ code: 'conflict' });
    expect((await users.setEnabled('root', true)).status).toBe('enabled');
  });

  test('disabling two roots at once leaves one enabled', async () => {
    const { users } = context();
    const results = await Promise.allSettled([users.setEnabled('root', false), users.setEnabled('root2', false)]);
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    expect((await users.list({ role: 'root', status: 'enabled' })).length).toBe(1);
    await users.setEnabled('root', true);
    await users.setEnabled('root2', true);
  });

  test('remove is a soft delete that frees the name and disables the keys', async () => {
    const { users, tokens, store } = context();
    const key = await tokens.create({ name: 'erin-key', user: 'dave' });
    const removed = await users.remove('dave');
    expect(removed).toMatchObject({ tokensDisabled: 1, user: { username: 'dave' } });
    await expect(users.get('dave')).rejects.toMatchObject({ code: 'not_found' });
    expect(await tokens.verify(key.key)).toBeUndefined();
    const row = (await store.db.select().from(store.tables.tokens).where(eq(store.tables.tokens.id, key.token.id)))[0];
    expect(row?.status).toBe(2);
    expect((await tokens.list()).map((token) => token.name)).not.toContain('erin-key');
    // The ledger keeps the removed account; a new "dave" is a different account.
    const again = await users.create({ username: 'dave', password: 'dave-password' });
    expect(again.user.id).not.toBe(removed.user.id);
    expect(again.user.balanceUsd).toBe('0');
  });

  test('list filters by role and status', async () => {
    const { users } = context();
    await users.setEnabled('alice', false);
    expect((await users.list({ status: 'disabled' })).map((user) => user.username)).toEqual(['alice']);
    expect((await users.list({ role: 'admin' })).map((user) => user.username)).toEqual([]);
  });
});

describe('root bootstrap', () => {
  test('a random password is generated when none is configured', async () => {
    const environment = await createTestEnvironment('sqlite');
    delete environment.env.GATEWAY_ROOT_PASSWORD;
    const deps = await openDeps(environment);
    try {
      expect(deps.rootBootstrap).toMatchObject({ created: true, username: 'root', generated: true });
      expect(deps.rootBootstrap?.password).toMatch(/^[0-9A-Za-z]{20}$/);
    } finally {
      await deps.close();
      await environment.cleanup();
    }
  });

  test('a too short GATEWAY_ROOT_PASSWORD is refused', async () => {
    const environment = await createTestEnvironment('sqlite');
    environment.env.GATEWAY_ROOT_PASSWORD = 'short';
    try {
      await expect(openDeps(environment)).rejects.toMatchObject({ code: 'invalid_config', message: expect.stringContaining('GATEWAY_ROOT_PASSWORD') });
    } finally {
      await environment.cleanup();
    }
  });

  for (const dialect of ['sqlite', 'postgres'] as const) {
    test(`two processes bootstrapping at once create one root [${dialect}]`, async () => {
      const environment = await createTestEnvironment(dialect);
      const first = await openDeps(environment);
      const second = await openDeps(environment);
      try {
        // Start again from an empty table, then race two stores (two connections, like two processes).
        await first.store.transaction((db) => db.delete(first.store.tables.users).returning());
        const results = await Promise.all([
          createUserService(first).ensureRoot({ password: 'racing-password' }),
          createUserService(second).ensureRoot({ password: 'racing-password' }),
        ]);
        expect(results.filter((result) => result.created)).toHaveLength(1);
        expect(await first.users.list()).toHaveLength(1);
      } finally {
        await first.close();
        await second.close();
        await environment.cleanup();
      }
    });
  }
});
