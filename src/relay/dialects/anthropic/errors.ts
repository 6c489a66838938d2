/**
 * Errors in Anthropic's shape, both ways. Anthropic documents one error type per HTTP status
 * (https://platform.claude.com/docs/en/api/errors): 400 invalid_request_error (also "other 4XX status codes not
 * listed"), 401 authentication_error, 402 billing_error, 403 permission_error, 404 not_found_error,
 * 409 conflict_error, 413 request_too_large, 429 rate_limit_error, 500 api_error, 504 timeout_error,
 * 529 overloaded_error. The body is `{"type": "error", "error": {"type": …, "message": …}}`; a stream that fails
 * after the 200 carries the same body as an `event: error`
 * (https://platform.claude.com/docs/en/build-with-claude/streaming#error-events).
 */
import { UpstreamError } from '../../errors.ts';
import type { JsonBody } from '../../types.ts';
import { asRecord, readString } from '../json-fields.ts';

export type AnthropicErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'billing_error'
  | 'permission_error'
  | 'not_found_error'
  | 'conflict_error'
  | 'request_too_large'
  | 'rate_limit_error'
  | 'api_error'
  | 'timeout_error'
  | 'overloaded_error';

const errorTypes: readonly (readonly [AnthropicErrorType, number])[] = [
  ['invalid_request_error', 400],
  ['authentication_error', 401],
  ['billing_error', 402],
  ['permission_error', 403],
  ['not_found_error', 404],
  ['conflict_error', 409],
  ['request_too_large', 413],
  ['rate_limit_error', 429],
  ['api_error', 500],
  ['timeout_error', 504],
  ['overloaded_error', 529],
];

/**
 * Gateway error codes (src/errors/gateway-error.ts) and the relay's transport codes (src/relay/errors.ts) whose
 * Anthropic type is not simply the one of their status. `insufficient_quota` (the gateway account's balance)
 * stays 403 permission_error, the status the gateway's one code table gives it.
 */
const typeOfCode: Readonly<Record<string, AnthropicErrorType>> = {
  invalid_request: 'invalid_request_error',
  invalid_argument: 'invalid_request_error',
  blocked_destination: 'invalid_request_error',
  unauthorized: 'authentication_error',
  forbidden: 'permission_error',
  model_not_allowed: 'permission_error',
  model_not_priced: 'permission_error',
  insufficient_quota: 'permission_error',
  not_found: 'not_found_error',
  conflict: 'conflict_error',
  payload_too_large: 'request_too_large',
  rate_limited: 'rate_limit_error',
  quota_exhausted: 'rate_limit_error',
  first_byte_timeout: 'timeout_error',
  idle_timeout: 'timeout_error',
  total_timeout: 'timeout_error',
};

function typeOfStatus(status: number): AnthropicErrorType {
  const known = errorTypes.find(([, typeStatus]) => typeStatus === status);
  if (known !== undefined) return known[0];
  if (status === 408) return 'timeout_error';
  return status >= 400 && status < 500 ? 'invalid_request_error' : 'api_error';
}

export interface ErrorToRender {
  readonly status: number;
  readonly code: string;
  readonly message: string;
}

/**
 * The Anthropic type and HTTP status for a gateway or upstream error. The status is kept (an upstream 529 stays
 * 529, a 503 stays 503 as api_error); a transport failure without one (status 0) is a 502 api_error, or a
 * 504 timeout_error for the timeouts.
 */
export function anthropicErrorFor(error: ErrorToRender): { status: number; type: AnthropicErrorType } {
  const byCode = Object.hasOwn(typeOfCode, error.code) ? typeOfCode[error.code] : undefined;
  const type = byCode ?? typeOfStatus(error.status);
  const status = error.status >= 400 && error.status <= 599 ? error.status : type === 'timeout_error' ? 504 : 502;
  return { status, type };
}

export function anthropicErrorBody(type: AnthropicErrorType, message: string): JsonBody {
  return { type: 'error', error: { type, message } };
}

export function renderAnthropicError(error: ErrorToRender): { status: number; body: JsonBody } {
  const { status, type } = anthropicErrorFor(error);
  return { status, body: anthropicErrorBody(type, error.message) };
}

/** Error types that say the key or its account cannot be used (https://docs.anthropic.com/en/api/errors). */
export const keyFaultErrorTypes: ReadonlySet<string> = new Set(['authentication_error', 'permission_error', 'billing_error']);

/** Types worth another attempt (on another channel, when nothing was written yet). */
const retryableTypes: ReadonlySet<string> = new Set(['rate_limit_error', 'api_error', 'timeout_error', 'overloaded_error']);

/**
 * An `event: error` inside an Anthropic stream (e.g. `overloaded_error` under load) → the UpstreamError the
 * relay ends the stream with. Its status is the one Anthropic would have answered without streaming.
 */
export function upstreamErrorFromStreamEvent(data: unknown): UpstreamError {
  const error = asRecord(asRecord(data)?.error);
  const type = readString(error?.type) ?? 'api_error';
  const message = readString(error?.message) ?? 'the upstream stream ended with an error event';
  const status = errorTypes.find(([known]) => known === type)?.[1] ?? 500;
  return new UpstreamError({
    status,
    code: type,
    message: `Anthropic stream error (${type}): ${message}`,
    retryable: retryableTypes.has(type),
    // The key's account, as the adapter classes the same types in a non-stream reply (src/relay/providers/anthropic.ts):
    // a multi-key channel may hold keys of several organizations.
    channelAtFault: keyFaultErrorTypes.has(type) ? 'key' : false,
    upstreamBody: JSON.stringify(data).slice(0, 2048),
  });
}
