/**
 * Users: the root bootstrap, accounts, roles and wallet top-ups. Every write runs in one transaction that first
 * bumps the `users` revision: besides telling the daemon to reload, on PostgreSQL that upsert locks one row, so
 * writes that check before they act ("is this the last root?") run one at a time on every dialect.
 */
import type { Db, Store } from '../db/client.ts';
import { bumpRevision, writeWithRevision } from '../db/repos/revisions.ts';
import { disableTokensOfUser } from '../db/repos/tokens.ts';
import {
  countAllUsers,
  countOtherEnabledRoots,
  creditUser,
  findUserByRef,
  findUserByUsernameIgnoringCase,
  insertUser,
  listUsers,
  pageUsers,
  ROLE_NUMBERS,
  softDeleteUser,
  updateUserProfile,
  USER_DISABLED,
  USER_ENABLED,
  type UserProfilePatch,
  type UserRow,
} from '../db/repos/users.ts';
import type { PageWindow } from '../db/repos/search.ts';
import { conflict, GatewayError, invalidArgument, notFound } from '../errors/gateway-error.ts';
import { hashPassword, MIN_PASSWORD_LENGTH, randomPassword, verifyPassword } from '../security/password.ts';
import { type Actor, assertCanGrant, assertCanManage, manageableBelow } from './actor.ts';
import type { ServiceContext } from './context.ts';
import { isoOrNull } from './duration.ts';
import { formatUsd, parseUsd } from './money.ts';

export type UserRole = 'user' | 'admin' | 'root';
export type UserStatus = 'enabled' | 'disabled';

export interface UserView {
  id: number;
  username: string;
  displayName: string;
  email: string | null;
  role: UserRole;
  status: UserStatus;
  group: string;
  /** Decimal USD strings, exact (money is integer micro-USD inside). */
  balanceUsd: string;
  usedUsd: string;
  requestCount: number;
  createdAt: string;
  lastLoginAt: string | null;
  /** Whether sign-in asks for a TOTP code (the secret itself never leaves the service). */
  twoFactorEnabled: boolean;
}

export type RootBootstrap = { created: boolean; username: string; password?: string; generated: boolean };

export interface CreateUserInput {
  username: string;
  /** Generated (and returned once) when absent. */
  password?: string;
  role?: UserRole;
  group?: string;
  email?: string;
  displayName?: string;
  /** Opening wallet balance in USD, credited through the ledger. */
  quotaUsd?: string;
  /** Ends the opening credit's log line ("initial quota $1 via registration"); default: CLI, or the API actor. */
  via?: string;
}

export interface UserPatch {
  username?: string;
  password?: string;
  role?: UserRole;
  group?: string;
  /** Empty string clears it. */
  email?: string;
  displayName?: string;
}

export interface UserFilter {
  role?: UserRole;
  status?: UserStatus;
}

export interface UserSearch extends UserFilter {
  /** Literal text in the username, display name or email (wildcards have no meaning). */
  search?: string;
}

export interface TopupResult {
  user: UserView;
  amountUsd: string;
}

/**
 * Every method taking an `actor` applies the role rule of src/services/actor.ts: the actor sees and changes
 * only accounts below its own role and gives only roles below its own. Without an actor (the CLI, run by the
 * operator) there is no such limit.
 */
export interface UserService {
  /** Creates `root` on a database without users; safe when several processes start at once. */
  ensureRoot(options: { password?: string }): Promise<RootBootstrap>;
  create(input: CreateUserInput, actor?: Actor): Promise<{ user: UserView; password?: string }>;
  list(filter?: UserFilter): Promise<UserView[]>;
  /** One page of the users the actor manages, by id, with the total that match. */
  page(search: UserSearch, window: PageWindow, actor?: Actor): Promise<{ users: UserView[]; total: number }>;
  /** `ref` is an id (digits) or a username. */
  get(ref: string, actor?: Actor): Promise<UserView>;
  update(ref: string, patch: UserPatch, actor?: Actor): Promise<UserView>;
  setEnabled(ref: string, enabled: boolean, actor?: Actor): Promise<UserView>;
  /** Soft delete; the user's keys are disabled. */
  remove(ref: string, actor?: Actor): Promise<{ user: UserView; tokensDisabled: number }>;
  /** Credits the wallet through the ledger; `via` ends the log line ("admin top-up $5 via CLI"). */
  topup(ref: string, usd: string, options?: { via?: string; actor?: Actor }): Promise<TopupResult>;
  /** A user changes their own password, proving the current one; every sign-in and access token is revoked. */
  changeOwnPassword(userId: number, currentPassword: string, newPassword: string): Promise<UserView>;
}

export const ROOT_USERNAME = 'root';
/** One credit at most $10 000 000: far beyond any real top-up, far below 2^53 micro-USD. */
export const MAX_CREDIT_MICROS = 10_000_000 * 1_000_000;

const USERNAME = /^[A-Za-z0-9_.-]{1,32}$/;
const GROUP = /^[A-Za-z0-9_.-]{1,32}$/;
const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,190}$/;
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const ROLES: readonly UserRole[] = ['user', 'admin', 'root'];

export function roleName(role: number): UserRole {
  if (role >= ROLE_NUMBERS.root) return 'root';
  if (role >= ROLE_NUMBERS.admin) return 'admin';
  return 'user';
}

export function toUserView(row: UserRow): UserView {
  return {
    id: row.id,
    username: row.username,
    displayName: row.displayName,
    email: row.email,
    role: roleName(row.role),
    status: row.status === USER_ENABLED ? 'enabled' : 'disabled',
    group: row.group,
    balanceUsd: formatUsd(row.balance),
    usedUsd: formatUsd(row.usedAmount),
    requestCount: row.requestCount,
    createdAt: new Date(row.createdAt).toISOString(),
    lastLoginAt: isoOrNull(row.lastLoginAt),
    twoFactorEnabled: row.totpEnabledAt !== null,
  };
}

export function validateUsername(username: string, field = 'username'): string {
  if (!USERNAME.test(username)) {
    throw invalidArgument(field, `username "${username}" must be 1-32 characters of letters, digits, "_", "." or "-"`);
  }
  if (/^\d+$/.test(username)) {
    throw invalidArgument(field, `username "${username}" must not be all digits (digits refer to a user id)`);
  }
  return username;
}

export function validateGroup(group: string, field = '--group'): string {
  if (!GROUP.test(group)) throw invalidArgument(field, `${field} "${group}" must be 1-32 characters of letters, digits, "_", "." or "-"`);
  return group;
}

export function parseRole(role: string, field = '--role'): UserRole {
  const found = ROLES.find((candidate) => candidate === role);
  if (found === undefined) throw invalidArgument(field, `${field} must be one of ${ROLES.join(', ')} (got "${role}")`);
  return found;
}

function validatePassword(password: string, field = '--password'): string {
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw invalidArgument(field, `${field} must be at least ${MIN_PASSWORD_LENGTH} characters; omit it to have one generated`);
  }
  if (password.length > 256) throw invalidArgument(field, `${field} must be at most 256 characters`);
  return password;
}

function validateEmail(email: string): string | null {
  const value = email.trim();
  if (value === '') return null;
  if (!EMAIL.test(value)) throw invalidArgument('--email', `--email "${email}" is not an email address`);
  return value;
}

function validateDisplayName(name: string): string {
  if (name.length > 64 || CONTROL.test(name)) {
    throw invalidArgument('--display-name', '--display-name must be at most 64 characters without control characters');
  }
  return name;
}

/** Parses a credit amount in USD into micro-USD: more than 0 (or 0 when allowed) and at most MAX_CREDIT_MICROS. */
export function parseCredit(usd: string, field: string, options: { allowZero?: boolean } = {}): number {
  const amount = parseUsd(usd, field);
  if (amount === 0 && options.allowZero === true) return 0;
  if (amount <= 0) throw invalidArgument(field, `${field} must be more than 0 (got "${usd}")`);
  if (amount > MAX_CREDIT_MICROS) throw invalidArgument(field, `${field} must be at most ${formatUsd(MAX_CREDIT_MICROS)} per credit (got "${usd}")`);
  return amount;
}

function userNotFound(ref: string): GatewayError {
  return notFound(`no user "${ref}"; list users with: gateway user list`);
}

/** The live user for an id or username, or a not-found error naming `field` and how to list users. */
export async function requireUser(store: Store, db: Db, ref: string, field?: string): Promise<UserRow> {
  const user = await findUserByRef(store, db, ref);
  if (user !== undefined) return user;
  if (field === undefined) throw userNotFound(ref);
  throw new GatewayError({ code: 'not_found', field, message: `${field}: no user "${ref}"; list users with: gateway user list` });
}

function usernameTaken(username: string): GatewayError {
  return conflict('username', `username "${username}" is taken; choose another name, or see the existing user with: gateway user show ${username}`);
}

async function assertUsernameFree(store: Store, db: Db, username: string, exceptId?: number): Promise<void> {
  const existing = await findUserByUsernameIgnoringCase(store, db, username);
  if (existing !== undefined && existing.id !== exceptId) throw usernameTaken(existing.username);
}

/** Refuses a change that would leave no enabled root to administer the gateway. */
async function assertNotLastRoot(store: Store, db: Db, user: UserRow, change: string): Promise<void> {
  if (user.role < ROLE_NUMBERS.root || user.status !== USER_ENABLED) return;
  if ((await countOtherEnabledRoots(store, db, user.id)) > 0) return;
  throw conflict(
    'user',
    `cannot ${change} "${user.username}": it is the last enabled root user; first create another with: gateway user create NAME --role root`,
  );
}

export function createUserService(context: ServiceContext): UserService {
  const { store, clock } = context;

  const write = <T>(fn: (db: Db, now: number) => Promise<T>): Promise<T> => writeWithRevision(store, 'users', clock.now, fn);

  const credit = async (db: Db, user: UserRow, amount: number, now: number, what: string, via: string): Promise<UserRow> => {
    const updated = await creditUser(store, db, {
      userId: user.id,
      amount,
      externalId: `topup:${crypto.randomUUID()}`,
      note: `${what} via ${via}`,
      logContent: `${what} $${formatUsd(amount)} via ${via}`,
      now,
    });
    if (updated === undefined) throw userNotFound(String(user.id));
    return updated;
  };

  return {
    async ensureRoot(options) {
      const notCreated: RootBootstrap = { created: false, username: ROOT_USERNAME, generated: false };
      if ((await countAllUsers(store, store.db)) > 0) return notCreated;
      // Checked only when it would be used: an ignored setting on a running install should not stop it.
      if (options.password !== undefined && options.password.length < MIN_PASSWORD_LENGTH) {
        throw new GatewayError({
          code: 'invalid_config',
          field: 'GATEWAY_ROOT_PASSWORD',
          message: `GATEWAY_ROOT_PASSWORD must be at least ${MIN_PASSWORD_LENGTH} characters; set a longer one or unset it to have a random password generated`,
        });
      }
      const password = options.password ?? randomPassword();
      const passwordHash = await hashPassword(password);
      const created = await write(async (db, now) => {
        // Another process may have bootstrapped while this one hashed the password.
        if ((await countAllUsers(store, db)) > 0) return undefined;
        return insertUser(store, db, {
          username: ROOT_USERNAME,
          displayName: 'Root',
          passwordHash,
          role: ROLE_NUMBERS.root,
          createdAt: now,
          updatedAt: now,
        });
      });
      if (created === undefined) return notCreated;
      const generated = options.password === undefined;
      // The password is handed back only when it was generated: the operator knows the one they set.
      return generated ? { created: true, username: created.username, generated, password } : { created: true, username: created.username, generated };
    },

    async create(input, actor) {
      const username = validateUsername(input.username.trim());
      const role = input.role === undefined ? 'user' : parseRole(input.role);
      if (actor !== undefined) assertCanGrant(actor, role, '--role');
      const group = input.group === undefined ? 'default' : validateGroup(input.group);
      const email = input.email === undefined ? null : validateEmail(input.email);
      const displayName = input.displayName === undefined ? username : validateDisplayName(input.displayName);
      const quota = input.quotaUsd === undefined ? 0 : parseCredit(input.quotaUsd, '--quota', { allowZero: true });
      const password = input.password === undefined ? randomPassword() : validatePassword(input.password);
      const passwordHash = await hashPassword(password);
      const row = await write(async (db, now) => {
        await assertUsernameFree(store, db, username);
        const inserted = await insertUser(store, db, {
          username,
          displayName,
          email,
          passwordHash,
          role: ROLE_NUMBERS[role],
          group,
          createdAt: now,
          updatedAt: now,
        });
        if (inserted === undefined) throw usernameTaken(username);
        if (quota === 0) return inserted;
        return credit(db, inserted, quota, now, 'initial quota', input.via ?? (actor === undefined ? 'CLI' : `API by ${actor.username}`));
      });
      const user = toUserView(row);
      return input.password === undefined ? { user, password } : { user };
    },

    async list(filter = {}) {
      const rows = await listUsers(store, {
        role: filter.role === undefined ? undefined : ROLE_NUMBERS[parseRole(filter.role)],
        status: filter.status === undefined ? undefined : filter.status === 'enabled' ? USER_ENABLED : USER_DISABLED,
      });
      return rows.map(toUserView);
    },

    async page(search, window, actor) {
      const { rows, total } = await pageUsers(
        store,
        {
          role: search.role === undefined ? undefined : ROLE_NUMBERS[parseRole(search.role)],
          status: search.status === undefined ? undefined : search.status === 'enabled' ? USER_ENABLED : USER_DISABLED,
          search: search.search,
          roleBelow: actor === undefined ? undefined : manageableBelow(actor),
        },
        window,
      );
      return { users: rows.map(toUserView), total };
    },

    async get(ref, actor) {
      const user = await requireUser(store, store.db, ref);
      if (actor !== undefined) assertCanManage(actor, user);
      return toUserView(user);
    },

    async update(ref, patch, actor) {
      const changes: UserProfilePatch = {};
      if (patch.username !== undefined) changes.username = validateUsername(patch.username.trim(), '--username');
      if (patch.role !== undefined) {
        const role = parseRole(patch.role);
        if (actor !== undefined) assertCanGrant(actor, role, '--role');
        changes.role = ROLE_NUMBERS[role];
      }
      if (patch.group !== undefined) changes.group = validateGroup(patch.group);
      if (patch.email !== undefined) changes.email = validateEmail(patch.email);
      if (patch.displayName !== undefined) changes.displayName = validateDisplayName(patch.displayName);
      if (patch.password !== undefined) changes.passwordHash = await hashPassword(validatePassword(patch.password));
      if (Object.keys(changes).length === 0) {
        throw invalidArgument('patch', 'nothing to change; pass at least one of --password, --role, --group, --email, --display-name, --username');
      }
      const row = await write(async (db, now) => {
        const user = await requireUser(store, db, ref);
        if (actor !== undefined) assertCanManage(actor, user);
        if (changes.role !== undefined && changes.role < ROLE_NUMBERS.root) await assertNotLastRoot(store, db, user, 'demote');
        if (changes.username !== undefined) await assertUsernameFree(store, db, changes.username, user.id);
        // A new password or role must apply to the next request, so sign-ins made before are revoked.
        const revokeSessions = changes.passwordHash !== undefined || (changes.role !== undefined && changes.role !== user.role);
        const updated = await updateUserProfile(store, db, user.id, changes, { now, revokeSessions });
        if (updated === undefined) throw usernameTaken(changes.username ?? user.username);
        return updated;
      });
      return toUserView(row);
    },

    async setEnabled(ref, enabled, actor) {
      const row = await write(async (db, now) => {
        const user = await requireUser(store, db, ref);
        if (actor !== undefined) assertCanManage(actor, user);
        if (!enabled) await assertNotLastRoot(store, db, user, 'disable');
        const status = enabled ? USER_ENABLED : USER_DISABLED;
        if (user.status === status) return user;
        const updated = await updateUserProfile(store, db, user.id, { status }, { now, revokeSessions: !enabled });
        if (updated === undefined) throw userNotFound(ref);
        return updated;
      });
      return toUserView(row);
    },

    async remove(ref, actor) {
      return write(async (db, now) => {
        const user = await requireUser(store, db, ref);
        if (actor !== undefined) assertCanManage(actor, user);
        await assertNotLastRoot(store, db, user, 'remove');
        const removed = await softDeleteUser(store, db, user, now);
        if (removed === undefined) throw userNotFound(ref);
        const tokensDisabled = await disableTokensOfUser(store, db, user.id, now);
        if (tokensDisabled > 0) await bumpRevision(store, db, 'tokens', now);
        // The view keeps the name the operator knows, not the suffixed one that frees it.
        return { user: { ...toUserView(removed), username: user.username }, tokensDisabled };
      });
    },

    async topup(ref, usd, options = {}) {
      const amount = parseCredit(usd, 'USD');
      const row = await write(async (db, now) => {
        const user = await requireUser(store, db, ref);
        if (options.actor !== undefined) assertCanManage(options.actor, user);
        return credit(db, user, amount, now, 'admin top-up', options.via ?? 'CLI');
      });
      return { user: toUserView(row), amountUsd: formatUsd(amount) };
    },

    async changeOwnPassword(userId, currentPassword, newPassword) {
      const passwordHash = await hashPassword(validatePassword(newPassword, 'new_password'));
      const current = await requireUser(store, store.db, String(userId));
      if (!(await verifyPassword(currentPassword, current.passwordHash))) {
        throw new GatewayError({ code: 'forbidden', field: 'current_password', message: 'the current password is wrong' });
      }
      const row = await write(async (db, now) => {
        const updated = await updateUserProfile(store, db, userId, { passwordHash }, { now, revokeSessions: true });
        if (updated === undefined) throw userNotFound(String(userId));
        return updated;
      });
      return toUserView(row);
    },
  };
}
