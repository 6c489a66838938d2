/**
 * TOTP two-factor sign-in on both dialects (reliability.md 2.7.3): the secret is encrypted at rest and answered
 * once; a code works once (replay), within ±1 step; recovery codes are single use even when 20 requests present
 * the same one at once; sign-in with 2FA on needs a code, and wrong codes count toward the lockout; the reset is
 * limited to accounts below the actor's role.
 */
import { expect, test } from 'bun:test';
import { eq } from 'drizzle-orm';
import type { Deps } from '../../src/deps.ts';
import { loadSessionSecret } from '../../src/security/session-secret.ts';
import { base32Decode, totpCode } from '../../src/security/totp.ts';
import type { Actor } from '../../src/services/actor.ts';
import { createSessionService } from '../../src/services/sessions.ts';
import { createSignInLimiter } from '../../src/services/sign-in-limiter.ts';
import { createTwoFactorService } from '../../src/services/two-factor.ts';
import { forEachDialect, manualClock } from '../helpers/stores.ts';

const meta = { ip: '203.0.113.9', userAgent: 'test' };
/** Argon2 hashes dominate; 20 at once take seconds on a busy machine. */
const SLOW = 60_000;

forEachDialect('two-factor sign-in', (context, environment) => {
  // 10 s into a 30-second step, so ±30 s stays inside the window.
  const clock = manualClock(Date.UTC(2026, 5, 1, 12, 0, 10));
  const setupServices = (deps: Deps) => {
    const serviceContext = { store: deps.store, cipher: deps.cipher, clock };
    const limiter = createSignInLimiter(clock);
    const twoFactor = createTwoFactorService(serviceContext, { limiter });
    const secret = loadSessionSecret({ secret: undefined, dataDir: environment().dataDir });
    return { twoFactor, limiter, sessions: createSessionService(serviceContext, { secret, limiter, twoFactor }) };
  };
  let services: ReturnType<typeof setupServices>;
  const get = () => {
    services ??= setupServices(context());
    return services;
  };

  const code = (secret: string, offsetSteps = 0) => totpCode(base32Decode(secret), clock.now() + offsetSteps * 30_000);
  const userRow = async (id: number) => (await context().store.db.select().from(context().store.tables.users).where(eq(context().store.tables.users.id, id)))[0];

  /** A user with 2FA on; the step of `now` is used by enable, so sign-ins use the next step's code. */
  async function userWithTwoFactor(username: string): Promise<{ id: number; secret: string; recoveryCodes: string[] }> {
    const { user } = await context().users.create({ username, password: `${username}-password` });
    const setup = await get().twoFactor.setup(user.id, { password: `${username}-password` });
    const enabled = await get().twoFactor.enable(user.id, { code: code(setup.secret, -1) });
    return { id: user.id, secret: setup.secret, recoveryCodes: enabled.recoveryCodes };
  }

  test('setup answers a secret once; it is stored encrypted and does nothing until enabled', async () => {
    const { twoFactor, sessions } = get();
    const { user } = await context().users.create({ username: 'tess', password: 'tess-password' });
    await expect(twoFactor.setup(user.id, { password: 'wrong-password' })).rejects.toMatchObject({ code: 'forbidden', field: 'password' });
    const setup = await twoFactor.setup(user.id, { password: 'tess-password' });
    expect(setup.secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(setup.otpauthUri).toBe(`otpauth://totp/gateway:tess?secret=${setup.secret}&issuer=gateway&algorithm=SHA1&digits=6&period=30`);
    const row = await userRow(user.id);
    expect(row?.totpSecret).toStartWith('v1.');
    expect(row?.totpSecret).not.toContain(setup.secret);
    expect(row?.totpEnabledAt).toBeNull();
    expect(await twoFactor.status(user.id)).toEqual({ enabled: false, enabledAt: null, pendingSetup: true, recoveryCodesLeft: 0 });
    // Pending: the password alone still signs in.
    expect((await sessions.signIn({ username: 'tess', password: 'tess-password', ...meta })).status).toBe('signed_in');

    // A second setup replaces the pending secret; a code of the first one no longer enables.
    const again = await twoFactor.setup(user.id, { password: 'tess-password' });
    expect(again.secret).not.toBe(setup.secret);
    await expect(twoFactor.enable(user.id, { code: code(setup.secret) })).rejects.toMatchObject({ code: 'forbidden', field: 'code' });
    const enabled = await twoFactor.enable(user.id, { code: code(again.secret) });
    expect(enabled.recoveryCodes).toHaveLength(10);
    expect((await twoFactor.status(user.id)).enabled).toBe(true);
    expect((await twoFactor.status(user.id)).recoveryCodesLeft).toBe(10);
    expect((await context().users.get('tess')).twoFactorEnabled).toBe(true);
    // The codes are stored as digests only.
    const stored = await context().store.db.select().from(context().store.tables.recoveryCodes).where(eq(context().store.tables.recoveryCodes.userId, user.id));
    expect(stored).toHaveLength(10);
    const storedText = JSON.stringify(stored);
    for (const recovery of enabled.recoveryCodes) expect(storedText).not.toContain(recovery.replace(/-/g, ''));
    // While on, setup is refused (it would replace the active secret) and enable too.
    await expect(twoFactor.setup(user.id, { password: 'tess-password' })).rejects.toMatchObject({ code: 'conflict' });
    await expect(twoFactor.enable(user.id, { code: code(again.secret) })).rejects.toMatchObject({ code: 'conflict' });
  }, SLOW);

  test('enable without setup, and a wrong first code, are refused', async () => {
    const { twoFactor } = get();
    const { user } = await context().users.create({ username: 'nosetup', password: 'nosetup-password' });
    await expect(twoFactor.enable(user.id, { code: '123456' })).rejects.toMatchObject({ code: 'conflict' });
    const setup = await twoFactor.setup(user.id, { password: 'nosetup-password' });
    await expect(twoFactor.enable(user.id, { code: code(setup.secret, 2) })).rejects.toMatchObject({ code: 'forbidden' });
    expect((await twoFactor.status(user.id)).enabled).toBe(false);
  }, SLOW);

  test('enabling ends the sign-ins made before', async () => {
    const { twoFactor, sessions } = get();
    const { user } = await context().users.create({ username: 'ends', password: 'ends-password' });
    const before = await sessions.signIn({ username: 'ends', password: 'ends-password', ...meta });
    const setup = await twoFactor.setup(user.id, { password: 'ends-password' });
    expect(await sessions.authenticate(before.token)).toBeDefined();
    await twoFactor.enable(user.id, { code: code(setup.secret) });
    expect(await sessions.authenticate(before.token)).toBeUndefined();
  }, SLOW);

  test('sign-in: password only is refused with second_factor_required; the code of the next step signs in once', async () => {
    const { sessions } = get();
    const { secret } = await userWithTwoFactor('sia');
    await expect(sessions.signIn({ username: 'sia', password: 'sia-password', ...meta })).rejects.toMatchObject({ code: 'second_factor_required', status: 401 });
    // A wrong password with a right code is just a wrong password.
    await expect(sessions.signIn({ username: 'sia', password: 'nope-nope', totpCode: code(secret), ...meta })).rejects.toMatchObject({
      code: 'unauthorized',
      message: 'wrong username or password',
    });
    const signedIn = await sessions.signIn({ username: 'sia', password: 'sia-password', totpCode: code(secret), ...meta });
    expect(signedIn.status).toBe('signed_in');
    // Replay: the same code again, even within its window, is refused; so is the older one of the step before.
    await expect(sessions.signIn({ username: 'sia', password: 'sia-password', totpCode: code(secret), ...meta })).rejects.toMatchObject({
      code: 'invalid_second_factor',
      status: 401,
    });
    await expect(sessions.signIn({ username: 'sia', password: 'sia-password', totpCode: code(secret, -1), ...meta })).rejects.toMatchObject({
      code: 'invalid_second_factor',
    });
    // The next step's code (30 s ahead, inside the window) works.
    expect((await sessions.signIn({ username: 'sia', password: 'sia-password', totpCode: code(secret, 1), ...meta })).status).toBe('signed_in');
    // Two steps ahead is outside the window.
    clock.advance(30_000);
    await expect(sessions.signIn({ username: 'sia', password: 'sia-password', totpCode: code(secret, 2), ...meta })).rejects.toMatchObject({
      code: 'invalid_second_factor',
    });
    clock.advance(30_000);
    expect((await sessions.signIn({ username: 'sia', password: 'sia-password', totpCode: code(secret), ...meta })).status).toBe('signed_in');
  }, SLOW);

  test('twenty sign-ins with the same code at once: exactly one gets in', async () => {
    const { sessions } = get();
    const { secret } = await userWithTwoFactor('racer');
    const current = code(secret);
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, () => sessions.signIn({ username: 'racer', password: 'racer-password', totpCode: current, ip: undefined, userAgent: 'race' })),
    );
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    for (const result of results) if (result.status === 'rejected') expect(result.reason).toMatchObject({ code: 'invalid_second_factor' });
  }, SLOW);

  test('a recovery code signs in once, even when twenty sign-ins present it at the same moment', async () => {
    const { sessions, twoFactor } = get();
    const { id, recoveryCodes } = await userWithTwoFactor('rachel');
    const [first, second] = recoveryCodes as [string, string];
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, () => sessions.signIn({ username: 'rachel', password: 'rachel-password', recoveryCode: first, ip: undefined, userAgent: 'race' })),
    );
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    for (const result of results) if (result.status === 'rejected') expect(result.reason).toMatchObject({ code: 'invalid_second_factor' });
    expect((await twoFactor.status(id)).recoveryCodesLeft).toBe(9);
    // The 19 refused tries locked the account (they count as failed sign-ins); wait the window out.
    await expect(sessions.signIn({ username: 'rachel', password: 'rachel-password', recoveryCode: second, ...meta })).rejects.toMatchObject({ code: 'rate_limited' });
    clock.advance(15 * 60_000);
    // Typed in upper case without dashes, the next one works too; a made-up one does not.
    expect((await sessions.signIn({ username: 'rachel', password: 'rachel-password', recoveryCode: second.replace(/-/g, '').toUpperCase(), ...meta })).status).toBe('signed_in');
    await expect(sessions.signIn({ username: 'rachel', password: 'rachel-password', recoveryCode: 'aaaa-bbbb-cccc-dddd', ...meta })).rejects.toMatchObject({
      code: 'invalid_second_factor',
      field: 'recovery_code',
    });
    expect((await twoFactor.status(id)).recoveryCodesLeft).toBe(8);
  }, SLOW);

  test('a recovery code of another user does not work', async () => {
    const { sessions } = get();
    const mine = await userWithTwoFactor('mine');
    await userWithTwoFactor('theirs');
    await expect(sessions.signIn({ username: 'theirs', password: 'theirs-password', recoveryCode: mine.recoveryCodes[0] as string, ...meta })).rejects.toMatchObject({
      code: 'invalid_second_factor',
    });
  }, SLOW);

  test('wrong codes count toward the account lockout; a missing code does not', async () => {
    const { sessions } = get();
    const { secret } = await userWithTwoFactor('locky');
    for (let attempt = 0; attempt < 12; attempt++) {
      await expect(sessions.signIn({ username: 'locky', password: 'locky-password', ip: `198.51.100.${attempt}`, userAgent: 'x' })).rejects.toMatchObject({
        code: 'second_factor_required',
      });
    }
    for (let attempt = 0; attempt < 10; attempt++) {
      await expect(sessions.signIn({ username: 'locky', password: 'locky-password', totpCode: '000000', ip: `198.51.100.${attempt}`, userAgent: 'x' })).rejects.toMatchObject({
        code: 'invalid_second_factor',
      });
    }
    // Locked: even the right password and code are refused before any check runs, and the code stays unused.
    await expect(sessions.signIn({ username: 'locky', password: 'locky-password', totpCode: code(secret), ...meta })).rejects.toMatchObject({
      code: 'rate_limited',
    });
    clock.advance(15 * 60_000);
    expect((await sessions.signIn({ username: 'locky', password: 'locky-password', totpCode: code(secret), ...meta })).status).toBe('signed_in');
  }, SLOW);

  test('disable needs the password and a code or a recovery code; it deletes the codes and ends sign-ins', async () => {
    const { sessions, twoFactor } = get();
    const { id, secret, recoveryCodes } = await userWithTwoFactor('dora');
    const signedIn = await sessions.signIn({ username: 'dora', password: 'dora-password', totpCode: code(secret), ...meta });
    await expect(twoFactor.disable(id, { password: 'dora-password' })).rejects.toMatchObject({ code: 'invalid_argument', field: 'code' });
    await expect(twoFactor.disable(id, { password: 'wrong-password', totpCode: code(secret, 1) })).rejects.toMatchObject({ code: 'forbidden', field: 'password' });
    // The code just used for the sign-in cannot be used again here.
    await expect(twoFactor.disable(id, { password: 'dora-password', totpCode: code(secret) })).rejects.toMatchObject({ code: 'forbidden', field: 'code' });
    await expect(twoFactor.disable(id, { password: 'dora-password', recoveryCode: 'aaaa-bbbb-cccc-dddd' })).rejects.toMatchObject({ code: 'forbidden', field: 'recovery_code' });
    expect((await twoFactor.status(id)).enabled).toBe(true);
    await twoFactor.disable(id, { password: 'dora-password', recoveryCode: recoveryCodes[3] as string });
    expect(await twoFactor.status(id)).toEqual({ enabled: false, enabledAt: null, pendingSetup: false, recoveryCodesLeft: 0 });
    expect(await sessions.authenticate(signedIn.token)).toBeUndefined();
    const row = await userRow(id);
    expect({ secret: row?.totpSecret, enabledAt: row?.totpEnabledAt, lastStep: row?.totpLastStep }).toEqual({ secret: null, enabledAt: null, lastStep: null });
    const stored = await context().store.db.select().from(context().store.tables.recoveryCodes).where(eq(context().store.tables.recoveryCodes.userId, id));
    expect(stored).toHaveLength(0);
    expect((await sessions.signIn({ username: 'dora', password: 'dora-password', ...meta })).status).toBe('signed_in');
    await expect(twoFactor.disable(id, { password: 'dora-password', totpCode: '123456' })).rejects.toMatchObject({ code: 'conflict' });
  }, SLOW);

  test('new recovery codes need the password and a code, and replace the old ones', async () => {
    const { sessions, twoFactor } = get();
    const { id, secret, recoveryCodes } = await userWithTwoFactor('regina');
    await expect(twoFactor.regenerateRecoveryCodes(id, { password: 'regina-password', code: '000000' })).rejects.toMatchObject({ code: 'forbidden', field: 'code' });
    const fresh = await twoFactor.regenerateRecoveryCodes(id, { password: 'regina-password', code: code(secret) });
    expect(fresh).toHaveLength(10);
    expect(fresh.filter((entry) => recoveryCodes.includes(entry))).toEqual([]);
    await expect(sessions.signIn({ username: 'regina', password: 'regina-password', recoveryCode: recoveryCodes[0] as string, ...meta })).rejects.toMatchObject({
      code: 'invalid_second_factor',
    });
    expect((await sessions.signIn({ username: 'regina', password: 'regina-password', recoveryCode: fresh[0] as string, ...meta })).status).toBe('signed_in');
  }, SLOW);

  test('wrong codes given to the changes count on the limiter too', async () => {
    const { twoFactor } = get();
    const { id, secret } = await userWithTwoFactor('guesser');
    for (let attempt = 0; attempt < 10; attempt++) {
      await expect(twoFactor.regenerateRecoveryCodes(id, { password: 'guesser-password', code: String(100000 + attempt), ip: '192.0.2.1' })).rejects.toMatchObject({
        code: 'forbidden',
      });
    }
    await expect(twoFactor.disable(id, { password: 'guesser-password', totpCode: code(secret), ip: '192.0.2.2' })).rejects.toMatchObject({ code: 'rate_limited' });
    clock.advance(15 * 60_000);
  }, SLOW);

  test('reset: an admin resets users, not admins or root; root resets admins; the CLI (no actor) anyone', async () => {
    const { twoFactor, sessions } = get();
    const deps = context();
    const admin = (await deps.users.create({ username: 'resetadmin', password: 'resetadmin-password', role: 'admin' })).user;
    const root = await deps.users.get('root');
    const asAdmin: Actor = { userId: admin.id, username: admin.username, role: 'admin' };
    const asRoot: Actor = { userId: root.id, username: root.username, role: 'root' };
    const plain = await userWithTwoFactor('lostphone');
    const signedIn = await sessions.signIn({ username: 'lostphone', password: 'lostphone-password', totpCode: code(plain.secret), ...meta });
    const reset = await twoFactor.reset('lostphone', asAdmin);
    expect(reset).toMatchObject({ wasEnabled: true, user: { username: 'lostphone', twoFactorEnabled: false } });
    expect(await sessions.authenticate(signedIn.token)).toBeUndefined();
    expect((await sessions.signIn({ username: 'lostphone', password: 'lostphone-password', ...meta })).status).toBe('signed_in');
    // Idempotent: nothing to reset.
    expect((await twoFactor.reset('lostphone', asAdmin)).wasEnabled).toBe(false);

    const otherAdmin = (await deps.users.create({ username: 'otheradmin', password: 'otheradmin-password', role: 'admin' })).user;
    const setup = await twoFactor.setup(otherAdmin.id, { password: 'otheradmin-password' });
    await twoFactor.enable(otherAdmin.id, { code: code(setup.secret) });
    await expect(twoFactor.reset('otheradmin', asAdmin)).rejects.toMatchObject({ code: 'forbidden' });
    await expect(twoFactor.reset('root', asAdmin)).rejects.toMatchObject({ code: 'forbidden' });
    await expect(twoFactor.reset(String(admin.id), asAdmin)).rejects.toMatchObject({ code: 'forbidden' });
    await expect(twoFactor.reset('root', asRoot)).rejects.toMatchObject({ code: 'forbidden' });
    expect((await twoFactor.reset('otheradmin', asRoot)).wasEnabled).toBe(true);
    await expect(twoFactor.reset('nobody', asRoot)).rejects.toMatchObject({ code: 'not_found' });
    // The operator's CLI has no actor and no limit.
    const rootSetup = await twoFactor.setup(root.id, { password: 'test-root-password' });
    await twoFactor.enable(root.id, { code: code(rootSetup.secret) });
    expect((await twoFactor.reset('root')).wasEnabled).toBe(true);
  }, SLOW);
});
