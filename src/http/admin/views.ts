/**
 * What the admin API shows of each object: one schema and one mapping function per view, each naming its
 * fields one by one (reliability.md G11: responses are built from allowlists, never by spreading a row and
 * deleting fields). Password hashes, key and token digests, session ids, TOTP secrets and channel keys have
 * no field here, and the response schemas refuse unknown fields, so adding one takes a deliberate edit here
 * and in the allowlist snapshot test (test/http/admin-allowlist.test.ts).
 */
import { type Static, t } from 'elysia';
import type { AccessTokenView } from '../../services/access-tokens.ts';
import type { SessionView } from '../../services/sessions.ts';
import type { TokenView } from '../../services/tokens.ts';
import type { UserView } from '../../services/users.ts';

const timestamp = (description: string) => t.String({ format: 'date-time', description });
const nullableTimestamp = (description: string) => t.Union([t.String({ format: 'date-time' }), t.Null()], { description });
const usd = (description: string) => t.String({ description: `${description} Decimal US dollars, exact (up to 6 decimals).` });

export const roleSchema = t.Union([t.Literal('user'), t.Literal('admin'), t.Literal('root')]);
export const enabledStatusSchema = t.Union([t.Literal('enabled'), t.Literal('disabled')]);

export const userSchema = t.Object(
  {
    id: t.Integer(),
    username: t.String(),
    display_name: t.String(),
    email: t.Union([t.String(), t.Null()]),
    role: roleSchema,
    status: enabledStatusSchema,
    group: t.String({ description: 'Pricing group.' }),
    balance_usd: usd('Wallet balance.'),
    used_usd: usd('Spent so far.'),
    request_count: t.Integer(),
    created_at: timestamp('When the account was made.'),
    last_login_at: nullableTimestamp('Last successful sign-in.'),
  },
  { additionalProperties: false },
);

export function userView(user: UserView): Static<typeof userSchema> {
  return {
    id: user.id,
    username: user.username,
    display_name: user.displayName,
    email: user.email,
    role: user.role,
    status: user.status,
    group: user.group,
    balance_usd: user.balanceUsd,
    used_usd: user.usedUsd,
    request_count: user.requestCount,
    created_at: user.createdAt,
    last_login_at: user.lastLoginAt,
  };
}

export const tokenSchema = t.Object(
  {
    id: t.Integer(),
    name: t.String(),
    user_id: t.Integer(),
    username: t.String(),
    key_prefix: t.String({ description: 'The first characters of the key; the key itself is shown only once, at creation.' }),
    status: t.Union([t.Literal('enabled'), t.Literal('disabled'), t.Literal('expired'), t.Literal('exhausted')]),
    unlimited: t.Boolean(),
    quota_usd: t.Union([usd('Remaining budget.'), t.Null()], { description: 'Remaining budget; null when unlimited.' }),
    used_usd: usd('Spent with this key.'),
    request_count: t.Integer(),
    models: t.Array(t.String(), { description: 'Allowed models; empty means every model.' }),
    allow_ips: t.Array(t.String(), { description: 'Allowed client IPs and CIDRs; empty means any address.' }),
    group: t.Union([t.String(), t.Null()], { description: "Overrides the owner's group when set." }),
    expires_at: nullableTimestamp('Expiry; null means never.'),
    created_at: timestamp('When the key was made.'),
    accessed_at: nullableTimestamp('Last use.'),
  },
  { additionalProperties: false },
);

export function tokenView(token: TokenView): Static<typeof tokenSchema> {
  return {
    id: token.id,
    name: token.name,
    user_id: token.userId,
    username: token.username,
    key_prefix: token.keyPrefix,
    status: token.status,
    unlimited: token.unlimited,
    quota_usd: token.quotaUsd,
    used_usd: token.usedUsd,
    request_count: token.requestCount,
    models: token.models,
    allow_ips: token.allowIps,
    group: token.group,
    expires_at: token.expiresAt,
    created_at: token.createdAt,
    accessed_at: token.accessedAt,
  };
}

export const sessionSchema = t.Object(
  {
    id: t.String({ description: 'Handle for DELETE /api/auth/sessions/{id}; not the cookie.' }),
    created_at: timestamp('Sign-in time.'),
    last_seen_at: timestamp('Last request (updated at most once a minute).'),
    expires_at: timestamp('The sign-in ends then at the latest.'),
    ip: t.Union([t.String(), t.Null()]),
    user_agent: t.Union([t.String(), t.Null()]),
    current: t.Boolean({ description: 'The sign-in this request came with.' }),
  },
  { additionalProperties: false },
);

export function sessionView(session: SessionView): Static<typeof sessionSchema> {
  return {
    id: session.id,
    created_at: session.createdAt,
    last_seen_at: session.lastSeenAt,
    expires_at: session.expiresAt,
    ip: session.ip,
    user_agent: session.userAgent,
    current: session.current,
  };
}

export const accessTokenSchema = t.Object(
  {
    id: t.Integer(),
    name: t.String(),
    prefix: t.String({ description: 'gpat_ and the first characters; the token itself is shown only once, at creation.' }),
    status: t.Union([t.Literal('active'), t.Literal('expired')]),
    created_at: timestamp('When the token was made.'),
    last_used_at: nullableTimestamp('Last use (updated at most once a minute).'),
    expires_at: nullableTimestamp('Expiry; null means never.'),
  },
  { additionalProperties: false },
);

export function accessTokenView(token: AccessTokenView): Static<typeof accessTokenSchema> {
  return {
    id: token.id,
    name: token.name,
    prefix: token.prefix,
    status: token.status,
    created_at: token.createdAt,
    last_used_at: token.lastUsedAt,
    expires_at: token.expiresAt,
  };
}

export const idParams = t.Object({ id: t.Integer({ minimum: 1, maximum: 999_999_999_999_999 }) }, { additionalProperties: false });
