/** `gateway user topup REF USD`: credits a wallet through the ledger (one credit row and one log line). */
import type { Command } from 'commander';
import { withServices } from '../../context.ts';
import { output } from '../../output.ts';

export function registerUserTopupCommand(user: Command): void {
  user
    .command('topup')
    .argument('<ref>', 'user id or username')
    .argument('<usd>', 'amount in USD, more than 0, at most 6 decimals (e.g. 5 or 0.25)')
    .description('Add money to a user\'s balance. Each top-up is recorded in the ledger and the logs.')
    .option('--json', 'print JSON only')
    .addHelpText(
      'after',
      `
Examples:
  $ gateway user topup alice 5
  $ gateway user topup 2 0.25 --json`,
    )
    .action(async (ref: string, usd: string, flags: { json?: boolean }, self: Command) => {
      await withServices(self, async (deps) => {
        const result = await deps.users.topup(ref, usd);
        output(flags.json, { ...result.user, amountUsd: result.amountUsd }, () =>
          `Added $${result.amountUsd} to ${result.user.username}; balance is now $${result.user.balanceUsd}.`,
        );
      });
    });
}
