/**
 * Writes the audit row a route declares (define.ts, AuditSpec) for one request: after success, or after a
 * failure whose code the route lists (a wrong password). Who: the route's `actor`, else the signed-in caller,
 * else `anonymous`; from where: the client address the trusted-proxy resolver gave; which request: its id.
 */
import { GatewayError, isGatewayError } from '../../errors/gateway-error.ts';
import type { Logger } from '../../log/logger.ts';
import type { AuditActor } from '../../services/audit.ts';
import type { AdminRoute, AdminServices, AuditContext, Principal } from './define.ts';

type JsonRoute = Extract<AdminRoute, { kind: 'json' }>;

export interface AuditRequest {
  readonly params: unknown;
  readonly query: unknown;
  readonly body: unknown;
  readonly principal: Principal | undefined;
  readonly clientIp: string | undefined;
  readonly requestId: string | undefined;
}

/** The body's top-level field names: what a request changed, without a single value. */
function bodyFieldNames(body: unknown): string[] {
  return body !== null && typeof body === 'object' && !Array.isArray(body) ? Object.keys(body) : [];
}

function idParameter(params: unknown): string | number | undefined {
  if (params === null || typeof params !== 'object') return undefined;
  const id = (params as Record<string, unknown>).id;
  return typeof id === 'string' || typeof id === 'number' ? id : undefined;
}

/**
 * Records one row for `route`. A success row that cannot be written is logged and the answer still goes out
 * (the change is made; a client told otherwise would repeat it), unless the route says `required`: then the
 * answer is withheld with a 500.
 */
export async function writeAuditRow(
  route: JsonRoute,
  request: AuditRequest,
  outcome: { data: unknown } | { error: unknown },
  services: Pick<AdminServices, 'audit'>,
  logger: Logger,
): Promise<void> {
  const spec = route.audit;
  if (spec === undefined) return;
  const failure = 'error' in outcome ? outcome.error : undefined;
  if ('error' in outcome) {
    if (!isGatewayError(failure) || spec.failures?.includes(failure.code) !== true) return;
  }
  const context: AuditContext<unknown, unknown, unknown, unknown> = {
    params: request.params,
    query: request.query,
    body: request.body,
    principal: request.principal,
    data: 'data' in outcome ? outcome.data : undefined,
    ...(isGatewayError(failure) ? { error: { code: failure.code, field: failure.field } } : {}),
  };
  try {
    const named = spec.actor?.(context);
    const actor: AuditActor = named ?? (request.principal === undefined ? 'anonymous' : { userId: request.principal.actor.userId, username: request.principal.actor.username });
    const resource = spec.action.split('.')[0] as string;
    await services.audit.record({
      actor,
      action: isGatewayError(failure) ? `${spec.action}.failed` : spec.action,
      target: spec.target?.(context) ?? { type: resource, id: idParameter(request.params) ?? null },
      ip: request.clientIp,
      requestId: request.requestId,
      fields: spec.fields?.(context) ?? bodyFieldNames(request.body),
      facts: { ...spec.facts?.(context), ...(isGatewayError(failure) ? { error: failure.code } : {}) },
    });
  } catch (error) {
    logger.error('the audit row could not be written', {
      action: spec.action,
      method: route.method,
      path: route.path,
      requestId: request.requestId,
      error: error instanceof Error ? error.message : String(error),
    });
    if (spec.required === true && failure === undefined) {
      throw new GatewayError({ code: 'internal_error', message: 'the action could not be recorded in the audit log, so its answer is withheld; try again', cause: error });
    }
  }
}
