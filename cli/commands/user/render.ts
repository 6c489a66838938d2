/** Human renderings of users: a table row per user for `list`, key/value lines for the others. */
import type { UserView } from '../../../src/services/users.ts';
import { renderRecord, renderTable } from '../../output.ts';

export function renderUserTable(users: readonly UserView[]): string {
  if (users.length === 0) return 'No users match. Create one with: gateway user create NAME';
  return renderTable(
    ['ID', 'USERNAME', 'ROLE', 'STATUS', 'GROUP', 'BALANCE (USD)', 'USED (USD)', 'REQUESTS', 'CREATED'],
    users.map((user) => [
      user.id,
      user.username,
      user.role,
      user.status,
      user.group,
      user.balanceUsd,
      user.usedUsd,
      user.requestCount,
      user.createdAt.slice(0, 10),
    ]),
  );
}

export function renderUser(user: UserView): string {
  return renderRecord({
    id: user.id,
    username: user.username,
    'display name': user.displayName,
    email: user.email,
    role: user.role,
    status: user.status,
    group: user.group,
    'balance (USD)': user.balanceUsd,
    'used (USD)': user.usedUsd,
    requests: user.requestCount,
    'created at': user.createdAt,
    'last login': user.lastLoginAt,
    '2FA': user.twoFactorEnabled ? 'on' : 'off',
  });
}
