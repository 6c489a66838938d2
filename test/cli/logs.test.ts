import { afterAll, beforeAll, expect, test } from 'bun:test';
import { join } from 'node:path';
import { systemClock } from '../../src/clock.ts';
import type { Deps } from '../../src/deps.ts';
import { createLogger, memorySink } from '../../src/log/logger.ts';
import { createLogWriter, type RequestLogEntry } from '../../src/services/logs.ts';
import { expectOneLineError, runCli } from '../helpers/cli.ts';
import { logEntry } from '../helpers/log-entries.ts';
import { createTestEnvironment, openDeps, type TestEnvironment } from '../helpers/stores.ts';

const HOUR = 3_600_000;
const entry = join(import.meta.dir, '..', '..', 'cli', 'main.ts');

let environment: TestEnvironment;
let ids: { alice: number; aliceKey: number; channel: number };

/** Writes entries through the real log writer on a short-lived connection, as the daemon would. */
async function seed(entries: readonly RequestLogEntry[]): Promise<void> {
  const deps = await openDeps(environment);
  try {
    const writer = createLogWriter({ store: deps.store, clock: systemClock, logger: createLogger({ sink: memorySink() }), nodeName: 'test-node' });
    for (const item of entries) writer.enqueue(item);
    await writer.close();
  } finally {
    await deps.close();
  }
}

beforeAll(async () => {
  environment = await createTestEnvironment('sqlite');
  const deps: Deps = await openDeps(environment);
  try {
    const alice = (await deps.users.create({ username: 'alice', password: 'alice-password' })).user;
    const aliceKey = (await deps.tokens.create({ name: 'alice-ci', user: 'alice' })).token;
    const channel = await deps.channels.add({ name: 'openai-main', type: 'openai', keys: ['sk-cli-logs-key-0001'], models: ['gpt-4o'] });
    ids = { alice: alice.id, aliceKey: aliceKey.id, channel: channel.id };
  } finally {
    await deps.close();
  }
  const now = Date.now();
  const alice = { userId: ids.alice, username: 'alice', tokenId: ids.aliceKey, tokenName: 'alice-ci' };
  await seed([
    logEntry({ ...alice, requestId: 'cli-old', createdAt: now - 3 * HOUR, channelId: ids.channel, channelName: 'openai-main', cost: 1_500_000 }),
    logEntry({ requestId: 'cli-root', tokenId: 999, tokenName: 'removed-key', createdAt: now - 60_000, modelName: 'o4-mini', cost: 250 }),
    logEntry({
      ...alice,
      requestId: 'cli-error',
      createdAt: now - 30_000,
      type: 5,
      status: 502,
      errorCode: 'upstream_error',
      modelName: 'evil\u001b]0;owned\u0007\u001b[31mmodel',
      channelId: ids.channel,
      channelName: 'openai-main',
      promptTokens: 0,
      completionTokens: 0,
      cost: 0,
    }),
  ]);
});

afterAll(async () => {
  await environment?.cleanup();
});

interface LogJson {
  id: number;
  requestId: string;
  username: string;
  type: string;
  costUsd: string;
  modelName: string;
}

test('gateway logs --json prints the rows newest first, filtered by user, key, model, channel, time and errors', async () => {
  const all = await runCli(['logs', '--json'], environment.env);
  expect(all.exitCode).toBe(0);
  const rows = all.json<LogJson[]>();
  expect(rows.map((row) => row.requestId)).toEqual(['cli-error', 'cli-root', 'cli-old']);
  expect(rows[2]).toMatchObject({ username: 'alice', type: 'consume', costUsd: '1.5' });
  // JSON escapes control characters instead of dropping them.
  expect(all.stdout).not.toContain('\u001b');
  expect(rows[0]?.modelName).toContain('\u001b[31m');

  const requestIds = async (args: string[]): Promise<string[]> => {
    const result = await runCli(['logs', ...args, '--json'], environment.env);
    expect(result.exitCode).toBe(0);
    return result.json<LogJson[]>().map((row) => row.requestId);
  };
  expect(await requestIds(['--user', 'alice'])).toEqual(['cli-error', 'cli-old']);
  expect(await requestIds(['--token', String(ids.aliceKey), '--since', '1h'])).toEqual(['cli-error']);
  expect(await requestIds(['--model', 'o4-mini'])).toEqual(['cli-root']);
  expect(await requestIds(['--channel', 'openai-main', '--errors'])).toEqual(['cli-error']);
  expect(await requestIds(['--since', '2h', '--limit', '1'])).toEqual(['cli-error']);
  expect(await requestIds(['--since', new Date(Date.now() - 2 * HOUR).toISOString()])).toEqual(['cli-error', 'cli-root']);
});

test('gateway logs prints a table without escape sequences from the data', async () => {
  const result = await runCli(['logs'], environment.env);
  expect(result.exitCode).toBe(0);
  const lines = result.stdout.trimEnd().split('\n');
  expect(lines[0]).toMatch(/^TIME \(UTC\)\s+USER\s+KEY\s+MODEL\s+CHANNEL\s+STATUS\s+TOKENS IN\s+TOKENS OUT\s+COST \(USD\)\s+LATENCY MS\s+ERROR$/);
  expect(lines).toHaveLength(4);
  expect(lines[1]).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z\s+alice\s+alice-ci\s+evil.*model\s+openai-main\s+502\s+0\s+0\s+0\s+100\s+upstream_error$/);
  expect(lines[3]).toContain('1.5');
  expect(result.stdout).not.toContain('\u001b');
  expect(result.stdout).not.toContain('\u0007');

  const none = await runCli(['logs', '--model', 'no-such-model'], environment.env);
  expect(none.stdout.trim()).toBe('No request log rows match.');
});

test('gateway usage sums the hourly aggregates by model, user, key or channel', async () => {
  const byModel = await runCli(['usage', '--json'], environment.env);
  expect(byModel.exitCode).toBe(0);
  const report = byModel.json<{ by: string; rows: { key: string; requests: number; cost: number }[]; totals: { requests: number; cost: number; costUsd: string } }>();
  expect(report.by).toBe('model');
  expect(report.rows.map((row) => [row.key, row.requests, row.cost])).toEqual([
    ['gpt-4o', 1, 1_500_000],
    ['o4-mini', 1, 250],
    ['evil\u001b]0;owned\u0007\u001b[31mmodel', 1, 0],
  ]);
  expect(report.totals).toMatchObject({ requests: 3, cost: 1_500_250, costUsd: '1.50025' });

  const byUser = await runCli(['usage', '--by', 'user', '--since', '1h', '--json'], environment.env);
  expect(byUser.json<{ rows: { key: string; requests: number }[] }>().rows).toMatchObject([
    { key: 'root', requests: 1 },
    { key: 'alice', requests: 1 },
  ]);

  const human = await runCli(['usage', '--by', 'channel'], environment.env);
  expect(human.exitCode).toBe(0);
  expect(human.stdout).toMatch(/^Usage since .* by channel\nCHANNEL\s+REQUESTS\s+ERRORS\s+TOKENS IN\s+TOKENS OUT\s+COST \(USD\)\n/);
  expect(human.stdout).toMatch(/openai-main\s+2\s+1\s+10\s+20\s+1\.5\n/);
  expect(human.stdout).toMatch(/\(none\)\s+1\s+0\s+10\s+20\s+0\.00025\n/);
  expect(human.stdout).toMatch(/TOTAL\s+3\s+1\s+20\s+40\s+1\.50025\n$/);
  expect(human.stdout).not.toContain('\u001b');
});

test('bad input exits 2 with one line that names the fix', async () => {
  expectOneLineError(await runCli(['logs', '--since', 'yesterday'], environment.env), '--since cannot read "yesterday"; use a duration like 30m, 1h or 7d');
  expectOneLineError(await runCli(['usage', '--since', '2026-02-30'], environment.env), '--since has no such date');
  expectOneLineError(await runCli(['usage', '--by', 'group'], environment.env), '--by must be one of model, user, token, channel');
  expectOneLineError(await runCli(['logs', '--limit', '5000'], environment.env), '--limit must be from 1 to 1000');
  expectOneLineError(await runCli(['logs', '--user', 'nobody'], environment.env), 'gateway user list');
});

/** Reads a child's stdout until `done` holds for the text so far, or the time is up. */
async function readUntil(reader: { read(): Promise<{ done: boolean; value?: Uint8Array }> }, state: { text: string }, done: (text: string) => boolean, timeoutMs: number): Promise<void> {
  const decoder = new TextDecoder();
  const deadline = Date.now() + timeoutMs;
  while (!done(state.text)) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) throw new Error(`timed out; stdout so far:\n${state.text}`);
    const chunk = await Promise.race([reader.read(), Bun.sleep(remaining).then(() => undefined)]);
    if (chunk === undefined) continue;
    if (chunk.done) throw new Error(`stdout ended; stdout so far:\n${state.text}`);
    state.text += decoder.decode(chunk.value, { stream: true });
  }
}

test('gateway logs --follow prints new rows as they are written and exits 0 on SIGTERM', async () => {
  const child = Bun.spawn(['bun', entry, 'logs', '--follow', '--json', '--user', 'alice', '--limit', '1'], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...environment.env },
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
  });
  try {
    const reader = child.stdout.getReader();
    const state = { text: '' };
    await readUntil(reader, state, (text) => text.includes('\n'), 10_000);
    expect(JSON.parse(state.text.split('\n')[0] ?? '').requestId).toBe('cli-error');

    const alice = { userId: ids.alice, username: 'alice', tokenId: ids.aliceKey, tokenName: 'alice-ci' };
    await seed([logEntry({ requestId: 'cli-other-user', createdAt: Date.now() }), logEntry({ ...alice, requestId: 'cli-followed', createdAt: Date.now() })]);
    await readUntil(reader, state, (text) => text.includes('cli-followed'), 5_000);
    const lines = state.text.trimEnd().split('\n').map((line) => JSON.parse(line) as LogJson);
    expect(lines.map((line) => line.requestId)).toEqual(['cli-error', 'cli-followed']);

    child.kill('SIGTERM');
    expect(await child.exited).toBe(0);
    reader.releaseLock();
  } finally {
    child.kill('SIGKILL');
  }
});
