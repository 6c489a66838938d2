/**
 * The request log (reliability.md 2.8.1–2.8.2, G12). The relay hands one entry per request to a bounded
 * in-memory queue and never waits: a writer flushes it in batches (500 rows or every 200 ms), each in one
 * transaction that inserts the rows, adds the hourly usage aggregates and the channels' spend. A full queue
 * drops and counts; a failed batch is logged and counted. No charge is lost that way: money lives in the
 * ledger, not in the log. Retention deletes old rows in small transactions.
 */
import type { Clock } from '../clock.ts';
import type { Store } from '../db/client.ts';
import {
  deleteLogRowsBefore,
  LOG_TYPE_ERROR,
  type LogRow,
  type LogRowFilter,
  type NewLogRow,
  REQUEST_LOG_TYPES,
  reclaimFreePages,
  selectChannelIdsByName,
  selectLatestLogId,
  selectLogRows,
  selectLogRowsAfterId,
  selectTokenIdsByName,
  selectUserIdsByName,
  sumLogMinutes,
} from '../db/repos/logs.ts';
import type { ChannelUsageDelta, UsageDelta } from '../db/repos/usage.ts';
import { invalidArgument, notFound } from '../errors/gateway-error.ts';
import type { Logger } from '../log/logger.ts';
import { formatUsd } from './money.ts';

/** One request's log row (New API log types: 2 consume, 5 error). */
export interface RequestLogEntry {
  createdAt: number;
  type: 2 | 5;
  requestId: string;
  userId: number;
  username: string;
  tokenId: number;
  tokenName: string;
  channelId: number | undefined;
  channelName: string | undefined;
  group: string;
  modelName: string;
  upstreamModel: string | undefined;
  isStream: boolean;
  status: number;
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  cacheWriteTokens: number;
  reasoningTokens: number;
  cost: number;
  latencyMs: number;
  firstTokenMs: number | undefined;
  errorCode: string | undefined;
  /** Short human text (error message, or the request body when body logging is on — the caller caps it). */
  content: string;
  ip: string | undefined;
  /** JSON-able details: retry chain, usage flags (estimated, partial, clamped), price, image/audio tokens. */
  other: Record<string, unknown>;
}

export interface LogWriterStats {
  /** Entries waiting in the queue. */
  queued: number;
  /** Rows committed to the database. */
  written: number;
  /** Entries lost: refused by a full queue or a closed writer, or part of a batch that failed. */
  dropped: number;
  failedBatches: number;
}

export interface LogWriter {
  /** Never blocks and never throws: a full queue drops the entry and counts it. */
  enqueue(entry: RequestLogEntry): void;
  /** Writes everything queued now. */
  flush(): Promise<void>;
  /** Flushes and stops the timer; entries enqueued after close are written by close's final flush or dropped+counted. */
  close(): Promise<void>;
  stats(): LogWriterStats;
}

export interface LogWriterOptions {
  store: Store;
  clock: Clock;
  logger: Logger;
  /** Written into the hourly aggregates, so several nodes never contend for one bucket. */
  nodeName: string;
  maxQueue?: number;
  batchSize?: number;
  flushIntervalMs?: number;
}

export const LOG_QUEUE_DEFAULTS = { maxQueue: 10_000, batchSize: 500, flushIntervalMs: 200 } as const;

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** At most one "queue full" warning per minute, however many entries are dropped. */
const DROP_WARNING_INTERVAL_MS = 60_000;
const INT32_MAX = 2_147_483_647;

export function createLogWriter(options: LogWriterOptions): LogWriter {
  const { store, clock, logger, nodeName } = options;
  const maxQueue = options.maxQueue ?? LOG_QUEUE_DEFAULTS.maxQueue;
  const batchSize = Math.max(1, options.batchSize ?? LOG_QUEUE_DEFAULTS.batchSize);
  const flushIntervalMs = options.flushIntervalMs ?? LOG_QUEUE_DEFAULTS.flushIntervalMs;

  let queue: RequestLogEntry[] = [];
  let written = 0;
  let dropped = 0;
  let failedBatches = 0;
  let droppedSinceWarning = 0;
  let lastWarningAt: number | undefined;
  /** Drops not yet recorded as a system row in the log itself (reliability.md 2.8.1: one a minute at most). */
  let unrecordedDrops: { count: number; reason: string } | undefined;
  let draining = false;
  /** A drain was requested and has not started yet, so a burst of enqueues asks for it once. */
  let drainRequested = false;
  let closed = false;
  let closing: Promise<void> | undefined;
  /** Flushes run one after another: a batch never races another batch of this writer. */
  let tail: Promise<void> = Promise.resolve();

  const drop = (count: number, reason: string): void => {
    dropped += count;
    droppedSinceWarning += count;
    const now = clock.now();
    if (lastWarningAt !== undefined && now - lastWarningAt < DROP_WARNING_INTERVAL_MS) return;
    lastWarningAt = now;
    logger.warn('request log entries dropped', { reason, dropped: droppedSinceWarning, droppedTotal: dropped, maxQueue });
    unrecordedDrops = { count: (unrecordedDrops?.count ?? 0) + droppedSinceWarning, reason };
    droppedSinceWarning = 0;
  };

  const writeBatch = async (batch: RequestLogEntry[]): Promise<void> => {
    try {
      const rows = batch.map(toLogRow);
      const { usage, channels } = aggregate(batch, nodeName);
      const notice = unrecordedDrops;
      unrecordedDrops = undefined;
      await store.ledger.run({
        kind: 'log-batch',
        rows,
        usage,
        channels,
        notice:
          notice === undefined
            ? null
            : {
                now: clock.now(),
                userId: null,
                tokenId: null,
                content: `request log: ${notice.count} row(s) dropped (${notice.reason}); the relay was not slowed, and charges are in the ledger`,
                other: { alert: 'log_dropped', dropped: notice.count, reason: notice.reason, droppedTotal: dropped },
              },
      });
      written += batch.length;
    } catch (error) {
      failedBatches += 1;
      // The notice was part of the failed transaction; it is reported by the error below instead.
      dropped += batch.length;
      logger.error('request log batch failed; its rows are lost', { rows: batch.length, error: describeFailure(error) });
    }
  };

  const drain = async (): Promise<void> => {
    draining = true;
    drainRequested = false;
    try {
      while (queue.length > 0) {
        const batch = queue.length <= batchSize ? queue : queue.slice(0, batchSize);
        queue = queue.length <= batchSize ? [] : queue.slice(batchSize);
        await writeBatch(batch);
      }
    } finally {
      draining = false;
    }
  };

  const flush = (): Promise<void> => {
    const next = tail.then(drain);
    tail = next;
    return next;
  };

  const requestDrain = (): void => {
    if (draining || drainRequested) return;
    drainRequested = true;
    void flush();
  };

  const timer = setInterval(() => {
    if (queue.length > 0) requestDrain();
  }, flushIntervalMs);
  timer.unref();

  return {
    enqueue: (entry) => {
      try {
        if (closed) {
          drop(1, 'writer closed');
          return;
        }
        if (queue.length >= maxQueue) {
          drop(1, 'queue full');
          return;
        }
        queue.push(entry);
        if (queue.length >= batchSize) requestDrain();
      } catch {
        // enqueue runs on the relay's path and must never throw; a failing clock or logger loses one entry.
        dropped += 1;
      }
    },
    flush,
    close: () => {
      closing ??= (async () => {
        clearInterval(timer);
        // Entries enqueued while the final flush runs are drained by it; the check and `closed = true` are
        // synchronous, so nothing slips in between.
        while (queue.length > 0 || draining) await flush();
        closed = true;
      })();
      return closing;
    },
    stats: () => ({ queued: queue.length, written, dropped, failedBatches }),
  };
}

/** Whole numbers only: the columns are integers, and one bad value would fail the whole batch. */
function whole(value: number, limit = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isFinite(value)) return 0;
  return Math.min(Math.max(Math.round(value), -limit), limit);
}

function optionalWhole(value: number | undefined, limit?: number): number | null {
  return value === undefined ? null : whole(value, limit);
}

/** PostgreSQL text cannot hold NUL, and one such byte would fail the whole batch. */
function text(value: string): string {
  return value.includes('\u0000') ? value.replaceAll('\u0000', '') : value;
}

function optionalText(value: string | undefined): string | null {
  return value === undefined ? null : text(value);
}

function serializeOther(other: Record<string, unknown>): string {
  try {
    return text(JSON.stringify(other) ?? '{}');
  } catch {
    // A BigInt or a cycle from a caller's bug; the row is worth more than its details.
    return '{"unserializable":true}';
  }
}

function toLogRow(entry: RequestLogEntry): NewLogRow {
  return {
    createdAt: whole(entry.createdAt),
    type: entry.type,
    requestId: text(entry.requestId),
    userId: whole(entry.userId, INT32_MAX),
    username: text(entry.username),
    tokenId: whole(entry.tokenId, INT32_MAX),
    tokenName: text(entry.tokenName),
    channelId: optionalWhole(entry.channelId, INT32_MAX),
    channelName: optionalText(entry.channelName),
    group: text(entry.group),
    modelName: text(entry.modelName),
    upstreamModel: optionalText(entry.upstreamModel),
    isStream: entry.isStream,
    status: whole(entry.status, INT32_MAX),
    promptTokens: whole(entry.promptTokens),
    completionTokens: whole(entry.completionTokens),
    cachedTokens: whole(entry.cachedTokens),
    cacheWriteTokens: whole(entry.cacheWriteTokens),
    reasoningTokens: whole(entry.reasoningTokens),
    cost: whole(entry.cost),
    latencyMs: whole(entry.latencyMs, INT32_MAX),
    firstTokenMs: optionalWhole(entry.firstTokenMs, INT32_MAX),
    errorCode: optionalText(entry.errorCode),
    content: text(entry.content),
    ip: optionalText(entry.ip),
    other: serializeOther(entry.other),
  };
}

/** Sums a batch per hourly bucket and per channel, so each bucket and channel is written once per batch. */
function aggregate(batch: readonly RequestLogEntry[], nodeName: string): { usage: UsageDelta[]; channels: ChannelUsageDelta[] } {
  const buckets = new Map<string, UsageDelta>();
  const channels = new Map<number, ChannelUsageDelta>();
  for (const entry of batch) {
    const cost = whole(entry.cost);
    const bucket: UsageDelta = {
      hour: Math.floor(whole(entry.createdAt) / HOUR_MS) * HOUR_MS,
      userId: whole(entry.userId, INT32_MAX),
      tokenId: whole(entry.tokenId, INT32_MAX),
      channelId: entry.channelId === undefined ? 0 : whole(entry.channelId, INT32_MAX),
      modelName: text(entry.modelName),
      group: text(entry.group),
      nodeName,
      requestCount: 0,
      errorCount: 0,
      promptTokens: 0,
      completionTokens: 0,
      cost: 0,
    };
    const key = JSON.stringify([bucket.hour, bucket.userId, bucket.tokenId, bucket.channelId, bucket.modelName, bucket.group]);
    const target = buckets.get(key) ?? bucket;
    buckets.set(key, target);
    target.requestCount += 1;
    if (entry.type === LOG_TYPE_ERROR) target.errorCount += 1;
    target.promptTokens += whole(entry.promptTokens);
    target.completionTokens += whole(entry.completionTokens);
    target.cost += cost;
    if (entry.channelId !== undefined) {
      const channelId = whole(entry.channelId, INT32_MAX);
      const channel = channels.get(channelId) ?? { channelId, usedAmount: 0, requestCount: 0 };
      channels.set(channelId, channel);
      channel.usedAmount += cost;
      channel.requestCount += 1;
    }
  }
  return { usage: [...buckets.values()], channels: [...channels.values()] };
}

/**
 * What went wrong, without the statement's parameters: drizzle's own message repeats every bound value
 * (request bodies, IPs), so only the driver's error is described.
 */
function describeFailure(error: unknown): string {
  const cause = error instanceof Error && 'query' in error && error.cause !== undefined ? error.cause : error;
  if (!(cause instanceof Error)) return String(cause).slice(0, 300);
  const code = (cause as { code?: unknown }).code;
  return `${cause.name}${typeof code === 'string' ? ` ${code}` : ''}: ${cause.message.slice(0, 300)}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Reading the log

export const LOG_QUERY_LIMITS = { defaultLimit: 100, maxLimit: 1000 } as const;

export interface LogFilter {
  /** A user id or username. */
  user?: string | number;
  /** A key id or name (every key with that name, of any owner). */
  token?: string | number;
  model?: string;
  /** A channel id or name. */
  channel?: string | number;
  /** Rows created at or after this time (epoch ms). */
  since?: number;
  /** Only failed requests (type 5). */
  errorsOnly?: boolean;
  /** Only rows with a larger id, oldest first (following the log); otherwise newest first. */
  afterId?: number;
  /** Default 100, at most 1000. */
  limit?: number;
}

/** A log row as the CLI and API show it: times in ISO 8601 UTC, money as exact decimal USD. */
export interface LogView {
  id: number;
  createdAt: string;
  type: LogTypeName;
  requestId: string | null;
  userId: number | null;
  username: string | null;
  tokenId: number | null;
  tokenName: string | null;
  channelId: number | null;
  channelName: string | null;
  group: string | null;
  modelName: string | null;
  upstreamModel: string | null;
  isStream: boolean;
  status: number | null;
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  cacheWriteTokens: number;
  reasoningTokens: number;
  costUsd: string;
  latencyMs: number | null;
  firstTokenMs: number | null;
  errorCode: string | null;
  content: string;
  ip: string | null;
  other: Record<string, unknown>;
}

function parseOther(json: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(json);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export function toLogView(row: LogRow): LogView {
  return {
    id: Number(row.id),
    createdAt: new Date(Number(row.createdAt)).toISOString(),
    type: logTypeName(row.type),
    requestId: row.requestId,
    userId: row.userId,
    username: row.username,
    tokenId: row.tokenId,
    tokenName: row.tokenName,
    channelId: row.channelId,
    channelName: row.channelName,
    group: row.group,
    modelName: row.modelName,
    upstreamModel: row.upstreamModel,
    isStream: row.isStream,
    status: row.status,
    promptTokens: Number(row.promptTokens),
    completionTokens: Number(row.completionTokens),
    cachedTokens: Number(row.cachedTokens),
    cacheWriteTokens: Number(row.cacheWriteTokens),
    reasoningTokens: Number(row.reasoningTokens),
    costUsd: formatUsd(Number(row.cost)),
    latencyMs: row.latencyMs,
    firstTokenMs: row.firstTokenMs,
    errorCode: row.errorCode,
    content: row.content,
    ip: row.ip,
    other: parseOther(row.other),
  };
}

const DIGITS = /^\d{1,15}$/;

/**
 * Turns a reference into ids: digits are an id (removed users, keys and channels keep theirs in the log),
 * anything else a name, which must exist.
 */
export async function resolveRef(
  ref: string | number,
  reference: { field: string; noun: string; listCommand: string },
  lookup: (name: string) => Promise<number[]>,
): Promise<number[]> {
  const { field, noun, listCommand } = reference;
  if (typeof ref === 'number') return [ref];
  const value = ref.trim();
  if (value === '') throw invalidArgument(field, `${field} needs an id or a name`);
  if (DIGITS.test(value)) return [Number(value)];
  const ids = await lookup(value);
  if (ids.length === 0) throw notFound(`${field}: no ${noun} named "${value}"; list them with: ${listCommand}`);
  return ids;
}

function checkLimit(limit: number | undefined): number {
  if (limit === undefined) return LOG_QUERY_LIMITS.defaultLimit;
  if (!Number.isInteger(limit) || limit < 1 || limit > LOG_QUERY_LIMITS.maxLimit) {
    throw invalidArgument('--limit', `--limit must be a whole number from 1 to ${LOG_QUERY_LIMITS.maxLimit} (got ${limit})`);
  }
  return limit;
}

/** Names turned into ids, so that a filter is columns and values only. */
async function resolveFilter(store: Store, filter: LogFilter): Promise<Omit<LogRowFilter, 'afterId' | 'limit'>> {
  const userIds =
    filter.user === undefined
      ? undefined
      : await resolveRef(filter.user, { field: '--user', noun: 'user', listCommand: 'gateway user list' }, (name) => selectUserIdsByName(store, name));
  const tokenIds =
    filter.token === undefined
      ? undefined
      : await resolveRef(filter.token, { field: '--token', noun: 'key', listCommand: 'gateway token list' }, (name) => selectTokenIdsByName(store, name));
  const channelIds =
    filter.channel === undefined
      ? undefined
      : await resolveRef(filter.channel, { field: '--channel', noun: 'channel', listCommand: 'gateway channel list' }, (name) =>
          selectChannelIdsByName(store, name),
        );
  return {
    userIds,
    tokenIds,
    channelIds,
    modelName: filter.model,
    since: filter.since,
    types: filter.errorsOnly === true ? [LOG_TYPE_ERROR] : REQUEST_LOG_TYPES,
  };
}

/** Request log rows matching every given filter; each filter is served by an index (see selectLogRows). */
export async function queryLogs(store: Store, filter: LogFilter = {}): Promise<LogView[]> {
  const limit = checkLimit(filter.limit);
  const rows = await selectLogRows(store, { ...(await resolveFilter(store, filter)), afterId: filter.afterId, limit });
  return rows.map(toLogView);
}

/** The newest log id (0 when the log is empty): `gateway logs --follow` prints rows after it. */
export function latestLogId(store: Store): Promise<number> {
  return selectLatestLogId(store);
}

export interface LogPage {
  /** Matching rows, oldest first. */
  views: LogView[];
  /** Where the next page starts: the last id read, matching or not. */
  lastId: number;
  /** True when the page was full, so more rows may be waiting. */
  more: boolean;
}

function matches(row: LogRow, filter: Omit<LogRowFilter, 'afterId' | 'limit'>): boolean {
  const within = (ids: readonly number[] | undefined, id: number | null): boolean => ids === undefined || (id !== null && ids.includes(id));
  return (
    filter.types.includes(row.type) &&
    within(filter.userIds, row.userId) &&
    within(filter.tokenIds, row.tokenId) &&
    within(filter.channelIds, row.channelId) &&
    (filter.modelName === undefined || row.modelName === filter.modelName) &&
    (filter.since === undefined || Number(row.createdAt) >= filter.since)
  );
}

/**
 * The next rows after `afterId` that match the filter, for polling (`gateway logs --follow`). It reads up to
 * `pageSize` new rows by primary key and filters them here: a poll then costs the same however many old rows
 * the filter's index would have to skip, where `queryLogs({ afterId })` may walk a user's whole history.
 */
export async function readLogsAfter(store: Store, filter: LogFilter, afterId: number, pageSize: number = LOG_QUERY_LIMITS.maxLimit): Promise<LogPage> {
  const resolved = await resolveFilter(store, filter);
  const rows = await selectLogRowsAfterId(store, afterId, pageSize);
  return {
    views: rows.filter((row) => matches(row, resolved)).map(toLogView),
    lastId: rows.length === 0 ? afterId : Number(rows[rows.length - 1]?.id),
    more: rows.length === pageSize,
  };
}

/** Requests that ended in one minute: `minute` is its start in epoch ms; cost in micro-USD. */
export interface MinuteActivity {
  minute: number;
  requests: number;
  errors: number;
  tokens: number;
  cost: number;
}

export interface ActivityReader {
  /** Per-minute sums of the request log since `since` (epoch ms), oldest first, minutes without requests left out. */
  read(since: number): Promise<MinuteActivity[]>;
}

const MINUTE_MS = 60_000;

/**
 * Per-minute request activity, kept up to date cheaply for a live view: the first read sums the window once
 * (the created_at index), every later read sums only the rows written since (a primary-key range) and adds them
 * to the minutes it already has. Minutes that fall out of the window are forgotten; a wider window than before
 * is read again in full.
 */
export function createActivityReader(store: Store): ActivityReader {
  const minutes = new Map<number, MinuteActivity>();
  let readSince: number | undefined;
  let lastId = 0;
  const add = (sums: readonly { minute: number; requests: number; errors: number; tokens: number; cost: number }[]): void => {
    for (const sum of sums) {
      const start = sum.minute * MINUTE_MS;
      const current = minutes.get(start) ?? { minute: start, requests: 0, errors: 0, tokens: 0, cost: 0 };
      current.requests += sum.requests;
      current.errors += sum.errors;
      current.tokens += sum.tokens;
      current.cost += sum.cost;
      minutes.set(start, current);
    }
  };
  return {
    async read(since) {
      const windowStart = Math.floor(since / MINUTE_MS) * MINUTE_MS;
      const throughId = await selectLatestLogId(store);
      if (readSince === undefined || windowStart < readSince) {
        minutes.clear();
        add(await sumLogMinutes(store, { since: windowStart, throughId }));
        readSince = windowStart;
      } else if (throughId > lastId) {
        add(await sumLogMinutes(store, { since: windowStart, afterId: lastId, throughId }));
      }
      lastId = throughId;
      for (const minute of minutes.keys()) if (minute < windowStart) minutes.delete(minute);
      return [...minutes.values()].sort((left, right) => left.minute - right.minute).map((entry) => ({ ...entry }));
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Retention

export const LOG_PRUNE_BATCH = 5_000;

/**
 * Deletes log rows created before `olderThan`, at most `batchSize` per transaction, yielding to the event loop
 * between batches so the relay keeps its turn; then returns the freed pages to the file system (SQLite).
 * Returns the number of rows deleted. `signal` stops it between batches (shutdown).
 */
export async function pruneLogs(store: Store, options: { olderThan: number; batchSize?: number; signal?: AbortSignal }): Promise<number> {
  const batchSize = Math.max(1, options.batchSize ?? LOG_PRUNE_BATCH);
  let total = 0;
  for (;;) {
    if (options.signal?.aborted === true) break;
    const deleted = await store.transaction((db) => deleteLogRowsBefore(store, db, options.olderThan, batchSize));
    total += deleted;
    if (deleted < batchSize) break;
    await Bun.sleep(0);
  }
  if (total > 0) await reclaimFreePages(store);
  return total;
}

export interface LogRetention {
  /** Prunes at once, then every hour (an unref'd timer: it never keeps the process alive). */
  start(): void;
  /** Stops the timer and waits for a prune in progress to stop after its current batch. */
  stop(): Promise<void>;
  /** One pass now (also what the timer runs); resolves with the rows deleted, 0 when retention is off. */
  runOnce(): Promise<number>;
}

export const LOG_RETENTION_INTERVAL_MS = HOUR_MS;

export function createLogRetention(options: { store: Store; clock: Clock; logger: Logger; retentionDays: () => number }): LogRetention {
  const { store, clock, logger } = options;
  let timer: ReturnType<typeof setInterval> | undefined;
  let running: Promise<number> | undefined;
  let abort = new AbortController();

  const pass = async (): Promise<number> => {
    const days = options.retentionDays();
    // 0 keeps the log forever.
    if (!Number.isFinite(days) || days <= 0) return 0;
    const olderThan = clock.now() - days * DAY_MS;
    try {
      const deleted = await pruneLogs(store, { olderThan, signal: abort.signal });
      if (deleted > 0) logger.info('request log retention deleted old rows', { deleted, retentionDays: days });
      return deleted;
    } catch (error) {
      logger.error('request log retention failed', { error: describeFailure(error) });
      return 0;
    }
  };

  const runOnce = (): Promise<number> => {
    running ??= pass().finally(() => {
      running = undefined;
    });
    return running;
  };

  return {
    start: () => {
      if (timer !== undefined) return;
      abort = new AbortController();
      void runOnce();
      timer = setInterval(() => void runOnce(), LOG_RETENTION_INTERVAL_MS);
      timer.unref();
    },
    stop: async () => {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
      abort.abort();
      await running;
    },
    runOnce,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Log types by name

/** New API's log types, by the names the admin API uses. */
export const LOG_TYPE_NAMES = { 1: 'topup', 2: 'consume', 3: 'manage', 4: 'system', 5: 'error', 6: 'refund', 7: 'login' } as const;
export type LogTypeName = (typeof LOG_TYPE_NAMES)[keyof typeof LOG_TYPE_NAMES] | 'unknown';
export const logTypeNames = Object.values(LOG_TYPE_NAMES);

export function logTypeName(type: number): LogTypeName {
  return (LOG_TYPE_NAMES as Record<number, LogTypeName>)[type] ?? 'unknown';
}
