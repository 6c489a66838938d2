/**
 * The in-memory routing index: for each (group, model), the enabled channels serving it, grouped into
 * priority levels (highest first), plus each channel's routing metadata and its enabled keys. It is rebuilt
 * from the database when the `channels` change counter moves (src/relay/select.ts owns the reload), so a
 * request never queries the database to choose a channel.
 *
 * Keys are held as their AES-GCM envelopes, not in the clear: the selector decrypts only the one key an
 * attempt uses (see the header of select.ts for why).
 */
import type { Store } from '../db/client.ts';
import { loadRoutingRows, type RoutingRows } from '../db/repos/routing.ts';
import { type ChannelKind, isChannelKind } from '../services/channel-types.ts';
import { followModelChain } from '../services/model-aliases.ts';

export type { RoutingRows } from '../db/repos/routing.ts';

export interface RoutingKey {
  readonly position: number;
  /** AES-256-GCM envelope bound to `channel_keys:<channel id>:<position>`. */
  readonly ciphertext: string;
}

export interface RoutingChannel {
  readonly id: number;
  readonly name: string;
  readonly type: ChannelKind;
  readonly baseUrl: string;
  readonly allowPrivate: string | undefined;
  readonly settings: Readonly<Record<string, unknown>>;
  readonly statusCodeMapping: Readonly<Record<string, number>>;
  /** Requested model → upstream model; chains are followed when a target is built. */
  readonly modelMapping: ReadonlyMap<string, string>;
  readonly keyMode: 'random' | 'round-robin';
  /** Enabled keys in position order; never empty (a channel without one is left out of the index). */
  readonly keys: readonly RoutingKey[];
}

export interface RoutingCandidate {
  readonly channel: RoutingChannel;
  readonly priority: number;
  readonly weight: number;
}

/** Candidates of one priority, all with the same `priority`. */
export type PriorityLevel = readonly RoutingCandidate[];

export interface RoutingIndex {
  /** Every enabled, routable channel by id (pinned requests look here, outside the abilities). */
  readonly channels: ReadonlyMap<number, RoutingChannel>;
  readonly aliases: ReadonlyMap<string, string>;
  /** Epoch milliseconds of the load. */
  readonly loadedAt: number;
  /** Priority levels for (group, model), highest priority first; empty when nothing serves it. */
  levels(group: string, model: string): readonly PriorityLevel[];
  /** Models with at least one candidate in `group`, sorted. */
  models(group: string): readonly string[];
}

/** A channel left out of the index, and why (logged once per reload by the caller). */
export interface SkippedChannel {
  readonly channelId: number;
  readonly name: string;
  readonly reason: string;
}

/** Where the index rows come from: the database in the daemon, plain data in tests. */
export interface RoutingSource {
  load(): Promise<RoutingRows>;
}

export function storeRoutingSource(store: Store): RoutingSource {
  return { load: () => loadRoutingRows(store) };
}

export const emptyRoutingIndex: RoutingIndex = {
  channels: new Map(),
  aliases: new Map(),
  loadedAt: 0,
  levels: () => [],
  models: () => [],
};

function parseObject(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** Upstream status → reported status; entries that are not HTTP statuses are ignored. */
function parseStatusMapping(text: string): Record<string, number> {
  const mapping: Record<string, number> = {};
  for (const [from, to] of Object.entries(parseObject(text))) {
    const status = Number(to);
    if (/^\d{3}$/.test(from) && Number.isInteger(status) && status >= 100 && status <= 599) mapping[from] = status;
  }
  return mapping;
}

/** Stored mappings may come from an import; only string targets are usable model names. */
function parseMapping(text: string): Map<string, string> {
  const mapping = new Map<string, string>();
  for (const [from, to] of Object.entries(parseObject(text))) {
    if (typeof to === 'string' && to.trim() !== '' && to !== from) mapping.set(from, to);
  }
  return mapping;
}

/** The name sent upstream for `model` on `channel`: its mapping followed to the end, cycle-safe. */
export function upstreamModelFor(channel: RoutingChannel, model: string): string {
  return followModelChain((name) => channel.modelMapping.get(name), model);
}

/** `model` with global aliases followed to the end (cycle-safe); unchanged when it is not an alias. */
export function resolveAliasIn(index: RoutingIndex, model: string): string {
  return followModelChain((name) => index.aliases.get(name), model);
}

const SEPARATOR = '\u0000';

export function buildRoutingIndex(rows: RoutingRows, loadedAt: number): { index: RoutingIndex; skipped: SkippedChannel[] } {
  const keysByChannel = new Map<number, RoutingKey[]>();
  for (const key of rows.keys) {
    const list = keysByChannel.get(key.channelId) ?? [];
    list.push({ position: key.position, ciphertext: key.keyCiphertext });
    keysByChannel.set(key.channelId, list);
  }
  const channels = new Map<number, RoutingChannel>();
  const skipped: SkippedChannel[] = [];
  for (const row of rows.channels) {
    const keys = (keysByChannel.get(row.id) ?? []).sort((a, b) => a.position - b.position);
    if (!isChannelKind(row.type)) {
      skipped.push({ channelId: row.id, name: row.name, reason: `unknown type "${row.type}"` });
      continue;
    }
    if (keys.length === 0) {
      skipped.push({ channelId: row.id, name: row.name, reason: 'no enabled key' });
      continue;
    }
    channels.set(row.id, {
      id: row.id,
      name: row.name,
      type: row.type,
      baseUrl: row.baseUrl,
      allowPrivate: row.allowPrivate ?? undefined,
      settings: parseObject(row.settings),
      statusCodeMapping: parseStatusMapping(row.statusCodeMapping),
      modelMapping: parseMapping(row.modelMapping),
      keyMode: row.keyMode === 'round-robin' ? 'round-robin' : 'random',
      keys,
    });
  }

  const candidates = new Map<string, RoutingCandidate[]>();
  const modelsByGroup = new Map<string, Set<string>>();
  for (const ability of rows.abilities) {
    const channel = channels.get(ability.channelId);
    if (channel === undefined) continue;
    const slot = `${ability.group}${SEPARATOR}${ability.model}`;
    const list = candidates.get(slot) ?? [];
    list.push({ channel, priority: ability.priority, weight: Math.max(0, ability.weight) });
    candidates.set(slot, list);
    const models = modelsByGroup.get(ability.group) ?? new Set<string>();
    models.add(ability.model);
    modelsByGroup.set(ability.group, models);
  }
  const levelsBySlot = new Map<string, PriorityLevel[]>();
  for (const [slot, list] of candidates) {
    const byPriority = new Map<number, RoutingCandidate[]>();
    for (const candidate of list) {
      const level = byPriority.get(candidate.priority) ?? [];
      level.push(candidate);
      byPriority.set(candidate.priority, level);
    }
    levelsBySlot.set(
      slot,
      [...byPriority.entries()].sort(([a], [b]) => b - a).map(([, level]) => level),
    );
  }
  const sortedModels = new Map([...modelsByGroup].map(([group, models]) => [group, [...models].sort()]));

  return {
    index: {
      channels,
      aliases: new Map(rows.aliases.map((row) => [row.alias, row.target])),
      loadedAt,
      levels: (group, model) => levelsBySlot.get(`${group}${SEPARATOR}${model}`) ?? [],
      models: (group) => sortedModels.get(group) ?? [],
    },
    skipped,
  };
}
