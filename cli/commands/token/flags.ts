/** Flags shared by `token create` and `token update`; values are validated by the token service. */
import type { Command } from 'commander';
import { invalidArgument } from '../../../src/errors/gateway-error.ts';
import type { TokenPatch } from '../../../src/services/tokens.ts';
import { parseListFlag } from '../../flags.ts';

export interface TokenFlags {
  name?: string;
  user?: string;
  quota?: string;
  unlimited?: boolean;
  expires?: string;
  models?: string;
  allowIps?: string;
  group?: string;
  json?: boolean;
}

export function addTokenFieldOptions(command: Command, mode: 'create' | 'update'): Command {
  if (mode === 'create') command.requiredOption('--name <name>', 'key name, unique per user, 1-50 characters, not all digits');
  else command.option('--name <name>', 'rename the key');
  command.option(
    '--user <user>',
    mode === 'create' ? 'owner (id or username; default: the first root user)' : 'owner of the key, when several users have a key with this name',
  );
  command.option('--quota <usd>', mode === 'create' ? 'budget in USD (default: unlimited)' : 'set the remaining budget in USD (makes the key limited)');
  command.option('--unlimited', 'no budget of its own (the owner\'s balance still applies)');
  command.option('--expires <when>', 'a duration (12h, 30d, 2w), a date YYYY-MM-DD (end of day UTC) or never');
  command.option('--models <list>', "comma-separated models the key may use (default: all; '' allows all again)");
  command.option('--allow-ips <list>', "comma-separated client IPs or CIDRs (default: any; '' allows any again)");
  command.option('--group <group>', "group overriding the owner's ('' uses the owner's again)");
  command.option('--json', 'print JSON only');
  return command;
}

/** The flags that were given, as service input; absent flags stay absent. */
export function tokenFieldsFromFlags(flags: TokenFlags): TokenPatch {
  if (flags.quota !== undefined && flags.unlimited === true) {
    throw invalidArgument('--quota', '--quota and --unlimited exclude each other; pass only one of them');
  }
  const fields: TokenPatch = {};
  if (flags.name !== undefined) fields.name = flags.name;
  if (flags.quota !== undefined) fields.quotaUsd = flags.quota;
  if (flags.unlimited === true) fields.unlimited = true;
  if (flags.expires !== undefined) fields.expires = flags.expires;
  if (flags.models !== undefined) fields.models = parseListFlag(flags.models);
  if (flags.allowIps !== undefined) fields.allowIps = parseListFlag(flags.allowIps);
  if (flags.group !== undefined) fields.group = flags.group;
  return fields;
}
