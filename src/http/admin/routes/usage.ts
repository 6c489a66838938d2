/**
 * Usage statistics for charts, from the hourly aggregates (src/services/usage.ts): requests, errors, tokens
 * and cost per hour or UTC day, as one series or one per model, user, key or channel. Administrators read the
 * whole gateway's figures (statistics for running it: channel load, model mix — sums, never single requests);
 * a user reads their own, per model or per key.
 */
import { t } from 'elysia';
import { parseSince, parseWindow } from '../../../services/since.ts';
import { USAGE_SERIES_LIMITS, type UsageDimension, type UsageGranularity } from '../../../services/usage.ts';
import { defineRoute } from '../define.ts';
import { usageReportSchema, usageReportView, usageSeriesSchema, usageSeriesView } from '../views.ts';

const TAG = 'Usage';

const when = (description: string) =>
  t.Optional(t.String({ maxLength: 40, description: `${description}: a duration back from now (30m, 1h, 7d) or an ISO date or time (2026-01-31, 2026-01-31T12:00:00Z).` }));

const chartQuery = {
  group_by: t.Optional(t.Union([t.Literal('hour'), t.Literal('day')], { description: 'Bucket width (default hour); days are UTC days.' })),
  since: when('The first bucket holds this time (default: 24 hours back by the hour, 30 days by the day)'),
  until: when('The end, exclusive, rounded up to a whole bucket (default now)'),
  limit: t.Optional(
    t.Integer({ minimum: 1, maximum: USAGE_SERIES_LIMITS.maxSeries, description: `Series kept, the most expensive first (default ${USAGE_SERIES_LIMITS.defaultSeries}).` }),
  ),
};

interface ChartQuery {
  group_by?: UsageGranularity;
  by?: UsageDimension;
  since?: string;
  until?: string;
  limit?: number;
}

function seriesQueryOf(query: ChartQuery, now: number) {
  return {
    granularity: query.group_by ?? 'hour',
    by: query.by,
    ...parseWindow(query, now),
    limit: query.limit,
    now,
  };
}

export const usageRoutes = [
  defineRoute({
    method: 'GET',
    path: '/api/usage',
    role: 'admin',
    tag: TAG,
    summary: 'Requests, errors, tokens and cost per hour or day, optionally one series per model, user, key or channel',
    query: t.Object(
      {
        ...chartQuery,
        by: t.Optional(
          t.Union([t.Literal('model'), t.Literal('user'), t.Literal('token'), t.Literal('channel')], { description: 'One series per model, user, key (token) or channel.' }),
        ),
      },
      { additionalProperties: false },
    ),
    response: usageSeriesSchema,
    handler: async ({ query, services }) => ({ data: usageSeriesView(await services.usage.series(seriesQueryOf(query, services.clock.now()))) }),
  }),

  defineRoute({
    method: 'GET',
    path: '/api/usage/totals',
    role: 'admin',
    tag: TAG,
    summary: 'Requests, errors, tokens and cost per model, user, key or channel over a window, with the total (as gateway usage)',
    description: 'Every row, not only the most expensive; whole UTC hours. The remote `gateway usage` reads this.',
    query: t.Object(
      {
        by: t.Optional(
          t.Union([t.Literal('model'), t.Literal('user'), t.Literal('token'), t.Literal('channel')], { description: 'One row per model (default), user, key (token) or channel.' }),
        ),
        since: when('The hour holding this time is the first (default 7d)'),
        until: when('The end, exclusive, rounded up to a whole hour (default: now)'),
      },
      { additionalProperties: false },
    ),
    response: usageReportSchema,
    handler: async ({ query, services }) => {
      const now = services.clock.now();
      const report = await services.usage.totals({
        by: query.by ?? 'model',
        since: parseSince(query.since ?? '7d', now, 'since'),
        until: query.until === undefined ? undefined : parseSince(query.until, now, 'until'),
      });
      return { data: usageReportView(report) };
    },
  }),

  defineRoute({
    method: 'GET',
    path: '/api/user/self/usage',
    role: 'user',
    tag: TAG,
    summary: 'Your requests, errors, tokens and cost per hour or day, optionally one series per model or per key',
    query: t.Object(
      { ...chartQuery, by: t.Optional(t.Union([t.Literal('model'), t.Literal('token')], { description: 'One series per model or per API key of yours.' })) },
      { additionalProperties: false },
    ),
    response: usageSeriesSchema,
    handler: async ({ query, principal, services }) => ({
      data: usageSeriesView(await services.usage.series({ ...seriesQueryOf(query, services.clock.now()), userId: principal.actor.userId })),
    }),
  }),
];
