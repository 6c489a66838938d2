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
    if (code === 'NOT_FOUND') {
      set.status = 404;
      return openAiError('not_found', `no route for ${request.method} ${requestPath(request)}; see the API reference for the available endpoints`, requestId);
    }
    if (isGatewayError(error)) {
      set.status = error.status;
      if (error.retryAfterSeconds !== undefined) set.headers['retry-after'] = String(Math.ceil(error.retryAfterSeconds));
      return openAiError(error.code, error.message, requestId);
    }
    if (code === 'VALIDATION' || code === 'PARSE') {
      set.status = 400;
      return openAiError('invalid_request', `invalid request body: ${error instanceof Error ? error.message : String(error)}`, requestId);
    }
    if (code === 'INVALID_COOKIE_SIGNATURE' || code === 'INVALID_FILE_TYPE') {
      set.status = 400;
      return openAiError('invalid_request', error.message, requestId);
    }
    logger.error('unhandled error', { requestId, method: request.method, path: requestPath(request), error: error instanceof Error ? error : String(error) });
    set.status = 500;
    return openAiError('internal_error', `internal error; quote request id ${requestId ?? 'unknown'} when reporting it`, requestId);
  });
}
