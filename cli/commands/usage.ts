/** `gateway usage`: requests, tokens and spend per model, user, key or channel, from the hourly aggregates. */
import type { Command } from 'commander';
import { parseSince } from '../../src/services/since.ts';
import { parseUsageDimension, type UsageReport } from '../../src/services/usage.ts';
import { withServices } from '../context.ts';
import { output, renderTable } from '../output.ts';

interface UsageFlags {
  by: string;
  since: string;
  json?: boolean;
}

function renderUsage(report: UsageReport): string {
  const window = `Usage since ${report.since.slice(0, 16)}Z (whole UTC hours), by ${report.by}`;
  if (report.rows.length === 0) return `${window}: no requests.`;
  const { totals } = report;
  const table = renderTable(
    [report.by.toUpperCase(), 'REQUESTS', 'ERRORS', 'TOKENS IN', 'TOKENS OUT', 'COST (USD)'],
    [
      ...report.rows.map((row) => [row.key, row.requests, row.errors, row.promptTokens, row.completionTokens, row.costUsd]),
      ['TOTAL', totals.requests, totals.errors, totals.promptTokens, totals.completionTokens, totals.costUsd],
    ],
  );
  return `${window}\n${table}`;
}

export function registerUsageCommand(program: Command): void {
  program
    .command('usage')
    .description('Show requests, tokens and cost per model, user, key or channel, most expensive first.')
    .option('--by <dimension>', 'model, user, token or channel', 'model')
    .option('--since <when>', 'a duration ago (30m, 1h, 7d) or an ISO date or time', '7d')
    .option('--json', 'print JSON only')
    .addHelpText(
      'after',
      `
Examples:
  $ gateway usage
  $ gateway usage --by user --since 30d
  $ gateway usage --by channel --since 2026-01-01 --json`,
    )
    .action(async (flags: UsageFlags, self: Command) => {
      const by = parseUsageDimension(flags.by);
      await withServices(self, async (deps) => {
        const report = await deps.usage.query({ by, since: parseSince(flags.since, deps.clock.now()) });
        output(flags.json, report, () => renderUsage(report));
      });
    });
}
