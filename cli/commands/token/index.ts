/** The `token` noun: gateway API keys (`sk-…`) with their quotas, expiry and limits. */
import type { Command } from 'commander';
import { registerTokenCreateCommand } from './create.ts';
import { registerTokenDisableCommand } from './disable.ts';
import { registerTokenEnableCommand } from './enable.ts';
import { registerTokenListCommand } from './list.ts';
import { registerTokenRmCommand } from './rm.ts';
import { registerTokenShowCommand } from './show.ts';
import { registerTokenUpdateCommand } from './update.ts';

export function registerTokenCommands(program: Command): void {
  const token = program
    .command('token')
    .description('Manage API keys: the sk-… keys clients send to the gateway.')
    .addHelpText('after', '\nExamples:\n  $ gateway token create --name ci --quota 5 --expires 30d\n  $ gateway token list');
  registerTokenCreateCommand(token);
  registerTokenListCommand(token);
  registerTokenShowCommand(token);
  registerTokenUpdateCommand(token);
  registerTokenEnableCommand(token);
  registerTokenDisableCommand(token);
  registerTokenRmCommand(token);
}
