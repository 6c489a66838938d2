import { beforeEach, expect, test } from 'bun:test';
import { asc, eq } from 'drizzle-orm';
import { openStore, type Store } from '../../src/db/client.ts';
import { createLogger, memorySink } from '../../src/log/logger.ts';
import { createLogRetention, createLogWriter, pruneLogs, queryLogs, readLogsAfter } from '../../src/services/logs.ts';
import { logEntry } from '../helpers/log-entries.ts';
import { forEachDialect, manualClock } from '../helpers/stores.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2026, 0, 1, 12);

function memoryLogger() {
  const sink = memorySink();
  return { sink, logger: createLogger({ level: 'debug', format: 'json', sink }) };
}

/** The store with its transactions counted: its own, and the log batches it hands to its ledger writer. */
function countingStore(store: Store): { store: Store; transactions: () => number } {
  let transactions = 0;
  return {
    store: {
      ...store,
      transaction: (fn) => {
        transactions += 1;
        return store.transaction(fn);
      },
      get ledger() {
        return {
          run: (job) => {
            transactions += 1;
            return store.ledger.run(job);
          },
        } satisfies Store['ledger'];
      },
    },
    transactions: () => transactions,
  };
}

forEachDialect('request log', (context, environment) => {
  beforeEach(async () => {
    const { store } = context();
    await store.db.delete(store.tables.logs);
    await store.db.delete(store.tables.usageHourly);
  });

  async function logRows(store: Store) {
    return store.db.select().from(store.tables.logs).orderBy(asc(store.tables.logs.id));
  }

  test('1 200 entries are written in three batches of at most 500, every row present', async () => {
    const counted = countingStore(context().store);
    const { logger } = memoryLogger();
    const writer = createLogWriter({ store: counted.store, clock: manualClock(T0), logger, nodeName: 'node-a', flushIntervalMs: 60_000 });
    for (let index = 0; index < 1_200; index += 1) writer.enqueue(logEntry({ requestId: `batch-${index}`, createdAt: T0 + index }));
    await writer.flush();
    expect(counted.transactions()).toBe(3);
    expect(writer.stats()).toEqual({ queued: 0, written: 1_200, dropped: 0, failedBatches: 0 });
    const rows = await logRows(context().store);
    expect(rows).toHaveLength(1_200);
    expect(new Set(rows.map((row) => row.requestId)).size).toBe(1_200);
    await writer.close();
  });

  test('the timer flushes a small queue without an explicit flush', async () => {
    const { logger } = memoryLogger();
    const writer = createLogWriter({ store: context().store, clock: manualClock(T0), logger, nodeName: 'node-a', flushIntervalMs: 20 });
    writer.enqueue(logEntry({ requestId: 'timer' }));
    const deadline = Date.now() + 2_000;
    while (writer.stats().written === 0 && Date.now() < deadline) await Bun.sleep(10);
    expect(writer.stats().written).toBe(1);
    await writer.close();
  });

  test('a row keeps every field; other is JSON text; integer columns get whole numbers', async () => {
    const { store } = context();
    const { logger } = memoryLogger();
    const writer = createLogWriter({ store, clock: manualClock(T0), logger, nodeName: 'node-a' });
    writer.enqueue(
      logEntry({
        type: 5,
        requestId: 'full',
        channelId: 77,
        channelName: 'gone',
        upstreamModel: 'gpt-4o-2024',
        isStream: true,
        status: 502,
        cachedTokens: 3,
        cacheWriteTokens: 4,
        reasoningTokens: 5,
        promptTokens: 12.6,
        firstTokenMs: 40,
        errorCode: 'upstream_error',
        content: 'bad\u0000gateway',
        other: { retries: [{ channelId: 76, status: 500 }], estimated: true },
      }),
    );
    await writer.close();
    const [row] = await logRows(store);
    expect(row).toMatchObject({
      type: 5,
      requestId: 'full',
      channelId: 77,
      channelName: 'gone',
      upstreamModel: 'gpt-4o-2024',
      isStream: true,
      status: 502,
      promptTokens: 13,
      cachedTokens: 3,
      cacheWriteTokens: 4,
      reasoningTokens: 5,
      firstTokenMs: 40,
      errorCode: 'upstream_error',
      content: 'badgateway',
      ip: '127.0.0.1',
    });
    expect(JSON.parse(row?.other ?? '')).toEqual({ retries: [{ channelId: 76, status: 500 }], estimated: true });
  });

  test('hourly aggregates and channel totals add up exactly, across batches', async () => {
    const { store, channels } = context();
    const channel = await channels.add({ name: 'agg-channel', type: 'openai', keys: ['sk-agg-key-0001'], models: ['gpt-4o'] });
    const { logger } = memoryLogger();
    const writer = createLogWriter({ store, clock: manualClock(T0), logger, nodeName: 'node-a', batchSize: 3, flushIntervalMs: 60_000 });
    const hourA = Date.UTC(2026, 0, 1, 12);
    const hourB = Date.UTC(2026, 0, 1, 13);
    const entries = [
      logEntry({ createdAt: hourA + 1, userId: 7, tokenId: 70, channelId: channel.id, promptTokens: 10, completionTokens: 5, cost: 100 }),
      logEntry({ createdAt: hourA + HOUR - 1, userId: 7, tokenId: 70, channelId: channel.id, promptTokens: 1, completionTokens: 2, cost: 30 }),
      logEntry({ createdAt: hourA + 5, userId: 7, tokenId: 70, channelId: channel.id, type: 5, status: 500, promptTokens: 0, completionTokens: 0, cost: 0 }),
      logEntry({ createdAt: hourB, userId: 7, tokenId: 70, channelId: channel.id, promptTokens: 4, completionTokens: 4, cost: 7 }),
      logEntry({ createdAt: hourA + 9, userId: 8, tokenId: 80, channelId: undefined, type: 5, status: 401, promptTokens: 0, completionTokens: 0, cost: 0 }),
      logEntry({ createdAt: hourA + 10, userId: 7, tokenId: 70, channelId: 999_999, promptTokens: 2, completionTokens: 3, cost: 11 }),
      logEntry({ createdAt: hourA + 11, userId: 7, tokenId: 70, channelId: channel.id, modelName: 'o4-mini', promptTokens: 6, completionTokens: 6, cost: 60 }),
    ];
    for (const entry of entries) writer.enqueue(entry);
    await writer.flush();
    // The same bucket again in a later batch: the stored counts grow by the deltas.
    writer.enqueue(logEntry({ createdAt: hourA + 20, userId: 7, tokenId: 70, channelId: channel.id, promptTokens: 100, completionTokens: 200, cost: 1_000 }));
    await writer.close();

    const { usageHourly, channels: channelTable } = store.tables;
    const buckets = await store.db
      .select()
      .from(usageHourly)
      .orderBy(asc(usageHourly.hour), asc(usageHourly.userId), asc(usageHourly.channelId), asc(usageHourly.modelName));
    expect(
      buckets.map((bucket) => [
        bucket.hour,
        bucket.userId,
        bucket.tokenId,
        bucket.channelId,
        bucket.modelName,
        bucket.group,
        bucket.nodeName,
        bucket.requestCount,
        bucket.errorCount,
        bucket.promptTokens,
        bucket.completionTokens,
        bucket.cost,
      ]),
    ).toEqual([
      [hourA, 7, 70, channel.id, 'gpt-4o', 'default', 'node-a', 4, 1, 111, 207, 1_130],
      [hourA, 7, 70, channel.id, 'o4-mini', 'default', 'node-a', 1, 0, 6, 6, 60],
      [hourA, 7, 70, 999_999, 'gpt-4o', 'default', 'node-a', 1, 0, 2, 3, 11],
      [hourA, 8, 80, 0, 'gpt-4o', 'default', 'node-a', 1, 1, 0, 0, 0],
      [hourB, 7, 70, channel.id, 'gpt-4o', 'default', 'node-a', 1, 0, 4, 4, 7],
    ]);
    const [stored] = await store.db.select().from(channelTable).where(eq(channelTable.id, channel.id));
    expect(stored?.usedAmount).toBe(100 + 30 + 0 + 7 + 60 + 1_000);
    expect(stored?.requestCount).toBe(6);
    expect(writer.stats()).toEqual({ queued: 0, written: 8, dropped: 0, failedBatches: 0 });
  });

  test('a full queue drops and counts, with at most one warning and one system row per minute', async () => {
    const { store } = context();
    const clock = manualClock(T0);
    const { logger, sink } = memoryLogger();
    const writer = createLogWriter({ store, clock, logger, nodeName: 'node-a', maxQueue: 5, batchSize: 100, flushIntervalMs: 60_000 });
    for (let index = 0; index < 8; index += 1) writer.enqueue(logEntry());
    expect(writer.stats()).toEqual({ queued: 5, written: 0, dropped: 3, failedBatches: 0 });
    const warnings = () => sink.lines.filter((line) => JSON.parse(line).level === 'warn');
    expect(warnings()).toHaveLength(1);
    clock.advance(59_000);
    writer.enqueue(logEntry());
    expect(warnings()).toHaveLength(1);
    clock.advance(2_000);
    writer.enqueue(logEntry());
    expect(warnings()).toHaveLength(2);
    expect(JSON.parse(warnings()[1] ?? '{}')).toMatchObject({ dropped: 4, droppedTotal: 5, maxQueue: 5 });
    await writer.close();
    expect(writer.stats()).toEqual({ queued: 0, written: 5, dropped: 5, failedBatches: 0 });
    const rows = await logRows(store);
    expect(rows.filter((row) => row.type === 2)).toHaveLength(5);
    // The drops are recorded in the log itself too, once for the minute's warnings together.
    const notices = rows.filter((row) => row.type === 4);
    expect(notices).toHaveLength(1);
    expect(JSON.parse(notices[0]?.other ?? '{}')).toMatchObject({ alert: 'log_dropped', dropped: 5 });
    expect(notices[0]?.content).toContain('5 row(s) dropped');
  });

  test('close() writes everything queued, including entries enqueued while it runs; later ones are dropped and counted', async () => {
    const { store } = context();
    const { logger } = memoryLogger();
    const writer = createLogWriter({ store, clock: manualClock(T0), logger, nodeName: 'node-a', flushIntervalMs: 60_000 });
    for (let index = 0; index < 1_234; index += 1) writer.enqueue(logEntry());
    const closing = writer.close();
    writer.enqueue(logEntry({ requestId: 'during-close' }));
    await closing;
    expect(await writer.close()).toBeUndefined();
    writer.enqueue(logEntry({ requestId: 'after-close' }));
    expect(writer.stats()).toEqual({ queued: 0, written: 1_235, dropped: 1, failedBatches: 0 });
    const rows = await logRows(store);
    expect(rows).toHaveLength(1_235);
    expect(rows.some((row) => row.requestId === 'during-close')).toBe(true);
    expect(rows.some((row) => row.requestId === 'after-close')).toBe(false);
  });

  test('a failing store never throws into enqueue or flush; the batch is logged without its content and counted', async () => {
    const { config } = context();
    const closed = await openStore({ databaseUrl: environment().databaseUrl, sqlitePath: config.sqlitePath, sqliteSynchronous: 'normal' });
    await closed.close();
    const { logger, sink } = memoryLogger();
    const writer = createLogWriter({ store: closed, clock: manualClock(T0), logger, nodeName: 'node-a', batchSize: 2, flushIntervalMs: 60_000 });
    expect(() => {
      for (let index = 0; index < 3; index += 1) writer.enqueue(logEntry({ content: 'SECRET-BODY-CANARY', ip: '203.0.113.9' }));
    }).not.toThrow();
    await writer.flush();
    await writer.close();
    expect(writer.stats()).toEqual({ queued: 0, written: 0, dropped: 3, failedBatches: 2 });
    const errors = sink.lines.filter((line) => JSON.parse(line).level === 'error');
    expect(errors).toHaveLength(2);
    expect(sink.lines.join('\n')).not.toContain('SECRET-BODY-CANARY');
    expect(sink.lines.join('\n')).not.toContain('203.0.113.9');
  });

  test('queries filter by user, key, model, channel, time, errors and id, each by id or name', async () => {
    const { store, users, tokens, channels } = context();
    const alice = (await users.create({ username: 'log-alice', password: 'alice-password' })).user;
    const bob = (await users.create({ username: 'log-bob', password: 'bob-password' })).user;
    const aliceKey = (await tokens.create({ name: 'shared-name', user: 'log-alice' })).token;
    const bobKey = (await tokens.create({ name: 'shared-name', user: 'log-bob' })).token;
    const bobOther = (await tokens.create({ name: 'bob-other', user: 'log-bob' })).token;
    const channel = await channels.add({ name: 'log-channel', type: 'openai', keys: ['sk-log-key-0001'], models: ['gpt-4o'] });
    const { logger } = memoryLogger();
    const writer = createLogWriter({ store, clock: manualClock(T0), logger, nodeName: 'node-a' });
    const who = (user: typeof alice, token: typeof aliceKey) => ({ userId: user.id, username: user.username, tokenId: token.id, tokenName: token.name });
    writer.enqueue(logEntry({ requestId: 'q1', createdAt: T0, ...who(alice, aliceKey), channelId: channel.id, channelName: channel.name }));
    writer.enqueue(logEntry({ requestId: 'q2', createdAt: T0 + 1_000, ...who(bob, bobKey), modelName: 'o4-mini', channelId: channel.id }));
    writer.enqueue(logEntry({ requestId: 'q3', createdAt: T0 + 2_000, ...who(bob, bobOther), type: 5, status: 429, errorCode: 'rate_limited' }));
    writer.enqueue(logEntry({ requestId: 'q4', createdAt: T0 + 3_000, ...who(alice, aliceKey), modelName: 'o4-mini' }));
    await writer.close();
    const ids = (views: { requestId: string | null }[]) => views.map((view) => view.requestId);

    expect(ids(await queryLogs(store))).toEqual(['q4', 'q3', 'q2', 'q1']);
    expect(ids(await queryLogs(store, { user: 'log-alice' }))).toEqual(['q4', 'q1']);
    expect(ids(await queryLogs(store, { user: String(bob.id) }))).toEqual(['q3', 'q2']);
    expect(ids(await queryLogs(store, { token: 'shared-name' }))).toEqual(['q4', 'q2', 'q1']);
    expect(ids(await queryLogs(store, { token: bobOther.id }))).toEqual(['q3']);
    expect(ids(await queryLogs(store, { model: 'o4-mini' }))).toEqual(['q4', 'q2']);
    expect(ids(await queryLogs(store, { channel: 'log-channel' }))).toEqual(['q2', 'q1']);
    expect(ids(await queryLogs(store, { channel: channel.id, user: 'log-bob' }))).toEqual(['q2']);
    expect(ids(await queryLogs(store, { since: T0 + 2_000 }))).toEqual(['q4', 'q3']);
    expect(ids(await queryLogs(store, { errorsOnly: true }))).toEqual(['q3']);
    expect(ids(await queryLogs(store, { limit: 2 }))).toEqual(['q4', 'q3']);
    const all = await queryLogs(store);
    const q2 = all.find((view) => view.requestId === 'q2');
    expect(ids(await queryLogs(store, { afterId: q2?.id }))).toEqual(['q3', 'q4']);
    expect(ids(await queryLogs(store, { afterId: q2?.id, user: 'log-alice' }))).toEqual(['q4']);
    // Polling reads new rows by id and filters them; the cursor moves past rows that do not match.
    const first = await readLogsAfter(store, { user: 'log-alice' }, q2?.id ?? 0, 1);
    expect(first).toMatchObject({ views: [], more: true });
    const second = await readLogsAfter(store, { user: 'log-alice' }, first.lastId, 1);
    expect(ids(second.views)).toEqual(['q4']);
    const third = await readLogsAfter(store, { user: 'log-alice' }, second.lastId, 1);
    expect(third).toEqual({ views: [], lastId: second.lastId, more: false });
    expect(ids((await readLogsAfter(store, { errorsOnly: true, since: T0 + 1_500 }, 0)).views)).toEqual(['q3']);

    const error = all.find((view) => view.requestId === 'q3');
    expect(error).toMatchObject({ type: 'error', status: 429, errorCode: 'rate_limited', costUsd: '0.001', createdAt: new Date(T0 + 2_000).toISOString(), other: {} });
    await expect(queryLogs(store, { user: 'nobody' })).rejects.toMatchObject({ code: 'not_found', message: expect.stringContaining('gateway user list') });
    await expect(queryLogs(store, { channel: 'no-such-channel' })).rejects.toMatchObject({ code: 'not_found' });
    await expect(queryLogs(store, { limit: 1_001 })).rejects.toMatchObject({ code: 'invalid_argument', field: '--limit' });
  });

  test('pruning deletes only old rows, in batches, and retention runs on the injected clock', async () => {
    const { store } = context();
    const clock = manualClock(T0 + 40 * DAY);
    const { logger } = memoryLogger();
    const writer = createLogWriter({ store, clock, logger, nodeName: 'node-a' });
    for (let index = 0; index < 12; index += 1) writer.enqueue(logEntry({ requestId: `old-${index}`, createdAt: T0 + index }));
    for (let index = 0; index < 3; index += 1) writer.enqueue(logEntry({ requestId: `new-${index}`, createdAt: T0 + 35 * DAY + index }));
    await writer.close();

    const counted = countingStore(store);
    expect(await pruneLogs(counted.store, { olderThan: T0 + DAY, batchSize: 5 })).toBe(12);
    // 5 + 5 + 2: the short batch shows nothing is left.
    expect(counted.transactions()).toBe(3);
    expect((await logRows(store)).map((row) => row.requestId)).toEqual(['new-0', 'new-1', 'new-2']);

    let days = 0;
    const retention = createLogRetention({ store, clock, logger, retentionDays: () => days });
    expect(await retention.runOnce()).toBe(0);
    expect(await logRows(store)).toHaveLength(3);
    days = 30;
    expect(await retention.runOnce()).toBe(0);
    clock.advance(2 * DAY);
    days = 6;
    // start() prunes at once; stop() waits for that pass.
    retention.start();
    await retention.stop();
    expect(await logRows(store)).toHaveLength(0);
    expect(await retention.runOnce()).toBe(0);
  });
});
