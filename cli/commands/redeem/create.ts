/** `gateway redeem create --amount USD`: new single-use codes, printed in full this once. */
import type { Command } from 'commander';
import { withServices } from '../../context.ts';
import { parseIntegerFlag } from '../../flags.ts';
import { output } from '../../output.ts';
import { renderRedemptionTable } from './render.ts';

interface CreateFlags {
  amount: string;
  count?: string;
  name?: string;
  expires?: string;
  json?: boolean;
}

export function registerRedeemCreateCommand(redeem: Command): void {
  redeem
    .command('create')
    .description('Create redemption codes worth --amount USD each. The codes are printed only now; the gateway keeps just their hashes.')
    .requiredOption('--amount <usd>', 'what each code credits, in USD (more than 0, at most 6 decimals)')
    .option('--count <n>', 'how many codes, 1-100 (default 1)')
    .option('--name <text>', 'a label for the batch, shown in lists')
    .option('--expires <when>', 'a duration like 30d, a date YYYY-MM-DD, or never (the default)')
    .option('--json', 'print JSON only')
    .addHelpText(
      'after',
      `
JSON output: {"codes": [...], "redemptions": [...]}, the codes in the order of the redemptions.

Examples:
  $ gateway redeem create --amount 5
  $ gateway redeem create --amount 0.5 --count 20 --name launch --expires 2026-12-31 --json`,
    )
    .action(async (flags: CreateFlags, self: Command) => {
      const count = flags.count === undefined ? undefined : parseIntegerFlag(flags.count, '--count');
      await withServices(self, async (deps) => {
        const created = await deps.redemptions.create({ amountUsd: flags.amount, count, name: flags.name, expires: flags.expires });
        output(flags.json, created, () => {
          const amount = created.redemptions[0]?.amountUsd ?? '0';
          const noun = created.codes.length === 1 ? 'code' : 'codes';
          return [
            `Created ${created.codes.length} redemption ${noun} worth $${amount} each:`,
            '',
            ...created.codes.map((code) => `  ${code}`),
            '',
            'Store them now: they are shown only once and cannot be recovered.',
            '',
            renderRedemptionTable(created.redemptions),
          ].join('\n');
        });
      });
    });
}
