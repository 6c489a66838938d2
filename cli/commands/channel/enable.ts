/** `gateway channel enable REF`: puts a disabled or auto-disabled channel back into routing. */
import type { Command } from 'commander';
import { withServices } from '../../context.ts';
import { output } from '../../output.ts';

export function registerChannelEnableCommand(channel: Command): void {
  channel
    .command('enable')
    .argument('<ref>', 'channel id or name')
    .description('Enable a channel (also one that was auto-disabled); requests may route to it again.')
    .option('--json', 'print JSON only')
    .addHelpText(
      'after',
      `
Examples:
  $ gateway channel enable openai-main
  $ gateway channel enable 3 --json`,
    )
    .action(async (ref: string, flags: { json?: boolean }, self: Command) => {
      await withServices(self, async (deps) => {
        const updated = await deps.channels.setEnabled(ref, true);
        output(flags.json, updated, () => `Channel ${updated.name} (id ${updated.id}) is enabled.`);
      });
    });
}
