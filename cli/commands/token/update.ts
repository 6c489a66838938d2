/** `gateway token update REF`: quota, expiry, model and IP limits, group or name of a key. */
import type { Command } from 'commander';
import { withServices } from '../../context.ts';
import { output } from '../../output.ts';
import { addTokenFieldOptions, type TokenFlags, tokenFieldsFromFlags } from './flags.ts';
import { renderToken } from './render.ts';

export function registerTokenUpdateCommand(token: Command): void {
  const command = token
    .command('update')
    .argument('<ref>', 'key id or name')
    .description('Change an API key. The key itself stays the same.');
  addTokenFieldOptions(command, 'update')
    .addHelpText(
      'after',
      `
Examples:
  $ gateway token update ci --quota 5
  $ gateway token update ci --expires never --models ''
  $ gateway token update laptop --user alice --allow-ips 203.0.113.0/24,2001:db8::/32 --json`,
    )
    .action(async (ref: string, flags: TokenFlags, self: Command) => {
      const patch = tokenFieldsFromFlags(flags);
      await withServices(self, async (deps) => {
        const updated = await deps.tokens.update(ref, patch, { user: flags.user });
        output(flags.json, updated, () => `Updated key ${updated.name} (id ${updated.id}).\n${renderToken(updated)}`);
      });
    });
}
