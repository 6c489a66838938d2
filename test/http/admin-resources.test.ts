/**
 * API keys and users through /api: happy paths, input errors, pagination, literal search, ownership (another
 * user's key answers 404) and the role ladder (an admin cannot reach root or another admin; only root makes
 * admins), on both dialects.
 */
import { beforeAll, expect, test } from 'bun:test';
import { type Caller, forEachAdminDialect } from '../helpers/admin-api.ts';

forEachAdminDialect('admin API resources', (harness) => {
  const callers = {} as Record<'root' | 'adam' | 'alice' | 'bob', Caller>;
  beforeAll(async () => {
    for (const name of ['root', 'adam', 'alice', 'bob'] as const) callers[name] = await harness().signIn(name);
  });

  test('API keys: create shows the key once; list pages and searches literally; update, disable, delete', async () => {
    const h = harness();
    const created = await h.call('POST', '/api/tokens', {
      caller: callers.alice,
      body: { name: '100%_off', quota_usd: '2.5', models: ['gpt-4o'], allow_ips: ['10.0.0.0/8'], expires: '30d' },
    });
    expect(created.status).toBe(201);
    expect(created.body.data.key).toMatch(/^sk-[0-9A-Za-z]{48}$/);
    expect(created.body.data.token).toMatchObject({ name: '100%_off', quota_usd: '2.5', unlimited: false, models: ['gpt-4o'], allow_ips: ['10.0.0.0/8'], username: 'alice' });
    for (let index = 0; index < 4; index++) await h.call('POST', '/api/tokens', { caller: callers.alice, body: { name: `plain-${index}` } });

    const firstPage = await h.call('GET', '/api/tokens?per_page=2', { caller: callers.alice });
    expect(firstPage.body.data).toHaveLength(2);
    expect(firstPage.body.page).toEqual({ page: 1, per_page: 2, total: 5 });
    const lastPage = await h.call('GET', '/api/tokens?per_page=2&page=3', { caller: callers.alice });
    expect(lastPage.body.data.map((token: { name: string }) => token.name)).toEqual(['plain-3']);
    expect(JSON.stringify(firstPage.body)).not.toContain(created.body.data.key.slice(3));
    for (const search of ['%', '_', '%_']) {
      const found = await h.call('GET', `/api/tokens?search=${encodeURIComponent(search)}`, { caller: callers.alice });
      expect({ search, names: found.body.data.map((token: { name: string }) => token.name) }).toEqual({ search, names: ['100%_off'] });
    }
    expect((await h.call('GET', '/api/tokens?search=*', { caller: callers.alice })).body.data).toEqual([]);

    const id = created.body.data.token.id as number;
    const patched = await h.call('PATCH', `/api/tokens/${id}`, { caller: callers.alice, body: { quota_usd: '1', status: 'disabled', models: [] } });
    expect(patched.body.data).toMatchObject({ quota_usd: '1', status: 'disabled', models: [] });
    expect((await h.call('PATCH', `/api/tokens/${id}`, { caller: callers.alice, body: { status: 'enabled' } })).body.data.status).toBe('enabled');
    const removed = await h.call('DELETE', `/api/tokens/${id}`, { caller: callers.alice });
    expect(removed.body.data.name).toBe('100%_off');
    expect((await h.call('GET', `/api/tokens/${id}`, { caller: callers.alice })).status).toBe(404);
  });

  test('API keys: input errors name the field', async () => {
    const h = harness();
    const cases: [string, string, unknown, number, string][] = [
      ['POST', '/api/tokens', { name: '' }, 400, 'name'],
      ['POST', '/api/tokens', { name: 'x', quota_usd: 'lots' }, 400, 'quota_usd'],
      ['POST', '/api/tokens', { name: 'x', quota_usd: '1', unlimited: true }, 400, 'quota_usd'],
      ['POST', '/api/tokens', { name: 'x', expires: 'yesterday' }, 400, 'expires'],
      ['POST', '/api/tokens', { name: 'x', group: 'vip' }, 403, 'group'],
      ['POST', '/api/tokens', { name: 'plain-0' }, 409, 'name'],
      ['POST', '/api/tokens', { name: 'x', extra: true }, 400, 'extra'],
    ];
    for (const [method, path, body, status, field] of cases) {
      const answer = await h.call(method, path, { caller: callers.alice, body });
      expect({ body, status: answer.status, field: answer.body.error?.field }).toEqual({ body, status, field });
    }
    const first = (await h.call('GET', '/api/tokens', { caller: callers.alice })).body.data[0].id;
    expect((await h.call('PATCH', `/api/tokens/${first}`, { caller: callers.alice, body: {} })).status).toBe(400);
    expect((await h.call('GET', '/api/tokens/abc', { caller: callers.alice })).body.error.field).toBe('id');
    expect((await h.call('GET', '/api/tokens?per_page=101', { caller: callers.alice })).body.error.field).toBe('per_page');
    expect((await h.call('GET', '/api/tokens?page=0', { caller: callers.alice })).body.error.field).toBe('page');
    expect((await h.call('GET', `/api/tokens?search=${'a'.repeat(257)}`, { caller: callers.alice })).status).toBe(400);
    expect((await h.call('POST', '/api/tokens', { caller: callers.alice, rawBody: '{"name":' })).status).toBe(400);
  });

  test('API keys: another user\'s key is 404 to a user; an admin sees and manages the keys of users below it', async () => {
    const h = harness();
    const bobKey = (await h.call('POST', '/api/tokens', { caller: callers.bob, body: { name: 'bobs' } })).body.data.token.id;
    for (const [method, body] of [['GET'], ['PATCH', { name: 'mine-now' }], ['DELETE']] as const) {
      const answer = await h.call(method, `/api/tokens/${bobKey}`, { caller: callers.alice, body });
      expect({ method, status: answer.status, code: answer.body.error?.code }).toEqual({ method, status: 404, code: 'not_found' });
    }
    expect((await h.call('GET', '/api/tokens', { caller: callers.alice })).body.data.some((token: { id: number }) => token.id === bobKey)).toBe(false);
    const asAdmin = await h.call('GET', `/api/tokens?user_id=${await h.userId('bob')}`, { caller: callers.adam });
    expect(asAdmin.body.data.map((token: { name: string }) => token.name)).toEqual(['bobs']);
    expect((await h.call('PATCH', `/api/tokens/${bobKey}`, { caller: callers.adam, body: { group: 'vip' } })).body.data.group).toBe('vip');
    const forBob = await h.call('POST', '/api/tokens', { caller: callers.adam, body: { name: 'issued', user_id: await h.userId('bob') } });
    expect(forBob.body.data.token.username).toBe('bob');
    const rootKey = (await h.call('POST', '/api/tokens', { caller: callers.root, body: { name: 'roots' } })).body.data.token.id;
    expect((await h.call('GET', `/api/tokens/${rootKey}`, { caller: callers.adam })).status).toBe(404);
    expect((await h.call('POST', '/api/tokens', { caller: callers.adam, body: { name: 'for-root', user_id: await h.userId('root') } })).status).toBe(404);
  });

  test('users: list pages and searches literally; create, update, top up, disable, enable, remove', async () => {
    const h = harness();
    const created = await h.call('POST', '/api/users', { caller: callers.adam, body: { username: 'new_user', email: 'n@example.com', quota_usd: '3' } });
    expect(created.status).toBe(201);
    expect(created.body.data.password).toMatch(/^[0-9A-Za-z]{20}$/);
    expect(created.body.data.user).toMatchObject({ username: 'new_user', role: 'user', balance_usd: '3', email: 'n@example.com' });
    const withPassword = await h.call('POST', '/api/users', { caller: callers.adam, body: { username: 'newuser2', password: 'long-enough' } });
    expect(withPassword.body.data.password).toBeUndefined();

    const listed = await h.call('GET', '/api/users?per_page=2', { caller: callers.adam });
    expect(listed.body.page).toEqual({ page: 1, per_page: 2, total: 4 });
    expect(listed.body.data.every((user: { role: string }) => user.role === 'user')).toBe(true);
    const search = await h.call('GET', '/api/users?search=_', { caller: callers.adam });
    expect(search.body.data.map((user: { username: string }) => user.username)).toEqual(['new_user']);
    const byRoot = await h.call('GET', '/api/users?role=admin', { caller: callers.root });
    expect(byRoot.body.data.map((user: { username: string }) => user.username)).toEqual(['adam', 'ada']);

    const id = created.body.data.user.id;
    expect((await h.call('PATCH', `/api/users/${id}`, { caller: callers.adam, body: { display_name: 'New', group: 'vip' } })).body.data).toMatchObject({ display_name: 'New', group: 'vip' });
    const topped = await h.call('POST', `/api/users/${id}/topup`, { caller: callers.adam, body: { amount_usd: '1.25' } });
    expect(topped.body.data).toMatchObject({ amount_usd: '1.25', user: { balance_usd: '4.25' } });
    expect((await h.call('POST', `/api/users/${id}/topup`, { caller: callers.adam, body: { amount_usd: '-1' } })).body.error.field).toBe('amount_usd');
    expect((await h.call('POST', `/api/users/${id}/disable`, { caller: callers.adam })).body.data.status).toBe('disabled');
    expect((await h.call('POST', `/api/users/${id}/enable`, { caller: callers.adam })).body.data.status).toBe('enabled');
    const removed = await h.call('DELETE', `/api/users/${id}`, { caller: callers.adam });
    expect(removed.body.data).toMatchObject({ user: { username: 'new_user' }, tokens_disabled: 0 });
    expect((await h.call('GET', `/api/users/${id}`, { caller: callers.adam })).status).toBe(404);
    expect((await h.call('POST', '/api/users', { caller: callers.adam, body: { username: 'ALICE' } })).status).toBe(409);
    expect((await h.call('GET', '/api/users/999999', { caller: callers.adam })).status).toBe(404);
  });

  test('users: an admin cannot reach root or another admin, nor make admins; root can', async () => {
    const h = harness();
    const rootId = await h.userId('root');
    const adaId = await h.userId('ada');
    const aliceId = await h.userId('alice');
    for (const [method, path, body] of [
      ['GET', `/api/users/${rootId}`],
      ['PATCH', `/api/users/${rootId}`, { password: 'taken-over' }],
      ['POST', `/api/users/${adaId}/disable`],
      ['PATCH', `/api/users/${adaId}`, { role: 'user' }],
      ['PATCH', `/api/users/${aliceId}`, { role: 'admin' }],
      ['PATCH', `/api/users/${aliceId}`, { role: 'root' }],
      ['POST', '/api/users', { username: 'wannabe', role: 'admin' }],
      ['PATCH', `/api/users/${await h.userId('adam')}`, { role: 'root' }],
    ] as [string, string, unknown?][]) {
      const answer = await h.call(method, path, { caller: callers.adam, body });
      expect({ method, path, body, status: answer.status }).toEqual({ method, path, body, status: 403 });
    }
    expect((await h.call('GET', '/api/users?search=root', { caller: callers.adam })).body.data).toEqual([]);
    const promoted = await h.call('PATCH', `/api/users/${aliceId}`, { caller: callers.root, body: { role: 'admin' } });
    expect(promoted.body.data.role).toBe('admin');
    expect((await h.call('PATCH', `/api/users/${aliceId}`, { caller: callers.root, body: { role: 'user' } })).body.data.role).toBe('user');
    expect((await h.call('PATCH', `/api/users/${aliceId}`, { caller: callers.root, body: { role: 'root' } })).status).toBe(403);
  });

  test('the profile shows balance and role', async () => {
    const h = harness();
    await h.deps.users.topup('bob', '7');
    const bob = await h.call('GET', '/api/user/self', { caller: callers.bob });
    expect(bob.body).toMatchObject({ success: true, data: { username: 'bob', role: 'user', balance_usd: '7', status: 'enabled' } });
  });
});
