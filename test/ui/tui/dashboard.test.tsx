import { afterAll, beforeAll, expect, test } from 'bun:test';
import { createLogger, memorySink } from '../../../src/log/logger.ts';
import { createLogWriter } from '../../../src/services/logs.ts';
import { logEntry } from '../../helpers/log-entries.ts';
import { expectFits, openSeeded, renderApp, type Seeded } from './harness.tsx';

let seeded: Seeded;

beforeAll(async () => {
  seeded = await openSeeded();
  const { deps } = seeded;
  const channel = await deps.channels.add({ name: 'openai-main', type: 'openai', keys: ['sk-test-aaaaaaaa'], models: ['gpt-4o-mini'] });
  await deps.channels.add({ name: 'backup', type: 'openai', keys: ['sk-test-bbbbbbbb'], models: ['gpt-4o-mini'] });
  await deps.channels.setEnabled('backup', false);
  const { token } = await deps.tokens.create({ name: 'laptop' });
  const writer = createLogWriter({ store: deps.store, clock: deps.clock, logger: createLogger({ level: 'error', format: 'json', sink: memorySink() }), nodeName: 'test' });
  const now = Date.now();
  const base = { userId: 1, username: 'root', tokenId: token.id, tokenName: 'laptop', channelId: channel.id, channelName: 'openai-main' };
  for (let index = 0; index < 6; index += 1) writer.enqueue(logEntry({ ...base, createdAt: now - index * 1000, modelName: 'gpt-4o-mini', promptTokens: 100, completionTokens: 50, cost: 250_000 }));
  writer.enqueue(logEntry({ ...base, createdAt: now - 20 * 60_000, type: 5, status: 502, modelName: 'gpt-4o', cost: 0, errorCode: 'bad_gateway' }));
  await writer.close();
});

afterAll(async () => {
  await seeded.cleanup();
});

test('the dashboard shows rates, spend, error rate, top models and keys, sparklines and channel health in 80×24', async () => {
  const app = renderApp(seeded.source);
  try {
    const frame = await app.waitFor('TOP MODELS');
    expect(frame).toMatch(/req\/min \d/);
    expect(frame).toContain('spend today $1.5');
    expect(frame).toContain('errors 1h 14.3% (1/7)');
    expect(frame).toMatch(/gpt-4o-mini\s+6\s+\$1\.5/);
    expect(frame).toMatch(/laptop\s+7\s+\$1\.5/);
    expect(frame).toContain('█');
    expect(frame).toMatch(/● openai-main\s+enabled/);
    expect(frame).toMatch(/● backup\s+disabled/);
    expect(frame).toContain('1-6/Tab screens · ? help · q quit');
    expectFits(frame);
  } finally {
    app.unmount();
  }
}, 20_000);

test('a request logged while the dashboard is open shows up at the next refresh', async () => {
  const app = renderApp(seeded.source);
  try {
    await app.waitFor('spend today $1.5');
    const writer = createLogWriter({ store: seeded.deps.store, clock: seeded.deps.clock, logger: createLogger({ level: 'error', format: 'json', sink: memorySink() }), nodeName: 'test' });
    writer.enqueue(logEntry({ createdAt: Date.now(), modelName: 'claude-x', cost: 500_000 }));
    await writer.close();
    const frame = await app.waitFor('spend today $2');
    expect(frame).toContain('claude-x');
  } finally {
    app.unmount();
  }
}, 20_000);

test('? opens the help, any key closes it; 2 switches to the channels screen', async () => {
  const app = renderApp(seeded.source);
  try {
    await app.waitFor('TOP MODELS');
    await app.press('?');
    await app.waitFor('Tab/Shift-Tab switch screens');
    await app.press('x');
    await app.waitFor('TOP MODELS');
    await app.press('2');
    const frame = await app.waitFor('openai-main');
    expect(frame).toContain('n new');
    expectFits(frame);
  } finally {
    app.unmount();
  }
}, 20_000);

test('a larger terminal gets more columns', async () => {
  const app = renderApp(seeded.source, { screen: 'channels', columns: 120, rows: 30 });
  try {
    const frame = await app.waitFor('openai-main');
    expect(frame).toContain('TYPE');
    expect(frame).toContain('LATENCY');
    expectFits(frame, 120, 30);
  } finally {
    app.unmount();
  }
}, 20_000);
