/**
 * The remote data source (`gateway tui --server URL --token PAT`): a gateway's admin API through the remote
 * CLI's client and services (cli/remote/), so a change made here is exactly what the matching remote
 * `gateway …` command makes, with the same views (cli/remote/views.ts) and the same errors (`GatewayError`s
 * whose `field` is the CLI's flag). Acts as the access token's owner, with what that account sees: root's own
 * account is not in the users list of the API.
 *
 * The live log pages GET /api/logs newest first and keeps the rows newer than the last one seen (works with
 * any gateway of this version, cursor or not); Enter reads the whole row (GET /api/logs/{id}) for the retry
 * chain. The dashboard's per-minute figures come from GET /api/activity, the day's sums from /api/usage/totals.
 */
import type { ApiClient, Query } from '../../../cli/remote/client.ts';
import { createRemoteServices } from '../../../cli/remote/services.ts';
import { type ApiLog, type ApiLogDetail, type ApiMinuteActivity, logFromApi, minuteActivityFromApi } from '../../../cli/remote/views.ts';
import { GatewayError } from '../../../src/errors/gateway-error.ts';
import { REQUEST_LOG_TYPES } from '../../../src/db/repos/logs.ts';
import { type LogTypeName, logTypeName } from '../../../src/services/logs.ts';
import type { LogTailFilter, LogView, TuiDataSource } from './source.ts';

const MINUTE_MS = 60_000;
/** Most rows per page the API gives (src/http/admin/envelope.ts MAX_PER_PAGE). */
const LOG_PAGE = 100;
/** Rows read back per poll at most; a burst beyond it is skipped over (`gateway logs` reads it all). */
const MAX_FOLLOW_PAGES = 10;
/** GET /api/activity covers the last hour at most. */
const ACTIVITY_MINUTES = 60;

/** The API's names of the log filters → the flags the screens' forms show errors under (as `gateway logs`). */
const logFields = { user: '--user', token: '--token', channel: '--channel', model: '--model' };

/** The live log shows requests, as locally (`gateway logs`): the API's list also has top-ups and notices. */
const REQUEST_TYPES: readonly LogTypeName[] = REQUEST_LOG_TYPES.map(logTypeName);
const isRequest = (row: ApiLog): boolean => REQUEST_TYPES.includes(row.type);

function logQuery(filter: LogTailFilter): Query {
  const text = (value: string | undefined): string | undefined => (value === undefined || value.trim() === '' ? undefined : value.trim());
  return {
    user: text(filter.user),
    token: text(filter.key),
    model: text(filter.model),
    channel: text(filter.channel),
    errors_only: filter.errorsOnly === true ? true : undefined,
  };
}

export interface RemoteTuiDataSource extends TuiDataSource {
  /** The gateway's address (never the token). */
  readonly server: string;
}

export function createRemoteSource(api: ApiClient): RemoteTuiDataSource {
  const services = createRemoteServices(api);

  const logPage = async (query: Query, page: number, perPage: number): Promise<ApiLog[]> =>
    (await api.call('GET', '/api/logs', { query: { ...query, page, per_page: perPage }, fields: logFields })) as ApiLog[];

  return {
    server: api.server,
    description: `remote · ${api.server}`,
    now: () => Date.now(),
    channels: {
      list: () => services.channels.list(),
      add: (input) => services.channels.add(input),
      update: (id, patch) => services.channels.update(String(id), patch),
      setEnabled: (id, enabled) => services.channels.setEnabled(String(id), enabled),
      remove: (id) => services.channels.remove(String(id)),
      async test(id) {
        const [result] = await services.channelTests.test(String(id), {});
        if (result === undefined) throw new GatewayError({ code: 'internal_error', message: `the gateway answered no test result for channel ${id}` });
        return result;
      },
    },
    keys: {
      list: () => services.tokens.list(),
      create: (input) => services.tokens.create(input),
      update: (id, patch) => services.tokens.update(String(id), patch),
      setEnabled: (id, enabled) => services.tokens.setEnabled(String(id), enabled),
      remove: (id) => services.tokens.remove(String(id)),
    },
    users: {
      list: () => services.users.list(),
      create: (input) => services.users.create(input),
      topup: (id, usd) => services.users.topup(String(id), usd),
      setEnabled: (id, enabled) => services.users.setEnabled(String(id), enabled),
    },
    redemptions: {
      list: () => services.redemptions.list(),
      create: (input) => services.redemptions.create(input),
      disable: (id) => services.redemptions.disable(String(id)),
    },
    logs: {
      async tail(filter, options) {
        const query = logQuery(filter);
        const rows: ApiLog[] = [];
        if (options.afterId === undefined) {
          const perPage = Math.min(LOG_PAGE, Math.max(1, options.limit));
          for (let page = 1; rows.length < options.limit; page += 1) {
            const found = await logPage(query, page, perPage);
            rows.push(...found);
            if (found.length < perPage) break;
          }
          const lastId = rows[0]?.id ?? 0;
          return { views: rows.filter(isRequest).slice(0, options.limit).map((row) => logFromApi(row)), lastId };
        }
        // Newest first: read pages until the last row seen (or an older one) shows up; newer rows only, once each.
        const afterId = options.afterId;
        const seen = new Set<number>();
        for (let page = 1; page <= MAX_FOLLOW_PAGES; page += 1) {
          const found = await logPage(query, page, LOG_PAGE);
          for (const row of found) if (row.id > afterId && !seen.has(row.id)) (seen.add(row.id), rows.push(row));
          if (found.length < LOG_PAGE || found.some((row) => row.id <= afterId)) break;
        }
        rows.sort((left, right) => right.id - left.id);
        const views: LogView[] = rows.filter(isRequest).map((row) => logFromApi(row));
        return { views, lastId: Math.max(afterId, rows[0]?.id ?? 0) };
      },
      async detail(id) {
        const detail = (await api.call('GET', `/api/logs/${id}`)) as ApiLogDetail;
        return logFromApi(detail, detail);
      },
    },
    stats: {
      async activity(since) {
        const first = Math.floor(since / MINUTE_MS) * MINUTE_MS;
        const minutes = Math.min(ACTIVITY_MINUTES, Math.max(1, Math.floor((Date.now() - first) / MINUTE_MS) + 1));
        const answer = (await api.call('GET', '/api/activity', { query: { minutes } })) as ApiMinuteActivity[];
        return answer.map(minuteActivityFromApi).filter((entry) => entry.minute >= first);
      },
      usage: (by, since) => services.usage.query({ by, since }),
    },
    close: async () => {},
  };
}
