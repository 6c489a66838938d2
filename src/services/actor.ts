/**
 * Who is acting through the admin API, and the one rule for acting on other accounts: roles are ordered
 * user < admin < root, and an actor manages only accounts whose role is below its own (reliability.md 2.7.5).
 * Services take an optional actor: the CLI runs as the operator (no actor, no limit), the HTTP layer always
 * passes one, so a rule written here holds for every shell.
 */
import { ROLE_NUMBERS } from '../db/repos/users.ts';
import { GatewayError } from '../errors/gateway-error.ts';
import type { UserRole } from './users.ts';

export interface Actor {
  readonly userId: number;
  readonly username: string;
  /** Read from the user row on every request, never from the credential. */
  readonly role: UserRole;
}

const RANK: Record<UserRole, number> = { user: 1, admin: 2, root: 3 };

export function roleAtLeast(role: UserRole, required: UserRole): boolean {
  return RANK[role] >= RANK[required];
}

/** The role number an account must be below for `actor` to manage it. */
export function manageableBelow(actor: Actor): number {
  return ROLE_NUMBERS[actor.role];
}

/** Refuses to let `actor` act on an account of `targetRole` (a role number) unless that role is below its own. */
export function assertCanManage(actor: Actor, target: { username: string; role: number; id: number }): void {
  if (target.role < ROLE_NUMBERS[actor.role]) return;
  const message =
    target.id === actor.userId
      ? 'you cannot manage your own account here; use /api/user/self'
      : `you cannot manage "${target.username}": only accounts below your role (${actor.role}) can be managed${actor.role === 'admin' ? '; only root manages admins' : ''}`;
  throw new GatewayError({ code: 'forbidden', message });
}

/** Refuses to give an account a role that is not below the actor's own. */
export function assertCanGrant(actor: Actor, role: UserRole, field: string): void {
  if (ROLE_NUMBERS[role] < ROLE_NUMBERS[actor.role]) return;
  throw new GatewayError({
    code: 'forbidden',
    field,
    message: `you cannot give the role "${role}": only roles below yours (${actor.role}) can be given${actor.role === 'admin' ? '; only root makes admins' : ''}`,
  });
}
