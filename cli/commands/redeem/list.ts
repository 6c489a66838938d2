/** `gateway redeem list`: every redemption code (only its prefix), oldest first. */
import type { Command } from 'commander';
import { withServices } from '../../context.ts';
import { output } from '../../output.ts';
import { renderRedemptionTable } from './render.ts';

export function registerRedeemListCommand(redeem: Command): void {
  redeem
    .command('list')
    .alias('ls')
    .description('List redemption codes with status, amount, who redeemed them and expiry.')
    .option('--status <status>', 'only codes that are unused, disabled, used or expired')
    .option('--json', 'print JSON only')
    .addHelpText(
      'after',
      `
Examples:
  $ gateway redeem list
  $ gateway redeem list --status unused --json`,
    )
    .action(async (flags: { status?: string; json?: boolean }, self: Command) => {
      await withServices(self, async (deps) => {
        const redemptions = await deps.redemptions.list({ status: flags.status });
        output(flags.json, redemptions, () => renderRedemptionTable(redemptions));
      });
    });
}
