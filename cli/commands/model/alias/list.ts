/** `gateway model alias list`. */
import type { Command } from 'commander';
import { withServices } from '../../../context.ts';
import { output } from '../../../output.ts';
import { renderAliases } from '../render.ts';

export function registerModelAliasListCommand(alias: Command): void {
  alias
    .command('list')
    .alias('ls')
    .description('List the global model aliases.')
    .option('--json', 'print JSON only')
    .addHelpText(
      'after',
      `
Examples:
  $ gateway model alias list
  $ gateway model alias list --json`,
    )
    .action(async (flags: { json?: boolean }, self: Command) => {
      await withServices(self, async (deps) => {
        const aliases = await deps.modelAliases.list();
        output(flags.json, aliases, () => renderAliases(aliases));
      });
    });
}
