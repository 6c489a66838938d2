/**
 * Identity on the admin API (reliability.md A2–A4, G10): cookie attributes, tampered and ended sign-ins,
 * server-side revocation (disable, password change, demotion apply to the next request), personal access
 * tokens, the relay key refused on /api and the access token refused on the relay, CSRF, brute force.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { SESSION_COOKIE } from '../../src/http/admin/session-cookie.ts';
import { type AdminApiHarness, type Caller, cookieOf, forEachAdminDialect } from '../helpers/admin-api.ts';
import { type RelayHarness, startRelayHarness } from '../helpers/relay-harness.ts';

const withoutRequestId = (body: { error?: { request_id?: string } }) => ({ ...body, error: { ...body.error, request_id: undefined } });

forEachAdminDialect('admin API identity', (harness) => {
  let root: Caller;
  beforeAll(async () => {
    root = await harness().signIn('root');
  });

  const self = (h: AdminApiHarness, caller: Caller) => h.call('GET', '/api/user/self', { caller });

  test('sign-in sets an HttpOnly, SameSite=Lax cookie on /api; Secure only over https', async () => {
    const h = harness();
    const answer = await h.call('POST', '/api/auth/login', { body: { username: 'alice', password: 'alice-password' } });
    expect(answer.status).toBe(200);
    const cookie = answer.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(new RegExp(`^${SESSION_COOKIE}=[A-Za-z0-9_-]{43}\\.[A-Za-z0-9_-]{43}; Path=/api; Max-Age=2592000; HttpOnly; SameSite=Lax$`));
    expect(answer.body.data.user).toMatchObject({ username: 'alice', role: 'user' });
    expect(answer.body.data.session.id).toMatch(/^[0-9a-f]{16}$/);
    expect(answer.headers.get('cache-control')).toBe('no-store');
    const secure = await h.app.handle(
      new Request('https://gateway.example/api/auth/login', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'alice', password: 'alice-password' }),
      }),
    );
    expect(secure.headers.get('set-cookie')).toEndWith('; Secure');
    expect((await self(h, { cookie: cookieOf(answer.headers) })).body.data.username).toBe('alice');
  });

  test('wrong password and unknown user get the same answer', async () => {
    const h = harness();
    const wrong = await h.call('POST', '/api/auth/login', { body: { username: 'alice', password: 'nope-nope' } });
    const unknown = await h.call('POST', '/api/auth/login', { body: { username: 'nobody', password: 'nope-nope' } });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(withoutRequestId(wrong.body)).toEqual(withoutRequestId(unknown.body));
    expect(wrong.body).toMatchObject({ success: false, error: { code: 'unauthorized', message: 'wrong username or password' } });
    expect(wrong.headers.get('set-cookie')).toBeNull();
  });

  test('a tampered, forged or unknown cookie gets 401 and the cookie is cleared', async () => {
    const h = harness();
    const { cookie } = await h.signIn('alice');
    const value = (cookie as string).slice(SESSION_COOKIE.length + 1);
    const [id, signature] = value.split('.') as [string, string];
    for (const forged of [
      `${id.slice(0, -2)}AA.${signature}`,
      `${id}.${signature.slice(0, -2)}AA`,
      `${id}.`,
      id,
      'x'.repeat(43) + '.' + 'y'.repeat(43),
      `${value}x`,
    ]) {
      const answer = await self(h, { cookie: `${SESSION_COOKIE}=${forged}` });
      expect({ forged, status: answer.status }).toEqual({ forged, status: 401 });
    }
    const unknown = await self(h, { cookie: `${SESSION_COOKIE}=${'x'.repeat(43)}.${'y'.repeat(43)}` });
    expect(unknown.headers.get('set-cookie')).toStartWith(`${SESSION_COOKIE}=; Path=/api; Max-Age=0`);
    expect((await self(h, { cookie })).status).toBe(200);
  });

  test('sign-out and revoking a sign-in end it on the server', async () => {
    const h = harness();
    const first = await h.signIn('alice');
    const second = await h.signIn('alice');
    const out = await h.call('POST', '/api/auth/logout', { caller: first });
    expect(out.status).toBe(200);
    expect(out.headers.get('set-cookie')).toContain('Max-Age=0');
    expect((await self(h, first)).status).toBe(401);
    const third = await h.signIn('alice');
    const listed = await h.call('GET', '/api/auth/sessions', { caller: third });
    const secondId = listed.body.data.find((session: { current: boolean }) => !session.current)?.id;
    expect(listed.body.data.every((session: Record<string, unknown>) => Object.keys(session).sort().join() === 'created_at,current,expires_at,id,ip,last_seen_at,user_agent')).toBe(true);
    for (const session of listed.body.data) expect(await h.call('DELETE', `/api/auth/sessions/${session.id}`, { caller: third }));
    expect(secondId).toBeDefined();
    expect((await self(h, second)).status).toBe(401);
    expect((await self(h, third)).status).toBe(401);
  });

  test('disabling a user, an admin setting a new password, and a demotion apply to the next request', async () => {
    const h = harness();
    await h.deps.users.create({ username: 'dora', password: 'dora-password', role: 'admin' });
    const dora = await h.signIn('dora');
    const doraToken = await h.withToken('dora');
    expect((await h.call('GET', '/api/users', { caller: dora })).status).toBe(200);
    const doraId = await h.userId('dora');
    expect((await h.call('PATCH', `/api/users/${doraId}`, { caller: root, body: { role: 'user' } })).body.data.role).toBe('user');
    expect((await h.call('GET', '/api/users', { caller: dora })).status).toBe(401);
    expect((await h.call('GET', '/api/users', { caller: doraToken })).status).toBe(401);
    const demoted = await h.signIn('dora');
    expect((await h.call('GET', '/api/users', { caller: demoted })).status).toBe(403);

    const newPassword = await h.call('PATCH', `/api/users/${doraId}`, { caller: root, body: { password: 'dora-password-2' } });
    expect(newPassword.status).toBe(200);
    expect((await self(h, demoted)).status).toBe(401);
    const again = await h.signIn('dora', 'dora-password-2');
    expect((await h.call('POST', `/api/users/${doraId}/disable`, { caller: root })).body.data.status).toBe('disabled');
    expect((await self(h, again)).status).toBe(401);
    const refused = await h.call('POST', '/api/auth/login', { body: { username: 'dora', password: 'dora-password-2' } });
    expect(refused.status).toBe(403);
  });

  test('changing one\'s own password keeps this browser signed in and signs out the others', async () => {
    const h = harness();
    await h.deps.users.create({ username: 'pia', password: 'pia-password' });
    const here = await h.signIn('pia');
    const elsewhere = await h.signIn('pia');
    const token = await h.withToken('pia');
    const wrong = await h.call('POST', '/api/user/self/password', { caller: here, body: { current_password: 'not-it!!', new_password: 'pia-password-2' } });
    expect(wrong).toMatchObject({ status: 403, body: { error: { field: 'current_password' } } });
    const changed = await h.call('POST', '/api/user/self/password', { caller: here, body: { current_password: 'pia-password', new_password: 'pia-password-2' } });
    expect(changed.status).toBe(200);
    const fresh = { cookie: cookieOf(changed.headers) };
    expect((await self(h, fresh)).status).toBe(200);
    expect((await self(h, here)).status).toBe(401);
    expect((await self(h, elsewhere)).status).toBe(401);
    expect((await self(h, token)).status).toBe(401);
  });

  test('personal access tokens work as Bearer; revoked ones and relay keys do not', async () => {
    const h = harness();
    const alice = await h.signIn('alice');
    const created = await h.call('POST', '/api/user/access-tokens', { caller: alice, body: { name: 'script', expires: '30d' } });
    expect(created.status).toBe(201);
    const token = created.body.data.token as string;
    expect(token).toMatch(/^gpat_[0-9A-Za-z]{32}$/);
    const listed = await h.call('GET', '/api/user/access-tokens', { caller: alice });
    expect(JSON.stringify(listed.body)).not.toContain(token.slice(11));
    expect((await self(h, { bearer: token })).body.data.username).toBe('alice');
    expect((await h.call('GET', '/api/user/self', { caller: { bearer: token, headers: { cookie: 'gateway_session=garbage' } } })).status).toBe(200);
    // No CSRF header is needed with a bearer token.
    expect((await h.call('POST', '/api/tokens', { caller: { bearer: token }, body: { name: 'from-script' } })).status).toBe(201);

    const key = (await h.call('POST', '/api/tokens', { caller: alice, body: { name: 'relay-key' } })).body.data.key as string;
    const withKey = await self(h, { bearer: key });
    expect(withKey.status).toBe(401);
    expect(withKey.body.error.message).toContain('personal access token');
    for (const header of ['Basic abc', `Bearer ${token}x`, 'Bearer', `Bearer ' OR '1'='1`]) {
      const answer = await h.call('GET', '/api/user/self', { caller: { headers: { authorization: header } } });
      expect({ header, status: answer.status }).toEqual({ header, status: 401 });
    }
    const revoked = await h.call('DELETE', `/api/user/access-tokens/${created.body.data.access_token.id}`, { caller: alice });
    expect(revoked.status).toBe(200);
    expect((await self(h, { bearer: token })).status).toBe(401);
  });

  test('cookie-authenticated changes need X-Requested-With; bodies must be JSON', async () => {
    const h = harness();
    const alice = await h.signIn('alice');
    const forged = await h.call('POST', '/api/tokens', { caller: { ...alice, csrf: false }, body: { name: 'csrf' } });
    expect(forged).toMatchObject({ status: 403, body: { error: { code: 'forbidden', message: expect.stringContaining('x-requested-with') } } });
    expect((await h.call('GET', '/api/tokens', { caller: { ...alice, csrf: false } })).status).toBe(200);
    const form = await h.call('POST', '/api/tokens', { caller: alice, rawBody: 'name=csrf', contentType: 'application/x-www-form-urlencoded' });
    expect(form.status).toBe(400);
    const textPlain = await h.call('POST', '/api/auth/login', { rawBody: JSON.stringify({ username: 'alice', password: 'alice-password' }), contentType: 'text/plain' });
    expect(textPlain.status).toBe(400);
    expect(textPlain.headers.get('set-cookie')).toBeNull();
  });

  test('brute force: the 11th try within 15 minutes gets 429, even with the right password; others still sign in', async () => {
    const h = harness();
    await h.deps.users.create({ username: 'vic', password: 'vic-password' });
    for (let attempt = 0; attempt < 10; attempt++) {
      expect((await h.call('POST', '/api/auth/login', { body: { username: 'vic', password: `wrong-${attempt}` } })).status).toBe(401);
    }
    const locked = await h.call('POST', '/api/auth/login', { body: { username: 'VIC', password: 'vic-password' } });
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(800);
    expect(locked.body.error.code).toBe('rate_limited');
    await h.signIn('bob');
  });
});

describe('admin API beside the relay on a real server', () => {
  let relay: RelayHarness;
  beforeAll(async () => {
    relay = await startRelayHarness();
  });
  afterAll(() => relay.stop());

  test('gateway serve mounts /api; an access token is refused by the relay and a relay key by /api', async () => {
    const login = await fetch(`${relay.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'root', password: 'test-root-password' }),
    });
    expect(login.status).toBe(200);
    const cookie = cookieOf(login.headers);
    const created = await fetch(`${relay.url}/api/user/access-tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie, 'x-requested-with': 'test' },
      body: JSON.stringify({ name: 'cli' }),
    });
    const token = ((await created.json()) as { data: { token: string } }).data.token;
    const onRelay = await fetch(`${relay.url}/v1/models`, { headers: { authorization: `Bearer ${token}` } });
    expect(onRelay.status).toBe(401);
    const onApi = await fetch(`${relay.url}/api/user/self`, { headers: { authorization: `Bearer ${relay.key}` } });
    expect(onApi.status).toBe(401);
    const withToken = await fetch(`${relay.url}/api/user/self`, { headers: { authorization: `Bearer ${token}` } });
    expect(((await withToken.json()) as { data: { role: string } }).data.role).toBe('root');
    expect((await fetch(`${relay.url}/v1/models`, { headers: { authorization: `Bearer ${relay.key}` } })).status).toBe(200);
    // The relay key's own self-service route under /api keeps its relay shape.
    const usage = await fetch(`${relay.url}/api/usage/token`, { headers: { authorization: `Bearer ${relay.key}` } });
    expect(((await usage.json()) as { code: boolean }).code).toBe(true);
  });
});
