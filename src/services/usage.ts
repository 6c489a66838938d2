/**
 * Usage statistics from the hourly aggregates the log writer keeps (`usage_hourly`), per model, user, key or
 * channel. Buckets are whole UTC hours: a window starting mid-hour includes that hour's bucket.
 */
import type { Store } from '../db/client.ts';
import { sumUsage, type UsageDimension, type UsageSumRow } from '../db/repos/usage.ts';
import { invalidArgument } from '../errors/gateway-error.ts';
import { formatUsd } from './money.ts';

export type { UsageDimension } from '../db/repos/usage.ts';

export const usageDimensions: readonly UsageDimension[] = ['model', 'user', 'token', 'channel'];

export interface UsageQuery {
  by: UsageDimension;
  /** Epoch ms; the bucket holding it is included. */
  since: number;
  /** Epoch ms, exclusive, rounded up to a whole hour (the bucket holding it is included). Default: no end. */
  until?: number;
}

export interface UsageTotals {
  requests: number;
  errors: number;
  promptTokens: number;
  completionTokens: number;
  /** Micro-USD, and the same amount as exact decimal USD. */
  cost: number;
  costUsd: string;
}

export interface UsageRow extends UsageTotals {
  /** The model name, username, key name or channel name; `#id` when that row is gone, `(none)` for no channel. */
  key: string;
  /** The user, key or channel id; null per model. */
  id: number | null;
}

export interface UsageReport {
  by: UsageDimension;
  /** ISO 8601 UTC: the first hour included, and the exclusive end (null: up to now). */
  since: string;
  until: string | null;
  rows: UsageRow[];
  totals: UsageTotals;
}

const HOUR_MS = 3_600_000;

export function parseUsageDimension(text: string, field = '--by'): UsageDimension {
  const value = text.trim().toLowerCase();
  const found = usageDimensions.find((dimension) => dimension === value);
  if (found === undefined) throw invalidArgument(field, `${field} must be one of ${usageDimensions.join(', ')} (got "${text}")`);
  return found;
}

function keyOf(by: UsageDimension, row: UsageSumRow): string {
  if (row.name !== null) return row.name;
  if (by === 'channel' && row.id === 0) return '(none)';
  return `#${row.id ?? '?'}`;
}

/** Sums per model, user, key or channel, most expensive first, with the totals of the window. */
export async function queryUsage(store: Store, query: UsageQuery): Promise<UsageReport> {
  const fromHour = Math.floor(query.since / HOUR_MS) * HOUR_MS;
  const untilHour = query.until === undefined ? undefined : Math.ceil(query.until / HOUR_MS) * HOUR_MS;
  const sums = await sumUsage(store, { by: query.by, fromHour, untilHour });
  const rows: UsageRow[] = sums.map((row) => ({
    key: keyOf(query.by, row),
    id: row.id,
    requests: row.requests,
    errors: row.errors,
    promptTokens: row.promptTokens,
    completionTokens: row.completionTokens,
    cost: row.cost,
    costUsd: formatUsd(row.cost),
  }));
  rows.sort((left, right) => right.cost - left.cost || right.requests - left.requests || (left.key < right.key ? -1 : left.key > right.key ? 1 : 0));
  const totals = rows.reduce(
    (sum, row) => ({
      requests: sum.requests + row.requests,
      errors: sum.errors + row.errors,
      promptTokens: sum.promptTokens + row.promptTokens,
      completionTokens: sum.completionTokens + row.completionTokens,
      cost: sum.cost + row.cost,
    }),
    { requests: 0, errors: 0, promptTokens: 0, completionTokens: 0, cost: 0 },
  );
  return {
    by: query.by,
    since: new Date(fromHour).toISOString(),
    until: untilHour === undefined ? null : new Date(untilHour).toISOString(),
    rows,
    totals: { ...totals, costUsd: formatUsd(totals.cost) },
  };
}
