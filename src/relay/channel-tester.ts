/**
 * The periodic channel test (domain.md 4.6, New API's `CHANNEL_TEST_FREQUENCY`): every
 * `channel_test_frequency_minutes` minutes, test each enabled and auto-disabled channel, one at a time.
 * Manually disabled channels are never tested: an operator took them out and only an operator brings them
 * back. A channel with auto-disabled keys has every key tested, so a key that recovered comes back alone
 * (see reEnableIfRecovered in channel-test.ts) instead of riding on another key's pass.
 *
 * Rounds never overlap: the next one is scheduled when the previous one ends. `stop()` clears the timer,
 * aborts the test in flight and waits for the round to end, so the store can be closed right after.
 */
import type { Deps } from '../deps.ts';
import type { Logger } from '../log/logger.ts';
import { type ChannelHealthService, createChannelHealthService } from '../services/channel-health.ts';
import type { ChannelView } from '../services/channels.ts';
import { type ChannelTestDeps, type ChannelTestResult, testChannel, testChannelKeys } from './channel-test.ts';
import { createDispatcher, type Dispatcher, systemTimers, type Timers } from './dispatch.ts';

export type ChannelTesterDeps = Pick<Deps, 'config' | 'store' | 'cipher' | 'clock' | 'channels' | 'settings'>;

export interface ChannelTesterOptions {
  /** The relay's dispatcher (tests inject one with their resolver); default a production one. */
  dispatcher?: Dispatcher;
  /** Timer functions; tests drive time with manual ones. */
  timers?: Timers;
  /** Period in milliseconds; default `config.channelTestFrequencyMinutes` minutes. 0 turns the tester off. */
  intervalMs?: number;
  health?: Pick<ChannelHealthService, 'recordTest' | 'autoEnable'>;
  /** Called with the results of each scheduled round (tests wait on it). */
  onRound?: (results: readonly ChannelTestResult[]) => void;
}

export interface ChannelTester {
  /** Runs a round now, or joins the one already running. */
  runRound(): Promise<ChannelTestResult[]>;
  stop(): Promise<void>;
}

/** Channels a periodic test may touch: enabled ones, and auto-disabled ones that may have recovered. */
export function isPeriodicallyTested(channel: Pick<ChannelView, 'status'>): boolean {
  return channel.status === 'enabled' || channel.status === 'auto-disabled';
}

export function startChannelTester(deps: ChannelTesterDeps, logger: Logger, options: ChannelTesterOptions = {}): ChannelTester {
  const intervalMs = options.intervalMs ?? deps.config.channelTestFrequencyMinutes * 60_000;
  const timers = options.timers ?? systemTimers;
  const aborter = new AbortController();
  const testDeps: ChannelTestDeps = {
    ...deps,
    dispatcher: options.dispatcher ?? createDispatcher({}),
    health: options.health ?? createChannelHealthService({ store: deps.store, cipher: deps.cipher, clock: deps.clock }),
  };
  let timer: unknown;
  let running: Promise<ChannelTestResult[]> | undefined;
  let stopped = false;

  const report = (result: ChannelTestResult): void => {
    const fields = {
      channelId: result.channelId,
      channel: result.channelName,
      model: result.model,
      keyPosition: result.keyPosition,
      ok: result.ok,
      latencyMs: result.latencyMs,
      status: result.status,
      error: result.errorCode,
      // Redacted by the test; the logger redacts key shapes once more.
      message: result.message,
    };
    if (result.ok) logger.info('channel test passed', fields);
    else logger.warn('channel test failed', fields);
    if (result.reEnabled) logger.info('channel re-enabled after a passing test', { channelId: result.channelId, channel: result.channelName });
  };

  const testOne = async (channel: ChannelView): Promise<ChannelTestResult[]> => {
    const signal = aborter.signal;
    if (channel.keys.some((key) => key.status === 'auto-disabled')) return testChannelKeys(testDeps, channel.id, { signal });
    return [await testChannel(testDeps, channel.id, { signal })];
  };

  const round = async (): Promise<ChannelTestResult[]> => {
    const results: ChannelTestResult[] = [];
    const channels = (await deps.channels.list()).filter(isPeriodicallyTested);
    for (const channel of channels) {
      if (stopped) break;
      try {
        const tested = await testOne(channel);
        // A test aborted by stop() measured nothing worth logging.
        if (stopped) break;
        for (const result of tested) report(result);
        results.push(...tested);
      } catch (error) {
        // The channel may have been deleted since the list was read; the others are still tested.
        logger.warn('channel test could not run', { channelId: channel.id, channel: channel.name, error: error instanceof Error ? error.message : String(error) });
      }
    }
    return results;
  };

  const runRound = (): Promise<ChannelTestResult[]> => {
    running ??= round().finally(() => {
      running = undefined;
    });
    return running;
  };

  const schedule = (): void => {
    if (stopped || intervalMs <= 0) return;
    timer = timers.setTimeout(() => {
      timer = undefined;
      // The next round is armed only once this one has ended, so rounds never overlap however long one takes.
      void runRound().then(
        (results) => {
          schedule();
          if (!stopped) options.onRound?.(results);
        },
        (error: unknown) => {
          logger.error('channel test round failed', { error: error instanceof Error ? error.message : String(error) });
          schedule();
        },
      );
    }, intervalMs);
  };

  if (intervalMs > 0) logger.info('periodic channel tests on', { everyMinutes: intervalMs / 60_000 });
  schedule();

  return {
    runRound,
    async stop() {
      stopped = true;
      if (timer !== undefined) timers.clearTimeout(timer);
      timer = undefined;
      aborter.abort();
      await running?.catch(() => undefined);
    },
  };
}
