/**
 * `--server` and `--token` are global flags, but `gateway logs --token KEY` already filters by API key, and
 * commander would hand every `--token` to the program. So they are taken out of the arguments here, before
 * commander parses them: anywhere on the line, except after a command that declares the same flag itself
 * (`gateway --token PAT logs --token ci`: the first is the access token, the second the filter).
 */
import type { Command, Option } from 'commander';
import { invalidArgument } from '../../src/errors/gateway-error.ts';
import type { RemoteFlags } from '../../src/config/remote.ts';

const REMOTE_FLAGS = ['server', 'token'] as const;

function findOption(chain: readonly Command[], flag: string): Option | undefined {
  for (const command of [...chain].reverse()) {
    const found = command.options.find((option) => option.long === flag || option.short === flag);
    if (found !== undefined) return found;
  }
  return undefined;
}

function findSubcommand(command: Command, word: string): Command | undefined {
  return command.commands.find((child) => child.name() === word || child.aliases().includes(word));
}

export function extractRemoteFlags(argv: readonly string[], program: Command): { argv: string[]; flags: RemoteFlags } {
  const rest: string[] = [];
  const flags: RemoteFlags = {};
  const chain: Command[] = [program];
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index] as string;
    if (arg === '--') {
      rest.push(...argv.slice(index));
      break;
    }
    const current = chain[chain.length - 1] as Command;
    const remote = REMOTE_FLAGS.find((name) => arg === `--${name}` || arg.startsWith(`--${name}=`));
    const ownedByCommand = remote !== undefined && current !== program && current.options.some((option) => option.long === `--${remote}`);
    if (remote !== undefined && !ownedByCommand) {
      const inline = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : undefined;
      const value = inline ?? argv[index + 1];
      if (value === undefined || (inline === undefined && value.startsWith('-'))) {
        throw invalidArgument(`--${remote}`, remote === 'server' ? '--server needs a value: --server https://gateway.example.com' : '--token needs a value: --token gpat_…');
      }
      if (inline === undefined) index += 1;
      flags[remote] = value;
      continue;
    }
    rest.push(arg);
    if (arg.startsWith('-')) {
      // An option's value is not a command word: `--data-dir channel` must not descend into `channel`.
      const option = arg.includes('=') ? undefined : findOption(chain, arg);
      if (option !== undefined && option.required && index + 1 < argv.length) {
        index += 1;
        rest.push(argv[index] as string);
      }
      continue;
    }
    const child = findSubcommand(current, arg);
    if (child !== undefined) chain.push(child);
  }
  return { argv: rest, flags };
}
