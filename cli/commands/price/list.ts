/** `gateway price list [--model M]`. */
import type { Command } from 'commander';
import { withServices } from '../../context.ts';
import { output } from '../../output.ts';
import { renderPrices } from './render.ts';

export function registerPriceListCommand(price: Command): void {
  price
    .command('list')
    .alias('ls')
    .description('List the prices. With --model, only the price that bills that model name.')
    .option('--model <name>', 'show the price a request for this model is billed at (exact, suffix stripped, or wildcard)')
    .option('--json', 'print JSON only')
    .addHelpText(
      'after',
      `
Examples:
  $ gateway price list
  $ gateway price list --model o3-mini-high --json`,
    )
    .action(async (flags: { model?: string; json?: boolean }, self: Command) => {
      await withServices(self, async (deps) => {
        if (flags.model === undefined) {
          const prices = await deps.prices.list();
          output(flags.json, prices, () => renderPrices(prices));
          return;
        }
        const model = flags.model;
        const found = await deps.prices.resolve(model);
        const prices = found === undefined ? [] : [found];
        output(flags.json, prices, () =>
          found === undefined
            ? `No price applies to ${model}. Set one with: gateway price set ${model} --input USD --output USD`
            : renderPrices(prices),
        );
      });
    });
}
