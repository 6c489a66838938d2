/** `gateway setting set NAME VALUE`. */
import type { Command } from 'commander';
import { withServices } from '../../context.ts';
import { output } from '../../output.ts';
import { shown } from './render.ts';

export function registerSettingSetCommand(setting: Command): void {
  setting
    .command('set')
    .argument('<name>', 'setting name')
    .argument('<value>', 'new value: a number, true/false, status ranges like 429,500-503, or a comma list')
    .description('Change a setting.')
    .option('--json', 'print JSON only')
    .addHelpText(
      'after',
      `
Examples:
  $ gateway setting set retry_times 3
  $ gateway setting set retry_status_codes 429,500-503
  $ gateway setting set auto_disable_enabled true`,
    )
    .action(async (name: string, value: string, flags: { json?: boolean }, command: Command) => {
      await withServices(command, async (deps) => {
        const view = await deps.settings.set(name, value);
        output(flags.json, view, () => `${view.name} = ${shown(view.value)}`);
      });
    });
}
