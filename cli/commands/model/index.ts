/** The `model` noun: which models the gateway serves, and global aliases (a name clients send → a model). */
import type { Command } from 'commander';
import { registerModelAliasAddCommand } from './alias/add.ts';
import { registerModelAliasListCommand } from './alias/list.ts';
import { registerModelAliasRmCommand } from './alias/rm.ts';
import { registerModelListCommand } from './list.ts';

export function registerModelCommands(program: Command): void {
  const model = program
    .command('model')
    .description('Models served by enabled channels, and global model aliases.')
    .addHelpText('after', '\nExamples:\n  $ gateway model list\n  $ gateway model alias add gpt-4 gpt-4o');
  registerModelListCommand(model);
  const alias = model
    .command('alias')
    .description('Global model aliases: requests for ALIAS are routed as TARGET on every channel; logs keep both names.');
  registerModelAliasAddCommand(alias);
  registerModelAliasListCommand(alias);
  registerModelAliasRmCommand(alias);
}
