/**
 * Retry is decided where the error is made (architecture.md, decision 3): an adapter or the dispatcher turns
 * every upstream failure into an UpstreamError whose fields — never its message text — drive failover,
 * breakers and auto-disable.
 */
import { isGatewayError } from '../errors/gateway-error.ts';

/** Stable codes for failures the gateway itself observes (the upstream's own codes pass through as strings). */
export type TransportErrorCode =
  | 'connection_failed'
  | 'first_byte_timeout'
  | 'idle_timeout'
  | 'total_timeout'
  | 'blocked_destination'
  | 'redirect_refused'
  | 'line_too_long'
  | 'malformed_event'
  | 'stream_truncated'
  | 'bad_response_body'
  | 'client_gone';

export interface UpstreamErrorOptions {
  /** HTTP status from the upstream, or 0 for transport failures. */
  status: number;
  code: TransportErrorCode | string;
  message: string;
  /** Another channel may succeed where this one failed. */
  retryable: boolean;
  /**
   * The failure says the account or key is unusable (401 invalid key, quota exhausted upstream): a
   * candidate for auto-disable of that key (`key`) or of the whole channel (`channel`).
   */
  channelAtFault: 'key' | 'channel' | false;
  /** From `Retry-After`, in milliseconds. */
  retryAfterMs?: number;
  /** The upstream's error body, redacted and cut to 2 KiB, for the log only. */
  upstreamBody?: string;
}

export class UpstreamError extends Error {
  readonly status: number;
  readonly code: string;
  readonly retryable: boolean;
  readonly channelAtFault: 'key' | 'channel' | false;
  readonly retryAfterMs: number | undefined;
  readonly upstreamBody: string | undefined;

  constructor(options: UpstreamErrorOptions) {
    super(options.message);
    this.name = 'UpstreamError';
    this.status = options.status;
    this.code = options.code;
    this.retryable = options.retryable;
    this.channelAtFault = options.channelAtFault;
    this.retryAfterMs = options.retryAfterMs;
    this.upstreamBody = options.upstreamBody;
  }
}

export function isUpstreamError(error: unknown): error is UpstreamError {
  return error instanceof UpstreamError;
}

/** Parses `Retry-After` (seconds or an HTTP date) into milliseconds from `now`; undefined when absent or bad. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/**
 * A channel that cannot serve an endpoint at all: the pipeline skips it without counting an attempt (it never
 * saw the request), so the same priority level is tried next.
 */
export function endpointNotSupported(message: string): UpstreamError {
  return new UpstreamError({ status: 501, code: 'endpoint_not_supported', message, retryable: true, channelAtFault: false });
}

/**
 * A converter's GatewayError (input the channel's format cannot express, e.g. `n: 2` for Anthropic) as the
 * client's own 4xx that names the field: not retried, nobody's fault, and — being an UpstreamError — it goes
 * through the pipeline's failure path, which releases the request's hold. Other errors are rethrown.
 */
export function clientRequestRefused(error: unknown): never {
  if (!isGatewayError(error)) throw error;
  throw new UpstreamError({ status: error.status, code: error.code, message: error.message, retryable: false, channelAtFault: false });
}

/**
 * The client's request cannot go upstream as it is, whatever channel is tried — an image URL the gateway could
 * not fetch or may not send (inline-images.ts): the client's 400 naming the field, never retried and never held
 * against the channel. The pipeline ends the request with it at once, before any upstream call.
 */
export class ClientInputError extends UpstreamError {
  readonly field: string;

  constructor(field: string, message: string) {
    super({ status: 400, code: 'invalid_request', message: `${field}: ${message}`, retryable: false, channelAtFault: false });
    this.name = 'ClientInputError';
    this.field = field;
  }
}
