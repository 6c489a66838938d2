/** `gateway group set NAME --multiplier X`. */
import type { Command } from 'commander';
import { invalidArgument } from '../../../src/errors/gateway-error.ts';
import { withServices } from '../../context.ts';
import { output } from '../../output.ts';

export function registerGroupSetCommand(group: Command): void {
  group
    .command('set')
    .argument('<name>', 'group name (letters, digits, "_", "." or "-")')
    .description('Set a group\'s price multiplier: every charge of its requests is multiplied by it.')
    .option('--multiplier <x>', 'decimal from 0 to 1000, at most 6 decimals: 1.5 costs 50% more, 0.8 is 20% off, 0 is free')
    .option('--description <text>', 'a note shown in group list (kept when left out)')
    .option('--json', 'print JSON only')
    .addHelpText(
      'after',
      `
Examples:
  $ gateway group set vip --multiplier 0.8 --description "20% off"
  $ gateway group set internal --multiplier 0 --json`,
    )
    .action(async (name: string, flags: { multiplier?: string; description?: string; json?: boolean }, self: Command) => {
      const multiplier = flags.multiplier;
      if (multiplier === undefined) throw invalidArgument('--multiplier', '--multiplier is required, like --multiplier 1.5 (or 0 for free)');
      await withServices(self, async (deps) => {
        const view = await deps.prices.setGroup(name, { multiplier, description: flags.description });
        output(flags.json, view, () => `Group ${view.name} now pays ×${view.multiplier}.`);
      });
    });
}
