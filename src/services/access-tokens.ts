/**
 * Personal access tokens: credentials for scripts and the remote CLI on the admin API (`Authorization: Bearer
 * gpat_…`), never accepted by the relay. A token acts as its owner with the owner's current role, and is
 * bound to the owner's `auth_version` when made: a password change, role change or ban revokes it with the
 * owner's sign-ins.
 */
import {
  type AccessTokenRow,
  findAccessTokenByHash,
  insertAccessToken,
  listUserAccessTokens,
  revokeAccessToken,
  touchAccessToken,
} from '../db/repos/access-tokens.ts';
import { findUserById, USER_ENABLED, type UserRow } from '../db/repos/users.ts';
import { conflict, invalidArgument, notFound } from '../errors/gateway-error.ts';
import { accessTokenHash, generateAccessToken } from '../security/access-token-keys.ts';
import type { ServiceContext } from './context.ts';
import { isoOrNull, parseExpiry } from './duration.ts';

export const MAX_ACCESS_TOKENS_PER_USER = 50;
const TOUCH_EVERY_MS = 60_000;
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

export interface AccessTokenView {
  id: number;
  name: string;
  /** `gpat_` and the first characters, followed by "…". */
  prefix: string;
  status: 'active' | 'expired';
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
}

export interface AuthenticatedAccessToken {
  user: UserRow;
  accessToken: AccessTokenRow;
}

export interface AccessTokenService {
  /** Returns the token in full once; only its digest is stored. */
  create(userId: number, input: { name: string; expires?: string }): Promise<{ accessToken: AccessTokenView; token: string }>;
  list(userId: number): Promise<AccessTokenView[]>;
  /** Revokes one of the user's own tokens; another user's id answers not_found. */
  revoke(userId: number, id: number): Promise<void>;
  /** The live token and its live, enabled owner for a presented credential, or undefined. */
  authenticate(presented: string): Promise<AuthenticatedAccessToken | undefined>;
}

export function toAccessTokenView(row: AccessTokenRow, now: number): AccessTokenView {
  return {
    id: row.id,
    name: row.name,
    prefix: `${row.tokenPrefix}…`,
    status: row.expiresAt !== null && row.expiresAt <= now ? 'expired' : 'active',
    createdAt: new Date(row.createdAt).toISOString(),
    lastUsedAt: isoOrNull(row.lastUsedAt),
    expiresAt: isoOrNull(row.expiresAt),
  };
}

export function createAccessTokenService(context: ServiceContext): AccessTokenService {
  const { store, clock } = context;
  return {
    async create(userId, input) {
      const name = input.name.trim();
      if (name === '' || name.length > 50 || CONTROL.test(name)) throw invalidArgument('name', 'name must be 1-50 characters without control characters');
      const now = clock.now();
      const expiresAt = input.expires === undefined ? null : parseExpiry(input.expires, now, 'expires');
      const user = await findUserById(store, store.db, userId);
      if (user === undefined) throw notFound(`no user ${userId}`);
      const existing = await listUserAccessTokens(store, userId);
      if (existing.length >= MAX_ACCESS_TOKENS_PER_USER) {
        throw conflict('name', `you have ${existing.length} access tokens, the most allowed; revoke one first`);
      }
      const generated = generateAccessToken();
      const row = await insertAccessToken(store, {
        userId,
        name,
        tokenHash: generated.hash,
        tokenPrefix: generated.prefix,
        authVersion: user.authVersion,
        createdAt: now,
        expiresAt,
      });
      return { accessToken: toAccessTokenView(row, now), token: generated.token };
    },

    async list(userId) {
      const now = clock.now();
      return (await listUserAccessTokens(store, userId)).map((row) => toAccessTokenView(row, now));
    },

    async revoke(userId, id) {
      if (!(await revokeAccessToken(store, userId, id, clock.now()))) {
        throw notFound(`no access token ${id} of yours; list them with GET /api/user/access-tokens`);
      }
    },

    async authenticate(presented) {
      const hash = accessTokenHash(presented);
      if (hash === undefined) return undefined;
      const accessToken = await findAccessTokenByHash(store, hash);
      const now = clock.now();
      if (accessToken === undefined || accessToken.revokedAt !== null || (accessToken.expiresAt !== null && accessToken.expiresAt <= now)) return undefined;
      const user = await findUserById(store, store.db, accessToken.userId);
      if (user === undefined || user.status !== USER_ENABLED || user.authVersion !== accessToken.authVersion) return undefined;
      await touchAccessToken(store, accessToken.id, now, TOUCH_EVERY_MS);
      return { user, accessToken };
    },
  };
}
