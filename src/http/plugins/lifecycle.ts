/**
 * Draining and the in-flight count. When a graceful shutdown starts, new requests are refused with 503 and
 * `Retry-After: 1` (a load balancer or SDK retries them on another node) while requests already running
 * finish; the server waits for the count to reach zero, up to the shutdown timeout (P4).
 */
import { Elysia } from 'elysia';
import type { Logger } from '../../log/logger.ts';
import { probePaths, requestPath } from '../request-path.ts';
import { dialectOfPath, renderClientError } from '../dialect-errors.ts';
import { requestIdOf } from './request-id.ts';

export interface Lifecycle {
  readonly draining: boolean;
  /** Requests whose handler has started and whose response has not been handed to the server yet. */
  readonly inFlight: number;
  beginDrain(): void;
  /** Resolves true once nothing is in flight, or false after `timeoutMs`. */
  settled(timeoutMs: number): Promise<boolean>;
}

export interface MutableLifecycle extends Lifecycle {
  enter(): void;
  leave(): void;
}

export function createLifecycle(): MutableLifecycle {
  let draining = false;
  let inFlight = 0;
  let waiters: (() => void)[] = [];
  const wake = (): void => {
    const waiting = waiters;
    waiters = [];
    for (const resolve of waiting) resolve();
  };
  return {
    get draining() {
      return draining;
    },
    get inFlight() {
      return inFlight;
    },
    beginDrain: () => {
      draining = true;
    },
    enter: () => {
      inFlight += 1;
    },
    leave: () => {
      inFlight = Math.max(0, inFlight - 1);
      if (inFlight === 0) wake();
    },
    settled: (timeoutMs) => {
      if (inFlight === 0) return Promise.resolve(true);
      return new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), timeoutMs);
        waiters.push(() => {
          clearTimeout(timer);
          resolve(true);
        });
      });
    },
  };
}

export function lifecyclePlugin(lifecycle: MutableLifecycle, logger: Logger) {
  // Counted requests, so a response is subtracted only if its request was added.
  const counted = new WeakSet<Request>();
  return new Elysia()
    .onRequest(({ request, set }) => {
      // Probes keep answering while draining: liveness stays 200, readiness reports `draining` itself.
      if (lifecycle.draining && !probePaths.has(requestPath(request))) {
        const requestId = requestIdOf(request);
        logger.info('refused while draining', { method: request.method, path: requestPath(request), status: 503, requestId });
        set.headers['retry-after'] = '1';
        // In the caller's dialect, like every error (src/http/dialect-errors.ts).
        const rendered = renderClientError(
          dialectOfPath(request.method, requestPath(request)),
          { status: 503, code: 'shutting_down', message: 'the gateway is shutting down; retry the request' },
          requestId,
        );
        set.status = rendered.status;
        return rendered.body;
      }
      counted.add(request);
      lifecycle.enter();
    })
    .onAfterResponse({ as: 'global' }, ({ request }) => {
      if (!counted.delete(request)) return;
      lifecycle.leave();
    });
}
