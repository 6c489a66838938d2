/**
 * Flags shared by `channel add` and `channel update`, and their strict parsing. Values are parsed here (not
 * with commander's argParser) so that a bad value fails as one `error: …` line naming the flag, like every
 * other input error.
 */
import type { Command } from 'commander';
import { invalidArgument } from '../../../src/errors/gateway-error.ts';
import { type ChannelSettingValue, channelSettings, parseChannelSetting } from '../../../src/services/channel-settings.ts';
import { channelKindList } from '../../../src/services/channel-types.ts';
import type { ChannelPatch } from '../../../src/services/channels.ts';
import { parseIntegerFlag, parseListFlag } from '../../flags.ts';

/** Raw option values as commander stores them (flag `--model-map` → `modelMap`). */
export interface ChannelFlags {
  name?: string;
  type?: string;
  baseUrl?: string;
  key?: string[];
  models?: string;
  group?: string;
  priority?: string;
  weight?: string;
  modelMap?: string;
  statusCodeMap?: string;
  tag?: string;
  testModel?: string;
  keyMode?: string;
  allowPrivate?: string;
  remark?: string;
  setting?: string[];
  json?: boolean;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** The known `--setting` names for the commands' help text, one line each. */
export function settingsHelp(): string {
  const width = Math.max(...Object.keys(channelSettings).map((name) => name.length));
  const lines = Object.entries(channelSettings).map(
    ([name, spec]) => `  ${name.padEnd(width)}  ${spec.kind.padEnd(10)}  ${spec.readBy}: ${spec.description}`,
  );
  return `\nSettings (--setting NAME=VALUE):\n${lines.join('\n')}`;
}

/** Declares the channel field flags; `add` marks the essential ones required. */
export function addChannelFieldOptions(command: Command, mode: 'add' | 'update'): Command {
  const declare = (flags: string, description: string, required: boolean): void => {
    if (mode === 'add' && required) command.requiredOption(flags, description);
    else command.option(flags, description);
  };
  const keyHelp =
    mode === 'add'
      ? 'provider key; repeat for a multi-key channel; "-" reads keys from stdin, one per line'
      : 'replaces all keys; repeat for several; "-" reads keys from stdin, one per line';
  declare('--name <name>', 'unique name, 1-64 characters, not all digits', true);
  declare('--type <type>', `channel type: ${channelKindList}`, true);
  command.option('--base-url <url>', "upstream address (defaults to the type's; required for azure, custom, openai-compatible)");
  if (mode === 'add') command.requiredOption('--key <key>', keyHelp, collect);
  else command.option('--key <key>', keyHelp, collect);
  declare('--models <list>', 'comma-separated model names the channel serves', true);
  command.option('--group <list>', 'comma-separated groups allowed to use it (default: default)');
  command.option('--priority <n>', 'whole number, higher is tried first; may be negative (default 0)');
  command.option('--weight <n>', 'whole number >= 0, share within one priority (default 1)');
  command.option('--model-map <pairs>', 'requested=upstream model names, comma-separated, e.g. gpt-4o=gpt-4o-2024-11-20');
  command.option('--status-code-map <pairs>', 'upstream=reported HTTP statuses, e.g. 429=503');
  command.option('--tag <tag>', "tag for bulk operations ('' clears it)");
  command.option('--test-model <model>', "model used by channel tests ('' clears it)");
  command.option('--key-mode <mode>', 'random or round-robin choice among several keys');
  command.option('--allow-private <host:port>', "let this channel reach one private address, e.g. localhost:11434 ('' clears it)");
  command.option('--remark <text>', 'free-text note');
  command.option(
    '--setting <NAME=VALUE>',
    `provider setting, repeatable, e.g. api_version=2025-04-01-preview${mode === 'update' ? "; merged into the stored ones, NAME= removes one" : ''}`,
    collect,
  );
  command.option('--json', 'print JSON only');
  return command;
}


/** `a=b,c=d` → { a: 'b', c: 'd' }; an empty string gives an empty map (so `--model-map ''` clears it). */
export function parsePairsFlag(text: string, flag: string): Record<string, string> {
  const pairs: Record<string, string> = {};
  for (const entry of text.split(',')) {
    if (entry.trim() === '') continue;
    const separator = entry.indexOf('=');
    if (separator === -1) throw invalidArgument(flag, `${flag} entry "${entry.trim()}" must look like from=to`);
    const from = entry.slice(0, separator).trim();
    if (Object.hasOwn(pairs, from)) throw invalidArgument(flag, `${flag} lists "${from}" twice; keep one entry`);
    pairs[from] = entry.slice(separator + 1).trim();
  }
  return pairs;
}

/** `--setting` flags → settings; naming one setting twice is refused rather than silently keeping the last. */
function parseSettingFlags(values: readonly string[]): Record<string, ChannelSettingValue> {
  const settings: Record<string, ChannelSettingValue> = {};
  for (const text of values) {
    const { name, value } = parseChannelSetting(text);
    if (Object.hasOwn(settings, name)) throw invalidArgument('--setting', `--setting ${name} is given twice; keep one`);
    settings[name] = value;
  }
  return settings;
}

/** Keys from `--key` flags; `--key -` reads one key per line from stdin, so keys stay out of `ps` and shell history. */
async function readKeys(values: readonly string[]): Promise<string[]> {
  const keys: string[] = [];
  for (const value of values) {
    if (value !== '-') {
      keys.push(value);
      continue;
    }
    const text = await Bun.stdin.text();
    keys.push(...text.split(/\r?\n/).filter((line) => line.trim() !== ''));
  }
  return keys;
}

/** Turns the flags that were given into service input; absent flags stay absent. */
export async function channelFieldsFromFlags(flags: ChannelFlags): Promise<ChannelPatch> {
  const fields: ChannelPatch = {};
  if (flags.name !== undefined) fields.name = flags.name;
  if (flags.type !== undefined) fields.type = flags.type;
  if (flags.baseUrl !== undefined) fields.baseUrl = flags.baseUrl;
  if (flags.key !== undefined) fields.keys = await readKeys(flags.key);
  if (flags.models !== undefined) fields.models = parseListFlag(flags.models);
  if (flags.group !== undefined) fields.groups = parseListFlag(flags.group);
  if (flags.priority !== undefined) fields.priority = parseIntegerFlag(flags.priority, '--priority');
  if (flags.weight !== undefined) fields.weight = parseIntegerFlag(flags.weight, '--weight');
  if (flags.modelMap !== undefined) fields.modelMapping = parsePairsFlag(flags.modelMap, '--model-map');
  if (flags.statusCodeMap !== undefined) fields.statusCodeMapping = parsePairsFlag(flags.statusCodeMap, '--status-code-map');
  if (flags.tag !== undefined) fields.tag = flags.tag;
  if (flags.testModel !== undefined) fields.testModel = flags.testModel;
  if (flags.keyMode !== undefined) fields.keyMode = flags.keyMode;
  if (flags.allowPrivate !== undefined) fields.allowPrivate = flags.allowPrivate;
  if (flags.remark !== undefined) fields.remark = flags.remark;
  if (flags.setting !== undefined) fields.settings = parseSettingFlags(flags.setting);
  return fields;
}
