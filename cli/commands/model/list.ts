/** `gateway model list`: every model served by an enabled channel, with the channels and groups serving it. */
import type { Command } from 'commander';
import { withServices } from '../../context.ts';
import { output } from '../../output.ts';
import { renderServedModels } from './render.ts';

export function registerModelListCommand(model: Command): void {
  model
    .command('list')
    .alias('ls')
    .description('List the models enabled channels serve, with their channels, groups and aliases.')
    .option('--json', 'print JSON only')
    .addHelpText(
      'after',
      `
Examples:
  $ gateway model list
  $ gateway model list --json`,
    )
    .action(async (flags: { json?: boolean }, self: Command) => {
      await withServices(self, async (services) => {
        const models = await services.servedModels.list();
        output(flags.json, models, () => renderServedModels(models));
      });
    });
}
