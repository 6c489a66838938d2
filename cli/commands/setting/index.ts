/** `gateway setting …`: runtime settings (retries, auto-disable) stored in the database. */
import type { Command } from 'commander';
import { settingNames, settingSpecs } from '../../../src/services/settings.ts';
import { registerSettingListCommand } from './list.ts';
import { registerSettingResetCommand } from './reset.ts';
import { registerSettingSetCommand } from './set.ts';

const settingList = settingNames.map((name) => `  ${name.padEnd(26)} ${settingSpecs[name].description}`).join('\n');

export function registerSettingCommands(program: Command): void {
  const setting = program
    .command('setting')
    .description('Runtime settings (retries, failover status codes, auto-disable); a running daemon applies changes within a second.')
    .addHelpText('after', `\nSettings:\n${settingList}`);
  registerSettingListCommand(setting);
  registerSettingSetCommand(setting);
  registerSettingResetCommand(setting);
}
