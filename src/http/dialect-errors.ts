/**
 * Errors in the caller's dialect (style: "errors in the caller's API format"). The relay routes render their
 * own failures; this module serves what happens around them — an unknown sub-path, a request refused while
 * draining, an unexpected 500 — so a Claude or Gemini client never gets OpenAI's error shape. The dialect is
 * read from the path alone, before any body is parsed.
 */
import { anthropicInbound } from '../relay/dialects/anthropic/inbound.ts';
import { geminiInbound } from '../relay/dialects/gemini/inbound.ts';
import { asRecord } from '../relay/json-record.ts';
import type { JsonBody } from '../relay/types.ts';
import { openAiError } from './plugins/errors.ts';
import type { ErrorCode } from '../errors/gateway-error.ts';
import { adminErrorBody } from './admin/envelope.ts';

export type ClientDialect = 'openai' | 'anthropic' | 'gemini' | 'admin';

/** New API's key self-service route lives under /api but answers relay keys in OpenAI's shape. */
const RELAY_KEY_API_PATHS = new Set(['/api/usage/token']);

/**
 * `/api/…` is the admin API's envelope (src/http/admin/envelope.ts); `/v1/messages…` is Anthropic's;
 * `/v1beta/…` and a model method (`/v1/models/{m}:generateContent`) are Google's.
 */
export function dialectOfPath(method: string, path: string): ClientDialect {
  if ((path === '/api' || path.startsWith('/api/')) && !RELAY_KEY_API_PATHS.has(path)) return 'admin';
  if (path === '/v1/messages' || path.startsWith('/v1/messages/')) return 'anthropic';
  if (path.startsWith('/v1beta/')) return 'gemini';
  if (method === 'POST' && path.startsWith('/v1/models/') && path.includes(':')) return 'gemini';
  return 'openai';
}

/** Anthropic puts the request id at the top level of its error body. */
export function withAnthropicRequestId(body: JsonBody, requestId: string): JsonBody {
  return { ...body, request_id: requestId };
}

/** Google carries it as a `google.rpc.RequestInfo` detail (https://cloud.google.com/apis/design/errors#error_details). */
export function withGeminiRequestId(body: JsonBody, requestId: string): JsonBody {
  const rendered = asRecord(body.error);
  if (rendered !== undefined) {
    const details = Array.isArray(rendered.details) ? rendered.details : [];
    rendered.details = [...details, { '@type': 'type.googleapis.com/google.rpc.RequestInfo', requestId }];
  }
  return body;
}

/** The status and body of an error in `dialect`'s shape. */
export function renderClientError(
  dialect: ClientDialect,
  error: { status: number; code: ErrorCode; message: string; field?: string },
  requestId: string | undefined,
): { status: number; body: unknown } {
  if (dialect === 'admin') return { status: error.status, body: adminErrorBody(error, requestId) };
  if (dialect === 'openai') return { status: error.status, body: openAiError(error.code, error.message, requestId) };
  const inbound = dialect === 'anthropic' ? anthropicInbound : geminiInbound;
  const { status, body } = inbound.renderError(error);
  if (requestId === undefined) return { status, body };
  return { status, body: dialect === 'anthropic' ? withAnthropicRequestId(body, requestId) : withGeminiRequestId(body, requestId) };
}
