/**
 * Request activity per minute over the last hour, for live views (the terminal UI's dashboard in remote mode:
 * `gateway tui --server URL --token PAT`). Sums over the whole gateway as the usage routes give them
 * (statistics for running it, never single requests), read from the request log by one reader per process
 * that adds only the rows written since its last read (src/services/logs.ts createActivityReader).
 */
import { t } from 'elysia';
import { defineRoute } from '../define.ts';
import { minuteActivitySchema, minuteActivityView } from '../views.ts';

const MINUTE_MS = 60_000;
/** The reader always reads the same sliding window (so its incremental sums stay whole); callers narrow it. */
export const ACTIVITY_MINUTES = 60;

export const activityRoutes = [
  defineRoute({
    method: 'GET',
    path: '/api/activity',
    role: 'admin',
    tag: 'Usage',
    summary: 'Requests, errors, tokens and cost per minute over the last hour, oldest first (minutes without requests left out)',
    query: t.Object(
      {
        minutes: t.Optional(
          t.Integer({ minimum: 1, maximum: ACTIVITY_MINUTES, description: `The last this many minutes, the current one included (default ${ACTIVITY_MINUTES}).` }),
        ),
      },
      { additionalProperties: false },
    ),
    response: t.Array(minuteActivitySchema),
    handler: async ({ query, services }) => {
      const current = Math.floor(services.clock.now() / MINUTE_MS) * MINUTE_MS;
      const minutes = await services.activity.read(current - (ACTIVITY_MINUTES - 1) * MINUTE_MS);
      const first = current - ((query.minutes ?? ACTIVITY_MINUTES) - 1) * MINUTE_MS;
      return { data: minutes.filter((entry) => entry.minute >= first).map(minuteActivityView) };
    },
  }),
];
