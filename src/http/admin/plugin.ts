/**
 * Mounts the declared admin routes (./registry.ts) on Elysia: authentication, role, CSRF, validation, the
 * handler, the answer's allowlist check, the audit row and the envelope, in that order, for each (see ./define.ts).
 * Only declared routes exist; any other /api path answers 404 in the envelope's error shape.
 */
import { Elysia } from 'elysia';
import { GatewayError, isGatewayError } from '../../errors/gateway-error.ts';
import type { Logger } from '../../log/logger.ts';
import { compileAllowlist } from '../../relay/ip-allowlist.ts';
import { roleAtLeast } from '../../services/actor.ts';
import type { ClientIpResolver } from '../client-ip.ts';
import { requestIdOf } from '../plugins/request-id.ts';
import { readCappedBody } from '../relay-body.ts';
import { writeAuditRow } from './audit-trail.ts';
import { authenticate } from './authenticate.ts';
import type { AdminRoute, AdminServices, HandlerContext, Principal } from './define.ts';
import { clearedSessionCookie } from './session-cookie.ts';
import { coerceTextValues, matches, validated } from './validate.ts';

export interface AdminApiOptions {
  readonly services: AdminServices;
  readonly routes: readonly AdminRoute[];
  readonly clientIp: ClientIpResolver;
  /** X-Forwarded-Proto is believed from these peers only (as X-Forwarded-For is). */
  readonly trustedProxies: readonly string[];
  readonly logger: Logger;
}

/** Admin bodies are small JSON objects. */
export const MAX_ADMIN_BODY_BYTES = 64 * 1024;

type Server = { requestIP(request: Request): { address: string } | null } | null;

async function readJsonObject(request: Request): Promise<unknown> {
  const type = (request.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json') {
    throw new GatewayError({ code: 'invalid_request', message: 'send the body as JSON with Content-Type: application/json' });
  }
  const bytes = await readCappedBody(request, MAX_ADMIN_BODY_BYTES);
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (error) {
    throw new GatewayError({ code: 'invalid_request', message: `the request body is not valid JSON (${(error as Error).message})` });
  }
}

/** A service error whose field has another name in the API (see RouteCommon.fieldNames). */
function renamedField(error: unknown, names: Readonly<Record<string, string>> | undefined): unknown {
  if (!isGatewayError(error) || error.field === undefined || names?.[error.field] === undefined) return error;
  return new GatewayError({ code: error.code, message: error.message, field: names[error.field], retryAfterSeconds: error.retryAfterSeconds, cause: error });
}

export function adminApiPlugin(options: AdminApiOptions) {
  const { services, routes, logger } = options;
  const trusted = compileAllowlist(options.trustedProxies);
  // Checkers are compiled on a route's first use, not here: compiling all of them at start cost ~7 MB of
  // memory in every server, used or not. test/http/admin-openapi.test.ts compiles every schema, so a
  // malformed one still fails the suite rather than a request.
  const seen = new Set<string>();
  for (const route of routes) {
    const key = `${route.method} ${route.path}`;
    if (seen.has(key)) throw new Error(`admin route ${key} is declared twice`);
    seen.add(key);
  }

  const app = new Elysia({ name: 'admin-api' });
  for (const route of routes) {
    app.route(
      route.method,
      route.path,
      async ({ request, params, server, set }) => {
        set.headers['cache-control'] = 'no-store';
        const socketAddress = (server as Server)?.requestIP(request)?.address;
        const secure =
          new URL(request.url).protocol === 'https:' ||
          (socketAddress !== undefined && options.trustedProxies.length > 0 && trusted.allows(socketAddress) && request.headers.get('x-forwarded-proto') === 'https');

        let principal: Principal | undefined;
        if (route.role !== 'public') {
          const authentication = await authenticate(request, services);
          if (!authentication.ok) {
            if (authentication.clearCookie) set.headers['set-cookie'] = clearedSessionCookie(secure);
            throw authentication.error;
          }
          principal = authentication.principal;
          if (!roleAtLeast(principal.actor.role, route.role)) {
            throw new GatewayError({ code: 'forbidden', message: `${route.method} ${route.path} needs the ${route.role} role; you are ${principal.actor.role}` });
          }
        }

        const context: HandlerContext<unknown, unknown, unknown, typeof route.role> = {
          params: {},
          query: {},
          body: undefined,
          principal,
          services,
          routes,
          clientIp: options.clientIp(socketAddress, request.headers),
          userAgent: request.headers.get('user-agent') ?? undefined,
          secure,
          setCookie: (value) => {
            set.headers['set-cookie'] = value;
          },
        };
        if (route.kind === 'raw') return route.handler(context);

        const rawQuery = Object.fromEntries(new URL(request.url).searchParams);
        const values = {
          ...context,
          params: route.params === undefined ? {} : validated(route.params, coerceTextValues(route.params, params as Record<string, unknown>), 'params'),
          query: route.query === undefined ? {} : validated(route.query, coerceTextValues(route.query, rawQuery), 'query'),
          body: route.body === undefined ? undefined : validated(route.body, await readJsonObject(request), 'body'),
        };
        const auditRequest = { ...values, requestId: requestIdOf(request) };
        const reply = await route.handler(values).catch(async (error: unknown) => {
          // A failed attempt is recorded only when the route lists its code (a wrong password).
          await writeAuditRow(route, auditRequest, { error }, services, logger);
          throw renamedField(error, route.fieldNames);
        });
        const check = matches(route.response, reply.data);
        if (!check.ok) {
          // A field outside the allowlist (or a wrong type) never leaves: the route is broken, not the client.
          logger.error('admin answer does not match its schema', { method: route.method, path: route.path, reason: check.reason });
          throw new GatewayError({ code: 'internal_error', message: 'the answer did not pass its schema check; this is a bug, please report it' });
        }
        // After the allowlist check and before the answer leaves: a change that happened is on record.
        await writeAuditRow(route, auditRequest, { data: reply.data }, services, logger);
        set.status = route.successStatus ?? 200;
        return reply.page === undefined ? { success: true, data: reply.data } : { success: true, data: reply.data, page: reply.page };
      },
      { parse: 'none' },
    );
  }
  return app;
}
