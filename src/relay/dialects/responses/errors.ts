/**
 * Errors of the Responses API, both ways.
 * - To a Responses client: OpenAI's error body `{"error": {"message", "type", "param", "code"}}`
 *   (https://platform.openai.com/docs/guides/error-codes) with the HTTP status; inside a stream that already
 *   started, an `error` event (ResponseErrorEvent) followed by `response.failed`, whose `response.error.code` must
 *   be one of ResponseErrorCode's values (https://platform.openai.com/docs/api-reference/responses-streaming/error,
 *   https://platform.openai.com/docs/api-reference/responses-streaming/response/failed).
 * - From a Responses upstream: an in-band `error` event or a `response.failed` (or a 200 Response whose status is
 *   `failed`) becomes the UpstreamError the relay fails or ends the stream with. The codes there carry no HTTP
 *   status, so the status comes from the code, and the classification (retryable, the key's fault) from the
 *   same reader as an OpenAI error reply.
 */
import { redactUpstreamBody } from '../../../security/redact.ts';
import { parseOpenAIError } from '../../providers/openai-error.ts';
import { UpstreamError } from '../../errors.ts';
import type { JsonBody } from '../../types.ts';
import { asRecord, readString } from '../json-fields.ts';

export interface ErrorToRender {
  readonly status: number;
  readonly code: string;
  readonly message: string;
}

/** OpenAI's `type` for the gateway's own codes (src/errors/gateway-error.ts) and the relay's transport codes. */
const typeOfCode: Readonly<Record<string, string>> = {
  invalid_request: 'invalid_request_error',
  invalid_argument: 'invalid_request_error',
  not_found: 'invalid_request_error',
  payload_too_large: 'invalid_request_error',
  blocked_destination: 'invalid_request_error',
  unauthorized: 'authentication_error',
  forbidden: 'permission_error',
  model_not_allowed: 'permission_error',
  model_not_priced: 'permission_error',
  insufficient_quota: 'insufficient_quota',
  quota_exhausted: 'insufficient_quota',
  rate_limited: 'rate_limit_error',
};

const timeoutCodes: ReadonlySet<string> = new Set(['first_byte_timeout', 'idle_timeout', 'total_timeout']);

function typeOfStatus(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 429) return 'rate_limit_error';
  if (status >= 500) return 'upstream_error';
  return 'invalid_request_error';
}

/**
 * The status and OpenAI-shaped body a Responses client gets. The status is kept when it is an HTTP error status;
 * a transport failure without one (status 0) is a 502, or a 504 for the timeouts.
 */
export function renderResponsesError(error: ErrorToRender): { status: number; body: JsonBody } {
  const status = error.status >= 400 && error.status <= 599 ? error.status : timeoutCodes.has(error.code) ? 504 : 502;
  const type = Object.hasOwn(typeOfCode, error.code) ? typeOfCode[error.code] : typeOfStatus(status);
  return { status, body: { error: { message: error.message, type, param: null, code: error.code } } };
}

/** `response.error.code` of a failed Response: ResponseErrorCode has no code for "the upstream broke off". */
export function responseErrorCode(error: ErrorToRender): 'rate_limit_exceeded' | 'server_error' {
  return error.status === 429 || error.code === 'rate_limited' || error.code === 'rate_limit_exceeded' ? 'rate_limit_exceeded' : 'server_error';
}

/**
 * The HTTP status OpenAI answers with for a ResponseErrorCode (and the account codes of its error guide) when it
 * can say so before streaming: rate limits and quota are 429, the input's faults (`invalid_prompt`, the image
 * codes, `context_length_exceeded` …) 400, a vector store timeout 504, anything else a server error.
 */
function statusOfCode(code: string): number {
  if (code === 'rate_limit_exceeded' || code === 'insufficient_quota') return 429;
  if (code === 'vector_store_timeout') return 504;
  if (code === 'invalid_api_key') return 401;
  if (/^(invalid_|image_|unsupported_|empty_image|failed_to_download|context_length|data_residency|bio_policy)/.test(code)) return 400;
  return 500;
}

/**
 * An error reported inside a Responses answer → the UpstreamError the relay ends the attempt with. Accepts the
 * documented `error` event (`{type: "error", code, message, param}`), the nested form OpenAI has also been seen
 * to send (`{type: "error", error: {code, message}}`), a `response.failed` event and a Response whose status is
 * `failed` (both carry `response.error` / `error` as `{code, message}`).
 */
export function upstreamErrorFromResponses(data: Record<string, unknown>, raw: string): UpstreamError {
  const response = asRecord(data.response) ?? data;
  const nested = asRecord(data.error) ?? asRecord(response.error);
  const code = readString(data.code) ?? readString(nested?.code) ?? readString(nested?.type) ?? 'server_error';
  const message = readString(data.message) ?? readString(nested?.message) ?? `the Responses upstream reported an error (${code})`;
  const status = statusOfCode(code);
  // The same classification as an error reply: key faults by code, retry by status, the message redacted.
  const classified = parseOpenAIError(status, new Headers(), JSON.stringify({ error: { message: `Responses upstream error (${code}): ${message}`, type: code, code } }));
  return new UpstreamError({
    status: classified.status,
    code: classified.code,
    message: classified.message,
    retryable: classified.retryable,
    channelAtFault: classified.channelAtFault,
    upstreamBody: redactUpstreamBody(raw),
  });
}
