/**
 * Google's error shape, both ways: `{ "error": { "code": 400, "message": "…", "status": "INVALID_ARGUMENT" } }`
 * (https://ai.google.dev/gemini-api/docs/troubleshooting), the `google.rpc.Status` of
 * https://cloud.google.com/apis/design/errors#http_mapping, whose `status` names pair with HTTP statuses.
 */
import { defaultRetryStatusRanges } from '../../providers/openai-error.ts';
import { statusInRanges } from '../../../services/settings.ts';
import { UpstreamError } from '../../errors.ts';
import { redactUpstreamBody } from '../../../security/redact.ts';
import { asRecord, readNumber, readRecords, readString } from '../json-fields.ts';
import type { JsonBody } from '../../types.ts';

/** HTTP status → google.rpc.Code name (https://cloud.google.com/apis/design/errors#http_mapping). */
const statusNames: Readonly<Record<number, string>> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  408: 'DEADLINE_EXCEEDED',
  409: 'ABORTED',
  429: 'RESOURCE_EXHAUSTED',
  499: 'CANCELLED',
  500: 'INTERNAL',
  501: 'UNIMPLEMENTED',
  502: 'UNAVAILABLE',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

/**
 * The HTTP status and google.rpc name a Gemini client sees for a gateway error. google.rpc has no code for 413:
 * Google itself answers an oversized body with 400 INVALID_ARGUMENT ("Request payload size exceeds the limit"),
 * so the gateway does too. Other 4xx are INVALID_ARGUMENT and other 5xx INTERNAL, keeping their HTTP status.
 */
export function geminiStatus(status: number): { status: number; name: string } {
  if (status === 413) return { status: 400, name: 'INVALID_ARGUMENT' };
  const known = statusNames[status];
  if (known !== undefined) return { status, name: known };
  if (status >= 400 && status < 500) return { status, name: 'INVALID_ARGUMENT' };
  if (status >= 500 && status < 600) return { status, name: 'INTERNAL' };
  return { status: 500, name: 'INTERNAL' };
}

/**
 * A gateway error in Google's shape. The gateway's own code travels as a `google.rpc.ErrorInfo` detail
 * (`reason` in upper snake case, as Google's reasons are), so a client can tell `QUOTA_EXHAUSTED` from the
 * upstream's own 429.
 */
export function renderGeminiError(error: { status: number; code: string; message: string }): { status: number; body: JsonBody } {
  const { status, name } = geminiStatus(error.status);
  const detail = { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: error.code.toUpperCase(), domain: 'gateway' };
  return { status, body: { error: { code: status, message: error.message, status: name, details: [detail] } } };
}

export interface GeminiErrorDetail {
  readonly code: number | undefined;
  readonly message: string | undefined;
  readonly status: string | undefined;
  /** `ErrorInfo.reason`, e.g. `API_KEY_INVALID`. */
  readonly reason: string | undefined;
}

/** The `error` object of a Google error body (also inside a one-element array, as non-SSE streams send it). */
export function readGeminiError(json: unknown): GeminiErrorDetail | undefined {
  const record = asRecord(Array.isArray(json) ? json[0] : json);
  const error = asRecord(record?.error);
  if (error === undefined) return undefined;
  const info = readRecords(error.details).find((detail) => readString(detail.reason) !== undefined);
  return {
    code: readNumber(error.code),
    message: readString(error.message),
    status: readString(error.status),
    reason: readString(info?.reason),
  };
}

/** Reasons and statuses that say the key cannot be used, or that the channel's egress region is refused. */
const keyFaultReasons: ReadonlySet<string> = new Set(['API_KEY_INVALID', 'API_KEY_SERVICE_BLOCKED', 'CONSUMER_SUSPENDED']);
const keyFaultStatuses: ReadonlySet<string> = new Set(['UNAUTHENTICATED', 'PERMISSION_DENIED']);

/**
 * An error object that arrived inside a stream → an UpstreamError. Its `code` is Google's status name
 * (`RESOURCE_EXHAUSTED`), its HTTP status Google's `code`; `retryable` follows domain.md 4.2's status ranges.
 * "User location is not supported" comes as FAILED_PRECONDITION and condemns the channel, not the key.
 */
export function upstreamErrorFromGemini(detail: GeminiErrorDetail, body: string): UpstreamError {
  const status = detail.code ?? 500;
  const reason = detail.reason;
  let channelAtFault: 'key' | 'channel' | false = false;
  if ((reason !== undefined && keyFaultReasons.has(reason)) || (detail.status !== undefined && keyFaultStatuses.has(detail.status))) {
    channelAtFault = 'key';
  } else if (detail.status === 'FAILED_PRECONDITION') {
    channelAtFault = 'channel';
  }
  return new UpstreamError({
    status,
    code: detail.status ?? `http_${status}`,
    message: detail.message ?? `the upstream sent an error event with status ${status}`,
    retryable: channelAtFault !== false || statusInRanges(status, defaultRetryStatusRanges),
    channelAtFault,
    upstreamBody: redactUpstreamBody(body),
  });
}
