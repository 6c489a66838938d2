/** `gateway user show REF`: one user in full (never the password hash). */
import type { Command } from 'commander';
import { withServices } from '../../context.ts';
import { output } from '../../output.ts';
import { renderUser } from './render.ts';

export function registerUserShowCommand(user: Command): void {
  user
    .command('show')
    .argument('<ref>', 'user id or username')
    .description('Show one user: role, status, group, balance and usage.')
    .option('--json', 'print JSON only')
    .addHelpText(
      'after',
      `
Examples:
  $ gateway user show alice
  $ gateway user show 2 --json`,
    )
    .action(async (ref: string, flags: { json?: boolean }, self: Command) => {
      await withServices(self, async (deps) => {
        const found = await deps.users.get(ref);
        output(flags.json, found, () => renderUser(found));
      });
    });
}
