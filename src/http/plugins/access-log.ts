/**
 * One log line per request: method, path (never the query string, which may carry `?key=`), status,
 * duration and request id. The duration ends when the response is handed to the server; a stream's full length
 * belongs in the relay's own log row. Probe requests are logged at debug level so a load balancer polling every
 * second does not bury the requests people look for.
 */
import { Elysia, StatusMap } from 'elysia';
import type { Logger } from '../../log/logger.ts';
import { probePaths, requestPath } from '../request-path.ts';
import { requestInfo } from './request-id.ts';

function statusCode(status: number | string | undefined, response: unknown): number {
  if (response instanceof Response) return response.status;
  if (typeof status === 'number') return status;
  if (typeof status === 'string' && status in StatusMap) return StatusMap[status as keyof typeof StatusMap];
  return 200;
}

export function accessLogPlugin(logger: Logger) {
  // Above info nothing would be written: then no per-request hook runs at all (it is on the relay's hot path).
  if (!logger.isEnabled('info')) return new Elysia();
  return new Elysia().onAfterResponse({ as: 'global' }, ({ request, set, responseValue }) => {
    const path = requestPath(request);
    const info = requestInfo(request);
    const fields = {
      method: request.method,
      path,
      status: statusCode(set.status, responseValue),
      durationMs: info === undefined ? undefined : Math.round((performance.now() - info.startedAt) * 10) / 10,
      requestId: info?.id,
    };
    if (probePaths.has(path)) logger.debug('request', fields);
    else logger.info('request', fields);
  });
}
