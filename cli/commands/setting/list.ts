/** `gateway setting list`. */
import type { Command } from 'commander';
import { withServices } from '../../context.ts';
import { output } from '../../output.ts';
import { renderSettings } from './render.ts';

export function registerSettingListCommand(setting: Command): void {
  setting
    .command('list')
    .description('List every setting with its value.')
    .option('--json', 'print JSON only')
    .action(async (flags: { json?: boolean }, command: Command) => {
      await withServices(command, async (deps) => {
        const views = await deps.settings.list();
        output(flags.json, views, () => renderSettings(views));
      });
    });
}
