/**
 * Gateway API keys ("tokens", New API's name). A key is `sk-` + 48 base62 characters, returned in full once by
 * `create` and stored only as SHA-256 plus a display prefix (reliability.md G5). Every write runs in one
 * transaction that first bumps the `tokens` revision; on PostgreSQL that upsert locks one row, so a rename
 * checked inside the transaction cannot race another writer.
 */
import type { Db } from '../db/client.ts';
import { writeWithRevision } from '../db/repos/revisions.ts';
import {
  findTokenByHash,
  findTokenById,
  findTokensByName,
  insertToken,
  listTokens,
  pageTokens,
  setTokenQuota,
  softDeleteToken,
  TOKEN_STATUS,
  type TokenRow,
  type TokenSettingsPatch,
  type TokenWithOwner,
  updateTokenSettings,
} from '../db/repos/tokens.ts';
import type { PageWindow } from '../db/repos/search.ts';
import { DELETED_NAME_MARK, findFirstRoot, ROLE_NUMBERS, USER_ENABLED, type UserRow } from '../db/repos/users.ts';
import { conflict, GatewayError, invalidArgument, notFound } from '../errors/gateway-error.ts';
import { generateApiKey, parsePresentedKey } from '../security/keys.ts';
import type { Actor } from './actor.ts';
import { normalizeAllowIps } from './allow-ips.ts';
import type { ServiceContext } from './context.ts';
import { isoOrNull, parseExpiry } from './duration.ts';
import { formatUsd } from './money.ts';
import { parseCredit, requireUser, roleName, type UserRole, type UserStatus, validateGroup } from './users.ts';

export type TokenStatus = 'enabled' | 'disabled' | 'expired' | 'exhausted';

export interface TokenView {
  id: number;
  name: string;
  userId: number;
  username: string;
  /** The first characters of the key followed by "…"; the full key is never shown again. */
  keyPrefix: string;
  status: TokenStatus;
  unlimited: boolean;
  /** Remaining budget as a decimal USD string; null when unlimited. */
  quotaUsd: string | null;
  usedUsd: string;
  requestCount: number;
  /** Allowed models; empty = every model. */
  models: string[];
  /** Allowed client IPs and CIDRs; empty = any address. */
  allowIps: string[];
  /** Overrides the owner's group when set. */
  group: string | null;
  expiresAt: string | null;
  createdAt: string;
  accessedAt: string | null;
}

export interface CreateTokenInput {
  name: string;
  /** Owner id or username; default: the first enabled root user. */
  user?: string;
  /** Budget in USD. Excludes `unlimited`; when neither is given the key is unlimited. */
  quotaUsd?: string;
  unlimited?: boolean;
  /** `30d`, `12h`, `2w`, `YYYY-MM-DD` or `never` (the default). */
  expires?: string;
  models?: string[];
  allowIps?: string[];
  group?: string;
}

export interface TokenPatch {
  name?: string;
  /** Sets the remaining budget (and makes the key limited). Excludes `unlimited: true`. */
  quotaUsd?: string;
  unlimited?: boolean;
  expires?: string;
  /** An empty list allows every model again. */
  models?: string[];
  /** An empty list allows any address again. */
  allowIps?: string[];
  /** Empty string: use the owner's group again. */
  group?: string;
}

/** Which user's key a name refers to, when several users have one with that name. */
export interface TokenScope {
  user?: string;
  /**
   * Who acts (the admin API): the actor reaches its own keys and those of users below its role; any other key
   * answers not_found, exactly like a key that does not exist (reliability.md G11).
   */
  actor?: Actor;
}

export interface TokenSearch {
  /** Keys of this user (id or username) only. */
  user?: string;
  /** Literal text in the key's name (wildcards have no meaning). */
  search?: string;
}

/** What authentication needs about a presented key: plain values, money in micro-USD, no secrets. */
export interface VerifiedKey {
  token: {
    id: number;
    userId: number;
    name: string;
    status: TokenStatus;
    unlimited: boolean;
    balance: number;
    held: number;
    models: string[];
    allowIps: string[];
    group: string | null;
    crossGroupRetry: boolean;
    expiresAt: number | null;
  };
  owner: { id: number; username: string; role: UserRole; status: UserStatus; group: string; balance: number; held: number };
  /** The channel pinned with `sk-KEY-<id>` (admins only; the caller checks). */
  channelId: number | undefined;
}

export interface TokenService {
  /** With an actor, the owner defaults to the actor and may only be the actor or a user below its role. */
  create(input: CreateTokenInput, actor?: Actor): Promise<{ token: TokenView; key: string }>;
  list(filter?: TokenScope): Promise<TokenView[]>;
  /** One page of keys, by id, with the total that match; with an actor, only the keys it may reach. */
  page(search: TokenSearch, window: PageWindow, actor?: Actor): Promise<{ tokens: TokenView[]; total: number }>;
  /** `ref` is an id (digits) or a name. */
  get(ref: string, scope?: TokenScope): Promise<TokenView>;
  update(ref: string, patch: TokenPatch, scope?: TokenScope): Promise<TokenView>;
  setEnabled(ref: string, enabled: boolean, scope?: TokenScope): Promise<TokenView>;
  /** Soft delete: the key stops working at once. */
  remove(ref: string, scope?: TokenScope): Promise<TokenView>;
  /** The key and its owner for a presented credential; undefined for an unknown, removed or malformed key. */
  verify(presentedKey: string): Promise<VerifiedKey | undefined>;
}

const MAX_NAME_LENGTH = 50;
const MAX_LIST_ENTRIES = 256;
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

export function validateTokenName(name: string, field = '--name'): string {
  const value = name.trim();
  if (value === '' || value.length > MAX_NAME_LENGTH || CONTROL.test(value)) {
    throw invalidArgument(field, `${field} must be 1-${MAX_NAME_LENGTH} characters without control characters`);
  }
  if (/^\d+$/.test(value)) throw invalidArgument(field, `${field} "${value}" must not be all digits (digits refer to a key id)`);
  if (value.includes(DELETED_NAME_MARK)) throw invalidArgument(field, `${field} must not contain "${DELETED_NAME_MARK}"`);
  return value;
}

/** Model names, trimmed and without duplicates. */
export function normalizeModels(models: readonly string[], field = '--models'): string[] {
  const result = [...new Set(models.map((model) => model.trim()))];
  if (result.length > MAX_LIST_ENTRIES) throw invalidArgument(field, `${field} takes at most ${MAX_LIST_ENTRIES} models`);
  for (const model of result) {
    if (model === '' || model.length > 128 || model.includes(',') || CONTROL.test(model)) {
      throw invalidArgument(field, `${field} has an invalid model name "${model}"; give names separated by commas, like gpt-4o,claude-sonnet-4`);
    }
  }
  return result;
}

/** Reads a JSON text column holding an array of strings; anything else reads as empty. */
function readStringList(text: string): string[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return [];
  }
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

/** Expiry is computed from the clock, so a key expires on time even before anything records it. */
export function tokenStatus(row: TokenRow, now: number): TokenStatus {
  if (row.status === TOKEN_STATUS.disabled) return 'disabled';
  if (row.status === TOKEN_STATUS.expired || (row.expiresAt !== null && row.expiresAt <= now)) return 'expired';
  if (row.status === TOKEN_STATUS.exhausted || (!row.unlimited && row.balance <= 0)) return 'exhausted';
  return 'enabled';
}

export function toTokenView(row: TokenRow, username: string, now: number): TokenView {
  return {
    id: row.id,
    name: row.name,
    userId: row.userId,
    username,
    keyPrefix: `${row.keyPrefix}…`,
    status: tokenStatus(row, now),
    unlimited: row.unlimited,
    quotaUsd: row.unlimited ? null : formatUsd(row.balance),
    usedUsd: formatUsd(row.usedAmount),
    requestCount: row.requestCount,
    models: readStringList(row.models),
    allowIps: readStringList(row.allowIps),
    group: row.group,
    expiresAt: isoOrNull(row.expiresAt),
    createdAt: new Date(row.createdAt).toISOString(),
    accessedAt: isoOrNull(row.accessedAt),
  };
}

/** A key's group decides its prices: choosing it is an administrator's decision, not the key owner's. */
function assertMayChooseGroup(actor: Actor | undefined, group: string | undefined): void {
  if (actor === undefined || actor.role !== 'user' || group === undefined) return;
  throw new GatewayError({ code: 'forbidden', field: '--group', message: "only an administrator can set a key's group; leave it out to use your own group" });
}

function exclusiveQuota(): GatewayError {
  return invalidArgument('--quota', '--quota and --unlimited exclude each other; pass only one of them');
}

function nameTaken(name: string, owner: string): GatewayError {
  return conflict('--name', `user "${owner}" already has a key named "${name}"; choose another --name, or see it with: gateway token show ${name} --user ${owner}`);
}

export function createTokenService(context: ServiceContext): TokenService {
  const { store, clock } = context;

  const write = <T>(fn: (db: Db, now: number) => Promise<T>): Promise<T> => writeWithRevision(store, 'tokens', clock.now, fn);

  const resolveOwner = async (db: Db, ref: string | undefined): Promise<UserRow> => {
    if (ref === undefined) {
      const root = await findFirstRoot(store, db);
      if (root === undefined) throw notFound('there is no enabled root user to own the key; pass --user USER (list users with: gateway user list)');
      return root;
    }
    const owner = await requireUser(store, db, ref, '--user');
    if (owner.status !== USER_ENABLED) {
      throw invalidArgument('--user', `--user "${owner.username}" is disabled; enable it first with: gateway user enable ${owner.username}`);
    }
    return owner;
  };

  const reaches = (actor: Actor | undefined, owner: { userId: number; role: number }): boolean =>
    actor === undefined || owner.userId === actor.userId || owner.role < ROLE_NUMBERS[actor.role];

  const resolveToken = async (db: Db, ref: string, scope: TokenScope = {}): Promise<TokenWithOwner> => {
    const owner = scope.user === undefined ? undefined : await requireUser(store, db, scope.user, '--user');
    const value = ref.trim();
    const ofOwner = owner === undefined ? '' : ` of user "${owner.username}"`;
    const visible = (found: TokenWithOwner): boolean => reaches(scope.actor, { userId: found.token.userId, role: found.ownerRole });
    if (/^\d{1,15}$/.test(value)) {
      const found = await findTokenById(store, db, Number(value));
      if (found === undefined || (owner !== undefined && found.token.userId !== owner.id) || !visible(found)) {
        throw notFound(`no key with id ${value}${ofOwner}; list keys with: gateway token list`);
      }
      return found;
    }
    const matches = (await findTokensByName(store, db, value, owner?.id)).filter(visible);
    const [first] = matches;
    if (first === undefined) throw notFound(`no key named "${value}"${ofOwner}; list keys with: gateway token list`);
    if (matches.length > 1) {
      const choices = matches.map((match) => `${match.token.id} (user ${match.username})`).join(', ');
      throw invalidArgument('--user', `several users have a key named "${value}": ids ${choices}; pass --user USER or use the id`);
    }
    return first;
  };

  const assertNameFree = async (db: Db, name: string, owner: { id: number; username: string }, exceptId?: number): Promise<void> => {
    const existing = await findTokensByName(store, db, name, owner.id);
    if (existing.some((match) => match.token.id !== exceptId)) throw nameTaken(name, owner.username);
  };

  return {
    async create(input, actor) {
      const name = validateTokenName(input.name);
      assertMayChooseGroup(actor, input.group);
      if (input.quotaUsd !== undefined && input.unlimited === true) throw exclusiveQuota();
      const unlimited = input.unlimited ?? input.quotaUsd === undefined;
      if (!unlimited && input.quotaUsd === undefined) throw invalidArgument('--quota', 'a limited key needs --quota USD (or pass --unlimited)');
      const quota = input.quotaUsd === undefined ? 0 : parseCredit(input.quotaUsd, '--quota', { allowZero: true });
      const expiresAt = input.expires === undefined ? null : parseExpiry(input.expires, clock.now());
      const models = normalizeModels(input.models ?? []);
      const allowIps = normalizeAllowIps(input.allowIps ?? []);
      const group = input.group === undefined || input.group === '' ? null : validateGroup(input.group);
      const key = generateApiKey();
      const created = await write(async (db, now) => {
        const owner = await resolveOwner(db, input.user ?? (actor === undefined ? undefined : String(actor.userId)));
        if (!reaches(actor, { userId: owner.id, role: owner.role })) {
          throw new GatewayError({ code: 'not_found', field: '--user', message: `--user: no user "${input.user ?? ''}"` });
        }
        await assertNameFree(db, name, owner);
        const row = await insertToken(store, db, {
          userId: owner.id,
          name,
          keyHash: key.hash,
          keyPrefix: key.prefix,
          unlimited,
          balance: quota,
          models: JSON.stringify(models),
          allowIps: JSON.stringify(allowIps),
          group,
          expiresAt,
          createdAt: now,
          updatedAt: now,
        });
        if (row === undefined) throw nameTaken(name, owner.username);
        return toTokenView(row, owner.username, now);
      });
      return { token: created, key: key.key };
    },

    async list(filter = {}) {
      const owner = filter.user === undefined ? undefined : await requireUser(store, store.db, filter.user, '--user');
      const now = clock.now();
      return (await listTokens(store, owner?.id)).map((found) => toTokenView(found.token, found.username, now));
    },

    async page(search, window, actor) {
      const owner = search.user === undefined ? undefined : await requireUser(store, store.db, search.user, '--user');
      const { rows, total } = await pageTokens(
        store,
        {
          userId: owner?.id,
          visibleTo: actor === undefined ? undefined : { userId: actor.userId, roleBelow: ROLE_NUMBERS[actor.role] },
          search: search.search,
        },
        window,
      );
      const now = clock.now();
      return { tokens: rows.map((found) => toTokenView(found.token, found.username, now)), total };
    },

    async get(ref, scope) {
      const found = await resolveToken(store.db, ref, scope);
      return toTokenView(found.token, found.username, clock.now());
    },

    async update(ref, patch, scope) {
      assertMayChooseGroup(scope?.actor, patch.group);
      if (patch.quotaUsd !== undefined && patch.unlimited === true) throw exclusiveQuota();
      const settings: TokenSettingsPatch = {};
      if (patch.name !== undefined) settings.name = validateTokenName(patch.name);
      if (patch.unlimited !== undefined) settings.unlimited = patch.unlimited;
      if (patch.expires !== undefined) settings.expiresAt = parseExpiry(patch.expires, clock.now());
      if (patch.models !== undefined) settings.models = JSON.stringify(normalizeModels(patch.models));
      if (patch.allowIps !== undefined) settings.allowIps = JSON.stringify(normalizeAllowIps(patch.allowIps));
      if (patch.group !== undefined) settings.group = patch.group === '' ? null : validateGroup(patch.group);
      const quota = patch.quotaUsd === undefined ? undefined : parseCredit(patch.quotaUsd, '--quota', { allowZero: true });
      if (Object.keys(settings).length === 0 && quota === undefined) {
        throw invalidArgument('patch', 'nothing to change; pass at least one of --name, --quota, --unlimited, --expires, --models, --allow-ips, --group');
      }
      return write(async (db, now) => {
        const found = await resolveToken(db, ref, scope);
        let row = found.token;
        if (settings.name !== undefined && settings.name !== row.name) {
          await assertNameFree(db, settings.name, { id: row.userId, username: found.username }, row.id);
        }
        // A status recorded as expired or exhausted is lifted when the change removes its cause.
        if (row.status === TOKEN_STATUS.expired && settings.expiresAt !== undefined) settings.status = TOKEN_STATUS.enabled;
        if (row.status === TOKEN_STATUS.exhausted && settings.unlimited === true) settings.status = TOKEN_STATUS.enabled;
        if (Object.keys(settings).length > 0) {
          const updated = await updateTokenSettings(store, db, row.id, settings, now);
          if (updated === undefined) throw notFound(`key "${ref}" was removed meanwhile`);
          row = updated;
        }
        if (quota !== undefined) {
          const updated = await setTokenQuota(store, db, row.id, quota, now);
          if (updated === undefined) {
            throw conflict('--quota', `--quota cannot go below the $${formatUsd(row.held)} held by requests in flight; retry in a moment`);
          }
          row = updated;
        }
        return toTokenView(row, found.username, now);
      });
    },

    async setEnabled(ref, enabled, scope) {
      return write(async (db, now) => {
        const found = await resolveToken(db, ref, scope);
        const wanted = enabled ? TOKEN_STATUS.enabled : TOKEN_STATUS.disabled;
        if (found.token.status === wanted) return toTokenView(found.token, found.username, now);
        const updated = await updateTokenSettings(store, db, found.token.id, { status: wanted }, now);
        if (updated === undefined) throw notFound(`key "${ref}" was removed meanwhile`);
        return toTokenView(updated, found.username, now);
      });
    },

    async remove(ref, scope) {
      return write(async (db, now) => {
        const found = await resolveToken(db, ref, scope);
        const removed = await softDeleteToken(store, db, found.token, now);
        if (removed === undefined) throw notFound(`key "${ref}" was removed meanwhile`);
        // The view keeps the name the operator knows, not the suffixed one that frees it.
        return { ...toTokenView(removed, found.username, now), name: found.token.name };
      });
    },

    async verify(presentedKey) {
      const parsed = parsePresentedKey(presentedKey);
      if (parsed === undefined) return undefined;
      const found = await findTokenByHash(store, parsed.hash);
      if (found === undefined) return undefined;
      const { token, owner } = found;
      return {
        token: {
          id: token.id,
          userId: token.userId,
          name: token.name,
          status: tokenStatus(token, clock.now()),
          unlimited: token.unlimited,
          balance: token.balance,
          held: token.held,
          models: readStringList(token.models),
          allowIps: readStringList(token.allowIps),
          group: token.group,
          crossGroupRetry: token.crossGroupRetry,
          expiresAt: token.expiresAt,
        },
        owner: {
          id: owner.id,
          username: owner.username,
          role: roleName(owner.role),
          status: owner.status === USER_ENABLED ? 'enabled' : 'disabled',
          group: owner.group,
          balance: owner.balance,
          held: owner.held,
        },
        channelId: parsed.channelId,
      };
    },
  };
}
