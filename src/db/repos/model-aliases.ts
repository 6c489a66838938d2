/**
 * Storage of global model aliases (`model_aliases`): a model name clients send → the model it means on every
 * channel. Only `await` and `.returning()` are used, so every statement runs on SQLite and PostgreSQL alike.
 */
import { asc, eq } from 'drizzle-orm';
import type { Db, Store, Tables } from '../client.ts';

export type ModelAliasRow = Tables['modelAliases']['$inferSelect'];

/** Inserts an alias; returns undefined when the alias already exists (the caller reports the conflict). */
export async function insertModelAlias(store: Store, db: Db, values: ModelAliasRow): Promise<ModelAliasRow | undefined> {
  const rows = await db.insert(store.tables.modelAliases).values(values).onConflictDoNothing().returning();
  return rows[0];
}

export async function listModelAliases(store: Store, db: Db): Promise<ModelAliasRow[]> {
  const { modelAliases } = store.tables;
  return db.select().from(modelAliases).orderBy(asc(modelAliases.alias));
}

/** Deletes an alias; returns the removed row, or undefined when there was none. */
export async function deleteModelAlias(store: Store, db: Db, alias: string): Promise<ModelAliasRow | undefined> {
  const { modelAliases } = store.tables;
  const rows = await db.delete(modelAliases).where(eq(modelAliases.alias, alias)).returning();
  return rows[0];
}
