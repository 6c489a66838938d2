/**
 * Sign-ins and personal access tokens on both dialects: only digests are stored, every request re-checks the
 * user row, and anything that bumps auth_version (password, role, ban) ends both (reliability.md A2, A3).
 */
import { expect, test } from 'bun:test';
import { createHash } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { loadSessionSecret } from '../../src/security/session-secret.ts';
import { createAccessTokenService } from '../../src/services/access-tokens.ts';
import { createSessionService, SESSION_LIFETIME_MS } from '../../src/services/sessions.ts';
import { forEachDialect, manualClock } from '../helpers/stores.ts';

const meta = { ip: '203.0.113.7', userAgent: 'test-agent\u0007' };

forEachDialect('sessions and access tokens', (context, environment) => {
  const clock = manualClock(Date.UTC(2026, 5, 1));
  const services = () => {
    const deps = context();
    const serviceContext = { store: deps.store, cipher: deps.cipher, clock };
    const secret = loadSessionSecret({ secret: undefined, dataDir: environment().dataDir });
    return { deps, sessions: createSessionService(serviceContext, { secret }), accessTokens: createAccessTokenService(serviceContext) };
  };

  test('a sign-in stores only the digest of its id; the token verifies and a tampered one does not', async () => {
    const { deps, sessions } = services();
    await deps.users.create({ username: 'sam', password: 'sam-password' });
    const signedIn = await sessions.signIn({ username: 'SAM', password: 'sam-password', ...meta });
    const [id, signature] = signedIn.token.split('.') as [string, string];
    expect(id).toHaveLength(43);
    const rows = await deps.store.db.select().from(deps.store.tables.sessions);
    expect(rows.map((row) => row.id)).toEqual([createHash('sha256').update(id).digest('hex')]);
    expect(JSON.stringify(rows)).not.toContain(id);
    expect(rows[0]?.userAgent).toBe('test-agent');
    expect((await sessions.authenticate(signedIn.token))?.user.username).toBe('sam');
    const flipped = `${id.slice(0, -1)}${id.endsWith('A') ? 'B' : 'A'}.${signature}`;
    expect(await sessions.authenticate(flipped)).toBeUndefined();
    expect(await sessions.authenticate(`${id}.${signature.slice(0, -1)}x`)).toBeUndefined();
    expect(await sessions.authenticate(id)).toBeUndefined();
    expect((await deps.users.get('sam')).lastLoginAt).not.toBeNull();
  });

  test('another secret does not verify the same token (a rotated SESSION_SECRET signs everyone out)', async () => {
    const { deps } = services();
    const serviceContext = { store: deps.store, cipher: deps.cipher, clock };
    const first = createSessionService(serviceContext, { secret: loadSessionSecret({ secret: 'a'.repeat(40), dataDir: environment().dataDir }) });
    const second = createSessionService(serviceContext, { secret: loadSessionSecret({ secret: 'b'.repeat(40), dataDir: environment().dataDir }) });
    const signedIn = await first.signIn({ username: 'sam', password: 'sam-password', ...meta });
    expect(await first.authenticate(signedIn.token)).toBeDefined();
    expect(await second.authenticate(signedIn.token)).toBeUndefined();
  });

  test('wrong and unknown credentials get the same answer; a disabled account cannot sign in', async () => {
    const { deps, sessions } = services();
    await expect(sessions.signIn({ username: 'sam', password: 'wrong-password', ...meta })).rejects.toMatchObject({ code: 'unauthorized', message: 'wrong username or password' });
    await expect(sessions.signIn({ username: 'nobody', password: 'whatever', ...meta })).rejects.toMatchObject({ code: 'unauthorized', message: 'wrong username or password' });
    await deps.users.create({ username: 'off', password: 'off-password' });
    await deps.users.setEnabled('off', false);
    await expect(sessions.signIn({ username: 'off', password: 'off-password', ...meta })).rejects.toMatchObject({ code: 'forbidden' });
  });

  test('expiry, sign-out, revocation by public id, and auth_version bumps end a sign-in', async () => {
    const { deps, sessions } = services();
    const expiring = await sessions.signIn({ username: 'sam', password: 'sam-password', ...meta });
    clock.advance(SESSION_LIFETIME_MS);
    expect(await sessions.authenticate(expiring.token)).toBeUndefined();

    const ended = await sessions.signIn({ username: 'sam', password: 'sam-password', ...meta });
    await sessions.end(ended.session.id);
    expect(await sessions.authenticate(ended.token)).toBeUndefined();

    const listed = await sessions.signIn({ username: 'sam', password: 'sam-password', ...meta });
    const views = await sessions.list(listed.user.id, listed.session.id);
    expect(views.filter((view) => view.current)).toHaveLength(1);
    const publicId = views.find((view) => view.current)?.id as string;
    expect(publicId).not.toBe(listed.session.id);
    const other = await deps.users.create({ username: 'other', password: 'other-password' });
    await expect(sessions.revoke(other.user.id, publicId)).rejects.toMatchObject({ code: 'not_found' });
    await sessions.revoke(listed.user.id, publicId);
    expect(await sessions.authenticate(listed.token)).toBeUndefined();

    for (const bump of [
      () => deps.users.update('sam', { password: 'sam-password-2' }),
      () => deps.users.update('sam', { role: 'admin' }),
      () => deps.users.setEnabled('sam', false),
    ]) {
      await deps.users.setEnabled('sam', true);
      const row = (await deps.store.db.select().from(deps.store.tables.users).where(eq(deps.store.tables.users.username, 'sam')))[0];
      expect(row).toBeDefined();
      const started = await sessions.start(row?.id as number, meta);
      expect(await sessions.authenticate(started.token)).toBeDefined();
      await bump();
      expect(await sessions.authenticate(started.token)).toBeUndefined();
    }
  });

  test('access tokens: gpat_ shape, digest only, expiry, revocation, another user\'s id, and auth_version', async () => {
    const { deps, accessTokens } = services();
    await deps.users.setEnabled('sam', true);
    const sam = await deps.users.get('sam');
    const created = await accessTokens.create(sam.id, { name: 'ci', expires: '1d' });
    expect(created.token).toMatch(/^gpat_[0-9A-Za-z]{32}$/);
    expect(created.accessToken.prefix).toBe(`${created.token.slice(0, 11)}…`);
    const rows = await deps.store.db.select().from(deps.store.tables.accessTokens);
    expect(JSON.stringify(rows)).not.toContain(created.token.slice(5));
    expect((await accessTokens.authenticate(created.token))?.user.id).toBe(sam.id);
    expect(await accessTokens.authenticate(`sk-${created.token.slice(5)}`)).toBeUndefined();
    expect(await accessTokens.authenticate(created.token.replace(/.$/, (c) => (c === 'a' ? 'b' : 'a')))).toBeUndefined();
    clock.advance(24 * 3_600_000);
    expect(await accessTokens.authenticate(created.token)).toBeUndefined();
    expect((await accessTokens.list(sam.id))[0]?.status).toBe('expired');

    const lasting = await accessTokens.create(sam.id, { name: 'lasting' });
    const other = await deps.users.get('other');
    await expect(accessTokens.revoke(other.id, lasting.accessToken.id)).rejects.toMatchObject({ code: 'not_found' });
    expect(await accessTokens.authenticate(lasting.token)).toBeDefined();
    await accessTokens.revoke(sam.id, lasting.accessToken.id);
    expect(await accessTokens.authenticate(lasting.token)).toBeUndefined();

    const bound = await accessTokens.create(sam.id, { name: 'bound' });
    await deps.users.update('sam', { password: 'sam-password-3' });
    expect(await accessTokens.authenticate(bound.token)).toBeUndefined();
    await expect(accessTokens.create(sam.id, { name: '' })).rejects.toMatchObject({ field: 'name' });
    await expect(accessTokens.create(sam.id, { name: 'x', expires: 'soon' })).rejects.toMatchObject({ field: 'expires' });
  });

  test('changing one\'s own password needs the current one and revokes every sign-in', async () => {
    const { deps, sessions } = services();
    const sam = await deps.users.get('sam');
    const signedIn = await sessions.signIn({ username: 'sam', password: 'sam-password-3', ...meta });
    await expect(deps.users.changeOwnPassword(sam.id, 'not-it', 'sam-password-4')).rejects.toMatchObject({ code: 'forbidden', field: 'current_password' });
    await expect(deps.users.changeOwnPassword(sam.id, 'sam-password-3', 'short')).rejects.toMatchObject({ field: 'new_password' });
    expect(await sessions.authenticate(signedIn.token)).toBeDefined();
    await deps.users.changeOwnPassword(sam.id, 'sam-password-3', 'sam-password-4');
    expect(await sessions.authenticate(signedIn.token)).toBeUndefined();
    await sessions.signIn({ username: 'sam', password: 'sam-password-4', ...meta });
  });
});
