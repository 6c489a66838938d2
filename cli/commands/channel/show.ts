/** `gateway channel show REF`: one channel in full; keys only as their last four characters. */
import type { Command } from 'commander';
import { withServices } from '../../context.ts';
import { output } from '../../output.ts';
import { renderChannel } from './render.ts';

export function registerChannelShowCommand(channel: Command): void {
  channel
    .command('show')
    .argument('<ref>', 'channel id or name')
    .description('Show one channel. Keys are shown only as hints like …abcd.')
    .option('--json', 'print JSON only')
    .addHelpText(
      'after',
      `
Examples:
  $ gateway channel show openai-main
  $ gateway channel show 3 --json`,
    )
    .action(async (ref: string, flags: { json?: boolean }, self: Command) => {
      await withServices(self, async (deps) => {
        const found = await deps.channels.get(ref);
        output(flags.json, found, () => renderChannel(found));
      });
    });
}
