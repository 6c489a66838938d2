/**
 * The dashboard's figures from what the data source returns: per-minute activity of the last hour (rates,
 * error rate, sparklines) and today's usage by model and by key (spend, top lists). Pure, so it is tested
 * with plain data.
 */
import type { ChannelView, MinuteActivity, TuiDataSource, UsageReport } from './source.ts';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
export const SPARK_MINUTES = 60;

export interface MinuteSeries {
  /** One value per minute, oldest first; the last is the current (partial) minute. */
  requests: number[];
  tokens: number[];
  errors: number[];
}

export interface DashboardStats {
  now: number;
  /** Sliding one-minute estimates: the current minute plus the share of the previous one still inside the window. */
  requestsPerMinute: number;
  tokensPerMinute: number;
  requestsLastHour: number;
  errorsLastHour: number;
  /** errors / requests over the last hour; null without requests. */
  errorRate: number | null;
  series: MinuteSeries;
  spendTodayUsd: string;
  requestsToday: number;
  topModels: UsageReport['rows'];
  topKeys: UsageReport['rows'];
  channels: ChannelView[];
}

/** The last `minutes` minutes up to `now`, zero where nothing happened. */
export function minuteSeries(activity: readonly MinuteActivity[], now: number, minutes = SPARK_MINUTES): MinuteSeries {
  const current = Math.floor(now / MINUTE_MS) * MINUTE_MS;
  const first = current - (minutes - 1) * MINUTE_MS;
  const series: MinuteSeries = { requests: new Array(minutes).fill(0), tokens: new Array(minutes).fill(0), errors: new Array(minutes).fill(0) };
  for (const entry of activity) {
    const index = Math.round((entry.minute - first) / MINUTE_MS);
    if (index < 0 || index >= minutes) continue;
    series.requests[index] = (series.requests[index] ?? 0) + entry.requests;
    series.tokens[index] = (series.tokens[index] ?? 0) + entry.tokens;
    series.errors[index] = (series.errors[index] ?? 0) + entry.errors;
  }
  return series;
}

/** The rate over the last 60 s, assuming the previous minute's requests were spread evenly over it. */
export function perMinute(values: readonly number[], now: number): number {
  const current = values[values.length - 1] ?? 0;
  const previous = values[values.length - 2] ?? 0;
  const elapsed = (now % MINUTE_MS) / MINUTE_MS;
  return current + previous * (1 - elapsed);
}

export function startOfUtcDay(now: number): number {
  return Math.floor(now / DAY_MS) * DAY_MS;
}

export function computeStats(input: {
  now: number;
  activity: readonly MinuteActivity[];
  byModel: UsageReport;
  byKey: UsageReport;
  channels: ChannelView[];
  top?: number;
}): DashboardStats {
  const top = input.top ?? 5;
  const series = minuteSeries(input.activity, input.now);
  const requestsLastHour = series.requests.reduce((sum, value) => sum + value, 0);
  const errorsLastHour = series.errors.reduce((sum, value) => sum + value, 0);
  return {
    now: input.now,
    requestsPerMinute: perMinute(series.requests, input.now),
    tokensPerMinute: perMinute(series.tokens, input.now),
    requestsLastHour,
    errorsLastHour,
    errorRate: requestsLastHour === 0 ? null : errorsLastHour / requestsLastHour,
    series,
    spendTodayUsd: input.byModel.totals.costUsd,
    requestsToday: input.byModel.totals.requests,
    topModels: input.byModel.rows.slice(0, top),
    topKeys: input.byKey.rows.slice(0, top),
    channels: input.channels,
  };
}

/** Everything the dashboard shows, in one round of reads. */
export async function loadStats(source: TuiDataSource): Promise<DashboardStats> {
  const now = source.now();
  const today = startOfUtcDay(now);
  const [activity, byModel, byKey, channels] = await Promise.all([
    source.stats.activity(now - (SPARK_MINUTES - 1) * MINUTE_MS),
    source.stats.usage('model', today),
    source.stats.usage('token', today),
    source.channels.list(),
  ]);
  return computeStats({ now, activity, byModel, byKey, channels });
}
