/** `gateway price import FILE`: prices and group multipliers from New API's option values. */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { invalidArgument } from '../../../src/errors/gateway-error.ts';
import { withServices } from '../../context.ts';
import { output } from '../../output.ts';

const expectedShape = 'a JSON object of New API options like {"ModelRatio": "{\\"gpt-4o\\": 1.25}", "GroupRatio": "{\\"vip\\": 0.8}"}';

/**
 * The option values in the file: an object keyed by option name, or the rows of New API's `options` table
 * ([{"key": "ModelRatio", "value": "{…}"}, …]) as a database export gives them.
 */
export function readOptionsFile(path: string): Record<string, string | object> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw invalidArgument('FILE', `cannot read FILE ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw invalidArgument('FILE', `FILE ${path} is not JSON (${error instanceof Error ? error.message : String(error)}); give ${expectedShape}`);
  }
  if (Array.isArray(parsed)) {
    const options: Record<string, string | object> = {};
    for (const row of parsed) {
      const key = typeof row === 'object' && row !== null ? (row as Record<string, unknown>).key : undefined;
      const value = typeof row === 'object' && row !== null ? (row as Record<string, unknown>).value : undefined;
      if (typeof key !== 'string' || (typeof value !== 'string' && (typeof value !== 'object' || value === null))) {
        throw invalidArgument('FILE', `FILE ${path}: every row must be {"key": NAME, "value": JSON text}; or give ${expectedShape}`);
      }
      options[key] = value;
    }
    return options;
  }
  if (typeof parsed !== 'object' || parsed === null) throw invalidArgument('FILE', `FILE ${path} must hold ${expectedShape}`);
  const options: Record<string, string | object> = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (typeof value !== 'string' && (typeof value !== 'object' || value === null)) {
      throw invalidArgument('FILE', `FILE ${path}: option ${key} must be JSON text or an object (got ${JSON.stringify(value)})`);
    }
    options[key] = value;
  }
  return options;
}

export function registerPriceImportCommand(price: Command): void {
  price
    .command('import')
    .argument('<file>', 'JSON file with New API options (ModelRatio, CompletionRatio, CacheRatio, CreateCacheRatio, ModelPrice, GroupRatio)')
    .description('Import New API prices and group ratios, keeping what they bill (ratio 1 = $2 per 1M input tokens).')
    .option('--json', 'print JSON only')
    .addHelpText(
      'after',
      `
ModelPrice (USD per call) wins over ModelRatio for the same model, as in New API. Imported prices replace
stored prices of the same model; other prices are kept. Options other than the six above are reported and
ignored.

Examples:
  $ gateway price import new-api-options.json
  $ gateway price import options-table.json --json`,
    )
    .action(async (file: string, flags: { json?: boolean }, self: Command) => {
      const options = readOptionsFile(file);
      await withServices(self, async (deps) => {
        const result = await deps.prices.importNewApi(options);
        output(flags.json, result, () => {
          const perCall = result.prices.filter((entry) => entry.mode === 'per-call').length;
          const lines = [`Imported ${result.prices.length} prices (${perCall} per call) and ${result.groups.length} group multipliers from ${file}.`];
          if (result.ignoredOptions.length > 0) lines.push(`Ignored options: ${result.ignoredOptions.join(', ')}.`);
          if (result.unpriced.length > 0) lines.push(`No ModelRatio or ModelPrice, so not imported: ${result.unpriced.join(', ')}.`);
          for (const entry of result.skipped) lines.push(`Skipped ${entry}`);
          return lines.join('\n');
        });
      });
    });
}
