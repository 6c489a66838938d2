/**
 * Gives every request an id: the caller's `X-Request-Id` when it is a sane token (so a trace can span a
 * reverse proxy and the gateway), otherwise a new time-ordered UUID. The id is echoed in the response header,
 * written in the access log and put in error bodies, so a user's report can be matched to a log line.
 */
import { Elysia } from 'elysia';
import { dialectOfPath } from '../dialect-errors.ts';
import { requestPath } from '../request-path.ts';

export const REQUEST_ID_HEADER = 'x-request-id';

// Anything else (spaces, quotes, control characters, overlong values) could forge or break log lines.
const saneRequestId = /^[A-Za-z0-9._-]{1,64}$/;

export function acceptRequestId(incoming: string | null): string {
  return incoming !== null && saneRequestId.test(incoming) ? incoming : Bun.randomUUIDv7();
}

export interface RequestInfo {
  readonly id: string;
  /** `performance.now()` when the request arrived (monotonic, for durations). */
  readonly startedAt: number;
}

// Keyed by the Request object, so hooks that run before routing (404s, drain refusals) can read it too.
const requests = new WeakMap<Request, RequestInfo>();

export function requestInfo(request: Request): RequestInfo | undefined {
  return requests.get(request);
}

export function requestIdOf(request: Request): string | undefined {
  return requests.get(request)?.id;
}

export function requestIdPlugin() {
  return new Elysia()
    .onRequest(({ request, set }) => {
      const id = acceptRequestId(request.headers.get(REQUEST_ID_HEADER));
      requests.set(request, { id, startedAt: performance.now() });
      set.headers[REQUEST_ID_HEADER] = id;
      // Anthropic's own header name, which its SDK reads into `error.requestID` and `_request_id` (its paths, and
      // the shared model list when an Anthropic client asks).
      if (dialectOfPath(request.method, requestPath(request)) === 'anthropic' || request.headers.has('anthropic-version')) {
        set.headers['request-id'] = id;
      }
    })
    .resolve({ as: 'global' }, ({ request }) => ({ requestId: requests.get(request)?.id ?? '' }));
}
