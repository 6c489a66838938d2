/**
 * Console sign-ins (reliability.md 2.7.1). A sign-in is a row on the server; the cookie carries only
 * `<id>.<signature>`: a random 256-bit id and its HMAC under the session secret. The row is keyed by the
 * id's SHA-256, so neither the database nor a backup holds a usable cookie. Every request checks the row and
 * the user row again: an expired or revoked sign-in, a removed or disabled user, or a changed `auth_version`
 * (password change, role change, ban) ends the sign-in at once.
 *
 * Second factor (./two-factor.ts): when the user has `totp_enabled_at`, a right password is not enough. The
 * same request must carry `totpCode` or `recoveryCode`: none answers 401 `second_factor_required` (no guess was
 * made, so it does not count on the limiter), a wrong or reused one answers 401 `invalid_second_factor` and
 * counts as a failed sign-in for the account and the address. The password is checked first, so neither answer
 * comes without it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { findSession, deleteSession, insertSession, listUserSessions, pruneUserSessions, type SessionRow, touchSession } from '../db/repos/sessions.ts';
import { findUserById, findUserByUsernameIgnoringCase, touchLastLogin, USER_ENABLED, type UserRow } from '../db/repos/users.ts';
import { GatewayError, notFound } from '../errors/gateway-error.ts';
import { hashPassword, randomPassword, verifyPassword } from '../security/password.ts';
import { type SessionSecret, signatureMatches, signValue } from '../security/session-secret.ts';
import type { ServiceContext } from './context.ts';
import { createSignInLimiter, type SignInLimiter } from './sign-in-limiter.ts';
import { createTwoFactorService, type TwoFactorService } from './two-factor.ts';

/** New API keeps a sign-in 30 days. */
export const SESSION_LIFETIME_MS = 30 * 24 * 3_600_000;
/** last_seen_at is written at most this often per sign-in. */
const TOUCH_EVERY_MS = 60_000;
const TOKEN = /^([A-Za-z0-9_-]{43})\.([A-Za-z0-9_-]{43})$/;

export interface SessionView {
  /** A public handle for listing and revoking; neither the cookie's id nor its digest. */
  id: string;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
  ip: string | null;
  userAgent: string | null;
  /** The sign-in this request came with. */
  current: boolean;
}

export interface SignInInput {
  username: string;
  password: string;
  ip: string | undefined;
  userAgent: string | undefined;
  /** The 6-digit code of an account with two-factor sign-in on. */
  totpCode?: string;
  /** Or one of its recovery codes (used up by this sign-in). */
  recoveryCode?: string;
}

export interface SessionMeta {
  ip: string | undefined;
  userAgent: string | undefined;
}

export interface StartedSession {
  /** The cookie value, `<id>.<signature>`; given to the client once. */
  token: string;
  session: SessionRow;
}

export type SignInResult = { status: 'signed_in'; user: UserRow } & StartedSession;

export interface AuthenticatedSession {
  user: UserRow;
  session: SessionRow;
}

export interface SessionService {
  signIn(input: SignInInput): Promise<SignInResult>;
  /**
   * A new sign-in for an already verified, enabled user, read fresh (after a second factor, or to keep a
   * browser signed in after its own password change).
   */
  start(userId: number, meta: SessionMeta): Promise<StartedSession>;
  /** The live sign-in a cookie value names, or undefined for a tampered, unknown, expired or revoked one. */
  authenticate(token: string): Promise<AuthenticatedSession | undefined>;
  /** Ends one sign-in by its row id (the digest). */
  end(sessionId: string): Promise<void>;
  list(userId: number, currentSessionId?: string): Promise<SessionView[]>;
  /** Revokes one of the user's own sign-ins by its public id; another user's answers not_found. */
  revoke(userId: number, publicId: string): Promise<void>;
}

export interface SessionServiceOptions {
  secret: SessionSecret;
  limiter?: SignInLimiter;
  lifetimeMs?: number;
  /** Checks the second factor of accounts that have it on; default: one on the same context. */
  twoFactor?: TwoFactorService;
}

function digest(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export function publicSessionId(sessionId: string): string {
  return digest(`public:${sessionId}`).slice(0, 16);
}

function wrongCredentials(): GatewayError {
  return new GatewayError({ code: 'unauthorized', message: 'wrong username or password' });
}

/** Cuts client-supplied text kept with a sign-in (user agent) to a sane size without control characters. */
function cleanText(text: string | undefined, max: number): string | null {
  if (text === undefined) return null;
  const value = text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '').slice(0, max);
  return value === '' ? null : value;
}

export function createSessionService(context: ServiceContext, options: SessionServiceOptions): SessionService {
  const { store, clock } = context;
  const limiter = options.limiter ?? createSignInLimiter(clock);
  const lifetimeMs = options.lifetimeMs ?? SESSION_LIFETIME_MS;
  const twoFactor = options.twoFactor ?? createTwoFactorService(context);
  // Unknown users get a hash verified too, so the answer's timing does not tell which accounts exist.
  let dummyHash: Promise<string> | undefined;

  const startFor = async (user: UserRow, meta: SessionMeta): Promise<StartedSession> => {
    const id = randomBytes(32).toString('base64url');
    const sessionId = digest(id);
    const now = clock.now();
    await store.transaction((db) => pruneUserSessions(store, db, user.id, now, user.authVersion));
    const session = await insertSession(store, {
      id: sessionId,
      userId: user.id,
      authVersion: user.authVersion,
      ip: cleanText(meta.ip, 64),
      userAgent: cleanText(meta.userAgent, 256),
      createdAt: now,
      lastSeenAt: now,
      expiresAt: now + lifetimeMs,
    });
    return { token: `${id}.${signValue(options.secret, id)}`, session };
  };

  return {
    async signIn(input) {
      const username = input.username.trim();
      limiter.check(username, input.ip);
      const user = username === '' || username.length > 64 ? undefined : await findUserByUsernameIgnoringCase(store, store.db, username);
      if (user === undefined) await verifyPassword(input.password, await (dummyHash ??= hashPassword(randomPassword())));
      if (user === undefined || !(await verifyPassword(input.password, user.passwordHash))) {
        limiter.recordFailure(username, input.ip);
        throw wrongCredentials();
      }
      if (user.status !== USER_ENABLED) {
        throw new GatewayError({ code: 'forbidden', message: `account "${user.username}" is disabled; ask an administrator to enable it` });
      }
      const secondFactor = await twoFactor.verify(user, { totpCode: input.totpCode, recoveryCode: input.recoveryCode });
      if (secondFactor === 'missing') {
        throw new GatewayError({
          code: 'second_factor_required',
          field: 'totp_code',
          message: 'this account has two-factor sign-in on: send the password again with totp_code (the 6-digit code from your authenticator app) or recovery_code',
        });
      }
      if (secondFactor === 'invalid') {
        limiter.recordFailure(username, input.ip);
        throw new GatewayError({
          code: 'invalid_second_factor',
          field: input.totpCode !== undefined && input.totpCode.trim() !== '' ? 'totp_code' : 'recovery_code',
          message: 'the two-factor code is wrong or was already used (each code works once); wait for the next code in your authenticator app, or use a recovery code',
        });
      }
      limiter.recordSuccess(username);
      const started = await startFor(user, { ip: input.ip, userAgent: input.userAgent });
      await touchLastLogin(store, user.id, started.session.createdAt);
      return { status: 'signed_in', user, ...started };
    },

    async start(userId, meta) {
      const user = await findUserById(store, store.db, userId);
      if (user === undefined || user.status !== USER_ENABLED) throw new GatewayError({ code: 'unauthorized', message: 'this account cannot sign in' });
      return startFor(user, meta);
    },

    async authenticate(token) {
      const match = TOKEN.exec(token);
      if (match === null) return undefined;
      const [, id, signature] = match as unknown as [string, string, string];
      if (!signatureMatches(options.secret, id, signature)) return undefined;
      const sessionId = digest(id);
      const session = await findSession(store, sessionId);
      if (session === undefined) return undefined;
      const now = clock.now();
      const user = await findUserById(store, store.db, session.userId);
      if (session.expiresAt <= now || user === undefined || user.status !== USER_ENABLED || user.authVersion !== session.authVersion) {
        await deleteSession(store, sessionId);
        return undefined;
      }
      await touchSession(store, sessionId, now, TOUCH_EVERY_MS);
      return { user, session };
    },

    async end(sessionId) {
      await deleteSession(store, sessionId);
    },

    async list(userId, currentSessionId) {
      const rows = await listUserSessions(store, userId, clock.now());
      return rows.map((row) => ({
        id: publicSessionId(row.id),
        createdAt: new Date(row.createdAt).toISOString(),
        lastSeenAt: new Date(row.lastSeenAt).toISOString(),
        expiresAt: new Date(row.expiresAt).toISOString(),
        ip: row.ip,
        userAgent: row.userAgent,
        current: row.id === currentSessionId,
      }));
    },

    async revoke(userId, publicId) {
      const rows = await listUserSessions(store, userId, clock.now());
      const found = rows.find((row) => publicSessionId(row.id) === publicId);
      if (found === undefined || !(await deleteSession(store, found.id))) {
        throw notFound(`no sign-in "${publicId}" of yours; list them with GET /api/auth/sessions`);
      }
    },
  };
}
