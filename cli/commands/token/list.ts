/** `gateway token list`: every live key (never the key itself, only its prefix). */
import type { Command } from 'commander';
import { withServices } from '../../context.ts';
import { output } from '../../output.ts';
import { renderTokenTable } from './render.ts';

export function registerTokenListCommand(token: Command): void {
  token
    .command('list')
    .alias('ls')
    .description('List API keys with their owner, status, quota and expiry.')
    .option('--user <user>', 'only keys of this user (id or username)')
    .option('--json', 'print JSON only')
    .addHelpText(
      'after',
      `
Examples:
  $ gateway token list
  $ gateway token list --user alice --json`,
    )
    .action(async (flags: { user?: string; json?: boolean }, self: Command) => {
      await withServices(self, async (deps) => {
        const tokens = await deps.tokens.list({ user: flags.user });
        output(flags.json, tokens, () => renderTokenTable(tokens));
      });
    });
}
