/**
 * Remote mode for one run of the CLI: the `--server`/`--token` flags taken out of the arguments (./argv.ts),
 * remembered for the program, and the commands that only make sense on the gateway's own machine.
 */
import type { Command } from 'commander';
import { loadRemoteTarget, type RemoteFlags, type RemoteTarget, remoteRequested } from '../../src/config/remote.ts';
import { invalidArgument } from '../../src/errors/gateway-error.ts';

const flagsOfProgram = new WeakMap<Command, RemoteFlags>();

function rootOf(command: Command): Command {
  let root = command;
  while (root.parent !== null) root = root.parent;
  return root;
}

export function rememberRemoteFlags(program: Command, flags: RemoteFlags): void {
  flagsOfProgram.set(program, flags);
}

/** Whether `--server`/`--token` (or GATEWAY_SERVER/GATEWAY_TOKEN) were given, before they are checked. */
export function isRemote(command: Command): boolean {
  return remoteRequested(flagsOfProgram.get(rootOf(command)) ?? {}, process.env);
}

/** The checked remote target, or undefined in local mode. */
export function remoteTargetFor(command: Command): RemoteTarget | undefined {
  return loadRemoteTarget(flagsOfProgram.get(rootOf(command)) ?? {}, process.env);
}

const DROP = 'run it without --server/--token (and GATEWAY_SERVER/GATEWAY_TOKEN)';

/** Commands that work on this machine only, each with the one line that refuses remote mode (exit 2). */
export const localOnlyCommands: Readonly<Record<string, string>> = {
  serve: `gateway serve runs the gateway on this machine; ${DROP}`,
  migrate: `gateway migrate changes this machine's database; ${DROP}`,
  config: `gateway config shows this machine's configuration; ${DROP}`,
  init: `gateway init sets up a gateway on this machine; ${DROP}`,
};

export function commandPath(command: Command): string {
  const names: string[] = [];
  for (let current: Command | null = command; current?.parent != null; current = current.parent) names.unshift(current.name());
  return names.join(' ');
}

/** A preAction hook: a local-only command given --server says why in one line (exit 2). */
export function refuseRemoteForLocalCommands(actionCommand: Command): void {
  if (!isRemote(actionCommand)) return;
  const path = commandPath(actionCommand);
  const refusal = localOnlyCommands[path];
  if (refusal !== undefined) throw invalidArgument('--server', refusal);
}
