/**
 * The audit log through /api on both dialects: the routes that existed before it write their rows (sign-in
 * success and failure, sign-out, a revoked sign-in, password changes right and wrong, access tokens, API keys,
 * users), each with the caller, the target, the request id and field names — never a password or key; and
 * GET /api/audit filters, pages, and shows an admin only the rows of accounts below root.
 */
import { beforeAll, expect, test } from 'bun:test';
import { adminRoutes } from '../../src/http/admin/registry.ts';
import { type Caller, forEachAdminDialect } from '../helpers/admin-api.ts';

interface Row {
  actor: string;
  actor_user_id: number | null;
  action: string;
  target_type: string;
  target_id: string | null;
  request_id: string | null;
  fields: string[];
  facts: Record<string, unknown>;
}

test('every route that changes something declares its audit action; reading routes declare none', () => {
  // The resources this log was built with; routes other resources add are expected to declare theirs as well.
  const covered = ['/api/auth/login', '/api/auth/logout', '/api/auth/sessions/', '/api/user/self/password', '/api/user/access-tokens', '/api/tokens', '/api/users', '/api/channels'];
  const missing = adminRoutes
    .filter((route) => route.kind === 'json' && route.method !== 'GET' && route.audit === undefined)
    .filter((route) => covered.some((prefix) => route.path.startsWith(prefix)) && !route.path.includes('/2fa'))
    .map((route) => `${route.method} ${route.path}`);
  expect(missing).toEqual([]);
  expect(adminRoutes.filter((route) => route.kind === 'json' && route.method === 'GET' && route.audit !== undefined)).toEqual([]);
});

forEachAdminDialect('admin API audit log', (harness) => {
  const callers = {} as Record<'root' | 'adam' | 'ada' | 'alice', Caller>;
  beforeAll(async () => {
    for (const name of ['root', 'adam', 'ada', 'alice'] as const) callers[name] = await harness().signIn(name);
  });

  const rows = async (query: string, caller: Caller = callers.root): Promise<Row[]> => {
    const answer = await harness().call('GET', `/api/audit?per_page=100&${query}`, { caller });
    expect(answer.status).toBe(200);
    return answer.body.data;
  };

  test('sign-in, a failed sign-in, sign-out and a revoked sign-in are recorded; the failure keeps the name tried, not the password', async () => {
    const h = harness();
    const aliceId = await h.userId('alice');
    const [login] = await rows(`action=auth.login&actor=alice`);
    expect(login).toMatchObject({ actor: 'alice', actor_user_id: aliceId, target_type: 'user', target_id: String(aliceId), fields: [], facts: {} });
    expect(login?.request_id).toEqual(expect.any(String));

    const wrong = await h.call('POST', '/api/auth/login', { body: { username: 'alice', password: 'wrong-password-typed' }, caller: { headers: { 'x-request-id': 'failed-login-1' } } });
    expect(wrong.status).toBe(401);
    const [failed] = await rows('action=auth.login.failed');
    expect(failed).toMatchObject({ actor: 'anonymous', actor_user_id: null, target_type: 'user', target_id: null, request_id: 'failed-login-1', facts: { username: 'alice', error: 'unauthorized' } });
    await h.call('POST', '/api/auth/login', { body: { username: 'nobody-here', password: 'x' } });
    expect((await rows('action=auth.login.failed'))[0]?.facts.username).toBe('nobody-here');
    // A request refused by its schema is no security event.
    await h.call('POST', '/api/auth/login', { body: { username: 'alice' } });
    expect((await rows('action=auth.login.failed')).length).toBe(2);

    const extra = await h.signIn('alice');
    const sessions = (await h.call('GET', '/api/auth/sessions', { caller: callers.alice })).body.data as { id: string; current: boolean }[];
    const other = sessions.find((session) => !session.current && session.id !== undefined);
    await h.call('DELETE', `/api/auth/sessions/${other?.id}`, { caller: callers.alice });
    expect((await rows('action=auth.session.revoke'))[0]).toMatchObject({ actor: 'alice', target_type: 'session', target_id: other?.id });
    await h.call('POST', '/api/auth/logout', { caller: extra });
    const text = JSON.stringify(await rows('action=auth.*'));
    for (const secret of ['wrong-password-typed', 'alice-password']) expect(text).not.toContain(secret);
  });

  test('password changes: the right one and a wrong current password are recorded, without either password', async () => {
    const h = harness();
    const bob = await h.signIn('bob');
    const wrong = await h.call('POST', '/api/user/self/password', { caller: bob, body: { current_password: 'not-bobs-password', new_password: 'bob-new-password' } });
    expect(wrong.status).toBe(403);
    const changed = await h.call('POST', '/api/user/self/password', { caller: bob, body: { current_password: 'bob-password', new_password: 'bob-password' } });
    expect(changed.status).toBe(200);
    const [ok, failed] = await rows('action=auth.password.*');
    expect(ok).toMatchObject({ action: 'auth.password.change', actor: 'bob', target_type: 'user', fields: ['password'] });
    expect(failed).toMatchObject({ action: 'auth.password.change.failed', actor: 'bob', facts: { error: 'forbidden' } });
    const text = JSON.stringify([ok, failed]);
    for (const secret of ['not-bobs-password', 'bob-password', 'bob-new-password']) expect(text).not.toContain(secret);
  });

  test('access tokens, API keys and users: every change is one row with field names, never the key or password', async () => {
    const h = harness();
    const pat = await h.call('POST', '/api/user/access-tokens', { caller: callers.alice, body: { name: 'audited-pat' } });
    await h.call('DELETE', `/api/user/access-tokens/${pat.body.data.access_token.id}`, { caller: callers.alice });
    const key = await h.call('POST', '/api/tokens', { caller: callers.alice, body: { name: 'audited-key', quota_usd: '2' } });
    const keyId = key.body.data.token.id;
    await h.call('PATCH', `/api/tokens/${keyId}`, { caller: callers.alice, body: { quota_usd: '3', status: 'disabled' } });
    await h.call('DELETE', `/api/tokens/${keyId}`, { caller: callers.alice });
    const user = await h.call('POST', '/api/users', { caller: callers.adam, body: { username: 'audited-user' } });
    const userId = user.body.data.user.id;
    await h.call('PATCH', `/api/users/${userId}`, { caller: callers.adam, body: { password: 'a-new-password-1', display_name: 'A' } });
    await h.call('POST', `/api/users/${userId}/topup`, { caller: callers.adam, body: { amount_usd: '2.5' } });
    await h.call('POST', `/api/users/${userId}/disable`, { caller: callers.adam });
    await h.call('POST', `/api/users/${userId}/enable`, { caller: callers.adam });
    await h.call('DELETE', `/api/users/${userId}`, { caller: callers.adam });
    // A refused change (an admin acting on root) writes nothing.
    await h.call('PATCH', `/api/users/${await h.userId('root')}`, { caller: callers.adam, body: { display_name: 'x' } });

    const summary = (list: Row[]) => list.map((row) => [row.action, row.actor, row.target_id, row.fields.join(','), JSON.stringify(row.facts)]);
    expect(summary(await rows('action=access_token.*'))).toEqual([
      ['access_token.revoke', 'alice', String(pat.body.data.access_token.id), '', '{}'],
      ['access_token.create', 'alice', String(pat.body.data.access_token.id), 'name', '{}'],
    ]);
    const aliceId = await h.userId('alice');
    expect(summary((await rows('action=token.*')).filter((row) => row.target_id === String(keyId)))).toEqual([
      ['token.delete', 'alice', String(keyId), '', JSON.stringify({ owner_id: aliceId, name: 'audited-key' })],
      ['token.update', 'alice', String(keyId), 'quota_usd,status', JSON.stringify({ owner_id: aliceId })],
      ['token.create', 'alice', String(keyId), 'name,quota_usd', JSON.stringify({ owner_id: aliceId })],
    ]);
    expect(summary((await rows('action=user.*')).filter((row) => row.target_id === String(userId)))).toEqual([
      ['user.delete', 'adam', String(userId), '', JSON.stringify({ username: 'audited-user', tokens_disabled: 0 })],
      ['user.enable', 'adam', String(userId), '', '{}'],
      ['user.disable', 'adam', String(userId), '', '{}'],
      ['user.topup', 'adam', String(userId), 'amount_usd', JSON.stringify({ amount_usd: '2.5' })],
      ['user.update', 'adam', String(userId), 'password,display_name', '{}'],
      ['user.create', 'adam', String(userId), 'username', JSON.stringify({ role: 'user' })],
    ]);
    expect((await rows(`target_type=user&target_id=${await h.userId('root')}&action=user.*`)).length).toBe(0);
    const text = JSON.stringify(await rows(''));
    expect(text).not.toContain(key.body.data.key);
    expect(text).not.toContain(pat.body.data.token);
    expect(text).not.toContain(user.body.data.password);
    expect(text).not.toContain('a-new-password-1');
  });

  test('GET /api/audit: filters, pages, and an admin sees only the rows of accounts below root', async () => {
    const h = harness();
    await h.call('POST', '/api/tokens', { caller: callers.root, body: { name: 'roots-own-key' } });
    await h.call('POST', '/api/tokens', { caller: callers.ada, body: { name: 'adas-key' } });
    const asRoot = await rows('action=token.create');
    expect(asRoot.map((row) => row.actor)).toContain('root');
    const asAdmin = await rows('action=token.create', callers.adam);
    expect(asAdmin.map((row) => row.actor)).toContain('ada');
    expect(asAdmin.map((row) => row.actor)).not.toContain('root');
    expect(await rows('actor=root', callers.adam)).toEqual([]);
    expect(await rows('actor=anonymous', callers.adam)).toEqual([]);
    expect((await rows('actor=anonymous')).length).toBeGreaterThan(0);

    const first = await h.call('GET', '/api/audit?per_page=2', { caller: callers.root });
    const second = await h.call('GET', '/api/audit?per_page=2&page=2', { caller: callers.root });
    expect(first.body.page.total).toBeGreaterThan(4);
    expect(first.body.data.map((row: { id: number }) => row.id)).not.toContain(second.body.data[0].id);
    expect(first.body.data[0].id).toBeGreaterThan(second.body.data[0].id);
    expect((await rows(`actor=${await h.userId('ada')}`)).every((row) => row.actor === 'ada')).toBe(true);
    expect((await rows('since=1h')).length).toBeGreaterThan(0);
    expect(await rows('until=2000-01-01')).toEqual([]);

    for (const [query, field] of [
      ['action=not%20an%20action', 'action'],
      ['since=yesterday', 'since'],
      ['until=2026-02-30', 'until'],
      ['target_type=Bad!', 'target_type'],
      ['per_page=101', 'per_page'],
      ['colour=red', 'colour'],
    ]) {
      const answer = await h.call('GET', `/api/audit?${query}`, { caller: callers.root });
      expect({ query, status: answer.status, field: answer.body.error?.field }).toEqual({ query, status: 400, field });
    }
    expect((await h.call('GET', '/api/audit', { caller: callers.alice })).status).toBe(403);
  });

  test('the OpenAPI document names each route\'s audit action', async () => {
    const document = (await harness().call('GET', '/api/openapi.json')).body;
    expect(document.paths['/api/channels/{id}/keys/reveal'].post['x-audit-action']).toBe('channel.key.reveal');
    expect(document.paths['/api/users/{id}/topup'].post['x-audit-action']).toBe('user.topup');
    expect(document.paths['/api/channels'].get['x-audit-action']).toBeUndefined();
  });
});
