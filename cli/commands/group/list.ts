/** `gateway group list`. */
import type { Command } from 'commander';
import { withServices } from '../../context.ts';
import { output } from '../../output.ts';
import { renderGroups } from './render.ts';

export function registerGroupListCommand(group: Command): void {
  group
    .command('list')
    .alias('ls')
    .description('List the group multipliers.')
    .option('--json', 'print JSON only')
    .addHelpText(
      'after',
      `
Examples:
  $ gateway group list
  $ gateway group list --json`,
    )
    .action(async (flags: { json?: boolean }, self: Command) => {
      await withServices(self, async (deps) => {
        const groups = await deps.prices.listGroups();
        output(flags.json, groups, () => renderGroups(groups));
      });
    });
}
