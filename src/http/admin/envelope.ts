/**
 * The one shape of every /api answer (documented in the README's "Admin API" section):
 *
 *   success: {"success": true, "data": <value>}                       (lists add "page")
 *            {"success": true, "data": [...], "page": {"page": 1, "per_page": 20, "total": 57}}
 *   failure: {"success": false, "error": {"code": "not_found", "message": "…", "field": "name", "request_id": "…"}}
 *
 * The status code carries the class (400 invalid input, 401 not signed in, 403 not allowed, 404 not found or
 * not yours, 409 conflict, 429 rate limited with Retry-After); `error.code` is the stable machine-readable
 * code from src/errors/gateway-error.ts; `field` names the input at fault when there is one. Errors are
 * rendered in src/http/dialect-errors.ts, the one place for every dialect.
 */
import { t } from 'elysia';
import type { ErrorCode } from '../../errors/gateway-error.ts';

export interface PageInfo {
  page: number;
  per_page: number;
  total: number;
}

export const DEFAULT_PER_PAGE = 20;
export const MAX_PER_PAGE = 100;

/** Query parameters of every list route; merge with the route's own filters. */
export const pageQuery = {
  page: t.Optional(t.Integer({ minimum: 1, maximum: 1_000_000, description: 'Page number, from 1.' })),
  per_page: t.Optional(t.Integer({ minimum: 1, maximum: MAX_PER_PAGE, description: `Items per page (default ${DEFAULT_PER_PAGE}, at most ${MAX_PER_PAGE}).` })),
};

export const searchQuery = {
  search: t.Optional(
    t.String({ maxLength: 256, description: 'Text to find, matched literally and ignoring case: % _ and * are not wildcards.' }),
  ),
};

/** The repository window and the page block of the answer for a page request. */
export function pageWindow(query: { page?: number; per_page?: number }): { limit: number; offset: number; page: number; perPage: number } {
  const page = query.page ?? 1;
  const perPage = query.per_page ?? DEFAULT_PER_PAGE;
  return { limit: perPage, offset: (page - 1) * perPage, page, perPage };
}

export function pageInfo(window: { page: number; perPage: number }, total: number): PageInfo {
  return { page: window.page, per_page: window.perPage, total };
}

export const pageSchema = t.Object(
  { page: t.Integer(), per_page: t.Integer(), total: t.Integer({ description: 'Items matching in all pages.' }) },
  { additionalProperties: false },
);

export const errorSchema = t.Object(
  {
    success: t.Literal(false),
    error: t.Object({
      code: t.String({ description: 'Stable error code, e.g. invalid_argument, unauthorized, forbidden, not_found, conflict, rate_limited.' }),
      message: t.String({ description: 'What is wrong and how to fix it.' }),
      field: t.Optional(t.String({ description: 'The input field at fault.' })),
      request_id: t.Optional(t.String({ description: 'Quote it when reporting a problem; also in the X-Request-Id header.' })),
    }),
  },
  { additionalProperties: false },
);

/** A service's field name (`--allow-ips`, a CLI flag) as the API spells it (`allow_ips`). */
export function apiFieldName(field: string): string {
  return field.replace(/^-+/, '').replace(/-/g, '_');
}

export function adminErrorBody(error: { code: ErrorCode; message: string; field?: string }, requestId: string | undefined) {
  return {
    success: false as const,
    error: {
      code: error.code,
      message: error.message,
      ...(error.field === undefined ? {} : { field: apiFieldName(error.field) }),
      ...(requestId === undefined ? {} : { request_id: requestId }),
    },
  };
}
