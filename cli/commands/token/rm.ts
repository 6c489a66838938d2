/** `gateway token rm REF`: removes a key (it stops working at once), after a confirmation. */
import type { Command } from 'commander';
import { withServices } from '../../context.ts';
import { output } from '../../output.ts';
import { confirmOrRequireYes } from '../../prompts/confirm.ts';

export function registerTokenRmCommand(token: Command): void {
  token
    .command('rm')
    .alias('remove')
    .argument('<ref>', 'key id or name')
    .description('Remove an API key. Clients using it get 401 at once; its logs are kept.')
    .option('--user <user>', 'owner of the key, when several users have a key with this name')
    .option('-y, --yes', 'do not ask for confirmation (required when stdin is not a terminal)')
    .option('--json', 'print JSON only')
    .addHelpText(
      'after',
      `
Examples:
  $ gateway token rm ci
  $ gateway token rm 7 --yes --json`,
    )
    .action(async (ref: string, flags: { user?: string; yes?: boolean; json?: boolean }, self: Command) => {
      await withServices(self, async (deps) => {
        const target = await deps.tokens.get(ref, { user: flags.user });
        await confirmOrRequireYes({
          yes: flags.yes,
          question: `Remove key ${target.name} (id ${target.id}) of ${target.username}?`,
          what: `remove key ${target.name}`,
        });
        const removed = await deps.tokens.remove(String(target.id));
        output(flags.json, removed, () => `Removed key ${removed.name} (id ${removed.id}).`);
      });
    });
}
