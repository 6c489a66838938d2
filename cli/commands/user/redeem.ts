/** `gateway user redeem USER CODE`: credits a wallet with a redemption code, exactly once per code. */
import type { Command } from 'commander';
import { invalidArgument } from '../../../src/errors/gateway-error.ts';
import { withServices } from '../../context.ts';
import { output } from '../../output.ts';

export function registerUserRedeemCommand(user: Command): void {
  user
    .command('redeem')
    .argument('<user>', 'user id or username')
    .argument('<code>', 'the 32-character redemption code; "-" reads it from stdin (keeps it out of ps and shell history)')
    .description('Redeem a code for a user: its amount is added to the balance (a ledger row and a log line); the code is used up.')
    .option('--json', 'print JSON only')
    .addHelpText(
      'after',
      `
Examples:
  $ gateway user redeem alice 3fQk9ZpL0aBcDeFgHiJkLmNoPqRsTuVw
  $ gateway user redeem 2 3fQk9ZpL0aBcDeFgHiJkLmNoPqRsTuVw --json
  $ gateway user redeem alice - < code.txt`,
    )
    .action(async (userRef: string, code: string, flags: { json?: boolean }, self: Command) => {
      const presented = code === '-' ? await readCodeFromStdin() : code;
      await withServices(self, async (services) => {
        const result = await services.redemptions.redeem(userRef, presented);
        output(flags.json, result, () =>
          `Redeemed code ${result.redemption.prefix} for ${result.user.username}: added $${result.amountUsd}; balance is now $${result.user.balanceUsd}.`,
        );
      });
    });
}

async function readCodeFromStdin(): Promise<string> {
  const line = (await Bun.stdin.text()).split(/\r?\n/)[0]?.trim() ?? '';
  if (line === '') throw invalidArgument('CODE', 'CODE - expects the redemption code on the first line of stdin');
  return line;
}
