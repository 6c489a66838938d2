/**
 * Reacts to attempt results while requests flow: auto-disables a key (and its channel with the last key) when
 * the upstream says the account is unusable — off by default as in New API, on with
 * `gateway setting set auto_disable_enabled true`. The decision reads the structured UpstreamError only
 * (`channelAtFault`, status, code), never words inside the message (reliability.md G9): a 429 rate limit or an
 * unknown model never disables anything.
 */
import type { Logger } from '../log/logger.ts';
import type { ChannelHealthService } from '../services/channel-health.ts';
import { parseStatusRanges, type Settings, statusInRanges } from '../services/settings.ts';
import type { UpstreamError } from './errors.ts';
import type { ChannelTarget } from './types.ts';

export interface ChannelHealth {
  onFailure(target: ChannelTarget, error: UpstreamError, settings: Settings): void;
  /**
   * Resolves when every auto-disable started so far is written and the routing index reloaded without it
   * (tests and shutdown wait on it): from then on the disabled key or channel is never picked (R2).
   */
  settled(): Promise<void>;
}

export function shouldAutoDisable(error: UpstreamError, settings: Settings): boolean {
  if (!settings.auto_disable_enabled || error.channelAtFault === false) return false;
  if (settings.auto_disable_error_codes.includes(error.code)) return true;
  return error.status !== 0 && statusInRanges(error.status, parseStatusRanges(settings.auto_disable_status_codes, 'auto_disable_status_codes'));
}

export function createChannelHealth(options: { service: ChannelHealthService; logger: Logger; onChange: () => void | Promise<void> }): ChannelHealth {
  const pending = new Set<Promise<void>>();
  return {
    onFailure(target, error, settings) {
      if (!shouldAutoDisable(error, settings)) return;
      const work = options.service
        .autoDisableKey(target.channelId, target.keyPosition, `${error.status} ${error.code}`)
        .then(async (result) => {
          if (!result.keyDisabled) return;
          options.logger.warn('channel key auto-disabled', {
            channelId: target.channelId,
            channel: target.channelName,
            keyPosition: target.keyPosition,
            status: error.status,
            code: error.code,
            channelDisabled: result.channelDisabled,
          });
          await options.onChange();
        })
        .catch((failure: unknown) => {
          options.logger.error('auto-disable failed', { channelId: target.channelId, error: String(failure) });
        })
        .finally(() => pending.delete(work));
      pending.add(work);
    },
    async settled() {
      await Promise.all([...pending]);
    },
  };
}
