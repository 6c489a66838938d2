/**
 * The local data source: the configured database through the same services the CLI uses (src/deps.ts), so a
 * change made here is exactly what the matching `gateway …` command would make, and a running daemon picks it
 * up through the change counters.
 */
import type { Deps } from '../../../src/deps.ts';
import { testChannel } from '../../../src/relay/channel-test.ts';
import { createDispatcher } from '../../../src/relay/dispatch.ts';
import { createChannelHealthService } from '../../../src/services/channel-health.ts';
import { createActivityReader, type LogFilter, latestLogId, queryLogs, readLogsAfter } from '../../../src/services/logs.ts';
import { queryUsage } from '../../../src/services/usage.ts';
import type { LogTailFilter, TuiDataSource } from './source.ts';

function logFilter(filter: LogTailFilter): LogFilter {
  const text = (value: string | undefined): string | undefined => (value === undefined || value.trim() === '' ? undefined : value.trim());
  return {
    user: text(filter.user),
    token: text(filter.key),
    model: text(filter.model),
    channel: text(filter.channel),
    errorsOnly: filter.errorsOnly === true ? true : undefined,
  };
}

function describeDatabase(deps: Deps): string {
  return deps.config.databaseUrl === undefined ? `sqlite ${deps.config.sqlitePath}` : 'postgresql';
}

/** `deps` stays owned by the caller until `close()`, which closes it. */
export function createLocalSource(deps: Deps): TuiDataSource {
  const activity = createActivityReader(deps.store);
  const testDeps = {
    ...deps,
    dispatcher: createDispatcher({}),
    health: createChannelHealthService({ store: deps.store, cipher: deps.cipher, clock: deps.clock }),
  };
  return {
    description: `local · ${describeDatabase(deps)}`,
    now: () => deps.clock.now(),
    channels: {
      list: () => deps.channels.list(),
      add: (input) => deps.channels.add(input),
      update: (id, patch) => deps.channels.update(String(id), patch),
      setEnabled: (id, enabled) => deps.channels.setEnabled(String(id), enabled),
      remove: (id) => deps.channels.remove(String(id)),
      test: (id) => testChannel(testDeps, id),
    },
    keys: {
      list: () => deps.tokens.list(),
      create: (input) => deps.tokens.create(input),
      update: (id, patch) => deps.tokens.update(String(id), patch),
      setEnabled: (id, enabled) => deps.tokens.setEnabled(String(id), enabled),
      remove: (id) => deps.tokens.remove(String(id)),
    },
    users: {
      list: () => deps.users.list(),
      create: (input) => deps.users.create(input),
      topup: (id, usd) => deps.users.topup(String(id), usd, { via: 'TUI' }),
      setEnabled: (id, enabled) => deps.users.setEnabled(String(id), enabled),
    },
    redemptions: {
      list: () => deps.redemptions.list(),
      create: (input) => deps.redemptions.create(input),
      disable: (id) => deps.redemptions.disable(String(id)),
    },
    logs: {
      async tail(filter, options) {
        const resolved = logFilter(filter);
        if (options.afterId === undefined) {
          // Rows newer than this id come with the next poll, so none is shown twice.
          const lastId = await latestLogId(deps.store);
          const views = (await queryLogs(deps.store, { ...resolved, limit: options.limit })).filter((view) => view.id <= lastId);
          return { views, lastId };
        }
        const page = await readLogsAfter(deps.store, resolved, options.afterId);
        return { views: page.views.reverse(), lastId: page.lastId };
      },
    },
    stats: {
      activity: (since) => activity.read(since),
      usage: (by, since) => queryUsage(deps.store, { by, since }),
    },
    close: () => deps.close(),
  };
}
