/** `gateway group rm NAME`: the group then pays list price (multiplier 1). */
import type { Command } from 'commander';
import { withServices } from '../../context.ts';
import { output } from '../../output.ts';
import { confirmOrRequireYes } from '../../prompts/confirm.ts';

export function registerGroupRmCommand(group: Command): void {
  group
    .command('rm')
    .alias('remove')
    .argument('<name>', 'group name')
    .description('Remove a group\'s multiplier; its requests are then billed at list price (×1).')
    .option('-y, --yes', 'do not ask for confirmation (required when stdin is not a terminal)')
    .option('--json', 'print JSON only')
    .addHelpText(
      'after',
      `
Examples:
  $ gateway group rm vip
  $ gateway group rm vip --yes --json`,
    )
    .action(async (name: string, flags: { yes?: boolean; json?: boolean }, self: Command) => {
      await withServices(self, async (deps) => {
        const existing = (await deps.prices.listGroups()).find((entry) => entry.name === name.trim());
        // An unknown group is reported by `removeGroup` with the fix; asking first would only delay that message.
        if (existing !== undefined) {
          await confirmOrRequireYes({ yes: flags.yes, question: `Remove the multiplier ×${existing.multiplier} of group ${existing.name}?`, what: `remove the multiplier of group ${existing.name}` });
        }
        const removed = await deps.prices.removeGroup(name);
        output(flags.json, removed, () => `Removed the multiplier of group ${removed.name} (was ×${removed.multiplier}); it now pays list price.`);
      });
    });
}
