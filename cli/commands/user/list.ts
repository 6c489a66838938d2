/** `gateway user list`: every live user, optionally filtered by role or status. */
import type { Command } from 'commander';
import { invalidArgument } from '../../../src/errors/gateway-error.ts';
import { parseRole, type UserStatus } from '../../../src/services/users.ts';
import { withServices } from '../../context.ts';
import { output } from '../../output.ts';
import { renderUserTable } from './render.ts';

function parseStatus(text: string): UserStatus {
  if (text === 'enabled' || text === 'disabled') return text;
  throw invalidArgument('--status', `--status must be enabled or disabled (got "${text}")`);
}

export function registerUserListCommand(user: Command): void {
  user
    .command('list')
    .alias('ls')
    .description('List users with their role, status, group and balance.')
    .option('--role <role>', 'only users with this role: user, admin or root')
    .option('--status <status>', 'only enabled or disabled users')
    .option('--json', 'print JSON only')
    .addHelpText(
      'after',
      `
Examples:
  $ gateway user list
  $ gateway user list --role admin --json`,
    )
    .action(async (flags: { role?: string; status?: string; json?: boolean }, self: Command) => {
      const filter = {
        role: flags.role === undefined ? undefined : parseRole(flags.role),
        status: flags.status === undefined ? undefined : parseStatus(flags.status),
      };
      await withServices(self, async (deps) => {
        const users = await deps.users.list(filter);
        output(flags.json, users, () => renderUserTable(users));
      });
    });
}
