/**
 * Two-factor sign-in through /api on both dialects: setup → enable → sign-in with a code or a recovery code,
 * the 401 codes of the login route, replay, session renewal on enable and disable, recovery code rotation, the
 * administrator's reset (below its role only), and the security cases: the secret appears in no answer after
 * setup, and no code or secret reaches the log.
 */
import { beforeAll, expect, test } from 'bun:test';
import { eq } from 'drizzle-orm';
import { createLogger, memorySink } from '../../src/log/logger.ts';
import { base32Decode, hotp, totpStep } from '../../src/security/totp.ts';
import { type AdminApiHarness, type Caller, cookieOf, forEachAdminDialect } from '../helpers/admin-api.ts';

const sink = memorySink();
const logger = createLogger({ level: 'debug', format: 'json', sink });
const SLOW = 60_000;

/**
 * A code the server accepts now: the step after the last one it accepted (a code works once), but not before
 * the window's start; waits for the clock when the next unused step is still in the future.
 */
async function freshCode(harness: AdminApiHarness, userId: number, secret: string): Promise<string> {
  const { users } = harness.deps.store.tables;
  const [row] = await harness.deps.store.db.select({ last: users.totpLastStep }).from(users).where(eq(users.id, userId));
  const last = row?.last ?? null;
  let current = totpStep(Date.now());
  const target = Math.max(last === null ? current - 1 : last + 1, current - 1);
  while (target > current + 1) {
    await Bun.sleep(500);
    current = totpStep(Date.now());
  }
  return hotp(base32Decode(secret), target);
}

forEachAdminDialect(
  'admin API two-factor sign-in',
  (harness) => {
    let root: Caller;
    let adam: Caller;
    beforeAll(async () => {
      root = await harness().signIn('root');
      adam = await harness().signIn('adam');
    });

    /** A new user with 2FA on, signed in with a fresh cookie; answers the secret and recovery codes too. */
    async function enabledUser(h: AdminApiHarness, username: string) {
      const { user } = await h.deps.users.create({ username, password: `${username}-password` });
      const caller = await h.signIn(username);
      const setup = await h.call('POST', '/api/user/self/2fa/setup', { caller, body: { password: `${username}-password` } });
      const secret = setup.body.data.secret as string;
      const enabled = await h.call('POST', '/api/user/self/2fa/enable', { caller, body: { code: await freshCode(h, user.id, secret) } });
      expect(enabled.status).toBe(200);
      return { id: user.id, secret, recoveryCodes: enabled.body.data.recovery_codes as string[], caller: { cookie: cookieOf(enabled.headers) } as Caller };
    }

    test(
      'setup, enable, and sign-in with a code: 401 second_factor_required without one, invalid_second_factor for a wrong or reused one',
      async () => {
        const h = harness();
        const answers: string[] = [];
        const call = async (...args: Parameters<AdminApiHarness['call']>) => {
          const answer = await h.call(...args);
          answers.push(JSON.stringify(answer.body), answer.headers.get('set-cookie') ?? '');
          return answer;
        };
        const { user } = await h.deps.users.create({ username: 'tina', password: 'tina-password' });
        const caller = await h.signIn('tina');
        expect((await call('GET', '/api/user/self/2fa', { caller })).body.data).toEqual({ enabled: false, enabled_at: null, pending_setup: false, recovery_codes_left: 0 });

        const wrong = await h.call('POST', '/api/user/self/2fa/setup', { caller, body: { password: 'not-tina' } });
        expect(wrong.status).toBe(403);
        expect(wrong.body.error).toMatchObject({ code: 'forbidden', field: 'password' });
        const setup = await h.call('POST', '/api/user/self/2fa/setup', { caller, body: { password: 'tina-password' } });
        expect(setup.status).toBe(200);
        const secret = setup.body.data.secret as string;
        expect(Object.keys(setup.body.data).sort()).toEqual(['account', 'issuer', 'otpauth_uri', 'secret']);
        expect(setup.body.data.otpauth_uri).toBe(`otpauth://totp/gateway:tina?secret=${secret}&issuer=gateway&algorithm=SHA1&digits=6&period=30`);
        expect((await call('GET', '/api/user/self/2fa', { caller })).body.data).toMatchObject({ enabled: false, pending_setup: true });

        const badCode = await call('POST', '/api/user/self/2fa/enable', { caller, body: { code: '12345x' } });
        expect(badCode.status).toBe(403);
        expect(badCode.body.error).toMatchObject({ code: 'forbidden', field: 'code' });
        const firstCode = await freshCode(h, user.id, secret);
        const enabled = await call('POST', '/api/user/self/2fa/enable', { caller, body: { code: firstCode } });
        expect(enabled.status).toBe(200);
        expect(enabled.body.data.two_factor).toMatchObject({ enabled: true, pending_setup: false, recovery_codes_left: 10 });
        expect(enabled.body.data.recovery_codes).toHaveLength(10);
        const recoveryCodes = enabled.body.data.recovery_codes as string[];
        // The sign-in that turned it on continues on a fresh cookie; the old cookie has ended.
        expect((await call('GET', '/api/user/self', { caller })).status).toBe(401);
        const renewed = { cookie: cookieOf(enabled.headers) };
        const self = await call('GET', '/api/user/self', { caller: renewed });
        expect(self.body.data).toMatchObject({ username: 'tina', two_factor_enabled: true });

        const noCode = await call('POST', '/api/auth/login', { body: { username: 'tina', password: 'tina-password' } });
        expect(noCode.status).toBe(401);
        expect(noCode.body.error).toMatchObject({ code: 'second_factor_required', field: 'totp_code' });
        expect(noCode.headers.get('set-cookie')).toBeNull();
        const wrongCode = await call('POST', '/api/auth/login', { body: { username: 'tina', password: 'tina-password', totp_code: '000000' } });
        expect(wrongCode.status).toBe(401);
        expect(wrongCode.body.error).toMatchObject({ code: 'invalid_second_factor', field: 'totp_code' });
        expect(wrongCode.headers.get('set-cookie')).toBeNull();
        const wrongPassword = await call('POST', '/api/auth/login', { body: { username: 'tina', password: 'not-tina', totp_code: '000000' } });
        expect(wrongPassword.body.error).toMatchObject({ code: 'unauthorized', message: 'wrong username or password' });
        const both = await call('POST', '/api/auth/login', { body: { username: 'tina', password: 'tina-password', totp_code: '000000', recovery_code: recoveryCodes[0] } });
        expect(both.status).toBe(400);

        const code = await freshCode(h, user.id, secret);
        const signedIn = await call('POST', '/api/auth/login', { body: { username: 'tina', password: 'tina-password', totp_code: code } });
        expect(signedIn.status).toBe(200);
        expect(signedIn.body.data.user).toMatchObject({ username: 'tina', two_factor_enabled: true });
        const replayed = await call('POST', '/api/auth/login', { body: { username: 'tina', password: 'tina-password', totp_code: code } });
        expect(replayed.status).toBe(401);
        expect(replayed.body.error.code).toBe('invalid_second_factor');

        const withRecovery = await call('POST', '/api/auth/login', { body: { username: 'tina', password: 'tina-password', recovery_code: recoveryCodes[0] } });
        expect(withRecovery.status).toBe(200);
        const recoveryAgain = await call('POST', '/api/auth/login', { body: { username: 'tina', password: 'tina-password', recovery_code: recoveryCodes[0] } });
        expect(recoveryAgain.body.error).toMatchObject({ code: 'invalid_second_factor', field: 'recovery_code' });
        expect((await call('GET', '/api/user/self/2fa', { caller: renewed })).body.data.recovery_codes_left).toBe(9);

        // Root's user list and the user's own answers show whether 2FA is on, never the secret.
        const listed = await call('GET', '/api/users?search=tina', { caller: root });
        expect(listed.body.data[0]).toMatchObject({ username: 'tina', two_factor_enabled: true });
        await call('GET', `/api/users/${user.id}`, { caller: root });
        const secretForms = [secret, secret.toLowerCase(), encodeURIComponent(secret)];
        for (const text of answers) for (const form of secretForms) expect(text).not.toContain(form);
        // The database holds the secret encrypted only.
        const [row] = await h.deps.store.db.select().from(h.deps.store.tables.users).where(eq(h.deps.store.tables.users.id, user.id));
        expect(row?.totpSecret).toStartWith('v1.');
        expect(row?.totpSecret).not.toContain(secret);
        // Nothing secret in the log: the secret, the codes used, the recovery codes.
        const logged = sink.lines.join('\n');
        expect(logged).toContain('/api/auth/login');
        for (const value of [secret, firstCode, code, ...recoveryCodes, ...recoveryCodes.map((entry) => entry.replace(/-/g, ''))]) expect(logged).not.toContain(value);
      },
      SLOW,
    );

    test(
      'new recovery codes and turning it off: password and a code; the old codes stop working; the cookie is renewed',
      async () => {
        const h = harness();
        const { id, secret, recoveryCodes, caller } = await enabledUser(h, 'otto');
        const noCode = await h.call('POST', '/api/user/self/2fa/recovery-codes', { caller, body: { password: 'otto-password' } });
        expect(noCode.status).toBe(400);
        const wrong = await h.call('POST', '/api/user/self/2fa/recovery-codes', { caller, body: { password: 'otto-password', code: '000000' } });
        expect(wrong.status).toBe(403);
        const fresh = await h.call('POST', '/api/user/self/2fa/recovery-codes', { caller, body: { password: 'otto-password', code: await freshCode(h, id, secret) } });
        expect(fresh.status).toBe(200);
        const newCodes = fresh.body.data.recovery_codes as string[];
        expect(newCodes).toHaveLength(10);
        const old = await h.call('POST', '/api/auth/login', { body: { username: 'otto', password: 'otto-password', recovery_code: recoveryCodes[1] } });
        expect(old.body.error.code).toBe('invalid_second_factor');

        const missing = await h.call('POST', '/api/user/self/2fa/disable', { caller, body: { password: 'otto-password' } });
        expect(missing.status).toBe(400);
        expect(missing.body.error.field).toBe('code');
        const badPassword = await h.call('POST', '/api/user/self/2fa/disable', { caller, body: { password: 'not-otto', recovery_code: newCodes[0] } });
        expect(badPassword.body.error).toMatchObject({ code: 'forbidden', field: 'password' });
        const off = await h.call('POST', '/api/user/self/2fa/disable', { caller, body: { password: 'otto-password', recovery_code: newCodes[0] } });
        expect(off.status).toBe(200);
        expect(off.body.data).toEqual({ enabled: false, enabled_at: null, pending_setup: false, recovery_codes_left: 0 });
        expect((await h.call('GET', '/api/user/self', { caller })).status).toBe(401);
        expect((await h.call('GET', '/api/user/self', { caller: { cookie: cookieOf(off.headers) } })).body.data.two_factor_enabled).toBe(false);
        expect((await h.call('POST', '/api/auth/login', { body: { username: 'otto', password: 'otto-password' } })).status).toBe(200);
      },
      SLOW,
    );

    test(
      'an administrator resets the 2FA of users below its role only; the user signs in with the password again',
      async () => {
        const h = harness();
        const lost = await enabledUser(h, 'lostphone');
        const alice = await h.signIn('alice');
        expect((await h.call('POST', `/api/users/${lost.id}/2fa/reset`, { caller: alice })).status).toBe(403);
        const reset = await h.call('POST', `/api/users/${lost.id}/2fa/reset`, { caller: adam });
        expect(reset.status).toBe(200);
        expect(reset.body.data).toMatchObject({ was_enabled: true, user: { username: 'lostphone', two_factor_enabled: false } });
        expect((await h.call('GET', '/api/user/self', { caller: lost.caller })).status).toBe(401);
        expect((await h.call('POST', '/api/auth/login', { body: { username: 'lostphone', password: 'lostphone-password' } })).status).toBe(200);
        expect((await h.call('POST', `/api/users/${lost.id}/2fa/reset`, { caller: adam })).body.data.was_enabled).toBe(false);

        const adaId = await h.userId('ada');
        const rootId = await h.userId('root');
        const adamId = await h.userId('adam');
        for (const target of [adaId, rootId, adamId]) {
          const refused = await h.call('POST', `/api/users/${target}/2fa/reset`, { caller: adam });
          expect({ target, status: refused.status, code: refused.body.error?.code }).toEqual({ target, status: 403, code: 'forbidden' });
        }
        expect((await h.call('POST', `/api/users/${rootId}/2fa/reset`, { caller: root })).status).toBe(403);
        expect((await h.call('POST', `/api/users/${adaId}/2fa/reset`, { caller: root })).status).toBe(200);
        expect((await h.call('POST', '/api/users/999999/2fa/reset', { caller: root })).status).toBe(404);
      },
      SLOW,
    );

    test('the changes are audited by name, with no secret, code or password in any row', async () => {
      const h = harness();
      const { entries } = await h.admin.services.audit.page({}, { limit: 1000, offset: 0 });
      const actions = new Set(entries.map((entry) => entry.action));
      for (const action of [
        'user.two_factor.setup',
        'user.two_factor.setup.failed',
        'user.two_factor.enable',
        'user.two_factor.enable.failed',
        'user.two_factor.disable',
        'user.two_factor.recovery_codes',
        'user.two_factor.reset',
        'auth.login.failed',
      ]) {
        expect({ action, recorded: actions.has(action) }).toEqual({ action, recorded: true });
      }
      const reset = entries.find((entry) => entry.action === 'user.two_factor.reset' && entry.facts.was_enabled === true);
      expect(reset).toMatchObject({ actor: 'adam', targetType: 'user', fields: ['two_factor'], facts: { username: 'lostphone' } });
      const text = JSON.stringify(entries.map((entry) => ({ ...entry, requestId: null, createdAt: null })));
      expect(text).not.toMatch(/password"|[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}|otpauth|"\d{6}"/);
    });

    test(
      'wrong codes lock the account like wrong passwords',
      async () => {
        const h = harness();
        const { id, secret } = await enabledUser(h, 'lockme');
        for (let attempt = 0; attempt < 8; attempt++) {
          const answer = await h.call('POST', '/api/auth/login', { body: { username: 'lockme', password: 'lockme-password', totp_code: '000000' } });
          expect(answer.body.error.code).toBe('invalid_second_factor');
        }
        const locked = await h.call('POST', '/api/auth/login', { body: { username: 'lockme', password: 'lockme-password', totp_code: await freshCode(h, id, secret) } });
        expect(locked.status).toBe(429);
        expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
      },
      SLOW,
    );
  },
  { logger, signInLimits: { accountFailures: 8, addressFailures: 1000, windowMs: 15 * 60_000 } },
);
