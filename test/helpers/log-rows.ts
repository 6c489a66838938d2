/** Request log rows written the way the relay writes them (the log writer: rows and hourly aggregates in one batch). */
import type { Store } from '../../src/db/client.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { pageLogs } from '../../src/services/log-queries.ts';
import { createLogWriter, type RequestLogEntry } from '../../src/services/logs.ts';
import { manualClock } from './stores.ts';

/** Writes the entries and answers their row ids, in order (each entry needs its own request id). */
export async function writeLogRows(store: Store, entries: readonly RequestLogEntry[]): Promise<number[]> {
  const writer = createLogWriter({ store, clock: manualClock(), logger: silentLogger, nodeName: 'test-node' });
  for (const entry of entries) writer.enqueue(entry);
  await writer.close();
  const ids: number[] = [];
  for (const entry of entries) {
    const { logs } = await pageLogs(store, { requestId: entry.requestId }, { limit: 1, offset: 0 });
    const found = logs[0];
    if (found === undefined) throw new Error(`log row ${entry.requestId} was not written`);
    ids.push(found.id);
  }
  return ids;
}
