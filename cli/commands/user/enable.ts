/** `gateway user enable REF`: lets a disabled user sign in and use their keys again. */
import type { Command } from 'commander';
import { withServices } from '../../context.ts';
import { output } from '../../output.ts';

export function registerUserEnableCommand(user: Command): void {
  user
    .command('enable')
    .argument('<ref>', 'user id or username')
    .description('Enable a disabled user.')
    .option('--json', 'print JSON only')
    .addHelpText(
      'after',
      `
Examples:
  $ gateway user enable alice
  $ gateway user enable 2 --json`,
    )
    .action(async (ref: string, flags: { json?: boolean }, self: Command) => {
      await withServices(self, async (deps) => {
        const updated = await deps.users.setEnabled(ref, true);
        output(flags.json, updated, () => `User ${updated.username} (id ${updated.id}) is enabled.`);
      });
    });
}
