/**
 * `gateway logs`: the request log, newest first, filtered by user, key, model, channel, time or errors; with
 * --follow it prints new rows as they are written (polling once per second) until SIGINT or SIGTERM.
 */
import type { Command } from 'commander';
import { invalidArgument } from '../../src/errors/gateway-error.ts';
import { LOG_QUERY_LIMITS, type LogFilter, type LogView } from '../../src/services/logs.ts';
import { parseSince } from '../../src/services/since.ts';
import { withServices } from '../context.ts';
import type { LogReads } from '../services.ts';
import { parseIntegerFlag } from '../flags.ts';
import { output, renderTable, sanitize } from '../output.ts';

interface LogsFlags {
  follow?: boolean;
  user?: string;
  token?: string;
  model?: string;
  channel?: string;
  since?: string;
  errors?: boolean;
  limit?: string;
  json?: boolean;
}

const FOLLOW_POLL_MS = 1000;

const headers = ['TIME (UTC)', 'USER', 'KEY', 'MODEL', 'CHANNEL', 'STATUS', 'TOKENS IN', 'TOKENS OUT', 'COST (USD)', 'LATENCY MS', 'ERROR'];

/** Seconds are enough to read; the JSON keeps milliseconds. */
function shortTime(iso: string): string {
  return `${iso.slice(0, 19)}Z`;
}

function cells(view: LogView): (string | number | null)[] {
  return [
    shortTime(view.createdAt),
    view.username ?? (view.userId === null ? null : `#${view.userId}`),
    view.tokenName ?? (view.tokenId === null ? null : `#${view.tokenId}`),
    view.modelName,
    view.channelName ?? (view.channelId === null ? null : `#${view.channelId}`),
    view.status,
    view.promptTokens,
    view.completionTokens,
    view.costUsd,
    view.latencyMs,
    view.errorCode,
  ];
}

function renderLogTable(views: readonly LogView[]): string {
  if (views.length === 0) return 'No request log rows match.';
  return renderTable(headers, views.map(cells));
}

/** Fixed-width columns for --follow, where later rows cannot widen a table already printed. */
const followWidths = [20, 14, 14, 24, 16, 6, 9, 10, 10, 10, 0];

function followLine(values: readonly (string | number | null)[]): string {
  return values
    .map((value, index) => {
      const shown = value === null ? '-' : sanitize(String(value));
      const width = followWidths[index] ?? 0;
      return shown.length > width && width > 0 ? `${shown.slice(0, width - 1)}…` : shown.padEnd(width);
    })
    .join('  ')
    .trimEnd();
}

function parseLimit(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const limit = parseIntegerFlag(text, '--limit');
  if (limit < 1 || limit > LOG_QUERY_LIMITS.maxLimit) {
    throw invalidArgument('--limit', `--limit must be from 1 to ${LOG_QUERY_LIMITS.maxLimit} (got ${text})`);
  }
  return limit;
}

/** Resolves on SIGINT or SIGTERM, or after `ms`; `stopped()` says which. */
function stopSignal(): { sleep(ms: number): Promise<void>; stopped(): boolean; dispose(): void } {
  let stopped = false;
  let wake: (() => void) | undefined;
  const onSignal = (): void => {
    stopped = true;
    wake?.();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    sleep: (ms) =>
      stopped
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, ms);
            wake = () => {
              clearTimeout(timer);
              resolve();
            };
          }),
    stopped: () => stopped,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

async function follow(logs: LogReads, filter: LogFilter, json: boolean): Promise<void> {
  const print = (views: readonly LogView[]): void => {
    for (const view of views) process.stdout.write(`${json ? JSON.stringify(view) : followLine(cells(view))}\n`);
  };
  const signal = stopSignal();
  try {
    // Rows newer than this are printed by the polling below, so none is printed twice.
    let afterId = await logs.latestId();
    const recent = (await logs.query(filter)).filter((view) => view.id <= afterId);
    if (!json) process.stdout.write(`${followLine(headers)}\n`);
    print(recent.reverse());
    while (!signal.stopped()) {
      const page = await logs.readAfter(filter, afterId);
      print(page.views);
      afterId = page.lastId;
      // A full page means more are waiting: fetch them at once.
      if (!page.more) await signal.sleep(FOLLOW_POLL_MS);
    }
  } finally {
    signal.dispose();
  }
}

export function registerLogsCommand(program: Command): void {
  program
    .command('logs')
    .description('Show the request log, newest first; --follow prints new requests as they finish.')
    .option('--follow', 'keep printing new rows (once per second) until Ctrl-C')
    .option('--user <user>', 'only requests of this user (id or username)')
    .option('--token <key>', 'only requests made with this API key (id or name)')
    .option('--model <model>', 'only requests for this model (the name the client sent)')
    .option('--channel <channel>', 'only requests served by this channel (id or name)')
    .option('--since <when>', 'only rows since a duration ago (30m, 1h, 7d) or an ISO date or time')
    .option('--errors', 'only failed requests')
    .option('--limit <n>', `at most this many rows (default ${LOG_QUERY_LIMITS.defaultLimit}, at most ${LOG_QUERY_LIMITS.maxLimit})`)
    .option('--json', 'print JSON only: an array, or with --follow one object per line')
    .addHelpText(
      'after',
      `
Examples:
  $ gateway logs --since 1h
  $ gateway logs --user alice --model gpt-4o --limit 20
  $ gateway logs --errors --channel openai-main --json
  $ gateway logs --follow`,
    )
    .action(async (flags: LogsFlags, self: Command) => {
      const limit = parseLimit(flags.limit);
      await withServices(self, async (services) => {
        const filter: LogFilter = {
          user: flags.user,
          token: flags.token,
          model: flags.model,
          channel: flags.channel,
          since: flags.since === undefined ? undefined : parseSince(flags.since, services.clock.now()),
          errorsOnly: flags.errors,
          limit,
        };
        if (flags.follow === true) {
          await follow(services.logs, filter, flags.json === true);
          return;
        }
        const views = await services.logs.query(filter);
        output(flags.json, views, () => renderLogTable(views));
      });
    });
}
