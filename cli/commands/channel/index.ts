/** The `channel` noun: upstream providers, their keys, models and routing weights. */
import type { Command } from 'commander';
import { channelKindList } from '../../../src/services/channel-types.ts';
import { registerChannelAddCommand } from './add.ts';
import { registerChannelDisableCommand } from './disable.ts';
import { registerChannelEnableCommand } from './enable.ts';
import { registerChannelListCommand } from './list.ts';
import { registerChannelRmCommand } from './rm.ts';
import { registerChannelShowCommand } from './show.ts';
import { registerChannelTestCommand } from './test.ts';
import { registerChannelUpdateCommand } from './update.ts';

export function registerChannelCommands(program: Command): void {
  const channel = program
    .command('channel')
    .description('Manage channels: upstream providers with their keys and models.')
    .addHelpText('after', `\nChannel types: ${channelKindList}\n\nExamples:\n  $ gateway channel add --name openai-main --type openai --key sk-... --models gpt-4o-mini\n  $ gateway channel list\n  $ gateway channel test openai-main`);
  registerChannelAddCommand(channel);
  registerChannelListCommand(channel);
  registerChannelShowCommand(channel);
  registerChannelUpdateCommand(channel);
  registerChannelEnableCommand(channel);
  registerChannelDisableCommand(channel);
  registerChannelTestCommand(channel);
  registerChannelRmCommand(channel);
}
