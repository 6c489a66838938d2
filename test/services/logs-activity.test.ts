import { beforeEach, expect, test } from 'bun:test';
import { createLogger, memorySink } from '../../src/log/logger.ts';
import { createActivityReader, createLogWriter, type RequestLogEntry } from '../../src/services/logs.ts';
import { logEntry } from '../helpers/log-entries.ts';
import { forEachDialect, manualClock } from '../helpers/stores.ts';

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 0, 1, 12);

forEachDialect('per-minute request activity', (context) => {
  beforeEach(async () => {
    const { store } = context();
    await store.db.delete(store.tables.logs);
    await store.db.delete(store.tables.usageHourly);
  });

  async function write(entries: RequestLogEntry[]): Promise<void> {
    const writer = createLogWriter({
      store: context().store,
      clock: manualClock(T0),
      logger: createLogger({ level: 'error', format: 'json', sink: memorySink() }),
      nodeName: 'node-a',
      flushIntervalMs: 60_000,
    });
    for (const entry of entries) writer.enqueue(entry);
    await writer.close();
  }

  test('sums requests, errors, tokens and cost per minute, then adds only new rows to the minutes it has', async () => {
    await write([
      logEntry({ createdAt: T0 + 1_000, promptTokens: 10, completionTokens: 5, cost: 100 }),
      logEntry({ createdAt: T0 + 59_000, promptTokens: 1, completionTokens: 1, cost: 1 }),
      logEntry({ createdAt: T0 + MINUTE + 5, type: 5, status: 502, promptTokens: 0, completionTokens: 0, cost: 0, errorCode: 'bad_gateway' }),
      logEntry({ createdAt: T0 - 2 * MINUTE, cost: 7 }),
    ]);
    const reader = createActivityReader(context().store);
    expect(await reader.read(T0)).toEqual([
      { minute: T0, requests: 2, errors: 0, tokens: 17, cost: 101 },
      { minute: T0 + MINUTE, requests: 1, errors: 1, tokens: 0, cost: 0 },
    ]);
    await write([logEntry({ createdAt: T0 + MINUTE + 10, promptTokens: 3, completionTokens: 4, cost: 9 })]);
    expect(await reader.read(T0)).toEqual([
      { minute: T0, requests: 2, errors: 0, tokens: 17, cost: 101 },
      { minute: T0 + MINUTE, requests: 2, errors: 1, tokens: 7, cost: 9 },
    ]);
    // The window moves on: the first minute is dropped without reading it again.
    expect((await reader.read(T0 + MINUTE)).map((entry) => entry.minute)).toEqual([T0 + MINUTE]);
    // A wider window is read again in full.
    expect((await reader.read(T0 - 5 * MINUTE)).map((entry) => entry.requests)).toEqual([1, 2, 2]);
  });

  test('an empty log has no activity', async () => {
    expect(await createActivityReader(context().store).read(T0)).toEqual([]);
  });
});
