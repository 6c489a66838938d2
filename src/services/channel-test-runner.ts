/**
 * Channel tests on request (the admin API's test buttons), over the relay's own test (src/relay/channel-test.ts,
 * the same one `gateway channel test` runs): one channel, one or every key; or every enabled and auto-disabled
 * channel at once, a few at a time so a long list neither runs one by one for minutes nor opens a connection
 * per channel at once. Manually disabled channels are skipped by "test all", as by `--all`.
 */
import { type ChannelTestDeps, type ChannelTestResult, testChannel, testChannelKeys } from '../relay/channel-test.ts';
import { isPeriodicallyTested } from '../relay/channel-tester.ts';
import type { ChannelService } from './channels.ts';

export interface ChannelTestRequest {
  model?: string;
  keyPosition?: number;
  allKeys?: boolean;
}

export interface ChannelTestRunner {
  testOne(ref: string, request?: ChannelTestRequest): Promise<ChannelTestResult[]>;
  /** Every enabled and auto-disabled channel, in id order; a channel deleted meanwhile is left out. */
  testAll(): Promise<ChannelTestResult[]>;
}

/** Channels tested at the same time by testAll. */
export const TEST_ALL_CONCURRENCY = 4;

export function createChannelTestRunner(deps: ChannelTestDeps & { channels: Pick<ChannelService, 'get' | 'list'> }, concurrency = TEST_ALL_CONCURRENCY): ChannelTestRunner {
  return {
    async testOne(ref, request = {}) {
      if (request.allKeys === true) return testChannelKeys(deps, ref, { model: request.model });
      return [await testChannel(deps, ref, { model: request.model, keyPosition: request.keyPosition })];
    },

    async testAll() {
      const channels = (await deps.channels.list()).filter(isPeriodicallyTested);
      const results: (ChannelTestResult | undefined)[] = new Array(channels.length);
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < channels.length) {
          const index = next++;
          const channel = channels[index];
          if (channel === undefined) continue;
          try {
            results[index] = await testChannel(deps, channel.id);
          } catch {
            // Deleted since the list was read: nothing to report for it.
          }
        }
      };
      await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, channels.length)) }, worker));
      return results.filter((result): result is ChannelTestResult => result !== undefined);
    },
  };
}
