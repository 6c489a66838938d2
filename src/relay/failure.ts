/**
 * How a relayed request that got no answer ends: the error the client gets when no attempt produced one
 * (`failureFor`, rendered by the route as a `RelayFailure`), and the outcome reported for it (`unanswered`).
 */
import type { UpstreamError } from './errors.ts';
import { emptyUsage, type RelayOutcome } from './outcome.ts';
import type { ChannelTarget, RelayRequest } from './types.ts';

/** The last attempt that failed, and on which channel. */
export interface FailedAttempt {
  readonly error: UpstreamError;
  readonly target: ChannelTarget;
}

/** An outcome's fields that are known before the request is answered (or refused). */
export type OutcomeBase = Omit<
  RelayOutcome,
  'status' | 'endState' | 'errorCode' | 'usage' | 'partial' | 'latencyMs' | 'firstTokenMs' | 'outputDelivered' | 'cost' | 'billing'
>;

/** The outcome of a request that got no answer: nothing delivered, no usage, nothing charged. */
export function unanswered(
  base: OutcomeBase,
  status: number,
  errorCode: string,
  endState: 'failed_before_output' | 'client_gone',
  startedAt: number,
): RelayOutcome {
  return {
    ...base,
    status,
    endState,
    errorCode,
    usage: emptyUsage(false),
    partial: false,
    outputDelivered: false,
    cost: 0,
    billing: undefined,
    latencyMs: Math.round(performance.now() - startedAt),
    firstTokenMs: undefined,
  };
}

/** Transport failures that are the upstream being too slow: 504 Gateway Timeout rather than 502. */
const TIMEOUT_CODES: ReadonlySet<string> = new Set(['first_byte_timeout', 'idle_timeout', 'total_timeout']);

/** The error the client gets when no attempt produced an answer. */
export function failureFor(
  request: RelayRequest,
  sawCandidate: boolean,
  lastFailure: FailedAttempt | undefined,
  signal: AbortSignal,
  cooldownMs: number | undefined,
): RelayFailure {
  if (signal.aborted) return new RelayFailure(499, 'client_gone', 'the client closed the request');
  if (!sawCandidate && cooldownMs !== undefined) {
    // Every channel for the model asked to be left alone (Retry-After): answer for them instead of calling.
    const seconds = Math.max(1, Math.ceil(cooldownMs / 1000));
    return new RelayFailure(503, 'channels_cooling_down', `every channel serving "${request.requestedModel}" is rate limited; retry after ${seconds} s`, seconds);
  }
  if (!sawCandidate || lastFailure === undefined) {
    return new RelayFailure(
      503,
      'model_not_available',
      `no enabled channel serves model "${request.requestedModel}" for this key's group; add one with: gateway channel add --models ${request.requestedModel} …`,
    );
  }
  const { error } = lastFailure;
  if (error.status === 0 && TIMEOUT_CODES.has(error.code)) {
    return new RelayFailure(504, error.code, `the upstream did not answer in time (${error.code}); try again later`);
  }
  if (error.status === 0) {
    return new RelayFailure(502, error.code, `the upstream gave no usable answer (${error.code}); try again later`);
  }
  if (error.channelAtFault !== false && (error.status === 401 || error.status === 403)) {
    // The client's gateway key is fine; the channel's provider key is not. A 401 would send the client
    // looking at its own key, so the operator's problem is reported as an unavailable upstream.
    return new RelayFailure(503, 'upstream_credentials_rejected', 'the upstream rejected the credentials of every channel tried; the operator has to fix the channel keys (see the gateway log)');
  }
  // The upstream's Retry-After is the client's best hint too (the channel is skipped until it passes).
  const retryAfterSeconds = error.retryAfterMs === undefined ? undefined : Math.max(1, Math.ceil(error.retryAfterMs / 1000));
  return new RelayFailure(error.status, error.code, error.message, retryAfterSeconds);
}

/** A failure rendered by the route in OpenAI's error shape with the upstream's status. */
export class RelayFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Sent as `Retry-After`. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'RelayFailure';
  }
}
