/** `gateway user disable REF`: blocks sign-in and every key of the user, keeping the account. */
import type { Command } from 'commander';
import { withServices } from '../../context.ts';
import { output } from '../../output.ts';

export function registerUserDisableCommand(user: Command): void {
  user
    .command('disable')
    .argument('<ref>', 'user id or username')
    .description('Disable a user: sign-ins end and the user\'s keys stop working until it is enabled again.')
    .option('--json', 'print JSON only')
    .addHelpText(
      'after',
      `
The last enabled root user cannot be disabled.

Examples:
  $ gateway user disable alice
  $ gateway user disable 2 --json`,
    )
    .action(async (ref: string, flags: { json?: boolean }, self: Command) => {
      await withServices(self, async (deps) => {
        const updated = await deps.users.setEnabled(ref, false);
        output(flags.json, updated, () => `User ${updated.username} (id ${updated.id}) is disabled.`);
      });
    });
}
