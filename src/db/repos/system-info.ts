/** Installation facts kept in `system_info` (the master-key check value, first-start marker). */
import { eq } from 'drizzle-orm';
import type { Store } from '../client.ts';

export async function getSystemInfo(store: Store, key: string): Promise<string | undefined> {
  const { systemInfo } = store.tables;
  const rows = await store.db.select().from(systemInfo).where(eq(systemInfo.key, key));
  return rows[0]?.value;
}

/** Inserts the value unless the key exists; returns the value now stored (the first writer wins). */
export async function initSystemInfo(store: Store, key: string, value: string, now: number): Promise<string> {
  const { systemInfo } = store.tables;
  await store.write((db) => db.insert(systemInfo).values({ key, value, updatedAt: now }).onConflictDoNothing());
  return (await getSystemInfo(store, key)) ?? value;
}

/** Replaces a stored value (a deliberate change, such as a rotated session secret). */
export async function setSystemInfo(store: Store, key: string, value: string, now: number): Promise<void> {
  const { systemInfo } = store.tables;
  await store.write((db) =>
    db
      .insert(systemInfo)
      .values({ key, value, updatedAt: now })
      .onConflictDoUpdate({ target: systemInfo.key, set: { value, updatedAt: now } }),
  );
}
