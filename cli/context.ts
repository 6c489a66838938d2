/**
 * Opens the configured database for one CLI command: configuration from the global flags and the environment,
 * then the same wiring as `gateway serve` (src/deps.ts). The root password created by a first start is
 * shown once on stderr, so `--json` output on stdout stays machine-readable.
 */
import type { Command } from 'commander';
import { type LoadedConfig, loadConfig } from '../src/config/load.ts';
import type { OptionKey } from '../src/config/schema.ts';
import { invalidArgument } from '../src/errors/gateway-error.ts';
import { createDeps, type Deps, type DepsOptions } from '../src/deps.ts';
import { auditedDeps } from './audit-trail.ts';
import { createApiClient } from './remote/client.ts';
import { createRemoteServices } from './remote/services.ts';
import { commandPath, isRemote, remoteTargetFor } from './remote/target.ts';
import { type CliServices, localServices } from './services.ts';

/** Flags every command accepts (declared on the root program) and the option each one sets. */
export const globalFlags = {
  dataDir: '--data-dir <dir>',
  configFile: '--config <file>',
  databaseUrl: '--database-url <url>',
  sqlitePath: '--sqlite-path <file>',
  logLevel: '--log-level <level>',
  logFormat: '--log-format <format>',
} as const satisfies Partial<Record<OptionKey, string>>;

/** Reads the configuration from the command's flags (its own and the global ones) and the environment. */
export function configFor(command: Command, extra: Partial<Record<OptionKey, string | number | undefined>> = {}): LoadedConfig {
  const options = command.optsWithGlobals() as Record<string, string | undefined>;
  const flags: Partial<Record<OptionKey, string | number | undefined>> = { ...extra };
  for (const [key, flag] of Object.entries(globalFlags) as [keyof typeof globalFlags, string][]) {
    // commander stores `--data-dir <dir>` as `dataDir`: the camel-cased flag name, not the option key.
    const attribute = (flag.split(' ')[0] as string).replace(/^--/, '').replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
    if (options[attribute] !== undefined) flags[key] = options[attribute];
  }
  return loadConfig({ flags, env: process.env, cwd: process.cwd() });
}

export function announceRootPassword(deps: Deps): void {
  const bootstrap = deps.rootBootstrap;
  if (bootstrap === undefined || !bootstrap.generated || bootstrap.password === undefined) return;
  process.stderr.write(
    [
      '',
      '  The root administrator was created. This password is shown only once:',
      `    username: ${bootstrap.username}`,
      `    password: ${bootstrap.password}`,
      '  Change it with: gateway user update root --password - (or set GATEWAY_ROOT_PASSWORD before the first start).',
      '',
      '',
    ].join('\n'),
  );
}

/**
 * Runs `fn` with the opened services and always closes the store. Channel, user and API-key changes made
 * through them are written to the audit log as `cli` (./audit-trail.ts).
 */
export async function withDeps<T>(
  command: Command,
  fn: (deps: Deps) => Promise<T>,
  options: DepsOptions & { extraFlags?: Partial<Record<OptionKey, string | number | undefined>> } = {},
): Promise<T> {
  if (isRemote(command)) {
    // A safety net: every command that reaches the database directly is in localOnlyCommands (./remote/target.ts).
    throw invalidArgument('--server', `gateway ${commandPath(command)} has no remote mode; run it on the gateway host without --server/--token`);
  }
  const deps = await createDeps(configFor(command, options.extraFlags), options);
  announceRootPassword(deps);
  try {
    return await fn(auditedDeps(deps));
  } finally {
    await deps.close();
  }
}

/**
 * Runs `fn` with the services a command uses: over the admin API of the gateway named by `--server` (with the
 * access token of `--token`), or else the local ones on the configured database (see withDeps). The output of
 * a command is the same either way.
 */
export async function withServices<T>(command: Command, fn: (services: CliServices) => Promise<T>): Promise<T> {
  const target = remoteTargetFor(command);
  if (target !== undefined) return fn(createRemoteServices(createApiClient(target)));
  return withDeps(command, (deps) => fn(localServices(deps)));
}
