/** `gateway price reset [MODEL]`: back to the built-in list price. */
import type { Command } from 'commander';
import { withServices } from '../../context.ts';
import { output } from '../../output.ts';
import { describePrice } from './render.ts';

export function registerPriceResetCommand(price: Command): void {
  price
    .command('reset')
    .argument('[model]', 'one model with a built-in price; without it, every built-in price')
    .description('Restore built-in prices: adds the missing ones and overwrites changed ones. Other prices are kept.')
    .option('--json', 'print JSON only')
    .addHelpText(
      'after',
      `
Examples:
  $ gateway price reset gpt-4o
  $ gateway price reset --json`,
    )
    .action(async (model: string | undefined, flags: { json?: boolean }, self: Command) => {
      await withServices(self, async (deps) => {
        const result = await deps.prices.reset(model);
        if (model === undefined) {
          output(flags.json, result, () =>
            `Restored the built-in prices: ${result.added.length} added, ${result.updated.length} updated, ${result.unchanged} unchanged.`,
          );
          return;
        }
        const view = await deps.prices.get(model);
        output(flags.json, { ...result, price: view }, () => `Restored the built-in price of ${view.model}: ${describePrice(view)}.`);
      });
    });
}
