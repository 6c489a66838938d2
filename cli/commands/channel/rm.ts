/** `gateway channel rm REF`: deletes a channel with its keys and abilities, after a confirmation. */
import type { Command } from 'commander';
import { withServices } from '../../context.ts';
import { output } from '../../output.ts';
import { confirmOrRequireYes } from '../../prompts/confirm.ts';

export function registerChannelRmCommand(channel: Command): void {
  channel
    .command('rm')
    .alias('remove')
    .argument('<ref>', 'channel id or name')
    .description('Delete a channel, its keys and its routing entries. Logs keep their channel id and name.')
    .option('-y, --yes', 'do not ask for confirmation (required when stdin is not a terminal)')
    .option('--json', 'print JSON only')
    .addHelpText(
      'after',
      `
Examples:
  $ gateway channel rm old-openai
  $ gateway channel rm 3 --yes --json`,
    )
    .action(async (ref: string, flags: { yes?: boolean; json?: boolean }, self: Command) => {
      await withServices(self, async (deps) => {
        const target = await deps.channels.get(ref);
        await confirmOrRequireYes({
          yes: flags.yes,
          question: `Remove channel ${target.name} (id ${target.id}) and its ${target.keys.length} key(s)?`,
          what: `remove channel ${target.name}`,
        });
        const removed = await deps.channels.remove(String(target.id));
        output(flags.json, removed, () => `Removed channel ${removed.name} (id ${removed.id}).`);
      });
    });
}
