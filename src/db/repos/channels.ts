/**
 * Storage of channels, their keys and their abilities (the routing index). Every function takes the `db` to
 * run on, so the service can compose them inside one `store.transaction`. Only `await` and `.returning()` are
 * used: `.run()`, `.all()` and `.get()` exist on SQLite alone.
 */
import { and, asc, count, eq, inArray, type SQL } from 'drizzle-orm';
import type { Db, Store, Tables } from '../client.ts';
import { anyContainsText, type PageWindow } from './search.ts';

const INSERT_BATCH_ROWS = 500;

export type ChannelRow = Tables['channels']['$inferSelect'];
export type NewChannelRow = Tables['channels']['$inferInsert'];
export type ChannelKeyRow = Tables['channelKeys']['$inferSelect'];
export type NewChannelKeyRow = Omit<Tables['channelKeys']['$inferInsert'], 'id' | 'channelId'>;
export type AbilityRow = Tables['abilities']['$inferSelect'];

/** Fields that `updateChannel` may change; identity and creation time never change. */
export type ChannelChanges = Partial<Omit<NewChannelRow, 'id' | 'createdAt'>>;

export interface ChannelRowFilter {
  type?: string;
  status?: number;
  tag?: string;
  /** Channels serving this group, read from abilities (rebuilt on every save, so it matches `groups`). */
  group?: string;
  model?: string;
}

export async function insertChannel(store: Store, db: Db, values: NewChannelRow): Promise<ChannelRow> {
  const rows = await db.insert(store.tables.channels).values(values).returning();
  const row = rows[0];
  if (row === undefined) throw new Error('insert into channels returned no row');
  return row;
}

export async function updateChannel(store: Store, db: Db, id: number, changes: ChannelChanges): Promise<ChannelRow | undefined> {
  const { channels } = store.tables;
  const rows = await db.update(channels).set(changes).where(eq(channels.id, id)).returning();
  return rows[0];
}

/** Deletes the channel with its keys and abilities (explicitly, not trusting ON DELETE CASCADE to be enabled). */
export async function deleteChannel(store: Store, db: Db, id: number): Promise<boolean> {
  const { channels, channelKeys, abilities } = store.tables;
  await db.delete(abilities).where(eq(abilities.channelId, id));
  await db.delete(channelKeys).where(eq(channelKeys.channelId, id));
  const rows = await db.delete(channels).where(eq(channels.id, id)).returning({ id: channels.id });
  return rows.length > 0;
}

export async function findChannelById(store: Store, db: Db, id: number): Promise<ChannelRow | undefined> {
  const { channels } = store.tables;
  const rows = await db.select().from(channels).where(eq(channels.id, id));
  return rows[0];
}

export async function findChannelByName(store: Store, db: Db, name: string): Promise<ChannelRow | undefined> {
  const { channels } = store.tables;
  const rows = await db.select().from(channels).where(eq(channels.name, name));
  return rows[0];
}

function channelConditions(store: Store, db: Db, filter: ChannelRowFilter & { search?: string }): SQL[] {
  const { channels, abilities } = store.tables;
  const conditions: SQL[] = [];
  if (filter.search !== undefined && filter.search !== '') {
    conditions.push(anyContainsText([channels.name, channels.tag, channels.remark, channels.baseUrl, channels.models], filter.search));
  }
  if (filter.type !== undefined) conditions.push(eq(channels.type, filter.type));
  if (filter.status !== undefined) conditions.push(eq(channels.status, filter.status));
  if (filter.tag !== undefined) conditions.push(eq(channels.tag, filter.tag));
  if (filter.group !== undefined || filter.model !== undefined) {
    const abilityConditions: SQL[] = [];
    if (filter.group !== undefined) abilityConditions.push(eq(abilities.group, filter.group));
    if (filter.model !== undefined) abilityConditions.push(eq(abilities.model, filter.model));
    const serving = db
      .select({ channelId: abilities.channelId })
      .from(abilities)
      .where(and(...abilityConditions));
    conditions.push(inArray(channels.id, serving));
  }
  return conditions;
}

export async function listChannelRows(store: Store, db: Db, filter: ChannelRowFilter = {}): Promise<ChannelRow[]> {
  const { channels } = store.tables;
  const conditions = channelConditions(store, db, filter);
  return db
    .select()
    .from(channels)
    .where(conditions.length === 0 ? undefined : and(...conditions))
    .orderBy(asc(channels.id));
}

/** One page of channels, by id, and how many match in all; `search` is literal text (see ./search.ts). */
export async function pageChannelRows(
  store: Store,
  db: Db,
  filter: ChannelRowFilter & { search?: string },
  window: PageWindow,
): Promise<{ rows: ChannelRow[]; total: number }> {
  const { channels } = store.tables;
  const conditions = channelConditions(store, db, filter);
  const where = conditions.length === 0 ? undefined : and(...conditions);
  const [rows, totals] = await Promise.all([
    db.select().from(channels).where(where).orderBy(asc(channels.id)).limit(window.limit).offset(window.offset),
    db.select({ total: count() }).from(channels).where(where),
  ]);
  return { rows, total: totals[0]?.total ?? 0 };
}

/** Keys of the given channels, ordered by channel then position. */
export async function listChannelKeys(store: Store, db: Db, channelIds: readonly number[]): Promise<ChannelKeyRow[]> {
  if (channelIds.length === 0) return [];
  const { channelKeys } = store.tables;
  return db
    .select()
    .from(channelKeys)
    .where(inArray(channelKeys.channelId, [...channelIds]))
    .orderBy(asc(channelKeys.channelId), asc(channelKeys.position));
}

/** Replaces every key of a channel (positions are rewritten, so ciphertexts must be bound to the new ones). */
export async function replaceChannelKeys(store: Store, db: Db, channelId: number, keys: readonly NewChannelKeyRow[]): Promise<void> {
  const { channelKeys } = store.tables;
  await db.delete(channelKeys).where(eq(channelKeys.channelId, channelId));
  for (let start = 0; start < keys.length; start += INSERT_BATCH_ROWS) {
    const batch = keys.slice(start, start + INSERT_BATCH_ROWS);
    await db.insert(channelKeys).values(batch.map((key) => ({ ...key, channelId })));
  }
}

/** Adds keys to a channel at the positions they carry (after its last one). */
export async function insertChannelKeys(store: Store, db: Db, channelId: number, keys: readonly NewChannelKeyRow[]): Promise<void> {
  const { channelKeys } = store.tables;
  for (let start = 0; start < keys.length; start += INSERT_BATCH_ROWS) {
    const batch = keys.slice(start, start + INSERT_BATCH_ROWS);
    await db.insert(channelKeys).values(batch.map((key) => ({ ...key, channelId })));
  }
}

/** Rebuilds the routing rows of one channel. */
export async function replaceAbilities(
  store: Store,
  db: Db,
  channelId: number,
  rows: readonly Omit<AbilityRow, 'channelId'>[],
): Promise<void> {
  const { abilities } = store.tables;
  await db.delete(abilities).where(eq(abilities.channelId, channelId));
  // groups × models can reach thousands of rows; batches keep each statement under SQLite's bound-parameter limit.
  for (let start = 0; start < rows.length; start += INSERT_BATCH_ROWS) {
    const batch = rows.slice(start, start + INSERT_BATCH_ROWS);
    await db.insert(abilities).values(batch.map((row) => ({ ...row, channelId })));
  }
}

/** Changes one key's status; returns false when the key no longer exists (the channel was edited meanwhile). */
export async function updateChannelKey(
  store: Store,
  db: Db,
  channelId: number,
  position: number,
  changes: Partial<Pick<ChannelKeyRow, 'status' | 'disabledReason' | 'disabledAt'>>,
): Promise<boolean> {
  const { channelKeys } = store.tables;
  const rows = await db
    .update(channelKeys)
    .set(changes)
    .where(and(eq(channelKeys.channelId, channelId), eq(channelKeys.position, position)))
    .returning({ id: channelKeys.id });
  return rows.length > 0;
}

/** Turns a channel's routing rows on or off without rebuilding them. */
export async function setAbilitiesEnabled(store: Store, db: Db, channelId: number, enabled: boolean): Promise<void> {
  const { abilities } = store.tables;
  await db.update(abilities).set({ enabled }).where(eq(abilities.channelId, channelId));
}

/**
 * True when `error` (or one of its causes, as drizzle wraps driver errors) is a unique-constraint violation:
 * PostgreSQL SQLSTATE 23505 or SQLite's SQLITE_CONSTRAINT_UNIQUE.
 */
export function isUniqueViolation(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const code = (current as Error & { code?: unknown }).code;
    if (code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE') return true;
    if (/UNIQUE constraint failed|duplicate key value/i.test(current.message)) return true;
    current = current.cause;
  }
  return false;
}
