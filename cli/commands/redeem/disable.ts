/** `gateway redeem disable REF`: an unused code can no longer be redeemed. */
import type { Command } from 'commander';
import { withServices } from '../../context.ts';
import { output } from '../../output.ts';

export function registerRedeemDisableCommand(redeem: Command): void {
  redeem
    .command('disable')
    .argument('<ref>', 'code id, its 8-character prefix (as listed) or the full code')
    .description('Disable an unused redemption code; redeeming it is refused from then on.')
    .option('--json', 'print JSON only')
    .addHelpText(
      'after',
      `
Examples:
  $ gateway redeem disable 12
  $ gateway redeem disable AbCd1234 --json`,
    )
    .action(async (ref: string, flags: { json?: boolean }, self: Command) => {
      await withServices(self, async (deps) => {
        const disabled = await deps.redemptions.disable(ref);
        output(flags.json, disabled, () => `Redemption code ${disabled.prefix} (id ${disabled.id}) is disabled.`);
      });
    });
}
