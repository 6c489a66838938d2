import type { Command } from 'commander';
import { GatewayError } from '../../src/errors/gateway-error.ts';
import { configFor } from '../context.ts';
import type { Prompter } from '../prompts/init-wizard.ts';

export function registerInitCommand(program: Command): void {
  program
    .command('init')
    .description('interactive setup: database, root password, a first channel and a first API key')
    .addHelpText(
      'after',
      `
Answers can be changed later with the other commands (gateway channel update, gateway token update …).
Choosing PostgreSQL writes its URL to gateway.toml in the data directory (mode 0600).

Examples:
  $ gateway init
  $ gateway --data-dir /var/lib/gateway init`,
    )
    .action(async (_options: unknown, command: Command) => {
      if (!process.stdin.isTTY) {
        throw new GatewayError({
          code: 'invalid_argument',
          message: 'gateway init asks questions and needs a terminal; in scripts use gateway channel add and gateway token create',
        });
      }
      const loaded = configFor(command);
      // Loaded only here: @inquirer/prompts is not needed by any other command.
      const inquirer = await import('@inquirer/prompts');
      const { runInitWizard } = await import('../prompts/init-wizard.ts');
      const prompter: Prompter = {
        input: (options) => inquirer.input(options),
        password: (options) => inquirer.password({ ...options, mask: '*' }),
        confirm: (options) => inquirer.confirm(options),
        select: (options) => inquirer.select(options),
      };
      await runInitWizard(prompter, loaded, (line) => process.stdout.write(`${line}\n`));
    });
}
