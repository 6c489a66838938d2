/** `gateway token disable REF`: the key stops working until it is enabled again. */
import type { Command } from 'commander';
import { withServices } from '../../context.ts';
import { output } from '../../output.ts';

export function registerTokenDisableCommand(token: Command): void {
  token
    .command('disable')
    .argument('<ref>', 'key id or name')
    .description('Disable an API key without removing it.')
    .option('--user <user>', 'owner of the key, when several users have a key with this name')
    .option('--json', 'print JSON only')
    .addHelpText(
      'after',
      `
Examples:
  $ gateway token disable ci
  $ gateway token disable 7 --json`,
    )
    .action(async (ref: string, flags: { user?: string; json?: boolean }, self: Command) => {
      await withServices(self, async (deps) => {
        const updated = await deps.tokens.setEnabled(ref, false, { user: flags.user });
        output(flags.json, updated, () => `Key ${updated.name} (id ${updated.id}) is disabled.`);
      });
    });
}
