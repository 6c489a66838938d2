/**
 * `gateway channel test` through the real entry point, against a mock upstream running in this test process:
 * exit 0 when every test passed, 1 when any failed, 2 for bad input; the table and the --json shape.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type { ChannelTestResult } from '../../src/relay/channel-test.ts';
import { expectOneLineError, runCli } from '../helpers/cli.ts';
import { type MockUpstream, startMockUpstream } from '../helpers/mock-upstream.ts';
import { createTestEnvironment, openDeps, type TestEnvironment } from '../helpers/stores.ts';

const passingKey = `sk-CANARY-CLI-PASS-${crypto.randomUUID()}`;
const failingKey = `sk-CANARY-CLI-FAIL-${crypto.randomUUID()}`;
const disabledKey = `sk-CANARY-CLI-OFF-${crypto.randomUUID()}`;

describe('gateway channel test [sqlite]', () => {
  let environment: TestEnvironment;
  let mock: MockUpstream;
  beforeAll(async () => {
    mock = await startMockUpstream();
    environment = await createTestEnvironment('sqlite');
    const deps = await openDeps(environment);
    const common = { type: 'openai', baseUrl: mock.url, allowPrivate: `127.0.0.1:${mock.port}` };
    await deps.channels.add({ ...common, name: 'passing', keys: [passingKey, `sk-second-${crypto.randomUUID()}`], models: ['gpt-4o-mini'] });
    await deps.channels.add({ ...common, name: 'failing', keys: [failingKey], models: ['mock/echo-key'] });
    await deps.channels.add({ ...common, name: 'switched-off', keys: [disabledKey], models: ['gpt-4o-mini'] });
    await deps.channels.setEnabled('switched-off', false);
    await deps.close();
  });
  afterAll(async () => {
    await environment.cleanup();
    await mock.stop();
  });

  test('a passing channel: a table and exit 0; --all-keys --json gives one result per key', async () => {
    const table = await runCli(['channel', 'test', 'passing'], environment.env);
    expect(table.stderr).toBe('');
    expect(table.exitCode).toBe(0);
    expect(table.stdout).toMatch(/^CHANNEL\s+KEY\s+MODEL\s+OK\s+LATENCY MS\s+STATUS\/ERROR/);
    expect(table.stdout).toMatch(/passing\s+#0\s+gpt-4o-mini\s+yes\s+\d+\s+200/);
    expect(table.stdout).toContain('All 1 passed.');

    const json = await runCli(['channel', 'test', 'passing', '--all-keys', '--json'], environment.env);
    expect(json.exitCode).toBe(0);
    const results = json.json<ChannelTestResult[]>();
    expect(results).toHaveLength(2);
    expect(results.map((result) => result.keyPosition)).toEqual([0, 1]);
    for (const result of results) {
      expect(Object.keys(result).sort()).toEqual(
        ['channelId', 'channelName', 'endpoint', 'errorCode', 'keyPosition', 'latencyMs', 'message', 'model', 'ok', 'reEnabled', 'status', 'upstreamModel'].sort(),
      );
      expect(result).toMatchObject({ channelName: 'passing', model: 'gpt-4o-mini', ok: true, status: 200, errorCode: null, message: null, reEnabled: false });
      expect(typeof result.latencyMs).toBe('number');
    }
    expect(mock.requests.at(-1)?.json).toMatchObject({ messages: [{ role: 'user', content: 'hi' }], max_tokens: 16 });
  });

  test('a failing channel: exit 1, the status and code shown, the key never printed', async () => {
    const table = await runCli(['channel', 'test', 'failing'], environment.env);
    expect(table.exitCode).toBe(1);
    expect(table.stdout).toMatch(/failing\s+#0\s+mock\/echo-key\s+no\s+\d+\s+401 invalid_api_key: /);
    expect(table.stdout).toContain('1 of 1 failed.');
    expect(table.stdout + table.stderr).not.toContain(failingKey);
    // The upstream did receive the key, and echoed it back in its message.
    expect(mock.requests.at(-1)?.apiKey).toBe(failingKey);
  });

  test('--all tests enabled channels only and fails when one fails; --json is an array', async () => {
    const result = await runCli(['channel', 'test', '--all', '--json'], environment.env);
    expect(result.exitCode).toBe(1);
    const results = result.json<ChannelTestResult[]>();
    expect(results.map((entry) => [entry.channelName, entry.ok])).toEqual([
      ['passing', true],
      ['failing', false],
    ]);
    expect(results[1]).toMatchObject({ status: 401, errorCode: 'invalid_api_key' });
    expect(result.stdout).not.toContain(failingKey);
    expect(mock.requests.map((request) => request.apiKey)).not.toContain(disabledKey);
  });

  test('bad input exits 2 with one line: no channel named, both a channel and --all, an unknown channel', async () => {
    expectOneLineError(await runCli(['channel', 'test'], environment.env), '--all');
    expectOneLineError(await runCli(['channel', 'test', 'passing', '--all'], environment.env), 'not both');
    expectOneLineError(await runCli(['channel', 'test', 'nope'], environment.env), 'gateway channel list');
  });
});
