/**
 * The periodic channel tester with manual timers: it waits one period before the first round, tests enabled
 * and auto-disabled channels but never manually disabled ones, runs one round at a time, logs without secrets,
 * and leaves no timer and no test in flight after stop().
 */
import { afterAll, afterEach, beforeAll, beforeEach, expect, test } from 'bun:test';
import type { Deps } from '../../src/deps.ts';
import { createLogger, memorySink } from '../../src/log/logger.ts';
import type { ChannelTestResult } from '../../src/relay/channel-test.ts';
import { startChannelTester } from '../../src/relay/channel-tester.ts';
import { createChannelHealthService } from '../../src/services/channel-health.ts';
import type { ChannelInput } from '../../src/services/channels.ts';
import { addMockChannel, type MockChannel } from '../helpers/mock-channels.ts';
import { type MockUpstream, startMockUpstream } from '../helpers/mock-upstream.ts';
import { createTestEnvironment, openDeps, type TestEnvironment } from '../helpers/stores.ts';
import { ManualTimers } from './dispatch-harness.ts';

const MINUTE_MS = 60_000;

let mock: MockUpstream;
let environment: TestEnvironment;
let deps: Deps;

beforeAll(async () => {
  mock = await startMockUpstream();
});
afterAll(async () => {
  await mock.stop();
});
beforeEach(async () => {
  environment = await createTestEnvironment('sqlite');
  deps = await openDeps(environment);
  mock.reset();
});
afterEach(async () => {
  await deps.close();
  await environment.cleanup();
});

function addChannel(input: Partial<ChannelInput> = {}): Promise<MockChannel> {
  return addMockChannel(deps.channels, mock, input);
}

/** Resolves with the results of the next scheduled round. */
function nextRound(): { onRound: (results: readonly ChannelTestResult[]) => void; results: Promise<readonly ChannelTestResult[]> } {
  let resolve: (results: readonly ChannelTestResult[]) => void = () => {};
  const results = new Promise<readonly ChannelTestResult[]>((done) => {
    resolve = done;
  });
  return { onRound: (round) => resolve(round), results };
}

test('rounds come every CHANNEL_TEST_FREQUENCY minutes, the first one after one period', async () => {
  await addChannel();
  const timers = new ManualTimers();
  let rounds = 0;
  let round = nextRound();
  const tester = startChannelTester({ ...deps, config: { ...deps.config, channelTestFrequencyMinutes: 2 } }, createLogger({ sink: memorySink() }), {
    timers,
    onRound: (results) => {
      rounds += 1;
      round.onRound(results);
    },
  });
  expect(timers.pending()).toBe(1);
  timers.advance(2 * MINUTE_MS - 1);
  expect(mock.requests).toHaveLength(0);
  timers.advance(1);
  expect((await round.results).map((result) => result.ok)).toEqual([true]);
  expect(mock.requests).toHaveLength(1);
  // The next round is scheduled once this one has ended, never while it runs.
  expect(timers.pending()).toBe(1);
  round = nextRound();
  timers.advance(2 * MINUTE_MS);
  await round.results;
  expect(rounds).toBe(2);
  expect(mock.requests).toHaveLength(2);
  await tester.stop();
  expect(timers.pending()).toBe(0);
});

test('a frequency of 0 schedules nothing', async () => {
  const timers = new ManualTimers();
  const tester = startChannelTester(deps, createLogger({ sink: memorySink() }), { timers });
  expect(deps.config.channelTestFrequencyMinutes).toBe(0);
  expect(timers.pending()).toBe(0);
  await tester.stop();
});

test('enabled and auto-disabled channels are tested, manually disabled ones never; logs carry no key', async () => {
  const enabled = await addChannel();
  const autoDisabled = await addChannel();
  const manual = await addChannel();
  await createChannelHealthService(deps).autoDisableKey(autoDisabled.id, 0, '401 invalid_api_key');
  await deps.channels.setEnabled(manual.name, false);
  await deps.settings.set('auto_enable_enabled', 'true');

  const sink = memorySink();
  const timers = new ManualTimers();
  const round = nextRound();
  const tester = startChannelTester(deps, createLogger({ sink, format: 'json' }), { timers, intervalMs: MINUTE_MS, onRound: round.onRound });
  timers.advance(MINUTE_MS);
  const results = await round.results;
  await tester.stop();

  expect(results.map((result) => [result.channelName, result.ok, result.reEnabled])).toEqual([
    [enabled.name, true, false],
    [autoDisabled.name, true, true],
  ]);
  expect(mock.requests.map((request) => request.apiKey)).not.toContain(manual.secret);
  expect((await deps.channels.get(autoDisabled.name)).status).toBe('enabled');
  expect((await deps.channels.get(manual.name)).status).toBe('disabled');
  const log = sink.lines.join('\n');
  expect(log).toContain('channel test passed');
  expect(log).toContain('channel re-enabled after a passing test');
  for (const channel of [enabled, autoDisabled, manual]) expect(log).not.toContain(channel.secret);
});

test('failures are logged as warnings; concurrent rounds are joined, not doubled', async () => {
  const failing = await addChannel({ models: ['mock/server-error'] });
  const sink = memorySink();
  const tester = startChannelTester(deps, createLogger({ sink, format: 'json' }), { timers: new ManualTimers(), intervalMs: MINUTE_MS });
  const [first, second] = await Promise.all([tester.runRound(), tester.runRound()]);
  expect(first).toBe(second);
  expect(mock.requests).toHaveLength(1);
  expect(first[0]).toMatchObject({ channelName: failing.name, ok: false, status: 500 });
  const warning = sink.lines.find((line) => line.includes('channel test failed'));
  expect(warning).toBeDefined();
  expect(JSON.parse(warning ?? '{}')).toMatchObject({ level: 'warn', channel: failing.name, status: 500, error: 'server_error' });
  expect(sink.lines.join('\n')).not.toContain(failing.secret);
  await tester.stop();
});

test('stop() aborts the test in flight, records nothing for it and clears the timer', async () => {
  const hanging = await addChannel({ models: ['mock/hang'] });
  const timers = new ManualTimers();
  const tester = startChannelTester(deps, createLogger({ sink: memorySink() }), { timers, intervalMs: MINUTE_MS });
  const round = tester.runRound();
  // Wait until the upstream holds the request, then stop.
  for (let waited = 0; mock.requests.length === 0 && waited < 2000; waited += 10) await Bun.sleep(10);
  expect(mock.requests).toHaveLength(1);
  const startedAt = performance.now();
  await tester.stop();
  expect(performance.now() - startedAt).toBeLessThan(1000);
  expect(await round).toEqual([]);
  expect(timers.pending()).toBe(0);
  expect((await deps.channels.get(hanging.name)).testedAt).toBeNull();
});
