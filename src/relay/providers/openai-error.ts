/**
 * Maps a non-2xx reply of an OpenAI-family upstream to an UpstreamError (architecture.md decision 3):
 * `retryable` from the status ranges of domain.md 4.2, `channelAtFault` from the error code (never from the
 * message text, reliability.md 2.5.2), `retryAfterMs` from the headers, and a redacted, 2 KiB body for the log.
 * Error shape: https://platform.openai.com/docs/guides/error-codes — `{ error: { message, type, param, code } }`.
 */
import { DEFAULT_RETRY_STATUS_CODES, parseStatusRanges, statusInRanges } from '../../services/settings.ts';
import { parseRetryAfter, UpstreamError } from '../errors.ts';
import { asRecord } from '../json-record.ts';
import { cutToBytes, redact, redactUpstreamBody } from '../../security/redact.ts';

export type StatusRanges = readonly (readonly [number, number])[];

/** What the caller knows beyond the reply itself. */
export interface ParseErrorContext {
  /** Values to redact besides key shapes: the channel key used for this attempt. */
  readonly secrets?: readonly string[];
  /** Statuses that fail over to another channel; default New API's `AutomaticRetryStatusCodes`. */
  readonly retryStatusRanges?: StatusRanges;
  /** Epoch milliseconds, for `Retry-After` given as an HTTP date. */
  readonly now?: number;
}

export const defaultRetryStatusRanges: StatusRanges = parseStatusRanges(DEFAULT_RETRY_STATUS_CODES, 'retry_status_codes');

/**
 * Codes that say the key or its account cannot be used: a wrong or revoked key, a deactivated account or
 * organization, money run out. https://platform.openai.com/docs/guides/error-codes#api-errors
 */
const keyFaultCodes: ReadonlySet<string> = new Set([
  'invalid_api_key',
  'account_deactivated',
  'invalid_organization',
  'insufficient_quota',
  'billing_hard_limit_reached',
  'billing_not_active',
  'credit_balance_exhausted',
]);

/** "403 - Country, region, or territory not supported": every key of the channel fails from this egress. */
const channelFaultCodes: ReadonlySet<string> = new Set(['unsupported_country_region_territory']);

/** Longest error message handed on (the full body goes to the log only). */
const MESSAGE_LIMIT_BYTES = 1024;

interface ErrorDetail {
  message: string | undefined;
  type: string | undefined;
  code: string | undefined;
}

export function parseOpenAIError(status: number, headers: Headers, bodyText: string, context: ParseErrorContext = {}): UpstreamError {
  const secrets = context.secrets ?? [];
  const detail = readErrorDetail(bodyText);
  const channelAtFault = faultOf(status, detail);
  const ranges = context.retryStatusRanges ?? defaultRetryStatusRanges;
  // Failures of the key or the channel always fail over, as do statuses outside HTTP's range (domain.md 4.2).
  const retryable = channelAtFault !== false || status < 100 || status > 599 || statusInRanges(status, ranges);
  const message = detail.message ?? `the upstream answered HTTP ${status}${bodyText.trim() === '' ? ' with an empty body' : ''}`;
  return new UpstreamError({
    status,
    code: detail.code ?? detail.type ?? `http_${status}`,
    message: cutToBytes(redact(message, secrets), MESSAGE_LIMIT_BYTES),
    retryable,
    channelAtFault,
    retryAfterMs: retryAfterMs(headers, context.now ?? Date.now()),
    upstreamBody: bodyText === '' ? undefined : redactUpstreamBody(bodyText, secrets),
  });
}

function faultOf(status: number, detail: ErrorDetail): 'key' | 'channel' | false {
  const codes = [detail.code, detail.type].filter((value) => value !== undefined);
  if (codes.some((code) => channelFaultCodes.has(code))) return 'channel';
  if (codes.some((code) => keyFaultCodes.has(code))) return 'key';
  // Any 401 is an authentication failure of this key ("Invalid Authentication", "IP not authorized");
  // New API's AutomaticDisableStatusCodes defaults to 401 for the same reason (domain.md 4.5).
  return status === 401 ? 'key' : false;
}

/**
 * Reads OpenAI's error object and the variants OpenAI-compatible servers send: `{ error: "text" }`,
 * vLLM's `{ object: "error", message, type, code: 400 }`, FastAPI's `{ detail }`, a one-element array.
 * A body that is not JSON (a proxy's HTML page) yields no detail.
 */
function readErrorDetail(bodyText: string): ErrorDetail {
  const empty: ErrorDetail = { message: undefined, type: undefined, code: undefined };
  let parsed: unknown;
  try {
    parsed = JSON.parse(bodyText);
  } catch {
    return empty;
  }
  if (Array.isArray(parsed)) parsed = parsed[0];
  const record = asRecord(parsed);
  if (record === undefined) return empty;
  if (typeof record.error === 'string') return { ...empty, message: nonEmpty(record.error) };
  const error = asRecord(record.error) ?? record;
  return {
    message: messageText(error.message) ?? messageText(record.detail),
    type: nonEmpty(error.type),
    code: nonEmpty(error.code),
  };
}

function nonEmpty(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

/** Mistral and FastAPI servers put validation details (objects) where the message goes; they are shown as JSON. */
function messageText(value: unknown): string | undefined {
  if (value !== null && typeof value === 'object') return JSON.stringify(value);
  return nonEmpty(value);
}

/**
 * `retry-after-ms` (milliseconds, sent by OpenAI and honoured by its SDKs) wins over `Retry-After`
 * (seconds or an HTTP date).
 */
function retryAfterMs(headers: Headers, now: number): number | undefined {
  const milliseconds = headers.get('retry-after-ms')?.trim();
  if (milliseconds !== undefined && /^\d+(?:\.\d+)?$/.test(milliseconds)) return Math.round(Number(milliseconds));
  return parseRetryAfter(headers.get('retry-after'), now);
}
