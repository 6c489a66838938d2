/** `gateway token show REF`: one key in full, except the key, which is shown only at creation. */
import type { Command } from 'commander';
import { withServices } from '../../context.ts';
import { output } from '../../output.ts';
import { renderToken } from './render.ts';

export function registerTokenShowCommand(token: Command): void {
  token
    .command('show')
    .argument('<ref>', 'key id or name')
    .description('Show one API key: owner, status, quota, limits and expiry.')
    .option('--user <user>', 'owner of the key, when several users have a key with this name')
    .option('--json', 'print JSON only')
    .addHelpText(
      'after',
      `
Examples:
  $ gateway token show ci
  $ gateway token show ci --user alice --json`,
    )
    .action(async (ref: string, flags: { user?: string; json?: boolean }, self: Command) => {
      await withServices(self, async (deps) => {
        const found = await deps.tokens.get(ref, { user: flags.user });
        output(flags.json, found, () => renderToken(found));
      });
    });
}
