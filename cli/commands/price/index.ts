/** The `price` noun: what each model costs (USD per 1M tokens or per call), billed from the ledger. */
import type { Command } from 'commander';
import { registerPriceImportCommand } from './import.ts';
import { registerPriceListCommand } from './list.ts';
import { registerPriceResetCommand } from './reset.ts';
import { registerPriceRmCommand } from './rm.ts';
import { registerPriceSetCommand } from './set.ts';

export function registerPriceCommands(program: Command): void {
  const price = program
    .command('price')
    .description('Model prices in USD per 1M tokens (or per call); a running daemon applies changes within a second.')
    .addHelpText(
      'after',
      `
Prices are looked up by the requested model name: the exact name, then the name without a reasoning suffix
(-high, -low, -thinking, -thinking-128 …), then the longest "prefix*" pattern. Built-in list prices are added at
the first start; a model without a price is refused unless the allow_unpriced_models setting is on.

Examples:
  $ gateway price list
  $ gateway price set gpt-4o --input 2.5 --output 10 --cached 1.25
  $ gateway price set dall-e-3 --per-call 0.04
  $ gateway price set my-model --ratio 1.25 --completion-ratio 4`,
    );
  registerPriceListCommand(price);
  registerPriceSetCommand(price);
  registerPriceRmCommand(price);
  registerPriceResetCommand(price);
  registerPriceImportCommand(price);
}
