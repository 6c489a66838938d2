/** `gateway channel update REF`: changes the given fields; abilities are rebuilt in the same transaction. */
import type { Command } from 'commander';
import { invalidArgument } from '../../../src/errors/gateway-error.ts';
import { withServices } from '../../context.ts';
import { output } from '../../output.ts';
import { addChannelFieldOptions, type ChannelFlags, channelFieldsFromFlags, settingsHelp } from './flags.ts';
import { renderChannel } from './render.ts';

export function registerChannelUpdateCommand(channel: Command): void {
  const command = channel
    .command('update')
    .argument('<ref>', 'channel id or name')
    .description('Change a channel. Only the given flags change; --key replaces every key of the channel.')
    .addHelpText(
      'after',
      `
Examples:
  $ gateway channel update openai-main --priority 10 --weight 3
  $ gateway channel update 3 --models gpt-4o,gpt-4o-mini,o4-mini --model-map gpt-4o=gpt-4o-2024-11-20
  $ gateway channel update claude --key - < new-keys.txt
  $ gateway channel update openai-main --tag ''
  $ gateway channel update azure-east --setting api_version=2025-04-01-preview --setting strip_model_dots=true
  $ gateway channel update azure-east --setting api_version=
${settingsHelp()}`,
    );
  addChannelFieldOptions(command, 'update').action(async (ref: string, flags: ChannelFlags, self: Command) => {
    const patch = await channelFieldsFromFlags(flags);
    if (Object.keys(patch).length === 0) {
      throw invalidArgument('update', 'nothing to change; give at least one flag such as --priority 5 (see: gateway channel update --help)');
    }
    await withServices(self, async (deps) => {
      const updated = await deps.channels.update(ref, patch);
      output(flags.json, updated, () => `Updated channel ${updated.name} (id ${updated.id}).\n\n${renderChannel(updated)}`);
    });
  });
}
