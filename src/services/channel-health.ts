/**
 * Channel and key health written to the database: auto-disable of a key whose account is unusable (the
 * channel goes down with its last enabled key), re-enable after a passing test, and test results.
 * Only channels auto-disabled by the gateway (status 3) are re-enabled automatically; a channel an operator
 * disabled (status 2) stays off until the operator enables it.
 */
import { bumpRevision } from '../db/repos/revisions.ts';
import {
  findChannelById,
  listChannelKeys,
  setAbilitiesEnabled,
  updateChannel,
  updateChannelKey,
} from '../db/repos/channels.ts';
import { CHANNEL_STATUS_CODES } from './channels.ts';
import type { ServiceContext } from './context.ts';

export interface AutoDisableResult {
  keyDisabled: boolean;
  channelDisabled: boolean;
}

export interface ChannelHealthService {
  /** Marks one key auto-disabled; disables the channel too when no enabled key is left. */
  autoDisableKey(channelId: number, position: number, reason: string): Promise<AutoDisableResult>;
  /** Re-enables an auto-disabled channel and its auto-disabled keys; returns false when it was not auto-disabled. */
  autoEnable(channelId: number): Promise<boolean>;
  /** Records a channel test: latency and time. */
  recordTest(channelId: number, result: { ok: boolean; latencyMs: number }): Promise<void>;
}

/** Reasons are shown to operators; keep them short and free of anything the upstream could inject at length. */
function shortReason(reason: string): string {
  return reason.replace(/[\u0000-\u001f\u007f]/g, ' ').slice(0, 300);
}

export function createChannelHealthService(context: ServiceContext): ChannelHealthService {
  const { store, clock } = context;
  const auto = CHANNEL_STATUS_CODES['auto-disabled'];
  const enabled = CHANNEL_STATUS_CODES.enabled;

  return {
    async autoDisableKey(channelId, position, reason) {
      const now = clock.now();
      const text = shortReason(reason);
      return store.transaction(async (db) => {
        const channel = await findChannelById(store, db, channelId);
        if (channel === undefined) return { keyDisabled: false, channelDisabled: false };
        const keys = await listChannelKeys(store, db, [channelId]);
        const key = keys.find((row) => row.position === position);
        if (key === undefined || key.status !== enabled) return { keyDisabled: false, channelDisabled: false };
        await updateChannelKey(store, db, channelId, position, { status: auto, disabledReason: text, disabledAt: now });
        const stillEnabled = keys.filter((row) => row.position !== position && row.status === enabled).length;
        let channelDisabled = false;
        if (stillEnabled === 0 && channel.status === enabled) {
          await updateChannel(store, db, channelId, { status: auto, disabledReason: text, disabledAt: now, updatedAt: now });
          await setAbilitiesEnabled(store, db, channelId, false);
          channelDisabled = true;
        }
        await bumpRevision(store, db, 'channels', now);
        return { keyDisabled: true, channelDisabled };
      });
    },

    async autoEnable(channelId) {
      const now = clock.now();
      return store.transaction(async (db) => {
        const channel = await findChannelById(store, db, channelId);
        if (channel === undefined) return false;
        const keys = await listChannelKeys(store, db, [channelId]);
        const disabledKeys = keys.filter((row) => row.status === auto);
        if (channel.status !== auto && disabledKeys.length === 0) return false;
        for (const key of disabledKeys) {
          await updateChannelKey(store, db, channelId, key.position, { status: enabled, disabledReason: null, disabledAt: null });
        }
        if (channel.status === auto) {
          await updateChannel(store, db, channelId, { status: enabled, disabledReason: null, disabledAt: null, updatedAt: now });
          await setAbilitiesEnabled(store, db, channelId, true);
        }
        await bumpRevision(store, db, 'channels', now);
        return true;
      });
    },

    async recordTest(channelId, result) {
      const now = clock.now();
      await store.write((db) =>
        updateChannel(store, db, channelId, { responseTimeMs: result.ok ? result.latencyMs : null, testedAt: now }),
      );
    },
  };
}
