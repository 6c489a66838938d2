/**
 * TOTP two-factor sign-in (RFC 6238: SHA-1, 6 digits, 30 s, ±1 step) with one-time recovery codes.
 *
 * Life of a second factor: `setup` (password) stores a new secret, encrypted like channel keys and bound to
 * (users, id, totp_secret), and answers it once with its otpauth:// URI; `enable` (a code from the app) turns
 * it on and answers 10 recovery codes once (stored as SHA-256); `disable` (password and a code or a recovery
 * code) turns it off; `regenerateRecoveryCodes` (password and a code) replaces the codes; `reset` is the
 * administrator's (or the CLI's) way back for someone who lost the phone. Enable, disable and reset bump
 * `auth_version`, so every sign-in and access token made before ends (the browser that made the change gets a
 * fresh sign-in from the route).
 *
 * Replay: a code is accepted only for a step after the last one accepted (`users.totp_last_step`, claimed by one
 * conditional UPDATE), so a code seen over someone's shoulder or in a log cannot be used again, not even within
 * its own 90-second window. Recovery codes are used by one conditional UPDATE too (src/db/repos/two-factor.ts).
 *
 * Guessing: wrong passwords and codes given to these methods count on the sign-in limiter (per account and per
 * address), as failed sign-ins do, so a stolen sign-in cannot be used to guess the six digits.
 */
import type { Db } from '../db/client.ts';
import { writeWithRevision } from '../db/repos/revisions.ts';
import {
  activateTotp,
  claimTotpStep,
  clearTotp,
  consumeRecoveryCode,
  countUnusedRecoveryCodes,
  replaceRecoveryCodes,
  setPendingTotpSecret,
} from '../db/repos/two-factor.ts';
import { findUserById, type UserRow } from '../db/repos/users.ts';
import { conflict, GatewayError, invalidArgument, notFound } from '../errors/gateway-error.ts';
import { verifyPassword } from '../security/password.ts';
import { generateRecoveryCodes, hashPresentedRecoveryCode } from '../security/recovery-codes.ts';
import { base32Decode, generateTotpSecret, matchTotpStep, totpUri } from '../security/totp.ts';
import { type Actor, assertCanManage } from './actor.ts';
import type { ServiceContext } from './context.ts';
import { isoOrNull } from './duration.ts';
import type { SignInLimiter } from './sign-in-limiter.ts';
import { requireUser, toUserView, type UserView } from './users.ts';

/** The issuer shown in authenticator apps beside the account name. */
export const TOTP_ISSUER = 'gateway';

export interface TwoFactorStatus {
  enabled: boolean;
  enabledAt: string | null;
  /** A secret from `setup` waits for its first code. */
  pendingSetup: boolean;
  /** Unused recovery codes (0 when 2FA is off). */
  recoveryCodesLeft: number;
}

export interface TwoFactorSetup {
  /** Base32, for typing into an app by hand; answered only here, never again. */
  secret: string;
  otpauthUri: string;
  issuer: string;
  account: string;
}

/** What a sign-in or a change presents besides the password: one of the two. */
export interface SecondFactorProof {
  totpCode?: string;
  recoveryCode?: string;
}

/** `missing`: 2FA is on and nothing was presented; `invalid`: what was presented is wrong or already used. */
export type SecondFactorOutcome = 'ok' | 'missing' | 'invalid';

export interface TwoFactorService {
  status(userId: number): Promise<TwoFactorStatus>;
  /** Stores a new secret that waits for its first code; refused while 2FA is on. */
  setup(userId: number, input: { password: string; ip?: string }): Promise<TwoFactorSetup>;
  /** Confirms the pending secret with a code; answers the recovery codes, shown once. */
  enable(userId: number, input: { code: string; ip?: string }): Promise<{ user: UserRow; recoveryCodes: string[] }>;
  disable(userId: number, input: SecondFactorProof & { password: string; ip?: string }): Promise<UserRow>;
  regenerateRecoveryCodes(userId: number, input: { password: string; code: string; ip?: string }): Promise<string[]>;
  /**
   * Turns another user's 2FA off (they sign in with the password alone, then may set it up again) and ends
   * their sign-ins. With an actor, only accounts below its role; without one (the CLI), anyone.
   */
  reset(ref: string, actor?: Actor): Promise<{ user: UserView; wasEnabled: boolean }>;
  /**
   * Checks a sign-in's second factor for a user who has 2FA on; a code's step is claimed and a recovery code
   * used up when it passes. Counting failures is the caller's (the sign-in's limiter).
   */
  verify(user: UserRow, proof: SecondFactorProof): Promise<SecondFactorOutcome>;
}

export interface TwoFactorServiceOptions {
  /** Counts wrong passwords and codes given to setup, enable, disable and regenerate (none in the CLI). */
  limiter?: SignInLimiter;
}

function secretContext(userId: number): string {
  return `users:${userId}:totp_secret`;
}

function wrongCode(field: string): GatewayError {
  return new GatewayError({
    code: 'forbidden',
    field,
    message: `the ${field === 'recovery_code' ? 'recovery code is wrong or was already used' : 'code is wrong or was already used; enter the current 6-digit code from your authenticator app'}`,
  });
}

export function createTwoFactorService(context: ServiceContext, options: TwoFactorServiceOptions = {}): TwoFactorService {
  const { store, cipher, clock } = context;
  const limiter = options.limiter;

  const liveUser = async (userId: number): Promise<UserRow> => {
    const user = await findUserById(store, store.db, userId);
    if (user === undefined) throw notFound(`no user ${userId}`);
    return user;
  };

  /** The password check of a change, counted on the limiter like a sign-in. */
  const checkPassword = async (user: UserRow, password: string, ip: string | undefined): Promise<void> => {
    limiter?.check(user.username, ip);
    if (await verifyPassword(password, user.passwordHash)) return;
    limiter?.recordFailure(user.username, ip);
    throw new GatewayError({ code: 'forbidden', field: 'password', message: 'the password is wrong' });
  };

  const keyOf = (user: UserRow): Buffer => {
    if (user.totpSecret === null) throw new GatewayError({ code: 'internal_error', message: 'no TOTP secret stored' });
    return base32Decode(cipher.decrypt(user.totpSecret, secretContext(user.id)));
  };

  const verifyCode = async (user: UserRow, code: string): Promise<boolean> => {
    const step = matchTotpStep(keyOf(user), code, clock.now(), user.totpLastStep);
    return step !== undefined && (await store.write((db) => claimTotpStep(store, db, user.id, step)));
  };

  const verify: TwoFactorService['verify'] = async (user, proof) => {
    if (user.totpEnabledAt === null) return 'ok';
    if (proof.totpCode !== undefined && proof.totpCode.trim() !== '') return (await verifyCode(user, proof.totpCode)) ? 'ok' : 'invalid';
    if (proof.recoveryCode !== undefined && proof.recoveryCode.trim() !== '') {
      const hash = hashPresentedRecoveryCode(proof.recoveryCode);
      if (hash === undefined) return 'invalid';
      return (await store.write((db) => consumeRecoveryCode(store, db, user.id, hash, clock.now()))) ? 'ok' : 'invalid';
    }
    return 'missing';
  };

  /** A change's second factor, counted on the limiter. */
  const checkSecondFactor = async (user: UserRow, proof: SecondFactorProof, ip: string | undefined): Promise<void> => {
    const outcome = await verify(user, proof);
    if (outcome === 'ok') return;
    if (outcome === 'missing') throw invalidArgument('code', 'send the current 6-digit code from your authenticator app (code), or one of your recovery codes (recovery_code)');
    limiter?.recordFailure(user.username, ip);
    throw wrongCode(proof.totpCode !== undefined && proof.totpCode.trim() !== '' ? 'code' : 'recovery_code');
  };

  const requireEnabled = (user: UserRow): void => {
    if (user.totpEnabledAt === null) throw conflict('code', 'two-factor sign-in is off for this account; turn it on with POST /api/user/self/2fa/setup, then /enable');
  };

  const newRecoveryCodes = async (db: Db, userId: number, now: number): Promise<string[]> => {
    const generated = generateRecoveryCodes();
    await replaceRecoveryCodes(
      store,
      db,
      userId,
      generated.map((code) => code.hash),
      now,
    );
    return generated.map((code) => code.code);
  };

  return {
    async status(userId) {
      const user = await liveUser(userId);
      const enabled = user.totpEnabledAt !== null;
      return {
        enabled,
        enabledAt: isoOrNull(user.totpEnabledAt),
        pendingSetup: !enabled && user.totpSecret !== null,
        recoveryCodesLeft: enabled ? await countUnusedRecoveryCodes(store, userId) : 0,
      };
    },

    async setup(userId, input) {
      const user = await liveUser(userId);
      if (user.totpEnabledAt !== null) {
        throw conflict('password', 'two-factor sign-in is already on; to move it to another device, turn it off (POST /api/user/self/2fa/disable) and set it up again');
      }
      await checkPassword(user, input.password, input.ip);
      const secret = generateTotpSecret();
      const stored = await store.write((db) => setPendingTotpSecret(store, db, userId, cipher.encrypt(secret, secretContext(userId)), clock.now()));
      if (stored === undefined) throw conflict('password', 'two-factor sign-in was turned on meanwhile');
      return { secret, otpauthUri: totpUri({ secret, issuer: TOTP_ISSUER, account: user.username }), issuer: TOTP_ISSUER, account: user.username };
    },

    async enable(userId, input) {
      const user = await liveUser(userId);
      if (user.totpEnabledAt !== null) throw conflict('code', 'two-factor sign-in is already on');
      if (user.totpSecret === null) throw conflict('code', 'there is no secret to confirm; start with POST /api/user/self/2fa/setup');
      limiter?.check(user.username, input.ip);
      const step = matchTotpStep(keyOf(user), input.code, clock.now());
      if (step === undefined) {
        limiter?.recordFailure(user.username, input.ip);
        throw wrongCode('code');
      }
      const ciphertext = user.totpSecret;
      return writeWithRevision(store, 'users', clock.now, async (db, now) => {
        const activated = await activateTotp(store, db, userId, ciphertext, step, now);
        if (activated === undefined) throw conflict('code', 'the secret changed meanwhile (another setup, or 2FA already on); start again with POST /api/user/self/2fa/setup');
        return { user: activated, recoveryCodes: await newRecoveryCodes(db, userId, now) };
      });
    },

    async disable(userId, input) {
      const user = await liveUser(userId);
      requireEnabled(user);
      await checkPassword(user, input.password, input.ip);
      await checkSecondFactor(user, input, input.ip);
      return writeWithRevision(store, 'users', clock.now, async (db, now) => {
        const cleared = await clearTotp(store, db, userId, { now, revokeSessions: true });
        if (cleared === undefined) throw notFound(`no user ${userId}`);
        return cleared;
      });
    },

    async regenerateRecoveryCodes(userId, input) {
      const user = await liveUser(userId);
      requireEnabled(user);
      await checkPassword(user, input.password, input.ip);
      await checkSecondFactor(user, { totpCode: input.code }, input.ip);
      return store.transaction((db) => newRecoveryCodes(db, userId, clock.now()));
    },

    async reset(ref, actor) {
      return writeWithRevision(store, 'users', clock.now, async (db, now) => {
        const user = await requireUser(store, db, ref);
        if (actor !== undefined) assertCanManage(actor, user);
        const wasEnabled = user.totpEnabledAt !== null;
        if (user.totpSecret === null && !wasEnabled) return { user: toUserView(user), wasEnabled };
        const cleared = await clearTotp(store, db, user.id, { now, revokeSessions: wasEnabled });
        if (cleared === undefined) throw notFound(`no user "${ref}"; list users with: gateway user list`);
        return { user: toUserView(cleared), wasEnabled };
      });
    },

    verify,
  };
}
