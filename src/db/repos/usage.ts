/**
 * Usage counters: the hourly aggregates in `usage_hourly` and the per-channel totals on `channels`. Both move
 * only by deltas (`request_count = request_count + excluded.request_count`), so log writers on several nodes
 * never overwrite each other's counts.
 */
import { and, asc, eq, gte, inArray, lt, type SQL, sql } from 'drizzle-orm';
import type { AnySQLiteColumn } from 'drizzle-orm/sqlite-core';
import type { Db, Store } from '../client.ts';

/** One hourly bucket's deltas; the first seven fields are the bucket's unique key. */
export interface UsageDelta {
  hour: number;
  userId: number;
  tokenId: number;
  /** 0 when no channel was chosen (a request refused before routing). */
  channelId: number;
  modelName: string;
  group: string;
  nodeName: string;
  requestCount: number;
  errorCount: number;
  promptTokens: number;
  completionTokens: number;
  cost: number;
}

export interface ChannelUsageDelta {
  channelId: number;
  usedAmount: number;
  requestCount: number;
}

/** `column + excluded.column`: adds the inserted row's value to the stored one on conflict. */
function plusExcluded(column: AnySQLiteColumn): SQL {
  return sql`${column} + excluded.${sql.identifier(column.name)}`;
}

/**
 * Adds the deltas to their buckets, creating missing ones; call it inside the batch's transaction. The deltas
 * must have distinct keys (PostgreSQL refuses to update one row twice in a statement); they are written in
 * key order so that two nodes flushing at once lock the rows in the same order.
 */
export async function addUsageDeltas(store: Store, db: Db, deltas: readonly UsageDelta[]): Promise<void> {
  if (deltas.length === 0) return;
  const { usageHourly } = store.tables;
  const ordered = [...deltas].sort(compareBuckets);
  // 200 rows of 12 columns per statement keeps far below every bound-parameter limit.
  for (let start = 0; start < ordered.length; start += 200) {
    await db
      .insert(usageHourly)
      .values(ordered.slice(start, start + 200))
      .onConflictDoUpdate({
        target: [
          usageHourly.hour,
          usageHourly.userId,
          usageHourly.tokenId,
          usageHourly.channelId,
          usageHourly.modelName,
          usageHourly.group,
          usageHourly.nodeName,
        ],
        set: {
          requestCount: plusExcluded(usageHourly.requestCount),
          errorCount: plusExcluded(usageHourly.errorCount),
          promptTokens: plusExcluded(usageHourly.promptTokens),
          completionTokens: plusExcluded(usageHourly.completionTokens),
          cost: plusExcluded(usageHourly.cost),
        },
      });
  }
}

function compareBuckets(left: UsageDelta, right: UsageDelta): number {
  return (
    left.hour - right.hour ||
    left.userId - right.userId ||
    left.tokenId - right.tokenId ||
    left.channelId - right.channelId ||
    compareText(left.modelName, right.modelName) ||
    compareText(left.group, right.group) ||
    compareText(left.nodeName, right.nodeName)
  );
}

function compareText(left: string, right: string): number {
  return left < right ? -1 : left > right ? 1 : 0;
}

/**
 * Adds spend and request counts to channels, in id order. A channel deleted since the request simply matches
 * no row. Does not bump the `channels` change counter: these columns are statistics, not routing.
 */
export async function addChannelUsage(store: Store, db: Db, deltas: readonly ChannelUsageDelta[]): Promise<void> {
  const { channels } = store.tables;
  for (const delta of [...deltas].sort((left, right) => left.channelId - right.channelId)) {
    await db
      .update(channels)
      .set({
        usedAmount: sql`${channels.usedAmount} + ${delta.usedAmount}`,
        requestCount: sql`${channels.requestCount} + ${delta.requestCount}`,
      })
      .where(eq(channels.id, delta.channelId));
  }
}

export type UsageDimension = 'model' | 'user' | 'token' | 'channel';

function usageSums(store: Store) {
  const { usageHourly } = store.tables;
  return {
    requests: sql`coalesce(sum(${usageHourly.requestCount}), 0)`.mapWith(Number),
    errors: sql`coalesce(sum(${usageHourly.errorCount}), 0)`.mapWith(Number),
    promptTokens: sql`coalesce(sum(${usageHourly.promptTokens}), 0)`.mapWith(Number),
    completionTokens: sql`coalesce(sum(${usageHourly.completionTokens}), 0)`.mapWith(Number),
    cost: sql`coalesce(sum(${usageHourly.cost}), 0)`.mapWith(Number),
  };
}

export interface UsageSumRow {
  /** The user, key or channel id; null when summing per model. */
  id: number | null;
  /** The model name, or the current name of the user, key or channel (null when that row is gone). */
  name: string | null;
  requests: number;
  errors: number;
  promptTokens: number;
  completionTokens: number;
  cost: number;
}

/**
 * Sums the buckets with fromHour ≤ hour < untilHour (the hour index) per model, user, key or channel, with
 * the current name joined in.
 */
export async function sumUsage(
  store: Store,
  options: { by: UsageDimension; fromHour: number; untilHour: number | undefined; userId?: number },
): Promise<UsageSumRow[]> {
  const { usageHourly, users, tokens, channels } = store.tables;
  const conditions: SQL[] = [gte(usageHourly.hour, options.fromHour)];
  if (options.untilHour !== undefined) conditions.push(lt(usageHourly.hour, options.untilHour));
  if (options.userId !== undefined) conditions.push(eq(usageHourly.userId, options.userId));
  const sums = usageSums(store);
  const where = and(...conditions);
  switch (options.by) {
    case 'model': {
      const rows = await store.db
        .select({ model: usageHourly.modelName, ...sums })
        .from(usageHourly)
        .where(where)
        .groupBy(usageHourly.modelName)
        .orderBy(asc(usageHourly.modelName));
      return rows.map(({ model, ...rest }) => ({ id: null, name: model, ...rest }));
    }
    case 'user': {
      const rows = await store.db
        .select({ id: usageHourly.userId, name: users.username, ...sums })
        .from(usageHourly)
        .leftJoin(users, eq(users.id, usageHourly.userId))
        .where(where)
        .groupBy(usageHourly.userId, users.username);
      return rows;
    }
    case 'token': {
      const rows = await store.db
        .select({ id: usageHourly.tokenId, name: tokens.name, ...sums })
        .from(usageHourly)
        .leftJoin(tokens, eq(tokens.id, usageHourly.tokenId))
        .where(where)
        .groupBy(usageHourly.tokenId, tokens.name);
      return rows;
    }
    case 'channel': {
      const rows = await store.db
        .select({ id: usageHourly.channelId, name: channels.name, ...sums })
        .from(usageHourly)
        .leftJoin(channels, eq(channels.id, usageHourly.channelId))
        .where(where)
        .groupBy(usageHourly.channelId, channels.name);
      return rows;
    }
  }
}

/** How wide a chart's buckets are: the hourly rows as they are, or folded into UTC days. */
export type UsageGranularity = 'hour' | 'day';

export interface UsageSeriesRow {
  /** The bucket's start, epoch ms. */
  bucket: number;
  /** The model name, or the user, key or channel id; null without a dimension. */
  key: string | number | null;
  requests: number;
  errors: number;
  promptTokens: number;
  completionTokens: number;
  cost: number;
}

/**
 * Sums the buckets with fromHour ≤ hour < untilHour per hour or UTC day and, when `by` is given, per model,
 * user, key or channel, keeping only the `keys` of that dimension when they are given (the hour index serves
 * the window; `userId` narrows it to one user's rows). Only buckets with rows are returned.
 */
export async function sumUsageSeries(
  store: Store,
  options: {
    granularity: UsageGranularity;
    by?: UsageDimension;
    keys?: readonly (string | number)[];
    fromHour: number;
    untilHour: number;
    userId?: number;
  },
): Promise<UsageSeriesRow[]> {
  const { usageHourly } = store.tables;
  // The day's width is part of the statement's text, not a parameter: PostgreSQL matches the GROUP BY expression
  // to the selected one only when they are spelled alike, and two parameters never are.
  const bucket = options.granularity === 'hour' ? sql`${usageHourly.hour}` : sql`(${usageHourly.hour} - (${usageHourly.hour} % 86400000))`;
  const column =
    options.by === undefined
      ? undefined
      : { model: usageHourly.modelName, user: usageHourly.userId, token: usageHourly.tokenId, channel: usageHourly.channelId }[options.by];
  const conditions: SQL[] = [gte(usageHourly.hour, options.fromHour), lt(usageHourly.hour, options.untilHour)];
  if (options.userId !== undefined) conditions.push(eq(usageHourly.userId, options.userId));
  if (column !== undefined && options.keys !== undefined) {
    if (options.keys.length === 0) return [];
    // The keys are names for the model column and ids for the others; the union of columns has no common value type.
    conditions.push(inArray(column, [...options.keys] as never[]));
  }
  const sums = usageSums(store);
  const where = and(...conditions);
  if (column === undefined) {
    const rows = await store.db.select({ bucket: bucket.mapWith(Number), ...sums }).from(usageHourly).where(where).groupBy(bucket);
    return rows.map((row) => ({ ...row, key: null }));
  }
  return store.db.select({ bucket: bucket.mapWith(Number), key: column, ...sums }).from(usageHourly).where(where).groupBy(bucket, column);
}
