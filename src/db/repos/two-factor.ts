/**
 * The TOTP second factor's rows: the `totp_*` columns of `users` and the `recovery_codes` table. Every write that
 * decides something is one conditional statement whose row count is the answer (reliability.md 2.1.7, 2.2.5):
 * a 30-second step is claimed only when it is after the last one accepted, and a recovery code is used only
 * while `used_at` is empty, so two requests presenting the same code at the same moment get one success.
 */
import { and, count, eq, isNotNull, isNull, lt, or, sql } from 'drizzle-orm';
import type { Db, Store } from '../client.ts';
import type { UserRow } from './users.ts';

/** Stores a new, not yet confirmed secret; undefined when the user is gone or already has 2FA on. */
export async function setPendingTotpSecret(store: Store, db: Db, userId: number, ciphertext: string, now: number): Promise<UserRow | undefined> {
  const { users } = store.tables;
  const rows = await db
    .update(users)
    .set({ totpSecret: ciphertext, totpLastStep: null, updatedAt: now })
    .where(and(eq(users.id, userId), isNull(users.deletedAt), isNull(users.totpEnabledAt)))
    .returning();
  return rows[0];
}

/**
 * Turns 2FA on with the pending secret `ciphertext` (unchanged since it was checked), remembering the step of
 * the code that confirmed it, and bumps auth_version: sign-ins and access tokens made before end.
 */
export async function activateTotp(store: Store, db: Db, userId: number, ciphertext: string, step: number, now: number): Promise<UserRow | undefined> {
  const { users } = store.tables;
  const rows = await db
    .update(users)
    .set({ totpEnabledAt: now, totpLastStep: step, updatedAt: now, authVersion: sql`${users.authVersion} + 1` })
    .where(and(eq(users.id, userId), isNull(users.deletedAt), isNull(users.totpEnabledAt), eq(users.totpSecret, ciphertext)))
    .returning();
  return rows[0];
}

/** Records that the code of `step` was used; false when that step or a later one was already accepted. */
export async function claimTotpStep(store: Store, db: Db, userId: number, step: number): Promise<boolean> {
  const { users } = store.tables;
  const rows = await db
    .update(users)
    .set({ totpLastStep: step })
    .where(and(eq(users.id, userId), isNotNull(users.totpEnabledAt), or(isNull(users.totpLastStep), lt(users.totpLastStep, step))))
    .returning({ id: users.id });
  return rows.length > 0;
}

/**
 * Turns 2FA off (secret, confirmation, last step and recovery codes gone). `revokeSessions` bumps auth_version.
 * Returns undefined when the user is gone.
 */
export async function clearTotp(store: Store, db: Db, userId: number, options: { now: number; revokeSessions: boolean }): Promise<UserRow | undefined> {
  const { users, recoveryCodes } = store.tables;
  await db.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId)).returning({ id: recoveryCodes.id });
  const rows = await db
    .update(users)
    .set({
      totpSecret: null,
      totpEnabledAt: null,
      totpLastStep: null,
      updatedAt: options.now,
      ...(options.revokeSessions ? { authVersion: sql`${users.authVersion} + 1` } : {}),
    })
    .where(and(eq(users.id, userId), isNull(users.deletedAt)))
    .returning();
  return rows[0];
}

/** Replaces every recovery code of the user with the given digests (call inside a transaction). */
export async function replaceRecoveryCodes(store: Store, db: Db, userId: number, hashes: readonly string[], now: number): Promise<void> {
  const { recoveryCodes } = store.tables;
  await db.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId)).returning({ id: recoveryCodes.id });
  if (hashes.length === 0) return;
  await db
    .insert(recoveryCodes)
    .values(hashes.map((codeHash) => ({ userId, codeHash, createdAt: now })))
    .returning({ id: recoveryCodes.id });
}

/** Uses one unused recovery code of the user; false when it is unknown or already used. */
export async function consumeRecoveryCode(store: Store, db: Db, userId: number, codeHash: string, now: number): Promise<boolean> {
  const { recoveryCodes } = store.tables;
  const rows = await db
    .update(recoveryCodes)
    .set({ usedAt: now })
    .where(and(eq(recoveryCodes.userId, userId), eq(recoveryCodes.codeHash, codeHash), isNull(recoveryCodes.usedAt)))
    .returning({ id: recoveryCodes.id });
  return rows.length > 0;
}

export async function countUnusedRecoveryCodes(store: Store, userId: number): Promise<number> {
  const { recoveryCodes } = store.tables;
  const rows = await store.db
    .select({ total: count() })
    .from(recoveryCodes)
    .where(and(eq(recoveryCodes.userId, userId), isNull(recoveryCodes.usedAt)));
  return rows[0]?.total ?? 0;
}
