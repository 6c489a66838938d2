/** `gateway model alias add ALIAS TARGET`. */
import type { Command } from 'commander';
import { withServices } from '../../../context.ts';
import { output } from '../../../output.ts';

export function registerModelAliasAddCommand(alias: Command): void {
  alias
    .command('add')
    .argument('<alias>', 'the model name clients send')
    .argument('<target>', 'the model it stands for on every channel')
    .description('Route requests for ALIAS as TARGET. Billing, key model limits and logs keep the name the client sent.')
    .option('--json', 'print JSON only')
    .addHelpText(
      'after',
      `
Examples:
  $ gateway model alias add gpt-4 gpt-4o
  $ gateway model alias add claude-latest claude-sonnet-4-5 --json`,
    )
    .action(async (aliasName: string, target: string, flags: { json?: boolean }, self: Command) => {
      await withServices(self, async (deps) => {
        const added = await deps.modelAliases.add(aliasName, target);
        output(flags.json, added, () => `Added alias ${added.alias} → ${added.target}.`);
      });
    });
}
