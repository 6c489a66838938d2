/**
 * Redemption codes (domain.md 8.2): an operator creates up to 100 single-use codes worth an amount; a user's
 * wallet is credited when one is redeemed. A code is shown in full once, at creation, and stored as SHA-256
 * plus an 8-character display prefix (reliability.md G5).
 *
 * Redeeming is one transaction (reliability.md G3 and 2.1.7): a conditional UPDATE claims the code (unused
 * and unexpired at the injected clock's `now`) and only the statement's row count says who won; then the
 * wallet is credited through the ledger with the external id `redeem:<id>`, whose unique index would refuse a
 * second credit even if a claim ever slipped through. A failure after the claim rolls the claim back too.
 *
 * References (`REF`) are a code's id, its 8-character display prefix (with or without the trailing "…"), or
 * the full code. Names are labels for a batch and are not unique, so they are not references.
 */
import type { Clock } from '../clock.ts';
import type { Db } from '../db/client.ts';
import {
  claimRedemption,
  deleteUnredeemed,
  disableRedemption,
  findRedemptionByHash,
  findRedemptionById,
  insertRedemptions,
  listRedemptions,
  pageRedemptions,
  REDEMPTION_STATUS,
  type RedemptionFilter,
  type RedemptionRow,
} from '../db/repos/redemptions.ts';
import { bumpRevision } from '../db/repos/revisions.ts';
import type { PageWindow } from '../db/repos/search.ts';
import { creditUser } from '../db/repos/users.ts';
import { conflict, GatewayError, invalidArgument, isGatewayError, notFound } from '../errors/gateway-error.ts';
import { generateRedemptionCode, hashPresentedCode, REDEMPTION_PREFIX_LENGTH } from '../security/redemption-codes.ts';
import type { ServiceContext } from './context.ts';
import { isoOrNull, parseExpiry } from './duration.ts';
import { formatUsd } from './money.ts';
import { createSignInLimiter, type SignInLimits } from './sign-in-limiter.ts';
import { parseCredit, requireUser, toUserView, type UserView } from './users.ts';

export type RedemptionStatus = 'unused' | 'disabled' | 'used' | 'expired';

export interface RedemptionView {
  id: number;
  name: string;
  /** The first characters of the code followed by "…"; the full code is never shown again. */
  prefix: string;
  /** `expired` is an unused code past its expiry. */
  status: RedemptionStatus;
  /** Decimal USD string, exact. */
  amountUsd: string;
  createdBy: number | null;
  usedBy: number | null;
  createdAt: string;
  redeemedAt: string | null;
  expiresAt: string | null;
}

export interface CreateRedemptionsInput {
  /** Amount each code credits, decimal USD (more than 0, at most 6 decimals). */
  amountUsd: string;
  /** How many codes, 1-100 (default 1). */
  count?: number;
  /** A label for the batch (not unique). */
  name?: string;
  /** `30d`, `12h`, `2w`, `YYYY-MM-DD` or `never` (the default). */
  expires?: string;
  /** The user id of the creator, when known. */
  createdBy?: number;
}

export interface CreatedRedemptions {
  /** The full codes, in the order of `redemptions`; shown only this once. */
  codes: string[];
  redemptions: RedemptionView[];
}

export interface RedeemResult {
  redemption: RedemptionView;
  user: UserView;
  amountUsd: string;
}

/**
 * Guessing codes through the API (reliability.md G3): failed redemptions are counted per user and per client
 * address, and past the limit further tries are refused (429 with Retry-After) before any code is looked at.
 */
export interface RedeemLimiter {
  check(userId: number, address: string | undefined): void;
  recordFailure(userId: number, address: string | undefined): void;
}

/** 10 failed codes per user or 50 per address in 15 minutes; a success does not clear the count. */
export const DEFAULT_REDEEM_LIMITS: SignInLimits = { accountFailures: 10, addressFailures: 50, windowMs: 15 * 60_000 };

export interface RedemptionService {
  create(input: CreateRedemptionsInput): Promise<CreatedRedemptions>;
  list(filter?: { status?: string }): Promise<RedemptionView[]>;
  /** One page of codes, newest first, filtered by status and by a literal search in the batch name. */
  page(filter: { status?: string; search?: string }, window: PageWindow): Promise<{ redemptions: RedemptionView[]; total: number }>;
  /** `ref`: an id, an 8-character prefix or the full code. */
  get(ref: string): Promise<RedemptionView>;
  /** An unused code can no longer be redeemed; disabling a disabled code changes nothing. */
  disable(ref: string): Promise<RedemptionView>;
  /** Deletes a code that was never redeemed (a used code stays as the record of its credit). */
  remove(ref: string): Promise<RedemptionView>;
  /**
   * Claims `code` for the user (id or username) and credits its amount, exactly once. With a limiter, a user or
   * address past its failure limit is refused first, and every refused code counts against both.
   */
  redeem(userRef: string, code: string, guard?: { limiter: RedeemLimiter; address: string | undefined }): Promise<RedeemResult>;
}

/** The failure counting of sign-in (src/services/sign-in-limiter.ts) with its own counters and message. */
export function createRedeemLimiter(clock: Clock, limits: SignInLimits = DEFAULT_REDEEM_LIMITS): RedeemLimiter {
  const counter = createSignInLimiter(clock, limits);
  const account = (userId: number): string => `redeem:${userId}`;
  return {
    check(userId, address) {
      try {
        counter.check(account(userId), address);
      } catch (error) {
        if (!isGatewayError(error) || error.code !== 'rate_limited') throw error;
        const wait = error.retryAfterSeconds ?? 60;
        throw new GatewayError({
          code: 'rate_limited',
          retryAfterSeconds: wait,
          message: `too many invalid redemption codes were tried; try again in ${Math.ceil(wait / 60)} minute(s), and check the code you were given`,
        });
      }
    },
    recordFailure(userId, address) {
      counter.recordFailure(account(userId), address);
    },
  };
}

export const MAX_REDEMPTION_BATCH = 100;
const MAX_NAME_LENGTH = 50;
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const STATUSES: readonly RedemptionStatus[] = ['unused', 'disabled', 'used', 'expired'];
const LIST_HINT = 'list codes with: gateway redeem list';
// One answer for unknown, used and disabled codes: whoever holds a wrong code learns nothing about the others.
const INVALID_CODE_MESSAGE = 'invalid redemption code: it does not exist, was already redeemed or was disabled; check the code you were given';

export function redemptionStatus(row: RedemptionRow, now: number): RedemptionStatus {
  if (row.status === REDEMPTION_STATUS.used) return 'used';
  if (row.status === REDEMPTION_STATUS.disabled) return 'disabled';
  if (row.expiresAt !== null && row.expiresAt <= now) return 'expired';
  return 'unused';
}

export function toRedemptionView(row: RedemptionRow, now: number): RedemptionView {
  return {
    id: row.id,
    name: row.name,
    prefix: `${row.codePrefix}…`,
    status: redemptionStatus(row, now),
    amountUsd: formatUsd(row.amount),
    createdBy: row.createdBy,
    usedBy: row.usedBy,
    createdAt: new Date(row.createdAt).toISOString(),
    redeemedAt: isoOrNull(row.redeemedAt),
    expiresAt: isoOrNull(row.expiresAt),
  };
}

function parseCount(count: number | undefined): number {
  if (count === undefined) return 1;
  if (!Number.isInteger(count) || count < 1 || count > MAX_REDEMPTION_BATCH) {
    throw invalidArgument('--count', `--count must be a whole number from 1 to ${MAX_REDEMPTION_BATCH} (got ${count})`);
  }
  return count;
}

function parseName(name: string | undefined): string {
  if (name === undefined) return '';
  const value = name.trim();
  if (value.length > MAX_NAME_LENGTH || CONTROL.test(value)) {
    throw invalidArgument('--name', `--name must be at most ${MAX_NAME_LENGTH} characters without control characters`);
  }
  return value;
}

function parseStatus(status: string): RedemptionStatus {
  const found = STATUSES.find((candidate) => candidate === status.trim());
  if (found === undefined) throw invalidArgument('--status', `--status must be one of ${STATUSES.join(', ')} (got "${status}")`);
  return found;
}

function shown(row: RedemptionRow): string {
  return `${row.codePrefix}… (id ${row.id})`;
}

export function createRedemptionService(context: ServiceContext): RedemptionService {
  const { store, clock } = context;

  const resolve = async (db: Db, ref: string): Promise<RedemptionRow> => {
    const value = ref.trim().replace(/(?:…|\.\.\.)$/, '');
    if (/^\d{1,15}$/.test(value)) {
      const byId = await findRedemptionById(store, db, Number(value));
      if (byId !== undefined) return byId;
      // A prefix may happen to be all digits; an id that does not exist is tried as one.
      if (value.length !== REDEMPTION_PREFIX_LENGTH) throw notFound(`no redemption code with id ${value}; ${LIST_HINT}`);
    }
    const hash = hashPresentedCode(value);
    if (hash !== undefined) {
      const byCode = await findRedemptionByHash(store, db, hash);
      if (byCode === undefined) throw notFound(`no such redemption code; ${LIST_HINT}`);
      return byCode;
    }
    if (!new RegExp(`^[0-9A-Za-z]{${REDEMPTION_PREFIX_LENGTH}}$`).test(value)) {
      throw invalidArgument('REF', `"${ref}" is not a code id, a ${REDEMPTION_PREFIX_LENGTH}-character code prefix or a code; ${LIST_HINT}`);
    }
    const matches = await listRedemptions(store, { prefix: value }, clock.now());
    const [first] = matches;
    if (first === undefined) throw notFound(`no redemption code starting with ${value}; ${LIST_HINT}`);
    if (matches.length > 1) {
      throw invalidArgument('REF', `several codes start with ${value}: ids ${matches.map((match) => match.id).join(', ')}; use the id`);
    }
    return first;
  };

  /** Why a claim changed nothing: an expired code may say so; unknown, used and disabled codes look alike. */
  const refusal = async (db: Db, hash: string, now: number): Promise<GatewayError> => {
    const row = await findRedemptionByHash(store, db, hash);
    if (row !== undefined && redemptionStatus(row, now) === 'expired' && row.expiresAt !== null) {
      return invalidArgument('CODE', `redemption code ${row.codePrefix}… expired at ${new Date(row.expiresAt).toISOString()}; ask for a new code`);
    }
    return invalidArgument('CODE', INVALID_CODE_MESSAGE);
  };

  return {
    async create(input) {
      const amount = parseCredit(input.amountUsd, '--amount');
      const count = parseCount(input.count);
      const name = parseName(input.name);
      const now = clock.now();
      const expiresAt = input.expires === undefined ? null : parseExpiry(input.expires, now);
      const generated = Array.from({ length: count }, () => generateRedemptionCode());
      const rows = await store.transaction((db) =>
        insertRedemptions(
          store,
          db,
          generated.map((code) => ({
            name,
            codeHash: code.hash,
            codePrefix: code.prefix,
            status: REDEMPTION_STATUS.unused,
            amount,
            createdBy: input.createdBy ?? null,
            createdAt: now,
            expiresAt,
          })),
        ),
      );
      // Match each code to its row by digest: the order of RETURNING is not something to rely on.
      const byHash = new Map(rows.map((row) => [row.codeHash, row]));
      const ordered = generated.map((code) => {
        const row = byHash.get(code.hash);
        if (row === undefined) throw new GatewayError({ code: 'internal_error', message: 'a created redemption code was not returned by the database' });
        return { code: code.code, row };
      });
      ordered.sort((left, right) => left.row.id - right.row.id);
      return { codes: ordered.map((entry) => entry.code), redemptions: ordered.map((entry) => toRedemptionView(entry.row, now)) };
    },

    async list(filter = {}) {
      const query: RedemptionFilter = filter.status === undefined ? {} : { status: parseStatus(filter.status) };
      const now = clock.now();
      return (await listRedemptions(store, query, now)).map((row) => toRedemptionView(row, now));
    },

    async page(filter, window) {
      const now = clock.now();
      const status = filter.status === undefined ? undefined : parseStatus(filter.status);
      const { rows, total } = await pageRedemptions(store, { status, search: filter.search }, now, window);
      return { redemptions: rows.map((row) => toRedemptionView(row, now)), total };
    },

    async get(ref) {
      return toRedemptionView(await resolve(store.db, ref), clock.now());
    },

    async disable(ref) {
      const row = await resolve(store.db, ref);
      if (row.status === REDEMPTION_STATUS.disabled) return toRedemptionView(row, clock.now());
      const updated = await store.write((db) => disableRedemption(store, db, row.id));
      if (updated !== undefined) return toRedemptionView(updated, clock.now());
      const current = await findRedemptionById(store, store.db, row.id);
      if (current === undefined) throw notFound(`redemption code ${shown(row)} was removed meanwhile`);
      if (current.status === REDEMPTION_STATUS.disabled) return toRedemptionView(current, clock.now());
      throw conflict('REF', `redemption code ${shown(row)} was already redeemed; there is nothing to disable`);
    },

    async remove(ref) {
      const row = await resolve(store.db, ref);
      const removed = row.status === REDEMPTION_STATUS.used ? undefined : await store.write((db) => deleteUnredeemed(store, db, row.id));
      if (removed !== undefined) return toRedemptionView(removed, clock.now());
      if ((await findRedemptionById(store, store.db, row.id)) === undefined) throw notFound(`redemption code ${shown(row)} was removed meanwhile`);
      throw conflict('REF', `redemption code ${shown(row)} was redeemed and stays as the record of that credit; it cannot be redeemed again`);
    },

    async redeem(userRef, code, guard) {
      if (guard === undefined) return redeemOnce(userRef, code);
      const user = await requireUser(store, store.db, userRef, 'USER');
      guard.limiter.check(user.id, guard.address);
      try {
        return await redeemOnce(String(user.id), code);
      } catch (error) {
        // Unknown, used, disabled, expired and malformed codes all count; a database failure does not.
        if (isGatewayError(error) && error.field === 'CODE') guard.limiter.recordFailure(user.id, guard.address);
        throw error;
      }
    },
  };

  async function redeemOnce(userRef: string, code: string): Promise<RedeemResult> {
    const hash = hashPresentedCode(code);
    if (hash === undefined) throw invalidArgument('CODE', 'CODE must be the 32 letters and digits of a redemption code');
    return store.transaction(async (db) => {
      const now = clock.now();
      const user = await requireUser(store, db, userRef, 'USER');
      // The claim is the first write: concurrent redeemers of one code queue on its row, and the losers change
      // nothing else. The `users` counter comes next (as in every user write), then the wallet row.
      const claimed = await claimRedemption(store, db, { codeHash: hash, userId: user.id, now });
      if (claimed === undefined) throw await refusal(db, hash, now);
      await bumpRevision(store, db, 'users', now);
      const amountUsd = formatUsd(claimed.amount);
      const credited = await creditUser(store, db, {
        userId: user.id,
        amount: claimed.amount,
        externalId: `redeem:${claimed.id}`,
        note: `redemption code ${claimed.id}`,
        logContent: `redeemed code ${claimed.codePrefix}… for $${amountUsd}`,
        now,
      });
      if (credited === undefined) {
        throw conflict('CODE', `redemption code ${shown(claimed)} could not be credited to "${user.username}"; the user was removed meanwhile or the code was credited before`);
      }
      return { redemption: toRedemptionView(claimed, now), user: toUserView(credited), amountUsd };
    });
  }
}
