/** `gateway user create NAME`: a new account; a generated password is printed once. */
import type { Command } from 'commander';
import { parseRole } from '../../../src/services/users.ts';
import { withServices } from '../../context.ts';
import { output } from '../../output.ts';
import { readPasswordFlag } from './password-flag.ts';
import { renderUser } from './render.ts';

interface CreateFlags {
  password?: string;
  role?: string;
  group?: string;
  email?: string;
  displayName?: string;
  quota?: string;
  json?: boolean;
}

export function registerUserCreateCommand(user: Command): void {
  user
    .command('create')
    .argument('<name>', 'username: 1-32 letters, digits, "_", "." or "-", not all digits')
    .description('Create a user. Without --password a random one is generated and shown once.')
    .option('--password <password>', 'at least 8 characters; "-" reads it from stdin')
    .option('--role <role>', 'user, admin or root (default user)')
    .option('--group <group>', 'pricing and routing group (default: default)')
    .option('--email <email>', 'contact address')
    .option('--display-name <name>', 'shown in the console (default: the username)')
    .option('--quota <usd>', 'opening balance in USD, credited through the ledger')
    .option('--json', 'print JSON only (the generated password is the "password" field)')
    .addHelpText(
      'after',
      `
Examples:
  $ gateway user create alice --quota 10
  $ gateway user create ops --role admin --email ops@example.com
  $ printf '%s\\n' "$PASSWORD" | gateway user create bob --password -`,
    )
    .action(async (name: string, flags: CreateFlags, self: Command) => {
      const password = await readPasswordFlag(flags.password);
      await withServices(self, async (deps) => {
        const created = await deps.users.create({
          username: name,
          password,
          role: flags.role === undefined ? undefined : parseRole(flags.role),
          group: flags.group,
          email: flags.email,
          displayName: flags.displayName,
          quotaUsd: flags.quota,
        });
        const data = created.password === undefined ? created.user : { ...created.user, password: created.password };
        output(flags.json, data, () => {
          const lines = [`Created user ${created.user.username} (id ${created.user.id}).`, renderUser(created.user)];
          if (created.password !== undefined) lines.push('', `Password (shown only once): ${created.password}`);
          return lines.join('\n');
        });
      });
    });
}
