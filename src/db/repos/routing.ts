/**
 * What the relay's routing index is built from (src/relay/routing-index.ts): enabled channels, their enabled
 * abilities and keys, and the global model aliases. Keys are read as ciphertext envelopes; they are decrypted
 * only for the attempt that uses them. Plain awaited selects only, so both dialects run the same statements.
 */
import { and, asc, eq } from 'drizzle-orm';
import type { Store } from '../client.ts';
import { listModelAliases, type ModelAliasRow } from './model-aliases.ts';

/** New API's "enabled" status number, shared by channels and channel keys (docs/domain.md 9.3). */
const ENABLED = 1;

export interface RoutingChannelRow {
  id: number;
  name: string;
  type: string;
  baseUrl: string;
  modelMapping: string;
  statusCodeMapping: string;
  keyMode: string;
  allowPrivate: string | null;
  settings: string;
}

export interface RoutingAbilityRow {
  group: string;
  model: string;
  channelId: number;
  channelName: string;
  priority: number;
  weight: number;
}

export interface RoutingKeyRow {
  channelId: number;
  position: number;
  keyCiphertext: string;
}

export interface RoutingRows {
  channels: RoutingChannelRow[];
  abilities: RoutingAbilityRow[];
  keys: RoutingKeyRow[];
  aliases: ModelAliasRow[];
}

/** Enabled abilities of enabled channels, ordered so that listings are stable. */
export async function listServingAbilities(store: Store): Promise<RoutingAbilityRow[]> {
  const { abilities, channels } = store.tables;
  return store.db
    .select({
      group: abilities.group,
      model: abilities.model,
      channelId: abilities.channelId,
      channelName: channels.name,
      priority: abilities.priority,
      weight: abilities.weight,
    })
    .from(abilities)
    .innerJoin(channels, eq(abilities.channelId, channels.id))
    .where(and(eq(abilities.enabled, true), eq(channels.status, ENABLED)))
    .orderBy(asc(abilities.model), asc(abilities.group), asc(abilities.channelId));
}

/**
 * The rows of one routing index. The statements do not share a transaction, so a write committing between
 * them can show up half; that write also bumps the `channels` counter, so the reload it triggers corrects it.
 */
export async function loadRoutingRows(store: Store): Promise<RoutingRows> {
  const { channels, channelKeys } = store.tables;
  const channelRows = await store.db
    .select({
      id: channels.id,
      name: channels.name,
      type: channels.type,
      baseUrl: channels.baseUrl,
      modelMapping: channels.modelMapping,
      statusCodeMapping: channels.statusCodeMapping,
      keyMode: channels.keyMode,
      allowPrivate: channels.allowPrivate,
      settings: channels.settings,
    })
    .from(channels)
    .where(eq(channels.status, ENABLED))
    .orderBy(asc(channels.id));
  const abilityRows = await listServingAbilities(store);
  const keyRows = await store.db
    .select({ channelId: channelKeys.channelId, position: channelKeys.position, keyCiphertext: channelKeys.keyCiphertext })
    .from(channelKeys)
    .innerJoin(channels, eq(channelKeys.channelId, channels.id))
    .where(and(eq(channelKeys.status, ENABLED), eq(channels.status, ENABLED)))
    .orderBy(asc(channelKeys.channelId), asc(channelKeys.position));
  const aliases = await listModelAliases(store, store.db);
  return { channels: channelRows, abilities: abilityRows, keys: keyRows, aliases };
}
