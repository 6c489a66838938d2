/**
 * The request log through the API. Administrators read the rows of their own account, of users below their
 * role and of no user (system notices), as they reach API keys: an admin does not read root's or another
 * admin's requests (reliability.md G11). A user reads only their own rows and only the fields in
 * `ownLogSchema`: no channel, no upstream model, no retry chain — those are the operator's. Logged request
 * bodies are shown only to administrators, and only while `log_bodies_enabled` is on. Filters are exact values
 * (no wildcards), each served by an index of the log; pages are newest first.
 */
import { t } from 'elysia';
import type { LogSearch } from '../../../services/log-queries.ts';
import { logTypeNames } from '../../../services/logs.ts';
import { parseWindow } from '../../../services/since.ts';
import { defineRoute } from '../define.ts';
import { pageInfo, pageQuery, pageWindow } from '../envelope.ts';
import { idParams, logDetailSchema, logDetailView, logSchema, logView, ownLogDetailSchema, ownLogDetailView, ownLogSchema, ownLogView } from '../views.ts';

const TAG = 'Request log';

const reference = (description: string) => t.Optional(t.String({ minLength: 1, maxLength: 64, description }));
const when = (description: string) =>
  t.Optional(t.String({ maxLength: 40, description: `${description}: a duration back from now (30m, 1h, 7d) or an ISO date or time (2026-01-31, 2026-01-31T12:00:00Z).` }));

/** The filters a user has on their own log. */
const ownFilters = {
  ...pageQuery,
  token: reference('Only requests made with this API key (id or name).'),
  model: t.Optional(t.String({ minLength: 1, maxLength: 256, description: 'Only requests for this model, exactly as the client named it.' })),
  type: t.Optional(t.Union(logTypeNames.map((name) => t.Literal(name)), { description: 'Only rows of this type.' })),
  request_id: t.Optional(t.String({ minLength: 1, maxLength: 128, description: 'The X-Request-Id of one request.' })),
  since: when('Rows at or after'),
  until: when('Rows before'),
  errors_only: t.Optional(t.Boolean({ description: 'Only failed requests.' })),
};

interface LogQuery {
  user?: string;
  token?: string;
  model?: string;
  channel?: string;
  type?: string;
  request_id?: string;
  since?: string;
  until?: string;
  errors_only?: boolean;
  requests_only?: boolean;
  after_id?: number;
}

function searchOf(query: LogQuery, now: number): LogSearch {
  return {
    user: query.user,
    token: query.token,
    model: query.model,
    channel: query.channel,
    type: query.type,
    requestId: query.request_id,
    ...parseWindow(query, now),
    errorsOnly: query.errors_only,
    requestsOnly: query.requests_only,
    afterId: query.after_id,
  };
}

export const logRoutes = [
  defineRoute({
    method: 'GET',
    path: '/api/logs',
    role: 'admin',
    tag: TAG,
    summary: 'The request log, newest first: rows of your account, of users below your role and system notices',
    query: t.Object(
      {
        ...ownFilters,
        user: reference('Only rows of this user (id or username).'),
        channel: reference('Only requests served by this channel (id or name).'),
        requests_only: t.Optional(t.Boolean({ description: 'Only requests (consume and error rows), as gateway logs shows.' })),
        after_id: t.Optional(
          t.Integer({ minimum: 0, description: 'Only rows with a larger id, then oldest first (id order): the cursor for following the log (gateway logs --follow).' }),
        ),
      },
      { additionalProperties: false },
    ),
    response: t.Array(logSchema),
    handler: async ({ query, principal, services }) => {
      const window = pageWindow(query);
      const { logs, total } = await services.logs.page(searchOf(query, services.clock.now()), window, { actor: principal.actor });
      const bodies = (await services.settings.current()).log_bodies_enabled;
      return { data: logs.map((log) => logView(log, bodies)), page: pageInfo(window, total) };
    },
  }),

  defineRoute({
    method: 'GET',
    path: '/api/logs/:id',
    role: 'admin',
    ownership: 'own-or-below',
    tag: TAG,
    summary: 'One log row with its details: tokens by kind, cost, latency, the retry chain, the error',
    params: idParams,
    response: logDetailSchema,
    handler: async ({ params, principal, services }) => {
      const log = await services.logs.get(params.id, { actor: principal.actor });
      return { data: logDetailView(log, (await services.settings.current()).log_bodies_enabled) };
    },
  }),

  defineRoute({
    method: 'GET',
    path: '/api/user/self/logs',
    role: 'user',
    tag: TAG,
    summary: 'Your request log, newest first: your requests, top-ups and quota notices',
    query: t.Object(ownFilters, { additionalProperties: false }),
    response: t.Array(ownLogSchema),
    handler: async ({ query, principal, services }) => {
      const window = pageWindow(query);
      const { logs, total } = await services.logs.page(searchOf(query, services.clock.now()), window, { ownerId: principal.actor.userId });
      return { data: logs.map((log) => ownLogView(log)), page: pageInfo(window, total) };
    },
  }),

  defineRoute({
    method: 'GET',
    path: '/api/user/self/logs/:id',
    role: 'user',
    ownership: 'own',
    tag: TAG,
    summary: 'One of your log rows with its details (tokens by kind, how it ended)',
    params: idParams,
    response: ownLogDetailSchema,
    handler: async ({ params, principal, services }) => ({ data: ownLogDetailView(await services.logs.get(params.id, { ownerId: principal.actor.userId })) }),
  }),
];
