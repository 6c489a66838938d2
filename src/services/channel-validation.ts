/**
 * Checks and normalizes the fields of a channel before they are stored. Each function names the CLI flag in
 * its error (the admin API maps fields the same way) and says how to fix the value.
 */
import { invalidArgument } from '../errors/gateway-error.ts';
import { checkUpstreamUrl, normalizeHostPort } from '../security/outbound-guard.ts';
import { type ChannelSettingValue, normalizeChannelSetting } from './channel-settings.ts';
import { type ChannelKind, channelKindList, channelTypes, isChannelKind } from './channel-types.ts';

export const NAME_MAX_LENGTH = 64;
const ENTRY_MAX_LENGTH = 256;
const KEY_MAX_LENGTH = 8192;
const TEXT_MAX_LENGTH = 1024;
/** Both columns are 32-bit integers in PostgreSQL. */
const INT32_MIN = -2_147_483_648;
const INT32_MAX = 2_147_483_647;

export type KeyMode = 'random' | 'round-robin';
export const keyModes: readonly KeyMode[] = ['random', 'round-robin'];

// C0 controls, DEL and C1 controls: never part of a name, model or key, and CR/LF would allow header injection.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

export function normalizeName(text: string): string {
  const name = text.trim();
  if (name.length === 0 || name.length > NAME_MAX_LENGTH) {
    throw invalidArgument('--name', `--name must be 1 to ${NAME_MAX_LENGTH} characters (got ${name.length})`);
  }
  if (CONTROL.test(name)) throw invalidArgument('--name', '--name must not contain control characters');
  // A reference that is all digits is read as an id, so such a name could never be looked up.
  if (/^\d+$/.test(name)) {
    throw invalidArgument('--name', `--name "${name}" is all digits, which reads as a channel id; add a letter, e.g. "channel-${name}"`);
  }
  return name;
}

export function normalizeKind(text: string, field = '--type'): ChannelKind {
  const kind = text.trim().toLowerCase();
  if (!isChannelKind(kind)) throw invalidArgument(field, `unknown channel type "${text}"; use one of: ${channelKindList}`);
  return kind;
}

/** Trims each key; refuses empty keys, control characters (CR/LF would inject headers) and repeats. */
export function normalizeKeys(keys: readonly string[]): string[] {
  if (keys.length === 0) throw invalidArgument('--key', 'a channel needs at least one --key');
  const seen = new Map<string, number>();
  return keys.map((raw, index) => {
    const key = raw.trim();
    const label = keys.length === 1 ? '--key' : `--key #${index + 1}`;
    if (key.length === 0) throw invalidArgument('--key', `${label} is empty`);
    if (CONTROL.test(key)) throw invalidArgument('--key', `${label} contains a line break or control character; give each key separately`);
    if (key.length > KEY_MAX_LENGTH) throw invalidArgument('--key', `${label} is longer than ${KEY_MAX_LENGTH} characters`);
    const earlier = seen.get(key);
    if (earlier !== undefined) throw invalidArgument('--key', `${label} repeats --key #${earlier + 1}; give each key once`);
    seen.set(key, index);
    return key;
  });
}

/** Last four characters for display; short keys (dummy keys for local servers) show nothing. */
export function keyHint(key: string): string {
  return key.length >= 8 ? key.slice(-4) : '';
}

/** Trimmed, de-duplicated list entries (model or group names); blank entries from "a,,b" are dropped. */
function normalizeEntries(entries: readonly string[], field: string, what: string): string[] {
  const result: string[] = [];
  for (const raw of entries) {
    const entry = raw.trim();
    if (entry.length === 0) continue;
    if (entry.length > ENTRY_MAX_LENGTH) throw invalidArgument(field, `${what} "${entry.slice(0, 40)}…" is longer than ${ENTRY_MAX_LENGTH} characters`);
    if (CONTROL.test(entry) || entry.includes(',')) {
      throw invalidArgument(field, `${what} "${entry}" must not contain commas or control characters`);
    }
    if (!result.includes(entry)) result.push(entry);
  }
  if (result.length === 0) throw invalidArgument(field, `${field} needs at least one ${what}, e.g. ${field} ${what === 'model' ? 'gpt-4o-mini' : 'default'}`);
  return result;
}

export function normalizeModels(models: readonly string[]): string[] {
  return normalizeEntries(models, '--models', 'model');
}

export function normalizeGroups(groups: readonly string[]): string[] {
  return normalizeEntries(groups, '--group', 'group');
}

export function normalizePriority(value: number): number {
  if (!Number.isInteger(value) || value < INT32_MIN || value > INT32_MAX) {
    throw invalidArgument('--priority', `--priority must be a whole number between ${INT32_MIN} and ${INT32_MAX} (got ${value})`);
  }
  return value;
}

export function normalizeWeight(value: number): number {
  if (!Number.isInteger(value) || value < 0 || value > INT32_MAX) {
    throw invalidArgument('--weight', `--weight must be a whole number from 0 to ${INT32_MAX} (got ${value})`);
  }
  return value;
}

export function normalizeKeyMode(text: string): KeyMode {
  const mode = text.trim().toLowerCase();
  // New API calls round-robin "polling"; accept its word for operators who move over.
  if (mode === 'polling') return 'round-robin';
  if (mode === 'random' || mode === 'round-robin') return mode;
  throw invalidArgument('--key-mode', `--key-mode must be random or round-robin (got "${text}")`);
}

/** Optional free text: trimmed, and empty means "none" (so `--tag ''` clears a tag). */
export function normalizeOptionalText(text: string, field: string): string | null {
  const value = text.trim();
  if (value.length === 0) return null;
  if (value.length > TEXT_MAX_LENGTH) throw invalidArgument(field, `${field} is longer than ${TEXT_MAX_LENGTH} characters`);
  if (CONTROL.test(value)) throw invalidArgument(field, `${field} must not contain control characters`);
  return value;
}

export function normalizeAllowPrivate(text: string): string | null {
  return text.trim() === '' ? null : normalizeHostPort(text);
}

/**
 * Requested model → upstream model. Chains (a→b, b→c) are allowed and followed at request time; a name that
 * maps to itself or a chain that comes back to its start would loop, so both are refused here.
 */
export function normalizeModelMapping(mapping: Readonly<Record<string, string>>): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [rawFrom, rawTo] of Object.entries(mapping)) {
    const from = rawFrom.trim();
    const to = rawTo.trim();
    if (from.length === 0 || to.length === 0) {
      throw invalidArgument('--model-map', `--model-map entry "${rawFrom}=${rawTo}" needs a model name on both sides of =`);
    }
    for (const name of [from, to]) {
      if (CONTROL.test(name) || name.includes(',') || name.length > ENTRY_MAX_LENGTH) {
        throw invalidArgument('--model-map', `--model-map name "${name}" must be at most ${ENTRY_MAX_LENGTH} characters without commas or control characters`);
      }
    }
    if (from === to) throw invalidArgument('--model-map', `--model-map maps "${from}" to itself; remove that entry`);
    if (Object.hasOwn(result, from)) throw invalidArgument('--model-map', `--model-map maps "${from}" twice; keep one entry`);
    result[from] = to;
  }
  for (const start of Object.keys(result)) {
    const path = [start];
    let next = result[start];
    while (next !== undefined) {
      if (path.includes(next)) {
        throw invalidArgument('--model-map', `--model-map has a cycle: ${[...path, next].join(' → ')}; break it by removing one entry`);
      }
      path.push(next);
      next = Object.hasOwn(result, next) ? result[next] : undefined;
    }
  }
  return result;
}

/**
 * Upstream status → status used for retry, auto-disable and the client. Success statuses are never rewritten
 * in either direction: turning an error into 2xx would bill a failure, and the reverse would hide a success.
 */
export function normalizeStatusCodeMapping(mapping: Readonly<Record<string, string>>): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [rawFrom, rawTo] of Object.entries(mapping)) {
    const from = rawFrom.trim();
    const to = rawTo.trim();
    for (const code of [from, to]) {
      if (!/^[1-5]\d\d$/.test(code)) {
        throw invalidArgument('--status-code-map', `--status-code-map entry "${rawFrom}=${rawTo}" must map one HTTP status (100-599) to another, e.g. 429=503`);
      }
      if (code.startsWith('2')) throw invalidArgument('--status-code-map', `--status-code-map must not map from or to a 2xx status (got "${rawFrom}=${rawTo}")`);
    }
    if (from === to) throw invalidArgument('--status-code-map', `--status-code-map maps ${from} to itself; remove that entry`);
    result[from] = to;
  }
  return result;
}

/**
 * The provider settings after applying `changes` to `current` (the stored ones; `{}` on add): each change is
 * checked against the known settings, and `''` removes its name. Stored names the gateway no longer knows are
 * kept untouched, so an update never drops what it did not name.
 */
export function mergeSettings(
  current: Readonly<Record<string, unknown>>,
  changes: Readonly<Record<string, ChannelSettingValue>>,
): Record<string, unknown> {
  const result: Record<string, unknown> = { ...current };
  for (const [name, value] of Object.entries(changes)) {
    const checked = normalizeChannelSetting(name.trim(), value);
    if (checked === '') delete result[name.trim()];
    else result[name.trim()] = checked;
  }
  return result;
}

/**
 * The base URL to store: the type's default when none is given, checked by the outbound guard, with the host
 * normalized and trailing slashes dropped. `{model}` stays readable for custom channels.
 */
export function resolveBaseUrl(kind: ChannelKind, baseUrl: string | undefined, allowPrivate: string | null): string {
  const given = baseUrl === undefined || baseUrl.trim() === '' ? undefined : baseUrl.trim();
  const text = given ?? channelTypes[kind].defaultBaseUrl;
  if (text === undefined) {
    throw invalidArgument('--base-url', `channel type ${kind} has no default address; give one with --base-url https://…`);
  }
  const url = checkUpstreamUrl(text, { allowPrivate: allowPrivate ?? undefined, field: '--base-url' });
  if (url.hash !== '') throw invalidArgument('--base-url', '--base-url must not contain a #fragment');
  const path = url.pathname.replace(/\/+$/, '').replace(/%7Bmodel%7D/gi, '{model}');
  return `${url.origin}${path}${url.search}`;
}
