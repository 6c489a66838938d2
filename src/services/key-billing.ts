/**
 * What a key may learn about its own budget (domain.md 7.3): the figures behind New API's
 * `/v1/dashboard/billing/*` and `/api/usage/token` answers, read fresh from the database (never from the
 * relay's one-second key cache), and the three response bodies built from them.
 *
 * Money is micro-USD inside. A hold is part of `balance` and not yet part of `used_amount`; New API takes a
 * pre-charge from `remain_quota` and adds it to `used_quota` at once, so to report the same figures a request
 * in flight counts as used for what it reserved until it settles. The total granted (remaining + used) does not
 * move while requests run.
 */
import { findTokenByHash, findTokenById, type TokenRow } from '../db/repos/tokens.ts';
import { findUserById, type UserRow } from '../db/repos/users.ts';
import { parsePresentedKey } from '../security/keys.ts';
import type { ServiceContext } from './context.ts';
import { MICROS_PER_NEW_API_QUOTA, MICROS_PER_USD } from './money.ts';
import { type TokenStatus, toTokenView } from './tokens.ts';

/** A wallet or key budget in micro-USD: what can still be reserved and what is spent (or reserved). */
export interface BudgetFigures {
  available: number;
  used: number;
}

export interface KeyStats {
  token: {
    id: number;
    name: string;
    status: TokenStatus;
    unlimited: boolean;
    models: string[];
    allowIps: string[];
    /** Epoch milliseconds, or null for never. */
    expiresAt: number | null;
  } & BudgetFigures;
  owner: { id: number } & BudgetFigures;
}

export interface KeyBillingService {
  /** The key behind a presented credential, whatever its status; undefined for unknown, removed or malformed keys. */
  byKey(presentedKey: string): Promise<KeyStats | undefined>;
  /** The live key with this id (after authentication), or undefined when it was removed meanwhile. */
  byTokenId(tokenId: number): Promise<KeyStats | undefined>;
}

/** New API reports this budget for an unlimited key (controller/billing.go). */
export const UNLIMITED_USD = 100_000_000;

function figures(row: { balance: number; held: number; usedAmount: number }): BudgetFigures {
  return { available: Math.max(0, row.balance - row.held), used: row.usedAmount + row.held };
}

function toKeyStats(token: TokenRow, owner: UserRow, now: number): KeyStats {
  const view = toTokenView(token, owner.username, now);
  return {
    token: {
      id: token.id,
      name: token.name,
      status: view.status,
      unlimited: token.unlimited,
      models: view.models,
      allowIps: view.allowIps,
      expiresAt: token.expiresAt,
      ...figures(token),
    },
    owner: { id: owner.id, ...figures(owner) },
  };
}

export function createKeyBillingService(context: Pick<ServiceContext, 'store' | 'clock'>): KeyBillingService {
  const { store, clock } = context;
  return {
    async byKey(presentedKey) {
      const parsed = parsePresentedKey(presentedKey);
      if (parsed === undefined) return undefined;
      const found = await findTokenByHash(store, parsed.hash);
      return found === undefined ? undefined : toKeyStats(found.token, found.owner, clock.now());
    },
    async byTokenId(tokenId) {
      const found = await findTokenById(store, store.db, tokenId);
      if (found === undefined) return undefined;
      const owner = await findUserById(store, store.db, found.token.userId);
      return owner === undefined ? undefined : toKeyStats(found.token, owner, clock.now());
    },
  };
}

function usd(micros: number): number {
  return micros / MICROS_PER_USD;
}

function unixSeconds(milliseconds: number | null): number {
  return milliseconds === null ? 0 : Math.floor(milliseconds / 1000);
}

/** `showKey`: the setting display_token_stat_enabled (New API's DisplayTokenStatEnabled). */
function shownFigures(stats: KeyStats, showKey: boolean): BudgetFigures {
  return showKey ? stats.token : stats.owner;
}

/** `GET /v1/dashboard/billing/subscription`: the budget as OpenAI's old billing API reports it, in USD. */
export function subscriptionBody(stats: KeyStats, showKey: boolean) {
  const shown = shownFigures(stats, showKey);
  const limit = showKey && stats.token.unlimited ? UNLIMITED_USD : usd(shown.available + shown.used);
  return {
    object: 'billing_subscription',
    has_payment_method: true,
    soft_limit_usd: limit,
    hard_limit_usd: limit,
    system_hard_limit_usd: limit,
    access_until: unixSeconds(stats.token.expiresAt),
  };
}

/** `GET /v1/dashboard/billing/usage`: what was spent, in US cents. */
export function usageBody(stats: KeyStats, showKey: boolean) {
  return { object: 'list', total_usage: shownFigures(stats, showKey).used / (MICROS_PER_USD / 100) };
}

/** `GET /api/usage/token`: New API's token_usage, amounts in its quota units (500 000 per USD). */
export function tokenUsageBody(stats: KeyStats) {
  const { token } = stats;
  const used = Math.floor(token.used / MICROS_PER_NEW_API_QUOTA);
  const available = Math.floor(token.available / MICROS_PER_NEW_API_QUOTA);
  return {
    code: true,
    message: 'ok',
    data: {
      object: 'token_usage',
      name: token.name,
      total_granted: used + available,
      total_used: used,
      total_available: available,
      unlimited_quota: token.unlimited,
      model_limits: Object.fromEntries(token.models.map((model) => [model, true])),
      model_limits_enabled: token.models.length > 0,
      expires_at: unixSeconds(token.expiresAt),
    },
  };
}
