/** `gateway price rm MODEL`: requests for the model are then billed by a wildcard, or refused as unpriced. */
import type { Command } from 'commander';
import { withServices } from '../../context.ts';
import { output } from '../../output.ts';
import { confirmOrRequireYes } from '../../prompts/confirm.ts';
import { describePrice } from './render.ts';

export function registerPriceRmCommand(price: Command): void {
  price
    .command('rm')
    .alias('remove')
    .argument('<model>', 'the model name (or prefix* pattern) exactly as listed')
    .description('Remove a price. A removed built-in price stays removed; bring it back with: gateway price reset MODEL.')
    .option('-y, --yes', 'do not ask for confirmation (required when stdin is not a terminal)')
    .option('--json', 'print JSON only')
    .addHelpText(
      'after',
      `
Examples:
  $ gateway price rm gpt-4o-2024-05-13
  $ gateway price rm 'my-finetune-*' --yes --json`,
    )
    .action(async (model: string, flags: { yes?: boolean; json?: boolean }, self: Command) => {
      await withServices(self, async (deps) => {
        const existing = (await deps.prices.list()).find((entry) => entry.model === model.trim());
        // An unknown model is reported by `remove` with the fix; asking first would only delay that message.
        if (existing !== undefined) {
          await confirmOrRequireYes({ yes: flags.yes, question: `Remove the price of ${existing.model} (${describePrice(existing)})?`, what: `remove the price of ${existing.model}` });
        }
        const removed = await deps.prices.remove(model);
        output(flags.json, removed, () => `Removed the price of ${removed.model} (was ${describePrice(removed)}).`);
      });
    });
}
