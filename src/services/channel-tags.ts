/**
 * Batch operations on every channel with one tag (domain.md 4.1, New API's tag enable/disable/edit): enable,
 * disable, delete, or set priority or weight. Each batch is one transaction with one revision bump, so a
 * running relay sees all of the tag's channels change at once, or none of them. Values are checked by the same
 * functions as a single channel's (channel-validation.ts).
 */
import type { Db } from '../db/client.ts';
import { type ChannelChanges, type ChannelRow, deleteChannel, listChannelKeys, listChannelRows, updateChannel } from '../db/repos/channels.ts';
import { bumpRevision } from '../db/repos/revisions.ts';
import { notFound } from '../errors/gateway-error.ts';
import { normalizeOptionalText, normalizePriority, normalizeWeight } from './channel-validation.ts';
import { CHANNEL_STATUS_CODES, type ChannelView, finishChannelSave, toChannelView } from './channels.ts';
import type { ServiceContext } from './context.ts';

export interface TagPatch {
  priority?: number;
  weight?: number;
}

export interface ChannelTagService {
  setEnabled(tag: string, enabled: boolean): Promise<ChannelView[]>;
  update(tag: string, patch: TagPatch): Promise<ChannelView[]>;
  /** Deletes every channel with the tag, their keys and routing entries; returns what was removed. */
  remove(tag: string): Promise<ChannelView[]>;
}

export function createChannelTagService(context: ServiceContext): ChannelTagService {
  const { store, clock } = context;

  /** Runs `change` on each channel with the tag inside one transaction; not_found when none has it. */
  function batch(text: string, change: (db: Db, row: ChannelRow, now: number) => Promise<ChannelView>): Promise<ChannelView[]> {
    const tag = normalizeOptionalText(text, '--tag');
    const now = clock.now();
    return store.transaction(async (db) => {
      const rows = tag === null ? [] : await listChannelRows(store, db, { tag });
      if (rows.length === 0) throw notFound(`no channel has the tag "${text.trim()}"; see the tags with: gateway channel list`);
      const views: ChannelView[] = [];
      for (const row of rows) views.push(await change(db, row, now));
      return views;
    });
  }

  return {
    async setEnabled(tag, enabled) {
      return batch(tag, async (db, row, now) => {
        const changes: ChannelChanges = enabled
          ? { status: CHANNEL_STATUS_CODES.enabled, disabledReason: null, disabledAt: null, updatedAt: now }
          : { status: CHANNEL_STATUS_CODES.disabled, disabledReason: null, disabledAt: now, updatedAt: now };
        const updated = (await updateChannel(store, db, row.id, changes)) ?? row;
        return finishChannelSave(store, db, updated, now);
      });
    },

    async update(tag, patch) {
      const changes: ChannelChanges = {};
      if (patch.priority !== undefined) changes.priority = normalizePriority(patch.priority);
      if (patch.weight !== undefined) changes.weight = normalizeWeight(patch.weight);
      return batch(tag, async (db, row, now) => {
        const updated = (await updateChannel(store, db, row.id, { ...changes, updatedAt: now })) ?? row;
        return finishChannelSave(store, db, updated, now);
      });
    },

    async remove(tag) {
      return batch(tag, async (db, row, now) => {
        const view = toChannelView(row, await listChannelKeys(store, db, [row.id]));
        await deleteChannel(store, db, row.id);
        await bumpRevision(store, db, 'channels', now);
        return view;
      });
    },
  };
}
