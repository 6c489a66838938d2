/**
 * Storage of the price list (`prices`: one row per model or `prefix*` pattern) and of group multipliers
 * (`groups`). Only `await` and `.returning()` are used, so every statement runs on SQLite and PostgreSQL alike.
 * Callers run writes inside `writeWithRevision(store, 'prices', …)` so a running daemon reloads its price book.
 */
import { asc, eq } from 'drizzle-orm';
import type { Db, Store, Tables } from '../client.ts';

export type PriceRow = Tables['prices']['$inferSelect'];
export type GroupRow = Tables['groups']['$inferSelect'];

/** Rows inserted per statement when seeding: far below SQLite's bound-parameter limit (8 columns each). */
const INSERT_BATCH = 100;

export async function listPrices(store: Store, db: Db): Promise<PriceRow[]> {
  const { prices } = store.tables;
  return db.select().from(prices).orderBy(asc(prices.model));
}

export async function findPrice(store: Store, db: Db, model: string): Promise<PriceRow | undefined> {
  const { prices } = store.tables;
  const rows = await db.select().from(prices).where(eq(prices.model, model));
  return rows[0];
}

/** Inserts or replaces a model's price; every column is written, so a per-call price clears token rates. */
export async function upsertPrice(store: Store, db: Db, values: PriceRow): Promise<PriceRow> {
  const { prices } = store.tables;
  const set = {
    inputPerMillion: values.inputPerMillion,
    outputPerMillion: values.outputPerMillion,
    cachedInputPerMillion: values.cachedInputPerMillion,
    cacheWritePerMillion: values.cacheWritePerMillion,
    perCall: values.perCall,
    extra: values.extra,
    updatedAt: values.updatedAt,
  };
  const rows = await db.insert(prices).values(values).onConflictDoUpdate({ target: prices.model, set }).returning();
  const row = rows[0];
  // An upsert always yields its row; a missing one means the driver misbehaved, which must not pass silently.
  if (row === undefined) throw new Error(`upsert of price "${values.model}" returned no row`);
  return row;
}

/** Inserts the prices whose model has no row yet; rows that exist are left as they are. Returns the inserted rows. */
export async function insertMissingPrices(store: Store, db: Db, values: readonly PriceRow[]): Promise<PriceRow[]> {
  const { prices } = store.tables;
  const inserted: PriceRow[] = [];
  for (let start = 0; start < values.length; start += INSERT_BATCH) {
    const batch = values.slice(start, start + INSERT_BATCH);
    inserted.push(...(await db.insert(prices).values(batch).onConflictDoNothing({ target: prices.model }).returning()));
  }
  return inserted;
}

/** Deletes a price; returns the removed row, or undefined when there was none. */
export async function deletePrice(store: Store, db: Db, model: string): Promise<PriceRow | undefined> {
  const { prices } = store.tables;
  const rows = await db.delete(prices).where(eq(prices.model, model)).returning();
  return rows[0];
}

export async function listGroups(store: Store, db: Db): Promise<GroupRow[]> {
  const { groups } = store.tables;
  return db.select().from(groups).orderBy(asc(groups.name));
}

/**
 * Inserts or updates a group's multiplier. `description: undefined` keeps the stored description of an existing
 * group (a new group gets an empty one).
 */
export async function upsertGroup(
  store: Store,
  db: Db,
  values: { name: string; multiplierPpm: number; description: string | undefined; updatedAt: number },
): Promise<GroupRow> {
  const { groups } = store.tables;
  const set = {
    multiplierPpm: values.multiplierPpm,
    updatedAt: values.updatedAt,
    ...(values.description === undefined ? {} : { description: values.description }),
  };
  const rows = await db
    .insert(groups)
    .values({ ...values, description: values.description ?? '' })
    .onConflictDoUpdate({ target: groups.name, set })
    .returning();
  const row = rows[0];
  if (row === undefined) throw new Error(`upsert of group "${values.name}" returned no row`);
  return row;
}

/** Deletes a group's multiplier; returns the removed row, or undefined when there was none. */
export async function deleteGroup(store: Store, db: Db, name: string): Promise<GroupRow | undefined> {
  const { groups } = store.tables;
  const rows = await db.delete(groups).where(eq(groups.name, name)).returning();
  return rows[0];
}

/**
 * Claims a one-time marker in `system_info` inside the caller's transaction: true for the one caller whose insert
 * created the row, false when it already existed. Seeding the built-in prices hangs on it, so they are written
 * once per database even when several processes start together.
 */
export async function claimSystemMarker(store: Store, db: Db, key: string, now: number): Promise<boolean> {
  const { systemInfo } = store.tables;
  const rows = await db
    .insert(systemInfo)
    .values({ key, value: new Date(now).toISOString(), updatedAt: now })
    .onConflictDoNothing({ target: systemInfo.key })
    .returning();
  return rows.length > 0;
}
