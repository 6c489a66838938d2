import { afterAll, beforeAll, expect, test } from 'bun:test';
import { createLogger, memorySink } from '../../../src/log/logger.ts';
import type { RequestLogEntry } from '../../../src/services/logs.ts';
import { createLogWriter } from '../../../src/services/logs.ts';
import { logEntry } from '../../helpers/log-entries.ts';
import { expectFits, keys, openSeeded, renderApp, type Seeded } from './harness.tsx';

let seeded: Seeded;

async function write(entries: RequestLogEntry[]): Promise<void> {
  const writer = createLogWriter({ store: seeded.deps.store, clock: seeded.deps.clock, logger: createLogger({ level: 'error', format: 'json', sink: memorySink() }), nodeName: 'test' });
  for (const entry of entries) writer.enqueue(entry);
  await writer.close();
}

beforeAll(async () => {
  seeded = await openSeeded();
  await seeded.deps.users.create({ username: 'alice', password: 'alice-password' });
  const now = Date.now();
  await write([
    logEntry({ createdAt: now - 3000, modelName: 'gpt-4o-mini', tokenName: 'laptop', username: 'root', channelId: 1, channelName: 'main', cost: 1234 }),
    logEntry({
      createdAt: now - 2000,
      type: 5,
      status: 502,
      modelName: 'gpt-4o',
      tokenName: 'laptop',
      userId: 2,
      username: 'alice',
      channelId: 2,
      channelName: 'backup',
      errorCode: 'upstream_error',
      promptTokens: 0,
      completionTokens: 0,
      cost: 0,
      other: {
        attempts: [
          { channelId: 1, channelName: 'main', keyPosition: 0, upstreamModel: 'gpt-4o', status: 429, errorCode: 'rate_limited', retryable: true, durationMs: 12 },
          { channelId: 2, channelName: 'backup', keyPosition: 1, upstreamModel: 'gpt-4o-2024', status: 502, errorCode: 'upstream_error', retryable: true, durationMs: 40 },
        ],
      },
    }),
  ]);
});

afterAll(async () => {
  await seeded.cleanup();
});

test('the live log shows the latest rows, then new rows as they are written, newest on top', async () => {
  const app = renderApp(seeded.source, { screen: 'logs' });
  try {
    let frame = await app.waitFor('gpt-4o-mini');
    expect(frame).toContain('● live · all requests · 2 shown');
    expect(frame.indexOf('upstream_error') === -1 || frame.indexOf('gpt-4o ') < frame.indexOf('gpt-4o-mini')).toBe(true);
    await write([logEntry({ createdAt: Date.now(), modelName: 'claude-new', tokenName: 'laptop' })]);
    frame = await app.waitFor('claude-new');
    expect(frame.indexOf('claude-new')).toBeLessThan(frame.indexOf('gpt-4o-mini'));
    expect(frame).toContain('3 shown');
    expectFits(frame);
  } finally {
    app.unmount();
  }
}, 20_000);

test('filters: errors only with E, by user through the / form (unknown names refused under the field)', async () => {
  const app = renderApp(seeded.source, { screen: 'logs' });
  try {
    await app.waitFor('gpt-4o-mini');
    await app.press('E');
    let frame = await app.waitFor('errors only · 1 shown');
    expect(frame).not.toContain('gpt-4o-mini');
    await app.press('c');
    await app.waitFor('all requests');
    await app.press('/');
    await app.waitFor('Filter the live log');
    await app.type('nobody');
    await app.press(keys.enter);
    await app.waitFor(/user .*\n\s+✗ --user: no user named "nobody"/);
    await app.press('\u0015');
    await app.type('alice');
    await app.press(keys.enter);
    frame = await app.waitFor('user=alice · 1 shown');
    expect(frame).toContain('backup');
    expect(frame).not.toContain('gpt-4o-mini');
  } finally {
    app.unmount();
  }
}, 20_000);

test('Enter opens one request: tokens by kind, cost, latency, the retry chain and the error', async () => {
  const app = renderApp(seeded.source, { screen: 'logs' });
  try {
    await app.waitFor('gpt-4o-mini');
    await app.press('E');
    await app.waitFor('errors only · 1 shown');
    await app.press(keys.enter);
    const frame = await app.waitFor('RETRY CHAIN (2 attempts)');
    expect(frame).toContain('user alice (#2)');
    expect(frame).toContain('prompt 0 · completion 0 · cached 0 · cache write 0 · reasoning 0');
    expect(frame).toMatch(/1\. main #1 key #0 gpt-4o 429 rate_limited \(retryable\) 12 ms/);
    expect(frame).toMatch(/2\. backup #2 key #1 gpt-4o-2024 502 upstream_error/);
    expect(frame).toMatch(/error\s+upstream_error/);
    expect(frame).toContain('cost        $0');
    expectFits(frame);
    await app.press(keys.escape);
    await app.waitFor('● live');
  } finally {
    app.unmount();
  }
}, 20_000);
