/** `gateway model alias rm ALIAS`: clients sending ALIAS then reach only channels serving that name itself. */
import type { Command } from 'commander';
import { withServices } from '../../../context.ts';
import { output } from '../../../output.ts';
import { confirmOrRequireYes } from '../../../prompts/confirm.ts';

export function registerModelAliasRmCommand(alias: Command): void {
  alias
    .command('rm')
    .alias('remove')
    .argument('<alias>', 'the alias to remove')
    .description('Remove a global model alias.')
    .option('-y, --yes', 'do not ask for confirmation (required when stdin is not a terminal)')
    .option('--json', 'print JSON only')
    .addHelpText(
      'after',
      `
Examples:
  $ gateway model alias rm gpt-4
  $ gateway model alias rm gpt-4 --yes --json`,
    )
    .action(async (aliasName: string, flags: { yes?: boolean; json?: boolean }, self: Command) => {
      await withServices(self, async (deps) => {
        const service = deps.modelAliases;
        const existing = (await service.list()).find((entry) => entry.alias === aliasName.trim());
        // An unknown alias is reported by `remove` with the fix; asking first would only delay that message.
        if (existing !== undefined) {
          await confirmOrRequireYes({ yes: flags.yes, question: `Remove alias ${existing.alias} → ${existing.target}?`, what: `remove alias ${existing.alias}` });
        }
        const removed = await service.remove(aliasName);
        output(flags.json, removed, () => `Removed alias ${removed.alias} (was → ${removed.target}).`);
      });
    });
}
