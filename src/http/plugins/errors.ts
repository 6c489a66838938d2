/**
 * Error bodies in OpenAI's shape `{ error: { message, type, code } }`, the dialect every client of the
 * gateway understands today. Rendering in the caller's dialect (Anthropic, Gemini) joins here, in this one
 * place, when those routes exist. Stack traces go to the log, never to the client.
 */
import { Elysia } from 'elysia';
import { type ErrorCode, isGatewayError } from '../../errors/gateway-error.ts';
import type { Logger } from '../../log/logger.ts';
import { requestPath } from '../request-path.ts';
import { requestIdOf } from './request-id.ts';
import { dialectOfPath, renderClientError } from '../dialect-errors.ts';

export interface OpenAiErrorBody {
  error: { message: string; type: string; code: string; request_id?: string };
}

/** OpenAI's `type` for each of our codes (https://platform.openai.com/docs/guides/error-codes). */
const openAiType: Record<ErrorCode, string> = {
  invalid_config: 'server_error',
  invalid_argument: 'invalid_request_error',
  invalid_request: 'invalid_request_error',
  not_found: 'invalid_request_error',
  payload_too_large: 'invalid_request_error',
  model_not_allowed: 'permission_error',
  model_not_priced: 'permission_error',
  conflict: 'invalid_request_error',
  unauthorized: 'authentication_error',
  second_factor_required: 'authentication_error',
  invalid_second_factor: 'authentication_error',
  forbidden: 'permission_error',
  quota_exhausted: 'insufficient_quota',
  insufficient_quota: 'insufficient_quota',
  rate_limited: 'rate_limit_error',
  blocked_destination: 'invalid_request_error',
  database_unavailable: 'server_error',
  shutting_down: 'server_error',
  not_implemented: 'invalid_request_error',
  internal_error: 'server_error',
};

export function openAiError(code: ErrorCode, message: string, requestId?: string): OpenAiErrorBody {
  return {
    error: {
      message,
      type: openAiType[code],
      code,
      ...(requestId === undefined ? {} : { request_id: requestId }),
    },
  };
}

export function errorsPlugin(logger: Logger) {
  return new Elysia().onError({ as: 'global' }, ({ code, error, request, set }) => {
    const requestId = requestIdOf(request);
    const path = requestPath(request);
    // Rendered in the caller's dialect: an Anthropic or Gemini client gets its own error shape here too.
    const render = (status: number, errorCode: ErrorCode, message: string, field?: string) => {
      const rendered = renderClientError(dialectOfPath(request.method, path), { status, code: errorCode, message, field }, requestId);
      set.status = rendered.status;
      return rendered.body;
    };
    if (code === 'NOT_FOUND') {
      return render(404, 'not_found', `no route for ${request.method} ${path}; see the API reference for the available endpoints`);
    }
    if (isGatewayError(error)) {
      if (error.retryAfterSeconds !== undefined) set.headers['retry-after'] = String(Math.ceil(error.retryAfterSeconds));
      return render(error.status, error.code, error.message, error.field);
    }
    if (code === 'VALIDATION' || code === 'PARSE') {
      return render(400, 'invalid_request', `invalid request body: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (code === 'INVALID_COOKIE_SIGNATURE' || code === 'INVALID_FILE_TYPE') {
      return render(400, 'invalid_request', error.message);
    }
    logger.error('unhandled error', { requestId, method: request.method, path, error: error instanceof Error ? error : String(error) });
    return render(500, 'internal_error', `internal error; quote request id ${requestId ?? 'unknown'} when reporting it`);
  });
}
