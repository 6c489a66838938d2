/** `gateway user update REF`: profile, role, group or password; money changes only through `user topup`. */
import type { Command } from 'commander';
import { parseRole, type UserPatch } from '../../../src/services/users.ts';
import { withServices } from '../../context.ts';
import { output } from '../../output.ts';
import { readPasswordFlag } from './password-flag.ts';
import { renderUser } from './render.ts';

interface UpdateFlags {
  username?: string;
  password?: string;
  role?: string;
  group?: string;
  email?: string;
  displayName?: string;
  json?: boolean;
}

export function registerUserUpdateCommand(user: Command): void {
  user
    .command('update')
    .argument('<ref>', 'user id or username')
    .description('Change a user. A new password or role signs the user out everywhere.')
    .option('--username <name>', 'rename the user')
    .option('--password <password>', 'at least 8 characters; "-" reads it from stdin')
    .option('--role <role>', 'user, admin or root')
    .option('--group <group>', 'pricing and routing group')
    .option('--email <email>', "contact address ('' clears it)")
    .option('--display-name <name>', 'shown in the console')
    .option('--json', 'print JSON only')
    .addHelpText(
      'after',
      `
Examples:
  $ gateway user update alice --group vip
  $ gateway user update bob --role admin --json
  $ printf '%s\\n' "$PASSWORD" | gateway user update root --password -`,
    )
    .action(async (ref: string, flags: UpdateFlags, self: Command) => {
      const patch: UserPatch = {};
      if (flags.username !== undefined) patch.username = flags.username;
      if (flags.role !== undefined) patch.role = parseRole(flags.role);
      if (flags.group !== undefined) patch.group = flags.group;
      if (flags.email !== undefined) patch.email = flags.email;
      if (flags.displayName !== undefined) patch.displayName = flags.displayName;
      const password = await readPasswordFlag(flags.password);
      if (password !== undefined) patch.password = password;
      await withServices(self, async (deps) => {
        const updated = await deps.users.update(ref, patch);
        output(flags.json, updated, () => `Updated user ${updated.username} (id ${updated.id}).\n${renderUser(updated)}`);
      });
    });
}
