/**
 * The one error type that services raise. Every error carries a stable `code` and a message that says
 * what is wrong and how to fix it; the HTTP layer and the CLI render it, each in its own shape.
 */
export const errorStatus = {
  invalid_config: 500,
  invalid_argument: 400,
  invalid_request: 400,
  not_found: 404,
  payload_too_large: 413,
  model_not_allowed: 403,
  model_not_priced: 403,
  conflict: 409,
  unauthorized: 401,
  /** The password was right; the account has two-factor sign-in on and no code came with it. */
  second_factor_required: 401,
  /** The password was right; the 2FA code or recovery code was wrong or already used. */
  invalid_second_factor: 401,
  forbidden: 403,
  quota_exhausted: 429,
  insufficient_quota: 403,
  rate_limited: 429,
  blocked_destination: 400,
  database_unavailable: 503,
  shutting_down: 503,
  not_implemented: 501,
  internal_error: 500,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof errorStatus;

export class GatewayError extends Error {
  readonly code: ErrorCode;
  /** The input field or option the error is about, when there is one (for example `--base-url`). */
  readonly field: string | undefined;
  /** Sent as `Retry-After` by the HTTP layer (rate limits, draining). */
  readonly retryAfterSeconds: number | undefined;

  constructor(options: { code: ErrorCode; message: string; field?: string; cause?: unknown; retryAfterSeconds?: number }) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GatewayError';
    this.code = options.code;
    this.field = options.field;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }

  get status(): number {
    return errorStatus[this.code];
  }
}

export function isGatewayError(error: unknown): error is GatewayError {
  return error instanceof GatewayError;
}

export function invalidArgument(field: string, message: string): GatewayError {
  return new GatewayError({ code: 'invalid_argument', field, message });
}

export function notFound(message: string): GatewayError {
  return new GatewayError({ code: 'not_found', message });
}

export function conflict(field: string, message: string): GatewayError {
  return new GatewayError({ code: 'conflict', field, message });
}
