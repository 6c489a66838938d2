/**
 * The actor rules the admin API relies on, in the services so the CLI's rules and the API's cannot drift:
 * an actor manages only accounts below its role and gives only roles below its own; keys are reachable by
 * their owner and by actors above the owner's role, otherwise "not found"; search input is literal.
 */
import { expect, test } from 'bun:test';
import type { Actor } from '../../src/services/actor.ts';
import { forEachDialect } from '../helpers/stores.ts';

forEachDialect('actor rules in the user and token services', (context) => {
  const actors: Record<string, Actor> = {};

  test('setup', async () => {
    const { users } = context();
    for (const [username, role] of [
      ['u_one', 'user'],
      ['u%two', 'user'],
      ['admin1', 'admin'],
      ['admin2', 'admin'],
    ] as const) {
      const name = username.replace('%', 'x');
      const created = await users.create({ username: name, password: `${name}-password`, role, displayName: username });
      actors[username] = { userId: created.user.id, username: name, role };
    }
    const root = await users.get('root');
    actors.root = { userId: root.id, username: 'root', role: 'root' };
  });

  test('an admin sees and manages only users; root also admins; nobody reaches root or itself', async () => {
    const { users } = context();
    const admin = actors.admin1 as Actor;
    const root = actors.root as Actor;
    const visibleToAdmin = await users.page({}, { limit: 50, offset: 0 }, admin);
    expect(visibleToAdmin.users.map((user) => user.role)).toEqual(['user', 'user']);
    expect(visibleToAdmin.total).toBe(2);
    const visibleToRoot = await users.page({}, { limit: 50, offset: 0 }, root);
    expect(visibleToRoot.users.map((user) => user.username).sort()).toEqual(['admin1', 'admin2', 'u_one', 'uxtwo']);
    await expect(users.get('root', admin)).rejects.toMatchObject({ code: 'forbidden' });
    await expect(users.get('admin2', admin)).rejects.toMatchObject({ code: 'forbidden', message: expect.stringContaining('only root manages admins') });
    await expect(users.setEnabled('admin1', false, admin)).rejects.toMatchObject({ code: 'forbidden' });
    await expect(users.update('u_one', { role: 'admin' }, admin)).rejects.toMatchObject({ code: 'forbidden', field: '--role' });
    await expect(users.create({ username: 'sneaky', role: 'admin' }, admin)).rejects.toMatchObject({ code: 'forbidden' });
    await expect(users.topup('root', '1', { actor: admin })).rejects.toMatchObject({ code: 'forbidden' });
    await expect(users.update('admin2', { role: 'root' }, root)).rejects.toMatchObject({ code: 'forbidden' });
    expect((await users.update('u_one', { displayName: 'One' }, admin)).displayName).toBe('One');
    expect((await users.update('admin2', { role: 'user' }, root)).role).toBe('user');
    await users.update('admin2', { role: 'admin' }, root);
  });

  test('search is literal: % _ and * match only themselves', async () => {
    const { users } = context();
    const root = actors.root as Actor;
    const find = async (search: string) => (await users.page({ search }, { limit: 50, offset: 0 }, root)).users.map((user) => user.username).sort();
    expect(await find('%')).toEqual(['uxtwo']);
    expect(await find('u_')).toEqual(['u_one']);
    expect(await find('_')).toEqual(['u_one']);
    expect(await find('*')).toEqual([]);
    expect(await find('ADMIN')).toEqual(['admin1', 'admin2']);
    expect(await find('\\')).toEqual([]);
    expect(await find('%'.repeat(1000))).toEqual([]);
  });

  test('pages: limit, offset and total', async () => {
    const { users } = context();
    const root = actors.root as Actor;
    const first = await users.page({}, { limit: 3, offset: 0 }, root);
    const second = await users.page({}, { limit: 3, offset: 3 }, root);
    expect(first.users).toHaveLength(3);
    expect(second.users).toHaveLength(1);
    expect(first.total).toBe(4);
    expect(new Set([...first.users, ...second.users].map((user) => user.id)).size).toBe(4);
  });

  test('keys: own and below are reachable; others are not found; a user cannot choose a group', async () => {
    const { tokens } = context();
    const user = actors.u_one as Actor;
    const other = actors['u%two'] as Actor;
    const admin = actors.admin1 as Actor;
    const root = actors.root as Actor;
    const mine = await tokens.create({ name: 'mine_%' }, user);
    expect(mine.token.userId).toBe(user.userId);
    const theirs = await tokens.create({ name: 'theirs' }, other);
    const adminKey = await tokens.create({ name: 'admin-key' }, admin);
    const rootKey = await tokens.create({ name: 'root-key' }, root);
    await expect(tokens.get(String(theirs.token.id), { actor: user })).rejects.toMatchObject({ code: 'not_found' });
    await expect(tokens.update(String(theirs.token.id), { name: 'x' }, { actor: user })).rejects.toMatchObject({ code: 'not_found' });
    await expect(tokens.remove(String(adminKey.token.id), { actor: user })).rejects.toMatchObject({ code: 'not_found' });
    await expect(tokens.get('theirs', { actor: user })).rejects.toMatchObject({ code: 'not_found' });
    await expect(tokens.create({ name: 'for-other', user: String(other.userId) }, user)).rejects.toMatchObject({ code: 'not_found' });
    await expect(tokens.create({ name: 'grouped', group: 'vip' }, user)).rejects.toMatchObject({ code: 'forbidden', field: '--group' });
    await expect(tokens.update(String(mine.token.id), { group: 'vip' }, { actor: user })).rejects.toMatchObject({ code: 'forbidden' });
    expect((await tokens.get(String(theirs.token.id), { actor: admin })).name).toBe('theirs');
    await expect(tokens.get(String(rootKey.token.id), { actor: admin })).rejects.toMatchObject({ code: 'not_found' });
    await expect(tokens.get(String(adminKey.token.id), { actor: actors.admin2 as Actor })).rejects.toMatchObject({ code: 'not_found' });
    expect((await tokens.create({ name: 'for-user', user: String(user.userId), group: 'vip' }, admin)).token.userId).toBe(user.userId);

    const ids = async (actor: Actor, search?: string) => (await tokens.page({ search }, { limit: 50, offset: 0 }, actor)).tokens.map((token) => token.name).sort();
    expect(await ids(user)).toEqual(['for-user', 'mine_%']);
    expect(await ids(admin)).toEqual(['admin-key', 'for-user', 'mine_%', 'theirs']);
    expect(await ids(root)).toEqual(['admin-key', 'for-user', 'mine_%', 'root-key', 'theirs']);
    expect(await ids(root, '_%')).toEqual(['mine_%']);
    expect(await ids(root, '-KEY')).toEqual(['admin-key', 'root-key']);
  });
});
