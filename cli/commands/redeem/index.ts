/** The `redeem` noun: single-use redemption codes that credit a user's wallet (`gateway user redeem`). */
import type { Command } from 'commander';
import { registerRedeemCreateCommand } from './create.ts';
import { registerRedeemDisableCommand } from './disable.ts';
import { registerRedeemListCommand } from './list.ts';
import { registerRedeemRmCommand } from './rm.ts';

export function registerRedeemCommands(program: Command): void {
  const redeem = program
    .command('redeem')
    .description('Manage redemption codes: single-use codes worth an amount in USD, credited with: gateway user redeem USER CODE.')
    .addHelpText('after', '\nExamples:\n  $ gateway redeem create --amount 5 --count 10 --name promo --expires 30d\n  $ gateway redeem list --status unused');
  registerRedeemCreateCommand(redeem);
  registerRedeemListCommand(redeem);
  registerRedeemDisableCommand(redeem);
  registerRedeemRmCommand(redeem);
}
