/**
 * The daemon's in-memory view of the channels, reloaded when the `channels` change counter moves
 * (src/services/change-watcher.ts). For now it holds the count and the enabled channels' ids and names;
 * channel selection will read its candidates from here instead of querying the database per request.
 */
import type { Logger } from '../log/logger.ts';

/** What the snapshot needs from the channel service (its `list()`), so tests can pass a plain object. */
export interface ChannelSource {
  list(): Promise<readonly ChannelSummary[]>;
}

export interface ChannelSummary {
  readonly id: number | string;
  readonly name: string;
  readonly status: string | number;
}

export interface ChannelView {
  readonly total: number;
  readonly enabled: readonly { readonly id: number | string; readonly name: string }[];
  /** Epoch milliseconds of the load. */
  readonly loadedAt: number;
}

export interface ChannelSnapshot {
  /** The current view; loads it first if nothing was loaded yet. */
  current(): Promise<ChannelView>;
  reload(): Promise<ChannelView>;
}

export function isEnabledStatus(status: string | number): boolean {
  // New API stores 1 for enabled; the gateway's own channels use the word.
  return status === 'enabled' || status === 1;
}

export function createChannelSnapshot(source: ChannelSource, logger: Logger, now: () => number = Date.now): ChannelSnapshot {
  let view: ChannelView | undefined;
  // Reloads run one after another, so an older, slower load can never overwrite a newer view.
  let queue: Promise<unknown> = Promise.resolve();

  const load = async (): Promise<ChannelView> => {
    const channels = await source.list();
    const next: ChannelView = {
      total: channels.length,
      enabled: channels.filter((channel) => isEnabledStatus(channel.status)).map(({ id, name }) => ({ id, name })),
      loadedAt: now(),
    };
    if (view !== undefined && (view.total !== next.total || view.enabled.length !== next.enabled.length)) {
      logger.info('channels reloaded', { total: next.total, enabled: next.enabled.length });
    }
    view = next;
    return next;
  };

  const reload = (): Promise<ChannelView> => {
    const next = queue.then(load);
    queue = next.catch(() => undefined);
    return next;
  };

  return {
    current: async () => view ?? (await reload()),
    reload,
  };
}
