/** `gateway channel disable REF`: takes a channel out of routing without deleting it. */
import type { Command } from 'commander';
import { withServices } from '../../context.ts';
import { output } from '../../output.ts';

export function registerChannelDisableCommand(channel: Command): void {
  channel
    .command('disable')
    .argument('<ref>', 'channel id or name')
    .description('Disable a channel: no request routes to it until it is enabled again. Channel tests do not re-enable it.')
    .option('--json', 'print JSON only')
    .addHelpText(
      'after',
      `
Examples:
  $ gateway channel disable openai-main
  $ gateway channel disable 3 --json`,
    )
    .action(async (ref: string, flags: { json?: boolean }, self: Command) => {
      await withServices(self, async (deps) => {
        const updated = await deps.channels.setEnabled(ref, false);
        output(flags.json, updated, () => `Channel ${updated.name} (id ${updated.id}) is disabled.`);
      });
    });
}
