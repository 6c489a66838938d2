/**
 * The remote CLI's HTTP client for the admin API (`/api`, README "Admin API"): `Authorization: Bearer gpat_…`,
 * JSON bodies, the envelope unwrapped, every page of a list fetched, and a failure turned back into the
 * `GatewayError` the local command would have raised (same `code`, so the same exit code; the message is the
 * service's own). The token goes only into the Authorization header — never into a URL or a message.
 * TLS is Bun's fetch default (certificates verified against the system's and Bun's roots).
 */
import { type ErrorCode, errorStatus, GatewayError } from '../../src/errors/gateway-error.ts';
import type { RemoteTarget } from '../../src/config/remote.ts';
import { sanitize } from '../output.ts';

/** Most items per page the API gives (src/http/admin/envelope.ts MAX_PER_PAGE). */
const PER_PAGE = 100;
export const DEFAULT_TIMEOUT_MS = 60_000;

export type QueryValue = string | number | boolean | undefined;
export type Query = Readonly<Record<string, QueryValue>>;

export interface RequestOptions {
  readonly query?: Query;
  readonly body?: unknown;
  /** The API's field names → the CLI's flags, for `error.field` (e.g. `quota_usd` → `--quota`). */
  readonly fields?: Readonly<Record<string, string>>;
  readonly timeoutMs?: number;
}

/** The gateway could not be reached or did not answer as the admin API: an operational failure (exit 1). */
export class RemoteUnavailableError extends Error {
  override readonly name = 'RemoteUnavailableError';
}

export interface ApiClient {
  readonly server: string;
  /** One call; answers the envelope's `data`. */
  call(method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', path: string, options?: RequestOptions): Promise<unknown>;
  /** Every item of a list route, page after page. */
  all(path: string, options?: RequestOptions): Promise<unknown[]>;
}

export interface ApiClientOptions {
  readonly fetch?: typeof fetch;
  readonly timeoutMs?: number;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(errorStatus, code);
}

/** `quota_usd` → `--quota` when the resource renames it; otherwise the flag spelled from the field (`allow_ips` → `--allow-ips`). */
export function cliFieldName(field: string, fields: Readonly<Record<string, string>> = {}): string {
  return fields[field] ?? `--${field.replace(/_/g, '-')}`;
}

/** An error envelope as the GatewayError the service raised on the server. */
export function errorFromEnvelope(status: number, body: unknown, fields?: Readonly<Record<string, string>>): GatewayError {
  const error = isRecord(body) && isRecord(body.error) ? body.error : undefined;
  const message = typeof error?.message === 'string' ? error.message : `the gateway answered ${status} without an error message`;
  const code: ErrorCode = isErrorCode(error?.code) ? error.code : status >= 500 ? 'internal_error' : 'invalid_request';
  const field = typeof error?.field === 'string' ? cliFieldName(error.field, fields) : undefined;
  return new GatewayError({ code, message, field });
}

function describeNetworkError(error: unknown): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return 'no answer in time';
  const code = isRecord(error) && typeof error.code === 'string' ? error.code : undefined;
  const text = error instanceof Error ? error.message : String(error);
  return sanitize(code === undefined ? text : `${code}: ${text}`);
}

function queryString(query: Query | undefined): string {
  const parameters = new URLSearchParams();
  for (const [name, value] of Object.entries(query ?? {})) if (value !== undefined) parameters.set(name, String(value));
  const text = parameters.toString();
  return text === '' ? '' : `?${text}`;
}

export function createApiClient(target: RemoteTarget, options: ApiClientOptions = {}): ApiClient {
  const send = options.fetch ?? fetch;
  const defaultTimeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;

  async function request(method: string, path: string, request: RequestOptions): Promise<{ data: unknown; page: unknown }> {
    const url = `${target.server}${path}${queryString(request.query)}`;
    const shown = `${target.server}${path}`;
    let response: Response;
    try {
      response = await send(url, {
        method,
        headers: {
          authorization: `Bearer ${target.token}`,
          accept: 'application/json',
          ...(request.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: request.body === undefined ? undefined : JSON.stringify(request.body),
        redirect: 'manual',
        signal: AbortSignal.timeout(request.timeoutMs ?? defaultTimeout),
      });
    } catch (error) {
      throw new RemoteUnavailableError(`cannot reach the gateway at ${shown} (${describeNetworkError(error)}); check --server and that gateway serve runs there`);
    }
    let body: unknown;
    try {
      body = await response.json();
    } catch {
      body = undefined;
    }
    if (!isRecord(body) || typeof body.success !== 'boolean') {
      const where = response.status >= 300 && response.status < 400 ? ` (a redirect to ${sanitize(response.headers.get('location') ?? '?')}; give the final address as --server)` : '';
      throw new RemoteUnavailableError(`${shown} answered ${response.status} without the admin API's JSON${where}; check --server`);
    }
    if (body.success !== true || !response.ok) throw errorFromEnvelope(response.status, body, request.fields);
    return { data: body.data, page: body.page };
  }

  return {
    server: target.server,
    async call(method, path, requestOptions = {}) {
      return (await request(method, path, requestOptions)).data;
    },
    async all(path, requestOptions = {}) {
      const items: unknown[] = [];
      for (let page = 1; ; page += 1) {
        const answer = await request('GET', path, { ...requestOptions, query: { ...requestOptions.query, page, per_page: PER_PAGE } });
        if (!Array.isArray(answer.data)) throw new RemoteUnavailableError(`${target.server}${path} did not answer a list; is --server a gateway of the same version?`);
        items.push(...answer.data);
        const total = isRecord(answer.page) && typeof answer.page.total === 'number' ? answer.page.total : items.length;
        if (answer.data.length === 0 || items.length >= total) return items;
      }
    },
  };
}
