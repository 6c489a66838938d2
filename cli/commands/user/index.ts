/** The `user` noun: accounts, roles and wallet top-ups. */
import type { Command } from 'commander';
import { registerUserCreateCommand } from './create.ts';
import { registerUserDisableCommand } from './disable.ts';
import { registerUserEnableCommand } from './enable.ts';
import { registerUserListCommand } from './list.ts';
import { registerUserRedeemCommand } from './redeem.ts';
import { registerUserRmCommand } from './rm.ts';
import { registerUserShowCommand } from './show.ts';
import { registerUserTopupCommand } from './topup.ts';
import { registerUserTwoFactorResetCommand } from './two-factor-reset.ts';
import { registerUserUpdateCommand } from './update.ts';

export function registerUserCommands(program: Command): void {
  const user = program
    .command('user')
    .description('Manage users: accounts, roles, groups and balances.')
    .addHelpText('after', '\nExamples:\n  $ gateway user create alice --quota 10\n  $ gateway user topup alice 5\n  $ gateway user list');
  registerUserCreateCommand(user);
  registerUserListCommand(user);
  registerUserShowCommand(user);
  registerUserUpdateCommand(user);
  registerUserEnableCommand(user);
  registerUserDisableCommand(user);
  registerUserRmCommand(user);
  registerUserTopupCommand(user);
  registerUserRedeemCommand(user);
  registerUserTwoFactorResetCommand(user);
}
