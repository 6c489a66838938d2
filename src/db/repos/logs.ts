/**
 * The request log (`logs`): batched inserts from the log writer, filtered reads for `gateway logs`, and the
 * retention deletes. Every read filter is served by one of the table's indexes (reliability.md 2.8.2); only
 * the query builder with `await` and `.returning()` is used, so the same code runs on SQLite and PostgreSQL
 * (except the log writer's inserts on SQLite, see insertLogRows).
 */
import { and, asc, count, desc, eq, gt, gte, inArray, isNull, lt, lte, max, or, type SQL, sql } from 'drizzle-orm';
import type { Db, Store, Tables } from '../client.ts';
import type { PageWindow } from './search.ts';

export type LogRow = Tables['logs']['$inferSelect'];
export type NewLogRow = Tables['logs']['$inferInsert'];

/** New API's log types used by the request log. */
export const LOG_TYPE_CONSUME = 2;
export const LOG_TYPE_ERROR = 5;
/** The rows `gateway logs` shows: requests, successful or failed (top-ups and the like are not requests). */
export const REQUEST_LOG_TYPES = [LOG_TYPE_CONSUME, LOG_TYPE_ERROR] as const;

/**
 * Rows per INSERT statement. 500 rows of 27 columns stay well under SQLite's 32 766 and PostgreSQL's 65 535
 * bound parameters, whatever batch size the writer is given.
 */
const ROWS_PER_INSERT = 500;

/**
 * Inserts the rows in multi-row statements; call it inside the batch's transaction. This is PostgreSQL's path:
 * SQLite's writer inserts one compiled single-row statement per row (src/db/ledger/sqlite-ops.ts), which costs
 * microseconds where building a 500-row statement with drizzle took milliseconds.
 */
export async function insertLogRows(store: Store, db: Db, rows: readonly NewLogRow[]): Promise<void> {
  const { logs } = store.tables;
  for (let start = 0; start < rows.length; start += ROWS_PER_INSERT) {
    await db.insert(logs).values(rows.slice(start, start + ROWS_PER_INSERT));
  }
}

export interface LogRowFilter {
  /** Ids resolved from names by the caller; an empty list matches nothing. */
  userIds?: readonly number[];
  tokenIds?: readonly number[];
  channelIds?: readonly number[];
  modelName?: string;
  /** created_at ≥ since (epoch ms). */
  since?: number;
  types: readonly number[];
  /** Rows with a larger id, oldest first (for following the log); otherwise newest first. */
  afterId?: number;
  limit: number;
}

/**
 * Each filter is the leading column of an index ((user_id, created_at), (token_id, created_at),
 * (channel_id, created_at), (model_name, created_at)), the created_at index serves `since` and the newest-first
 * order, and `afterId` is a range on the primary key. The type condition only narrows rows those indexes find.
 */
export async function selectLogRows(store: Store, filter: LogRowFilter): Promise<LogRow[]> {
  const { logs } = store.tables;
  const conditions: SQL[] = [inArray(logs.type, [...filter.types])];
  if (filter.userIds !== undefined) conditions.push(inArray(logs.userId, [...filter.userIds]));
  if (filter.tokenIds !== undefined) conditions.push(inArray(logs.tokenId, [...filter.tokenIds]));
  if (filter.channelIds !== undefined) conditions.push(inArray(logs.channelId, [...filter.channelIds]));
  if (filter.modelName !== undefined) conditions.push(eq(logs.modelName, filter.modelName));
  if (filter.since !== undefined) conditions.push(gte(logs.createdAt, filter.since));
  if (filter.afterId !== undefined) conditions.push(gt(logs.id, filter.afterId));
  const query = store.db
    .select()
    .from(logs)
    .where(and(...conditions));
  const ordered =
    filter.afterId !== undefined ? query.orderBy(asc(logs.id)) : query.orderBy(desc(logs.createdAt), desc(logs.id));
  return ordered.limit(filter.limit);
}

/**
 * The next `limit` rows after `afterId` in id order, unfiltered: a range on the primary key alone, so polling
 * for new rows costs the same however many old rows a filter would match (`gateway logs --follow`).
 */
export async function selectLogRowsAfterId(store: Store, afterId: number, limit: number): Promise<LogRow[]> {
  const { logs } = store.tables;
  return store.db.select().from(logs).where(gt(logs.id, afterId)).orderBy(asc(logs.id)).limit(limit);
}

/** The largest log id so far (0 for an empty table): where following the log starts. */
export async function selectLatestLogId(store: Store): Promise<number> {
  const { logs } = store.tables;
  const rows = await store.db.select({ latest: max(logs.id) }).from(logs);
  return Number(rows[0]?.latest ?? 0);
}

/** Request counts and sums of the log rows that ended in one minute (`minute` = epoch ms / 60 000, floored). */
export interface LogMinuteSum {
  minute: number;
  requests: number;
  errors: number;
  tokens: number;
  cost: number;
}

/**
 * Sums request rows per minute of `created_at`, for rows with afterId < id <= throughId (a primary-key range)
 * and, when given, created_at >= since. The terminal dashboard reads the last hour once with `since`, then only
 * the rows added since with an id range, so a refresh never rescans the hour.
 */
export async function sumLogMinutes(
  store: Store,
  options: { since?: number; afterId?: number; throughId: number },
): Promise<LogMinuteSum[]> {
  const { logs } = store.tables;
  const conditions: SQL[] = [inArray(logs.type, [...REQUEST_LOG_TYPES]), lte(logs.id, options.throughId)];
  if (options.afterId !== undefined) conditions.push(gt(logs.id, options.afterId));
  if (options.since !== undefined) conditions.push(gte(logs.createdAt, options.since));
  // Integer division on both dialects: created_at is an integer column and 60000 an integer literal.
  const minute = sql`(${logs.createdAt} / 60000)`;
  const rows = await store.db
    .select({
      minute: minute.mapWith(Number),
      requests: sql`count(*)`.mapWith(Number),
      errors: sql`coalesce(sum(case when ${logs.type} = ${LOG_TYPE_ERROR} then 1 else 0 end), 0)`.mapWith(Number),
      tokens: sql`coalesce(sum(${logs.promptTokens} + ${logs.completionTokens}), 0)`.mapWith(Number),
      cost: sql`coalesce(sum(${logs.cost}), 0)`.mapWith(Number),
    })
    .from(logs)
    .where(and(...conditions))
    .groupBy(minute);
  return rows;
}

/** Ids of every user with this exact username (removed users carry a suffix, so at most one). */
export async function selectUserIdsByName(store: Store, username: string): Promise<number[]> {
  const { users } = store.tables;
  const rows = await store.db.select({ id: users.id }).from(users).where(eq(users.username, username));
  return rows.map((row) => row.id);
}

/**
 * Ids of every key with this name, removed keys included (names are unique per owner only). `owners` narrows
 * them to one owner's keys, or to those of the owner `userId` and of owners whose role number is below
 * `roleBelow` (what an administrator reaches), so a name says nothing about other accounts' keys.
 */
export async function selectTokenIdsByName(
  store: Store,
  name: string,
  owners?: { userId: number; roleBelow?: number },
): Promise<number[]> {
  const { tokens, users } = store.tables;
  const conditions: SQL[] = [eq(tokens.name, name)];
  if (owners !== undefined) {
    const own = eq(tokens.userId, owners.userId);
    if (owners.roleBelow === undefined) conditions.push(own);
    // `or` of defined conditions is never undefined.
    else conditions.push(or(own, inArray(tokens.userId, store.db.select({ id: users.id }).from(users).where(lt(users.role, owners.roleBelow)))) as SQL);
  }
  const rows = await store.db.select({ id: tokens.id }).from(tokens).where(and(...conditions));
  return rows.map((row) => row.id);
}

export async function selectChannelIdsByName(store: Store, name: string): Promise<number[]> {
  const { channels } = store.tables;
  const rows = await store.db.select({ id: channels.id }).from(channels).where(eq(channels.name, name));
  return rows.map((row) => row.id);
}

/**
 * Deletes up to `limit` of the oldest rows created before `olderThan`, in the caller's transaction: the ids
 * come from the created_at index, then go by primary key. Returns the number deleted.
 */
export async function deleteLogRowsBefore(store: Store, db: Db, olderThan: number, limit: number): Promise<number> {
  const { logs } = store.tables;
  const victims = await db
    .select({ id: logs.id })
    .from(logs)
    .where(lt(logs.createdAt, olderThan))
    .orderBy(asc(logs.createdAt))
    .limit(limit);
  if (victims.length === 0) return 0;
  const deleted = await db
    .delete(logs)
    .where(inArray(logs.id, victims.map((row) => row.id)))
    .returning({ id: logs.id });
  return deleted.length;
}

/**
 * Returns the pages freed by deletes to the file system (SQLite; the file is created with
 * auto_vacuum = INCREMENTAL). PostgreSQL reuses the space through autovacuum, so nothing runs there.
 */
export async function reclaimFreePages(store: Store): Promise<void> {
  if (store.dialect !== 'sqlite') return;
  // Through the write gate, so it never runs inside another request's open transaction.
  await store.write(() => store.query('PRAGMA incremental_vacuum'));
}

export interface LogPageFilter extends Pick<LogRowFilter, 'userIds' | 'tokenIds' | 'channelIds' | 'modelName' | 'since'> {
  requestId?: string;
  /** created_at < until (epoch ms). */
  until?: number;
  /** Log types; every type when absent. */
  types?: readonly number[];
  /**
   * Rows this actor may see: its own, those of users whose role number is below `roleBelow`, and rows of no
   * user (system notices such as dropped log rows).
   */
  visibleTo?: { userId: number; roleBelow: number };
  /** Only rows with a larger id, and then oldest first (id order): a cursor for following the log. */
  afterId?: number;
}

/**
 * One page of log rows, newest first (id order with `afterId`), and how many match in all. Each filter leads an index (as in
 * selectLogRows; the request id and the type have theirs too); the visibility rule only narrows what they find.
 */
export async function pageLogRows(store: Store, filter: LogPageFilter, window: PageWindow): Promise<{ rows: LogRow[]; total: number }> {
  const { logs, users } = store.tables;
  const conditions: SQL[] = [];
  if (filter.types !== undefined) conditions.push(inArray(logs.type, [...filter.types]));
  if (filter.userIds !== undefined) conditions.push(inArray(logs.userId, [...filter.userIds]));
  if (filter.tokenIds !== undefined) conditions.push(inArray(logs.tokenId, [...filter.tokenIds]));
  if (filter.channelIds !== undefined) conditions.push(inArray(logs.channelId, [...filter.channelIds]));
  if (filter.modelName !== undefined) conditions.push(eq(logs.modelName, filter.modelName));
  if (filter.requestId !== undefined) conditions.push(eq(logs.requestId, filter.requestId));
  if (filter.since !== undefined) conditions.push(gte(logs.createdAt, filter.since));
  if (filter.until !== undefined) conditions.push(lt(logs.createdAt, filter.until));
  if (filter.afterId !== undefined) conditions.push(gt(logs.id, filter.afterId));
  if (filter.visibleTo !== undefined) {
    const below = store.db.select({ id: users.id }).from(users).where(lt(users.role, filter.visibleTo.roleBelow));
    // `or` of defined conditions is never undefined.
    conditions.push(or(eq(logs.userId, filter.visibleTo.userId), inArray(logs.userId, below), isNull(logs.userId)) as SQL);
  }
  const where = conditions.length === 0 ? undefined : and(...conditions);
  const [rows, totals] = await Promise.all([
    (filter.afterId !== undefined
      ? store.db.select().from(logs).where(where).orderBy(asc(logs.id))
      : store.db.select().from(logs).where(where).orderBy(desc(logs.createdAt), desc(logs.id))
    )
      .limit(window.limit)
      .offset(window.offset),
    store.db.select({ total: count() }).from(logs).where(where),
  ]);
  return { rows, total: Number(totals[0]?.total ?? 0) };
}

/** One log row by id. */
export async function findLogRow(store: Store, id: number): Promise<LogRow | undefined> {
  const { logs } = store.tables;
  const rows = await store.db.select().from(logs).where(eq(logs.id, id));
  return rows[0];
}
