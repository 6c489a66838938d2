/** `gateway channel list`: every channel, optionally filtered; keys appear only as a count. */
import type { Command } from 'commander';
import { withServices } from '../../context.ts';
import { output } from '../../output.ts';
import { renderChannelTable } from './render.ts';

interface ListFlags {
  type?: string;
  status?: string;
  tag?: string;
  group?: string;
  model?: string;
  json?: boolean;
}

export function registerChannelListCommand(channel: Command): void {
  channel
    .command('list')
    .alias('ls')
    .description('List channels with their status, priority, weight, groups and models.')
    .option('--type <type>', 'only channels of this type')
    .option('--status <status>', 'only enabled, disabled or auto-disabled channels')
    .option('--tag <tag>', 'only channels with this tag')
    .option('--group <group>', 'only channels serving this group')
    .option('--model <model>', 'only channels serving this model')
    .option('--json', 'print JSON only')
    .addHelpText(
      'after',
      `
Examples:
  $ gateway channel list
  $ gateway channel list --status auto-disabled
  $ gateway channel list --type anthropic --json`,
    )
    .action(async (flags: ListFlags, self: Command) => {
      await withServices(self, async (deps) => {
        const channels = await deps.channels.list({
          type: flags.type,
          status: flags.status,
          tag: flags.tag,
          group: flags.group,
          model: flags.model,
        });
        output(flags.json, channels, () => renderChannelTable(channels));
      });
    });
}
