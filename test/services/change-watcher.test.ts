import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type { Store } from '../../src/db/client.ts';
import type { Deps } from '../../src/deps.ts';
import { createLogger, memorySink, silentLogger } from '../../src/log/logger.ts';
import { createChangeWatcher } from '../../src/services/change-watcher.ts';
import { createChannelSnapshot } from '../../src/services/channel-snapshot.ts';
import { createTestEnvironment, openDeps, type TestEnvironment } from '../helpers/stores.ts';

/** Counters served from a plain object, so a test decides when they move or fail. */
function fakeCounters() {
  const state: { values: Record<string, number>; fail: boolean; reads: number } = { values: {}, fail: false, reads: 0 };
  const read = async (): Promise<Record<string, number>> => {
    state.reads += 1;
    if (state.fail) throw new Error('database is gone');
    return { ...state.values };
  };
  return { state, read };
}

// Never queried: the fake `read` above replaces the query, so an empty object stands in for the store.
const noStore = {} as Store;

describe('change watcher (fake counters)', () => {
  test('the baseline fires nothing; a moved counter fires its listeners once', async () => {
    const { state, read } = fakeCounters();
    state.values = { channels: 3, tokens: 1 };
    const watcher = createChangeWatcher({ store: noStore, intervalMs: 60_000, logger: silentLogger, read });
    const calls: string[] = [];
    watcher.on('channels', (scope, version) => {
      calls.push(`${scope}@${version}`);
    });
    await watcher.start();
    expect(await watcher.poll()).toEqual([]);
    state.values = { channels: 4, tokens: 2, users: 1 };
    expect(await watcher.poll()).toEqual(['channels', 'tokens', 'users']);
    expect(await watcher.poll()).toEqual([]);
    expect(calls).toEqual(['channels@4']);
    expect(watcher.seen).toEqual({ channels: 4, tokens: 2, users: 1 });
    await watcher.stop();
  });

  test('a failing listener is retried at the next poll', async () => {
    const { state, read } = fakeCounters();
    const watcher = createChangeWatcher({ store: noStore, intervalMs: 60_000, logger: silentLogger, read });
    let attempts = 0;
    watcher.on('channels', () => {
      attempts += 1;
      if (attempts === 1) throw new Error('reload failed');
    });
    await watcher.start();
    state.values = { channels: 1 };
    expect(await watcher.poll()).toEqual([]);
    expect(await watcher.poll()).toEqual(['channels']);
    expect(attempts).toBe(2);
    await watcher.stop();
  });

  test('an unreadable database is logged once per outage and polling goes on', async () => {
    const { state, read } = fakeCounters();
    const sink = memorySink();
    const watcher = createChangeWatcher({ store: noStore, intervalMs: 60_000, logger: createLogger({ format: 'json', sink }), read });
    await watcher.start();
    state.fail = true;
    await watcher.poll();
    await watcher.poll();
    state.fail = false;
    await watcher.poll();
    expect(sink.lines.map((line) => (JSON.parse(line) as { msg: string }).msg)).toEqual(['cannot read change counters', 'change counters readable again']);
    await watcher.stop();
  });

  test('polls on its interval and leaves no timer after stop', async () => {
    const { state, read } = fakeCounters();
    const watcher = createChangeWatcher({ store: noStore, intervalMs: 50, logger: silentLogger, read });
    await watcher.start();
    await Bun.sleep(180);
    const readsWhileRunning = state.reads;
    expect(readsWhileRunning).toBeGreaterThanOrEqual(3);
    await watcher.stop();
    await Bun.sleep(120);
    expect(state.reads).toBe(readsWhileRunning);
  });
});

describe('change watcher and channel snapshot on a real database', () => {
  let environment: TestEnvironment;
  let deps: Deps;
  beforeAll(async () => {
    environment = await createTestEnvironment('sqlite');
    deps = await openDeps(environment);
  });
  afterAll(async () => {
    await deps.close();
    await environment.cleanup();
  });

  test('a channel added through the service reaches the snapshot at the next poll', async () => {
    const snapshot = createChannelSnapshot(deps.channels, silentLogger);
    const watcher = createChangeWatcher({ store: deps.store, intervalMs: 60_000, logger: silentLogger });
    watcher.on('channels', async () => {
      await snapshot.reload();
    });
    await watcher.start();
    expect((await snapshot.current()).total).toBe(0);
    await deps.channels.add({ name: 'watched', type: 'openai', keys: ['sk-watched-key-1'], models: ['gpt-4o'] });
    expect((await snapshot.current()).total).toBe(0);
    expect(await watcher.poll()).toEqual(['channels']);
    const view = await snapshot.current();
    expect(view.total).toBe(1);
    expect(view.enabled.map((channel) => channel.name)).toEqual(['watched']);
    await watcher.stop();
  });
});
