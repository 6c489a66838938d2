/** `gateway user rm REF`: removes an account (soft delete) and disables its keys, after a confirmation. */
import type { Command } from 'commander';
import { withServices } from '../../context.ts';
import { output } from '../../output.ts';
import { confirmOrRequireYes } from '../../prompts/confirm.ts';

export function registerUserRmCommand(user: Command): void {
  user
    .command('rm')
    .alias('remove')
    .argument('<ref>', 'user id or username')
    .description('Remove a user. Its keys stop working; its ledger and logs are kept; the name can be reused.')
    .option('-y, --yes', 'do not ask for confirmation (required when stdin is not a terminal)')
    .option('--json', 'print JSON only')
    .addHelpText(
      'after',
      `
The last enabled root user cannot be removed.

Examples:
  $ gateway user rm alice
  $ gateway user rm 2 --yes --json`,
    )
    .action(async (ref: string, flags: { yes?: boolean; json?: boolean }, self: Command) => {
      await withServices(self, async (deps) => {
        const target = await deps.users.get(ref);
        await confirmOrRequireYes({
          yes: flags.yes,
          question: `Remove user ${target.username} (id ${target.id}) and disable its keys?`,
          what: `remove user ${target.username}`,
        });
        const removed = await deps.users.remove(String(target.id));
        output(flags.json, { ...removed.user, tokensDisabled: removed.tokensDisabled }, () =>
          `Removed user ${removed.user.username} (id ${removed.user.id}); ${removed.tokensDisabled} key(s) disabled.`,
        );
      });
    });
}
