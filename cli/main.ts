#!/usr/bin/env bun
/**
 * The `gateway` command. Every command is one file under cli/commands/<noun>/<verb>.ts; this file only
 * declares the global flags and registers the nouns. Heavy modules (Ink, React, @inquirer/prompts) are
 * imported inside the commands that need them, so `gateway serve` starts fast.
 */
import { Command, Option } from 'commander';
import { versionLine } from '../src/version.ts';
import { registerAuditCommand } from './commands/audit.ts';
import { registerChannelCommands } from './commands/channel/index.ts';
import { registerConfigCommand } from './commands/config.ts';
import { registerGroupCommands } from './commands/group/index.ts';
import { registerInitCommand } from './commands/init.ts';
import { registerLedgerCommands } from './commands/ledger/index.ts';
import { registerLogsCommand } from './commands/logs.ts';
import { registerMigrateCommand } from './commands/migrate.ts';
import { registerModelCommands } from './commands/model/index.ts';
import { registerPriceCommands } from './commands/price/index.ts';
import { registerRedeemCommands } from './commands/redeem/index.ts';
import { registerServeCommand } from './commands/serve.ts';
import { registerSettingCommands } from './commands/setting/index.ts';
import { registerTokenCommands } from './commands/token/index.ts';
import { registerTuiCommand } from './commands/tui.ts';
import { registerUsageCommand } from './commands/usage.ts';
import { registerUserCommands } from './commands/user/index.ts';
import { exitCodes, reportError } from './output.ts';
import { extractRemoteFlags } from './remote/argv.ts';
import { refuseRemoteForLocalCommands, rememberRemoteFlags } from './remote/target.ts';

export function buildProgram(): Command {
  const program = new Command('gateway')
    .description('An LLM API gateway in one executable: channels, keys, quotas, relay.')
    .version(versionLine(), '-v, --version', 'print the version and the commit it was built from')
    .addOption(new Option('--data-dir <dir>', 'data directory (default ./data; env GATEWAY_DATA_DIR)'))
    .addOption(new Option('--config <file>', 'config file, TOML or JSON (env GATEWAY_CONFIG)'))
    .addOption(new Option('--database-url <url>', 'postgres:// URL instead of SQLite (env SQL_DSN, DATABASE_URL)'))
    .addOption(new Option('--sqlite-path <file>', 'SQLite file (default <data-dir>/gateway.db; env SQLITE_PATH)'))
    .addOption(new Option('--log-level <level>', 'debug, info, warn or error (env GATEWAY_LOG_LEVEL)'))
    .addOption(new Option('--log-format <format>', 'auto, json or pretty (env GATEWAY_LOG_FORMAT)'))
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText(
      'after',
      `
Remote mode (every command but serve, migrate, config, init, model list, user redeem and tui):
  --server <url>  a gateway's address; the command works through its admin API (env GATEWAY_SERVER)
  --token <pat>   a personal access token, gpat_… (env GATEWAY_TOKEN, better than the flag, which shows in ps)
  $ GATEWAY_TOKEN=gpat_… gateway --server https://gateway.example.com channel list`,
    )
    .exitOverride();
  // Values are validated by src/config (which also reads the environment), so errors name flag and variable alike.
  // --server and --token are taken out of the arguments before commander sees them (./remote/argv.ts).
  program.hook('preAction', (_program, actionCommand) => refuseRemoteForLocalCommands(actionCommand));

  registerServeCommand(program);
  registerMigrateCommand(program);
  registerConfigCommand(program);
  registerInitCommand(program);
  registerChannelCommands(program);
  registerModelCommands(program);
  registerTokenCommands(program);
  registerUserCommands(program);
  registerRedeemCommands(program);
  registerSettingCommands(program);
  registerPriceCommands(program);
  registerGroupCommands(program);
  registerLedgerCommands(program);
  registerLogsCommand(program);
  registerUsageCommand(program);
  registerAuditCommand(program);
  registerTuiCommand(program);

  // Every subcommand reports usage errors through the same exit code.
  const override = (command: Command): void => {
    command.exitOverride();
    command.showHelpAfterError('(run with --help for usage)');
    for (const child of command.commands) override(child);
  };
  for (const child of program.commands) override(child);
  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  try {
    const program = buildProgram();
    const { argv: rest, flags } = extractRemoteFlags(argv, program);
    rememberRemoteFlags(program, flags);
    await program.parseAsync(rest, { from: 'user' });
    return process.exitCode === undefined ? exitCodes.ok : Number(process.exitCode);
  } catch (error) {
    return reportError(error);
  }
}

if (import.meta.main) {
  const code = await main(process.argv.slice(2));
  // `serve` keeps running until it is stopped; every other command ends here.
  process.exitCode = code;
}
