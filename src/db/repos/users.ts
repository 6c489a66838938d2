/**
 * Users: rows, lookups and the few writes that touch them. Every statement uses the query builder with `await`
 * and `.returning()`, so the same code runs on SQLite and PostgreSQL. Money columns move only by deltas
 * (`balance = balance + n`), never by writing back a value read earlier, so a concurrent charge is never lost.
 */
import { and, asc, count, eq, gte, isNull, lt, ne, sql } from 'drizzle-orm';
import type { Db, Store, Tables } from '../client.ts';
import { USER_DISABLED, USER_ENABLED } from '../codes.ts';
import { anyContainsText, type PageWindow } from './search.ts';

export type UserRow = Tables['users']['$inferSelect'];
export type NewUserRow = Tables['users']['$inferInsert'];

/** Role numbers (New API's): 1 common user, 10 admin, 100 root. */
export const ROLE_NUMBERS = { user: 1, admin: 10, root: 100 } as const;
export { USER_DISABLED, USER_ENABLED };
/** New API's log type for a top-up. */
export const LOG_TYPE_TOPUP = 1;

/** Marks the username of a removed user, so the name is free again; `~` is not allowed in usernames. */
export const DELETED_NAME_MARK = '~deleted~';

export async function findUserById(store: Store, db: Db, id: number): Promise<UserRow | undefined> {
  const { users } = store.tables;
  const rows = await db
    .select()
    .from(users)
    .where(and(eq(users.id, id), isNull(users.deletedAt)));
  return rows[0];
}

/** The role number of a user, removed accounts included (undefined when there is no such user). */
export async function findUserRole(store: Store, db: Db, id: number): Promise<number | undefined> {
  const { users } = store.tables;
  const rows = await db.select({ role: users.role }).from(users).where(eq(users.id, id));
  return rows[0]?.role;
}

export async function findUserByUsername(store: Store, db: Db, username: string): Promise<UserRow | undefined> {
  const { users } = store.tables;
  const rows = await db
    .select()
    .from(users)
    .where(and(eq(users.username, username), isNull(users.deletedAt)));
  return rows[0];
}

/** A live user whose name equals `username` ignoring case ("Admin" would impersonate "admin"). */
export async function findUserByUsernameIgnoringCase(store: Store, db: Db, username: string): Promise<UserRow | undefined> {
  const { users } = store.tables;
  const rows = await db
    .select()
    .from(users)
    .where(and(sql`lower(${users.username}) = ${username.toLowerCase()}`, isNull(users.deletedAt)));
  return rows[0];
}

/** Counts every row, removed users included: bootstrap only runs on a database that never had a user. */
export async function countAllUsers(store: Store, db: Db): Promise<number> {
  const rows = await db.select({ total: count() }).from(store.tables.users);
  return rows[0]?.total ?? 0;
}

/** Enabled, live root users other than `exceptId`. */
export async function countOtherEnabledRoots(store: Store, db: Db, exceptId: number): Promise<number> {
  const { users } = store.tables;
  const rows = await db
    .select({ total: count() })
    .from(users)
    .where(
      and(
        gte(users.role, ROLE_NUMBERS.root),
        eq(users.status, USER_ENABLED),
        isNull(users.deletedAt),
        ne(users.id, exceptId),
      ),
    );
  return rows[0]?.total ?? 0;
}

/** The oldest enabled root user: the default owner of keys created from the CLI. */
export async function findFirstRoot(store: Store, db: Db): Promise<UserRow | undefined> {
  const { users } = store.tables;
  const rows = await db
    .select()
    .from(users)
    .where(and(gte(users.role, ROLE_NUMBERS.root), eq(users.status, USER_ENABLED), isNull(users.deletedAt)))
    .orderBy(asc(users.id))
    .limit(1);
  return rows[0];
}

export interface UserFilter {
  /** Exact role number. */
  role?: number;
  status?: number;
}

export async function listUsers(store: Store, filter: UserFilter = {}): Promise<UserRow[]> {
  const { users } = store.tables;
  const conditions = [isNull(users.deletedAt)];
  if (filter.role !== undefined) conditions.push(eq(users.role, filter.role));
  if (filter.status !== undefined) conditions.push(eq(users.status, filter.status));
  return store.db
    .select()
    .from(users)
    .where(and(...conditions))
    .orderBy(asc(users.id));
}

export interface UserPageFilter extends UserFilter {
  /** Only users whose role number is below this (an actor sees only the roles it manages). */
  roleBelow?: number;
  /** Literal text in the username, display name or email, ignoring case. */
  search?: string;
}

/** One page of live users, by id, and how many match in all. */
export async function pageUsers(store: Store, filter: UserPageFilter, window: PageWindow): Promise<{ rows: UserRow[]; total: number }> {
  const { users } = store.tables;
  const conditions = [isNull(users.deletedAt)];
  if (filter.role !== undefined) conditions.push(eq(users.role, filter.role));
  if (filter.status !== undefined) conditions.push(eq(users.status, filter.status));
  if (filter.roleBelow !== undefined) conditions.push(lt(users.role, filter.roleBelow));
  if (filter.search !== undefined && filter.search !== '') conditions.push(anyContainsText([users.username, users.displayName, users.email], filter.search));
  const where = and(...conditions);
  const [rows, totals] = await Promise.all([
    store.db.select().from(users).where(where).orderBy(asc(users.id)).limit(window.limit).offset(window.offset),
    store.db.select({ total: count() }).from(users).where(where),
  ]);
  return { rows, total: totals[0]?.total ?? 0 };
}

/** Records a successful sign-in. */
export async function touchLastLogin(store: Store, id: number, now: number): Promise<void> {
  const { users } = store.tables;
  await store.write((db) => db.update(users).set({ lastLoginAt: now }).where(eq(users.id, id)).returning({ id: users.id }));
}

/**
 * Inserts a user; returns undefined when the username is taken. The unique index decides, so two processes
 * creating the same name at once get one row and one `undefined`, never an error from the driver.
 */
export async function insertUser(store: Store, db: Db, values: NewUserRow): Promise<UserRow | undefined> {
  const { users } = store.tables;
  const rows = await db.insert(users).values(values).onConflictDoNothing({ target: users.username }).returning();
  return rows[0];
}

/** Profile, role and status fields only: money columns are never part of a profile update. */
export type UserProfilePatch = Partial<
  Pick<NewUserRow, 'username' | 'displayName' | 'email' | 'passwordHash' | 'role' | 'status' | 'group'>
>;

/**
 * Updates profile columns of a live user; `revokeSessions` bumps auth_version in the same statement (a
 * password change, demotion or ban applies to the next request). Returns undefined when the new username is
 * taken or the user is gone.
 */
export async function updateUserProfile(
  store: Store,
  db: Db,
  id: number,
  patch: UserProfilePatch,
  options: { now: number; revokeSessions: boolean },
): Promise<UserRow | undefined> {
  const { users } = store.tables;
  const rows = await db
    .update(users)
    .set({
      ...patch,
      updatedAt: options.now,
      ...(options.revokeSessions ? { authVersion: sql`${users.authVersion} + 1` } : {}),
    })
    .where(and(eq(users.id, id), isNull(users.deletedAt)))
    .returning();
  return rows[0];
}

/**
 * Soft delete: the row stays for the ledger and the logs, its sessions are revoked, and its username gets a
 * suffix so the name can be given to a new account (the unique index also covers removed rows).
 */
export async function softDeleteUser(store: Store, db: Db, user: UserRow, now: number): Promise<UserRow | undefined> {
  const { users } = store.tables;
  const rows = await db
    .update(users)
    .set({
      username: `${user.username}${DELETED_NAME_MARK}${user.id}`,
      status: USER_DISABLED,
      deletedAt: now,
      updatedAt: now,
      authVersion: sql`${users.authVersion} + 1`,
    })
    .where(and(eq(users.id, user.id), isNull(users.deletedAt)))
    .returning();
  return rows[0];
}

export interface Credit {
  userId: number;
  amount: number;
  /** Unique per credit kind, e.g. `topup:<uuid>`; a replay with the same id is refused by the index. */
  externalId: string;
  note: string;
  /** The log line, e.g. "admin top-up $5 via CLI". */
  logContent: string;
  now: number;
}

/**
 * Credits a wallet: a ledger row, the balance raised by the same delta, and a top-up log line. Call it inside
 * a transaction so the three commit together. Returns the updated user, or undefined when the external id was
 * already credited or the user is gone (the caller's transaction should then roll back).
 */
export async function creditUser(store: Store, db: Db, credit: Credit): Promise<UserRow | undefined> {
  const { users, ledgerEntries, logs } = store.tables;
  const entries = await db
    .insert(ledgerEntries)
    .values({
      kind: 'credit',
      externalId: credit.externalId,
      userId: credit.userId,
      amount: credit.amount,
      note: credit.note,
      createdAt: credit.now,
    })
    .onConflictDoNothing()
    .returning({ id: ledgerEntries.id });
  if (entries.length === 0) return undefined;
  const rows = await db
    .update(users)
    .set({ balance: sql`${users.balance} + ${credit.amount}`, updatedAt: credit.now })
    .where(and(eq(users.id, credit.userId), isNull(users.deletedAt)))
    .returning();
  const user = rows[0];
  if (user === undefined) return undefined;
  await db
    .insert(logs)
    .values({
      createdAt: credit.now,
      type: LOG_TYPE_TOPUP,
      userId: user.id,
      username: user.username,
      content: credit.logContent,
      other: JSON.stringify({ amount: credit.amount, ledgerEntryId: entries[0]?.id }),
    })
    .returning({ id: logs.id });
  return user;
}

/** A reference typed by an operator: all digits is an id (usernames cannot be all digits), else a username. */
export async function findUserByRef(store: Store, db: Db, ref: string): Promise<UserRow | undefined> {
  const value = ref.trim();
  if (/^\d{1,15}$/.test(value)) return findUserById(store, db, Number(value));
  return findUserByUsername(store, db, value);
}
