/**
 * Billing sessions (reliability.md G1, G2, G4 and 2.1): every relayed request reserves an estimate on its key
 * and on the key's owner before anything is sent upstream, then settles to what it really cost when the
 * response ends, or releases the hold when nothing reached the client. Exactly one hold per request id (a
 * unique index), resolved exactly once (a conditional UPDATE on `state = 'open'`), at most one debit (a unique
 * index on the ledger row), whatever the retries.
 *
 * The charge rule (README "Billing"): a settle charges the actual cost. When that is above the hold, the
 * difference is taken from the free balance of key and owner if it is there (one conditional UPDATE each);
 * otherwise — or when the upstream's usage had to be clamped — the charge stops at the hold and the rest is
 * recorded as an `overrun` ledger row for the operator, never as a debt.
 */
import type { Clock } from '../clock.ts';
import type { Store } from '../db/client.ts';
import { findExpiredHolds } from '../db/repos/ledger.ts';
import { GatewayError } from '../errors/gateway-error.ts';
import type { Logger } from '../log/logger.ts';
import type { Endpoint, Usage } from '../relay/types.ts';
import { formatUsd, parseUsd } from './money.ts';
import { chargeFor, type ModelPrice, type PriceBook, reservationFor } from './pricing.ts';
import type { Settings } from './settings.ts';

export interface BillingDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly prices: () => PriceBook;
  readonly settings: () => Settings;
  /** How long a hold may stay open before recovery releases it: the relay's total deadline plus a margin. */
  readonly holdTtlMs: number;
}

export interface ReserveInput {
  readonly requestId: string;
  readonly userId: number;
  readonly tokenId: number;
  readonly tokenName: string;
  /** The owner's name, for the refusal message (optional for callers outside the relay). */
  readonly username?: string;
  readonly group: string;
  /** The requested (billed) model name. */
  readonly model: string;
  readonly endpoint: Endpoint;
  /** The prompt estimate; called only for token-priced models. */
  readonly promptTokens: () => number;
  /** `max_tokens` (or its newer names) when the request set one. */
  readonly maxOutputTokens: number | undefined;
  /** Units of a per-call price (`n` images), 1 otherwise. */
  readonly calls: number;
}

export interface Reservation {
  readonly requestId: string;
  readonly userId: number;
  readonly tokenId: number;
  readonly amount: number;
  /** Undefined for an unpriced model served because `allow_unpriced_models` is on (free). */
  readonly price: ModelPrice | undefined;
  readonly multiplierPpm: number;
  readonly calls: number;
}

export interface SettleInput {
  readonly usage: Usage;
  /** False when nothing reached the client: the hold is released in full (rule 2.4.3). */
  readonly delivered: boolean;
}

export interface Settlement {
  /** What the request was charged, micro-USD. */
  readonly cost: number;
  /** What the actual usage would cost; above `cost` only when an overrun was recorded. */
  readonly listCost: number;
  readonly hold: number;
  readonly overrun: number;
  readonly unpriced: boolean;
  /** `settled`, `released`, or `already_resolved` (recovery got there first: nothing is charged). */
  readonly state: 'settled' | 'released' | 'already_resolved';
}

/** Endpoints whose answer has no output tokens to reserve for. */
const NO_OUTPUT_ENDPOINTS: ReadonlySet<Endpoint> = new Set(['embeddings', 'moderations', 'rerank']);

export interface Billing {
  /** Reserves on key and owner in one transaction; throws a GatewayError (nothing reserved) when either falls short. */
  reserve(input: ReserveInput): Promise<Reservation>;
  /** Settles (or releases) a reservation once; a second call is a no-op that charges nothing. */
  settle(reservation: Reservation, input: SettleInput): Promise<Settlement>;
  /** Releases open holds past their deadline (a crash or a lost settle); returns how many. */
  recoverExpired(): Promise<number>;
  /** Resolves when every settle started so far has finished (graceful shutdown). */
  idle(): Promise<void>;
}

export function createBilling(deps: BillingDeps): Billing {
  const { store, clock, logger } = deps;
  const inFlight = new Set<Promise<unknown>>();

  const track = <T>(promise: Promise<T>): Promise<T> => {
    inFlight.add(promise);
    void promise.then(
      () => inFlight.delete(promise),
      () => inFlight.delete(promise),
    );
    return promise;
  };

  // Parsed once per setting value, not on every settlement.
  let threshold = { text: '', micros: 0 };
  const alertThreshold = (): number => {
    const text = deps.settings().quota_alert_threshold_usd;
    if (text !== threshold.text) {
      let micros = 0;
      try {
        micros = parseUsd(text, 'quota_alert_threshold_usd');
      } catch {
        // The settings service only stores valid amounts; anything else turns alerts off.
      }
      threshold = { text, micros };
    }
    return threshold.micros;
  };

  const reserve = async (input: ReserveInput): Promise<Reservation> => {
    const settings = deps.settings();
    const book = deps.prices();
    const price = book.priceFor(input.model);
    if (price === undefined && !settings.allow_unpriced_models) {
      throw new GatewayError({
        code: 'model_not_priced',
        message: `model "${input.model}" has no price, so it cannot be billed; an operator sets one with: gateway price set ${input.model} --input USD --output USD (or serves unpriced models free with: gateway setting set allow_unpriced_models true)`,
      });
    }
    const multiplierPpm = book.multiplierPpm(input.group);
    let amount = 0;
    if (price !== undefined) {
      if (price.perCall !== undefined) {
        amount = reservationFor(price, 0, 0, multiplierPpm, input.calls);
      } else {
        const allowance = NO_OUTPUT_ENDPOINTS.has(input.endpoint)
          ? 0
          : (input.maxOutputTokens ?? Math.min(settings.reserve_output_tokens, price.maxOutputTokens ?? Number.MAX_SAFE_INTEGER));
        amount = reservationFor(price, input.promptTokens(), allowance, multiplierPpm);
      }
    }
    // Refusals are returned, not thrown, so a refused reservation never rolls back the others that share its
    // transaction (group commit); the job gives back a hold it took before the refusal.
    const now = clock.now();
    const refusal = await store.ledger.run({
      kind: 'reserve',
      requestId: input.requestId,
      userId: input.userId,
      tokenId: input.tokenId,
      amount,
      now,
      expiresAt: now + deps.holdTtlMs,
    });
    if (refusal === 'owner') {
      throw new GatewayError({
        code: 'insufficient_quota',
        message: `the balance of the account that owns API key ${JSON.stringify(input.tokenName)} cannot cover this request ($${formatUsd(amount)} reserved for ${input.model}); top it up with: gateway user topup ${input.username ?? 'USER'} USD (or redeem a code)`,
      });
    }
    if (refusal === 'key') {
      throw new GatewayError({
        code: 'quota_exhausted',
        message: `API key ${JSON.stringify(input.tokenName)} has not enough quota left for this request ($${formatUsd(amount)} reserved for ${input.model}); raise it with: gateway token update ${JSON.stringify(input.tokenName)} --quota USD, or ask for fewer max_tokens`,
      });
    }
    if (refusal === 'request-id') {
      throw new GatewayError({ code: 'conflict', field: 'x-request-id', message: `ledger id ${input.requestId} was already used` });
    }
    return { requestId: input.requestId, userId: input.userId, tokenId: input.tokenId, amount, price, multiplierPpm, calls: input.calls };
  };

  const costOf = (reservation: Reservation, input: SettleInput): number => {
    if (!input.delivered || reservation.price === undefined) return 0;
    return chargeFor(reservation.price, input.usage, reservation.multiplierPpm, reservation.calls);
  };

  const settleOnce = async (reservation: Reservation, input: SettleInput): Promise<Settlement> => {
    const listCost = costOf(reservation, input);
    const unpriced = reservation.price === undefined;
    // Nobody waits for a settlement: it may share the next reservation's transaction.
    const outcome = await store.ledger.run({
      kind: 'settle',
      requestId: reservation.requestId,
      delivered: input.delivered,
      listCost,
      clamped: input.usage.clamped,
      alertThreshold: alertThreshold(),
      now: clock.now(),
    });
    if (outcome.state === 'already_resolved') return { cost: 0, listCost, hold: reservation.amount, overrun: 0, unpriced, state: 'already_resolved' };
    return { cost: outcome.cost, listCost, hold: outcome.hold, overrun: outcome.overrun, unpriced, state: outcome.state };
  };

  return {
    reserve,
    settle: (reservation, input) => track(settleOnce(reservation, input)),
    async recoverExpired() {
      let released = 0;
      for (;;) {
        const expired = await findExpiredHolds(store, clock.now(), 500);
        if (expired.length === 0) return released;
        for (const row of expired) {
          if (await store.ledger.run({ kind: 'expire', requestId: row.requestId, now: clock.now() })) {
            released++;
            logger.warn('released an expired hold', { requestId: row.requestId, userId: row.userId, tokenId: row.tokenId, amount: row.amount });
          }
        }
      }
    },
    async idle() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
  };
}
