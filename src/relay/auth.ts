/**
 * Authentication of gateway keys on the relay routes (docs/domain.md 2.1 and 7.2). The checks run in a fixed
 * order, and each failure is a GatewayError that says what to do:
 *   1. a key is present and known (401; unknown, malformed and removed keys get byte-identical bodies, so the
 *      answer never tells a guesser which of them it hit — reliability.md A5);
 *   2. the key is enabled (401), 3. not expired (401), 4. has quota left (429 quota_exhausted);
 *   5. the client address is in the key's allowlist (403), 6. its owner is enabled (403);
 *   7. a `-<channelId>` pin comes from an administrator (403).
 * The model check needs the parsed body, so it is the separate `checkModelAllowed`.
 *
 * Verified keys are cached for at most one second (and dropped at once by `invalidate()`, which the daemon
 * calls when the `tokens` or `users` counters move). Time-based checks read the clock on every request, so a
 * key expires on the millisecond even while cached (reliability.md O3).
 */
import type { Clock } from '../clock.ts';
import { GatewayError } from '../errors/gateway-error.ts';
import { parsePresentedKey } from '../security/keys.ts';
import type { TokenService, VerifiedKey } from '../services/tokens.ts';
import type { UserRole } from '../services/users.ts';
import { extractCredential } from './credentials.ts';
import { createFailedKeyLimiter, type FailedKeyLimiter } from './failed-key-limiter.ts';
import { compileAllowlist, type IpAllowlist } from './ip-allowlist.ts';

/** Who is calling, as plain values for the pipeline, billing and the log. */
export interface AuthResult {
  readonly tokenId: number;
  readonly tokenName: string;
  readonly userId: number;
  readonly username: string;
  readonly role: UserRole;
  /** The key's group, else its owner's: the group used for routing and pricing. */
  readonly group: string;
  /** Models the key may use; empty means every model. */
  readonly models: readonly string[];
  /** Channel pinned with `sk-KEY-<id>` (only ever set for admins and root). */
  readonly pinnedChannelId: number | undefined;
  readonly unlimited: boolean;
  /** Budget left on the key (balance − held, micro-USD) when authenticated; undefined when unlimited. */
  readonly remaining: number | undefined;
  readonly crossGroupRetry: boolean;
  /** Epoch milliseconds, or undefined for a key that never expires. */
  readonly expiresAt: number | undefined;
}

export interface AuthContext {
  /** Request path without the query string. */
  readonly path: string;
  /** The client address after trusted-proxy handling; undefined when unknown. */
  readonly clientIp: string | undefined;
}

export interface KeyAuthenticator {
  authenticate(request: Request, context: AuthContext): Promise<AuthResult>;
  /** Forgets every cached key; wire it to the `tokens` and `users` change counters. */
  invalidate(): void;
}

export interface KeyAuthenticatorDeps {
  readonly tokens: Pick<TokenService, 'verify'>;
  readonly clock: Clock;
  /** How long a verified key is reused without a lookup; at most 1 000 ms (reliability.md 2.7.1). */
  readonly cacheTtlMs?: number;
  readonly cacheMaxEntries?: number;
  readonly limiter?: FailedKeyLimiter;
}

/** A 429 that carries how long to wait, for the `Retry-After` header. */
export class RetryAfterError extends GatewayError {
  declare readonly retryAfterSeconds: number;

  constructor(options: { message: string; retryAfterSeconds: number }) {
    super({ code: 'rate_limited', message: options.message, retryAfterSeconds: options.retryAfterSeconds });
  }
}

const MAX_CACHE_TTL_MS = 1_000;
const DEFAULT_CACHE_ENTRIES = 10_000;

// One message for every key that does not resolve (unknown, malformed, removed), built once so the bodies
// are byte-identical by construction.
const UNKNOWN_KEY_MESSAGE =
  'invalid API key; check the key your client sends (Authorization: Bearer sk-…), or create one with: gateway token create --name NAME';
const MISSING_KEY_MESSAGE =
  'no API key; send one as Authorization: Bearer sk-… (Anthropic clients: x-api-key; Gemini clients: x-goog-api-key or ?key=)';

interface CachedKey {
  readonly verified: VerifiedKey;
  readonly allowlist: IpAllowlist;
  readonly cachedAt: number;
}

function unauthorized(message: string): GatewayError {
  return new GatewayError({ code: 'unauthorized', message });
}

function forbidden(message: string): GatewayError {
  return new GatewayError({ code: 'forbidden', message });
}

/** Runs the checks that do not depend on the lookup, in the documented order, on fresh or cached data. */
function checkKey(cached: CachedKey, pinnedChannelId: number | undefined, clientIp: string | undefined, now: number): AuthResult {
  const { token, owner } = cached.verified;
  const name = JSON.stringify(token.name);
  if (token.status === 'disabled') {
    throw unauthorized(`API key ${name} is disabled; its owner can enable it again with: gateway token enable ${name}`);
  }
  if (token.status === 'expired' || (token.expiresAt !== null && token.expiresAt <= now)) {
    const when = token.expiresAt === null ? '' : ` at ${new Date(token.expiresAt).toISOString()}`;
    throw unauthorized(`API key ${name} expired${when}; extend it with: gateway token update ${name} --expires 30d`);
  }
  const remaining = token.unlimited ? undefined : token.balance - token.held;
  if (token.status === 'exhausted' || (remaining !== undefined && remaining <= 0)) {
    throw new GatewayError({
      code: 'quota_exhausted',
      message: `API key ${name} has no quota left; raise it with: gateway token update ${name} --quota USD (or --unlimited)`,
    });
  }
  if (!cached.allowlist.allows(clientIp)) {
    throw forbidden(
      `API key ${name} does not accept requests from ${clientIp ?? 'an unknown address'}; allow it with: gateway token update ${name} --allow-ips …`,
    );
  }
  if (owner.status !== 'enabled') {
    throw forbidden(`the account that owns API key ${name} is disabled; an administrator can enable it with: gateway user enable USER`);
  }
  if (pinnedChannelId !== undefined && owner.role === 'user') {
    throw forbidden(`only administrators can pin a channel; remove the -${pinnedChannelId} suffix from the key`);
  }
  return {
    tokenId: token.id,
    tokenName: token.name,
    userId: owner.id,
    username: owner.username,
    role: owner.role,
    group: token.group ?? owner.group,
    models: token.models,
    pinnedChannelId,
    unlimited: token.unlimited,
    remaining,
    crossGroupRetry: token.crossGroupRetry,
    expiresAt: token.expiresAt ?? undefined,
  };
}

export function createKeyAuthenticator(deps: KeyAuthenticatorDeps): KeyAuthenticator {
  const ttlMs = Math.min(Math.max(0, deps.cacheTtlMs ?? MAX_CACHE_TTL_MS), MAX_CACHE_TTL_MS);
  const maxEntries = deps.cacheMaxEntries ?? DEFAULT_CACHE_ENTRIES;
  const limiter = deps.limiter ?? createFailedKeyLimiter({ clock: deps.clock });
  // Keyed by the key's SHA-256 (never the key itself), like the database.
  const cache = new Map<string, CachedKey>();

  const lookup = async (presented: string, hash: string, now: number): Promise<CachedKey | undefined> => {
    const hit = cache.get(hash);
    if (hit !== undefined && now - hit.cachedAt < ttlMs) return hit;
    cache.delete(hash);
    const verified = await deps.tokens.verify(presented);
    if (verified === undefined) return undefined;
    const entry: CachedKey = { verified, allowlist: compileAllowlist(verified.token.allowIps), cachedAt: now };
    if (ttlMs > 0) {
      // Oldest first in a Map: dropping the first entry keeps the cache bounded.
      if (cache.size >= maxEntries) {
        const oldest = cache.keys().next();
        if (oldest.done !== true) cache.delete(oldest.value);
      }
      cache.set(hash, entry);
    }
    return entry;
  };

  return {
    async authenticate(request, context) {
      const credential = extractCredential(request, context.path);
      if (credential === undefined) throw unauthorized(MISSING_KEY_MESSAGE);
      const blocked = limiter.blockedFor(context.clientIp);
      if (blocked !== undefined) {
        throw new RetryAfterError({
          message: `too many invalid API keys from this address; retry in ${blocked} s with a valid key`,
          retryAfterSeconds: blocked,
        });
      }
      const parsed = parsePresentedKey(credential.value);
      const now = deps.clock.now();
      const found = parsed === undefined ? undefined : await lookup(credential.value, parsed.hash, now);
      if (parsed === undefined || found === undefined) {
        limiter.recordFailure(context.clientIp);
        throw unauthorized(UNKNOWN_KEY_MESSAGE);
      }
      return checkKey(found, parsed.channelId, context.clientIp, now);
    },
    invalidate() {
      cache.clear();
    },
  };
}

/**
 * The key's model list (docs/domain.md 7.2 step 4), checked once the body names the model. The requested
 * name is checked, not an alias target or a channel's mapped name: limits are written in the names clients use.
 */
export function checkModelAllowed(auth: Pick<AuthResult, 'models' | 'tokenName'>, model: string): void {
  if (auth.models.length === 0 || auth.models.includes(model)) return;
  throw new GatewayError({
    code: 'model_not_allowed',
    message: `This token has no access to model ${model}; it may use ${auth.models.join(', ')} (change with: gateway token update ${JSON.stringify(auth.tokenName)} --models …)`,
  });
}
