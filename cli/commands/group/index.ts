/** The `group` noun: price multipliers per group (the key's group, else its owner's). */
import type { Command } from 'commander';
import { registerGroupListCommand } from './list.ts';
import { registerGroupRmCommand } from './rm.ts';
import { registerGroupSetCommand } from './set.ts';

export function registerGroupCommands(program: Command): void {
  const group = program
    .command('group')
    .description('Group price multipliers (New API group ratios); a group without one pays list price (1).')
    .addHelpText('after', '\nExamples:\n  $ gateway group set vip --multiplier 0.8 --description "20% off"\n  $ gateway group list');
  registerGroupSetCommand(group);
  registerGroupListCommand(group);
  registerGroupRmCommand(group);
}
