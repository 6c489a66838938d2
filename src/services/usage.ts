/**
 * Usage statistics from the hourly aggregates the log writer keeps (`usage_hourly`), per model, user, key or
 * channel. Buckets are whole UTC hours: a window starting mid-hour includes that hour's bucket.
 */
import type { Store } from '../db/client.ts';
import { sumUsage, sumUsageSeries, type UsageDimension, type UsageGranularity, type UsageSumRow } from '../db/repos/usage.ts';
import { invalidArgument } from '../errors/gateway-error.ts';
import { formatUsd } from './money.ts';

export type { UsageDimension, UsageGranularity } from '../db/repos/usage.ts';

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

// ---------------------------------------------------------------------------------------------------------------
// Series for charts

export const usageGranularities: readonly UsageGranularity[] = ['hour', 'day'];
const DAY_MS = 24 * HOUR_MS;
const BUCKET_MS: Record<UsageGranularity, number> = { hour: HOUR_MS, day: DAY_MS };
/** A chart wider than this many buckets is refused: 41 days by the hour, about 2.7 years by the day. */
export const MAX_USAGE_BUCKETS = 1000;
export const USAGE_SERIES_LIMITS = { defaultSeries: 10, maxSeries: 50 } as const;
/** Without `since`: the last 24 hours by the hour, the last 30 days by the day. */
const DEFAULT_SPAN_MS: Record<UsageGranularity, number> = { hour: DAY_MS, day: 30 * DAY_MS };

export interface UsageSeriesQuery {
  granularity: UsageGranularity;
  /** Split per model, user, key or channel; one series of everything when absent. */
  by?: UsageDimension;
  /** Epoch ms; the bucket holding it is the first. Default: see DEFAULT_SPAN_MS before `until`. */
  since?: number;
  /** Epoch ms, exclusive, rounded up to a whole bucket. Default: now. */
  until?: number;
  /** The most expensive series kept (default 10, at most 50); the totals cover all of them. */
  limit?: number;
  /** Only this user's requests (a user reading their own usage). */
  userId?: number;
  now: number;
}

export interface UsagePoint extends UsageTotals {
  /** The bucket's start, epoch ms. */
  bucket: number;
}

export interface UsageSeries {
  /** As in UsageRow: the model name, username, key name or channel name; `total` without a dimension. */
  key: string;
  id: number | null;
  totals: UsageTotals;
  /** One point per bucket of the window, oldest first; buckets without requests are zeros. */
  points: UsagePoint[];
}

export interface UsageSeriesReport {
  granularity: UsageGranularity;
  by: UsageDimension | null;
  /** Epoch ms: the first bucket's start and the exclusive end. */
  since: number;
  until: number;
  series: UsageSeries[];
  /** Everything in the window, the series left out by `limit` included. */
  totals: UsageTotals;
}

export function parseUsageGranularity(text: string, field = 'group_by'): UsageGranularity {
  const value = text.trim().toLowerCase();
  const found = usageGranularities.find((granularity) => granularity === value);
  if (found === undefined) throw invalidArgument(field, `${field} must be one of ${usageGranularities.join(', ')} (got "${text}")`);
  return found;
}

function zeroTotals(): UsageTotals {
  return { requests: 0, errors: 0, promptTokens: 0, completionTokens: 0, cost: 0, costUsd: '0' };
}

function addTo(target: UsageTotals, row: { requests: number; errors: number; promptTokens: number; completionTokens: number; cost: number }): void {
  target.requests += row.requests;
  target.errors += row.errors;
  target.promptTokens += row.promptTokens;
  target.completionTokens += row.completionTokens;
  target.cost += row.cost;
  target.costUsd = formatUsd(target.cost);
}

/**
 * Requests, errors, tokens and cost per hour or UTC day for a chart, from the hourly aggregates: one series,
 * or one per model, user, key or channel (the `limit` most expensive, most expensive first), each with a point
 * for every bucket of the window.
 */
export async function queryUsageSeries(store: Store, query: UsageSeriesQuery): Promise<UsageSeriesReport> {
  const width = BUCKET_MS[query.granularity];
  const limit = query.limit ?? USAGE_SERIES_LIMITS.defaultSeries;
  if (!Number.isInteger(limit) || limit < 1 || limit > USAGE_SERIES_LIMITS.maxSeries) {
    throw invalidArgument('limit', `limit must be a whole number from 1 to ${USAGE_SERIES_LIMITS.maxSeries} (got ${limit})`);
  }
  const until = Math.ceil((query.until ?? query.now) / width) * width;
  const since = Math.floor((query.since ?? until - DEFAULT_SPAN_MS[query.granularity]) / width) * width;
  if (since >= until) throw invalidArgument('since', `since must be before until (got ${new Date(since).toISOString()} and ${new Date(until).toISOString()})`);
  const buckets = (until - since) / width;
  if (buckets > MAX_USAGE_BUCKETS) {
    throw invalidArgument(
      'since',
      `the window holds ${buckets} ${query.granularity}s; at most ${MAX_USAGE_BUCKETS} fit in one chart: narrow since/until${query.granularity === 'hour' ? ', or group by day' : ''}`,
    );
  }
  const window = { fromHour: since, untilHour: until, userId: query.userId };

  // Which series: every key's totals in the window, the most expensive first (as `gateway usage` sorts them).
  const everything = zeroTotals();
  let chosen: { key: string; id: number | null; match: string | number | null; totals: UsageTotals }[];
  if (query.by === undefined) {
    chosen = [{ key: 'total', id: null, match: null, totals: zeroTotals() }];
  } else {
    const by = query.by;
    const sums = await sumUsage(store, { by, ...window });
    for (const row of sums) addTo(everything, row);
    sums.sort((left, right) => right.cost - left.cost || right.requests - left.requests || compareKeys(keyOf(by, left), keyOf(by, right)));
    chosen = sums.slice(0, limit).map((row) => ({ key: keyOf(by, row), id: row.id, match: by === 'model' ? row.name : row.id, totals: zeroTotals() }));
  }

  const rows = await sumUsageSeries(store, {
    granularity: query.granularity,
    by: query.by,
    keys: query.by === undefined ? undefined : chosen.map((entry) => entry.match).filter((match): match is string | number => match !== null),
    ...window,
  });
  const points = new Map<string | number | null, Map<number, UsagePoint>>();
  for (const row of rows) {
    const ofKey = points.get(row.key) ?? new Map<number, UsagePoint>();
    points.set(row.key, ofKey);
    const point = ofKey.get(row.bucket) ?? { bucket: row.bucket, ...zeroTotals() };
    ofKey.set(row.bucket, point);
    addTo(point, row);
    if (query.by === undefined) addTo(everything, row);
  }
  const series = chosen.map((entry) => {
    const ofKey = points.get(entry.match);
    const dense: UsagePoint[] = [];
    for (let bucket = since; bucket < until; bucket += width) {
      const point = ofKey?.get(bucket) ?? { bucket, ...zeroTotals() };
      addTo(entry.totals, point);
      dense.push(point);
    }
    return { key: entry.key, id: entry.id, totals: entry.totals, points: dense };
  });
  return { granularity: query.granularity, by: query.by ?? null, since, until, series, totals: everything };
}

function compareKeys(left: string, right: string): number {
  return left < right ? -1 : left > right ? 1 : 0;
}

/** The usage reads of the admin API, on one store. */
export interface UsageService {
  series(query: UsageSeriesQuery): Promise<UsageSeriesReport>;
  /** The sums of `gateway usage` (queryUsage): one row per model, user, key or channel. */
  totals(query: UsageQuery): Promise<UsageReport>;
}

export function createUsageService(store: Store): UsageService {
  return { series: (query) => queryUsageSeries(store, query), totals: (query) => queryUsage(store, query) };
}
