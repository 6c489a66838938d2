/** `gateway redeem rm REF`: deletes a code that was never redeemed, after a confirmation. */
import type { Command } from 'commander';
import { withServices } from '../../context.ts';
import { output } from '../../output.ts';
import { confirmOrRequireYes } from '../../prompts/confirm.ts';

export function registerRedeemRmCommand(redeem: Command): void {
  redeem
    .command('rm')
    .alias('remove')
    .argument('<ref>', 'code id, its 8-character prefix (as listed) or the full code')
    .description('Delete a redemption code that was never redeemed. Redeemed codes stay as the record of their credit.')
    .option('-y, --yes', 'do not ask for confirmation (required when stdin is not a terminal)')
    .option('--json', 'print JSON only')
    .addHelpText(
      'after',
      `
Examples:
  $ gateway redeem rm 12
  $ gateway redeem rm AbCd1234 --yes --json`,
    )
    .action(async (ref: string, flags: { yes?: boolean; json?: boolean }, self: Command) => {
      await withServices(self, async (deps) => {
        const target = await deps.redemptions.get(ref);
        await confirmOrRequireYes({
          yes: flags.yes,
          question: `Delete redemption code ${target.prefix} (id ${target.id}, $${target.amountUsd}, ${target.status})?`,
          what: `delete redemption code ${target.prefix}`,
        });
        const removed = await deps.redemptions.remove(String(target.id));
        output(flags.json, removed, () => `Deleted redemption code ${removed.prefix} (id ${removed.id}).`);
      });
    });
}
