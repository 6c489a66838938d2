/** `gateway setting reset NAME`. */
import type { Command } from 'commander';
import { withServices } from '../../context.ts';
import { output } from '../../output.ts';
import { shown } from './render.ts';

export function registerSettingResetCommand(setting: Command): void {
  setting
    .command('reset')
    .argument('<name>', 'setting name')
    .description('Return a setting to its default.')
    .option('--json', 'print JSON only')
    .action(async (name: string, flags: { json?: boolean }, command: Command) => {
      await withServices(command, async (deps) => {
        const view = await deps.settings.reset(name);
        output(flags.json, view, () => `${view.name} = ${shown(view.value)} (default)`);
      });
    });
}
