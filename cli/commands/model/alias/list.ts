/** `gateway model alias list`. */
import type { Command } from 'commander';
import { createModelAliasService } from '../../../../src/services/model-aliases.ts';
import { withDeps } from '../../../context.ts';
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
      await withDeps(self, async (deps) => {
        const aliases = await createModelAliasService(deps).list();
        output(flags.json, aliases, () => renderAliases(aliases));
      });
    });
}
