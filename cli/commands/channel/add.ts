/** `gateway channel add`: registers an upstream provider with its keys and models. */
import type { Command } from 'commander';
import { invalidArgument } from '../../../src/errors/gateway-error.ts';
import { withServices } from '../../context.ts';
import { output } from '../../output.ts';
import { addChannelFieldOptions, type ChannelFlags, channelFieldsFromFlags, settingsHelp } from './flags.ts';
import { renderChannel } from './render.ts';

export function registerChannelAddCommand(channel: Command): void {
  const command = channel
    .command('add')
    .description('Add a channel: an upstream provider, its keys and the models it serves. Keys are encrypted at rest.')
    .addHelpText(
      'after',
      `
Examples:
  $ gateway channel add --name openai-main --type openai --key sk-... --models gpt-4o,gpt-4o-mini
  $ gateway channel add --name claude --type anthropic --key "$KEY_A" --key "$KEY_B" --key-mode round-robin --models claude-sonnet-4-5
  $ gateway channel add --name azure-east --type azure --base-url https://east.openai.azure.com --key - --models gpt-4o < key.txt
  $ gateway channel add --name local --type ollama --allow-private localhost:11434 --key ollama --models llama3.2 --priority -1
  $ gateway channel add --name claude-1m --type anthropic --key - --models claude-sonnet-4-5 --setting anthropic_beta=context-1m-2025-08-07 --setting max_tokens=16000 < key.txt
${settingsHelp()}`,
    );
  addChannelFieldOptions(command, 'add').action(async (flags: ChannelFlags, self: Command) => {
    const fields = await channelFieldsFromFlags(flags);
    const { name, type, keys, models } = fields;
    // commander enforces these flags; the check narrows the types.
    if (name === undefined || type === undefined || keys === undefined || models === undefined) {
      throw invalidArgument('--name', 'channel add needs --name, --type, --key and --models');
    }
    await withServices(self, async (deps) => {
      const created = await deps.channels.add({ ...fields, name, type, keys, models });
      output(flags.json, created, () => `Added channel ${created.name} (id ${created.id}).\n\n${renderChannel(created)}`);
    });
  });
}
