/**
 * Runtime settings an operator changes while the gateway runs (New API keeps these in its `options` table):
 * retries, failover status codes, auto-disable. Stored as JSON text in `settings`; every change bumps the
 * `settings` change counter so a running daemon picks it up within one poll interval.
 * Process-level settings (ports, timeouts, paths) live in src/config instead.
 */
import { eq } from 'drizzle-orm';
import { writeWithRevision } from '../db/repos/revisions.ts';
import { invalidArgument } from '../errors/gateway-error.ts';
import type { ServiceContext } from './context.ts';
import { formatUsd, parseUsd } from './money.ts';

export type SettingKind =
  | { type: 'integer'; min: number; max: number }
  | { type: 'boolean' }
  | { type: 'status-ranges' }
  | { type: 'list' }
  | { type: 'domains' }
  | { type: 'usd' };

interface SettingSpec<Value> {
  readonly kind: SettingKind;
  readonly defaultValue: Value;
  readonly description: string;
}

function spec<Value>(kind: SettingKind, defaultValue: Value, description: string): SettingSpec<Value> {
  return { kind, defaultValue, description };
}

/** New API retries 100-199, 300-399, 401-407, 409-499, 500-503, 505-523, 525-599 (domain.md 4.2). */
export const DEFAULT_RETRY_STATUS_CODES = '100-199,300-399,401-407,409-499,500-503,505-523,525-599';

export const settingSpecs = {
  retry_times: spec(
    { type: 'integer', min: 0, max: 10 },
    2,
    'Extra upstream attempts after a retryable failure, each on a channel not tried yet (New API: RetryTimes, default 0).',
  ),
  retry_status_codes: spec(
    { type: 'status-ranges' },
    DEFAULT_RETRY_STATUS_CODES,
    'Upstream HTTP statuses that fail over to the next channel, as ranges. Connection errors and first-byte timeouts always do.',
  ),
  auto_disable_enabled: spec(
    { type: 'boolean' },
    false,
    'Disable a channel key (or the channel with its last key) when the upstream says the account is unusable.',
  ),
  auto_disable_status_codes: spec({ type: 'status-ranges' }, '401', 'Upstream statuses that count as "account unusable" for auto-disable.'),
  auto_disable_error_codes: spec(
    { type: 'list' },
    ['invalid_api_key', 'account_deactivated', 'invalid_organization', 'insufficient_quota', 'billing_hard_limit_reached', 'billing_error'],
    "Upstream error codes (the `code` field, never message text) that count as \"account unusable\".",
  ),
  auto_enable_enabled: spec({ type: 'boolean' }, false, 'Re-enable an auto-disabled channel or key when a channel test passes.'),
  allow_unpriced_models: spec(
    { type: 'boolean' },
    false,
    'Serve models without a price (free of charge, logged as unpriced) instead of refusing them.',
  ),
  reserve_output_tokens: spec(
    { type: 'integer', min: 1, max: 10_000_000 },
    4096,
    'Output tokens reserved for a request that sets no max_tokens (or the model\'s output maximum from its price, when smaller).',
  ),
  log_consume_enabled: spec({ type: 'boolean' }, true, 'Write a request log row for every successful request (New API: LogConsumeEnabled).'),
  log_errors_enabled: spec({ type: 'boolean' }, true, 'Write a request log row for every failed request.'),
  log_bodies_enabled: spec({ type: 'boolean' }, false, 'Keep request bodies in the log, cut to 4 KiB and redacted.'),
  log_retention_days: spec({ type: 'integer', min: 0, max: 36_500 }, 30, 'Delete request log rows older than this many days (0 keeps them forever).'),
  quota_alert_threshold_usd: spec(
    { type: 'usd' },
    '1',
    'Record a quota alert once when a user\'s balance or a key\'s remaining quota drops below this amount (0 turns alerts off).',
  ),
  display_token_stat_enabled: spec(
    { type: 'boolean' },
    true,
    'The billing endpoints report the key\'s own quota and usage; off: its owner\'s balance (New API: DisplayTokenStatEnabled).',
  ),
  registration_enabled: spec(
    { type: 'boolean' },
    false,
    'Anyone may create an account with POST /api/auth/register (role user, group default); off: only administrators create users.',
  ),
  registration_email_domains: spec(
    { type: 'domains' },
    [],
    'Email domains allowed to register (comma separated, e.g. example.com,example.org); empty: any address, and none needed.',
  ),
  registration_opening_balance_usd: spec({ type: 'usd' }, '0', 'Wallet balance a self-registered account starts with, credited through the ledger.'),
} as const satisfies { [Name in keyof Settings]: SettingSpec<Settings[Name]> };

export type SettingName = keyof typeof settingSpecs;
export interface Settings {
  retry_times: number;
  retry_status_codes: string;
  auto_disable_enabled: boolean;
  auto_disable_status_codes: string;
  auto_disable_error_codes: string[];
  auto_enable_enabled: boolean;
  allow_unpriced_models: boolean;
  reserve_output_tokens: number;
  log_consume_enabled: boolean;
  log_errors_enabled: boolean;
  log_bodies_enabled: boolean;
  log_retention_days: number;
  /** Decimal USD, as typed ("1", "0.5"). */
  quota_alert_threshold_usd: string;
  display_token_stat_enabled: boolean;
  registration_enabled: boolean;
  /** Lower case, without "@". */
  registration_email_domains: string[];
  /** Decimal USD, as typed ("0", "0.5"). */
  registration_opening_balance_usd: string;
}

export const settingNames = Object.keys(settingSpecs) as SettingName[];

export function isSettingName(name: string): name is SettingName {
  return name in settingSpecs;
}

export function defaultSettings(): Settings {
  const values: Record<string, unknown> = {};
  for (const name of settingNames) {
    const value = settingSpecs[name].defaultValue;
    values[name] = Array.isArray(value) ? [...value] : value;
  }
  return values as unknown as Settings;
}

/** "401-407,409-499,500" → [[401, 407], [409, 499], [500, 500]]; refuses anything else, naming the setting. */
export function parseStatusRanges(text: string, field: string): [number, number][] {
  const ranges: [number, number][] = [];
  for (const part of text.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '')) {
    const match = /^(\d{3})(?:-(\d{3}))?$/.exec(part);
    const low = Number(match?.[1]);
    const high = Number(match?.[2] ?? match?.[1]);
    if (match === null || low < 100 || high > 599 || low > high) {
      throw invalidArgument(field, `${field}: "${part}" is not a status or range between 100 and 599 (for example 429 or 500-503)`);
    }
    ranges.push([low, high]);
  }
  return ranges;
}

export function statusInRanges(status: number, ranges: readonly (readonly [number, number])[]): boolean {
  return ranges.some(([low, high]) => status >= low && status <= high);
}

const DOMAIN = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/;

/** "Example.com, @example.org" → ["example.com", "example.org"]; refuses anything that is not a domain name. */
export function parseDomainList(text: string, field: string): string[] {
  const domains: string[] = [];
  for (const entry of text.split(',').map((part) => part.trim().toLowerCase().replace(/^@/, '').replace(/\.$/, '')).filter((part) => part !== '')) {
    if (!DOMAIN.test(entry)) throw invalidArgument(field, `${field}: "${entry}" is not a domain name (for example example.com; separate several with commas)`);
    if (!domains.includes(entry)) domains.push(entry);
  }
  return domains;
}

/** Parses an operator's text into the setting's value, or throws naming the setting and the expected form. */
export function parseSettingValue(name: SettingName, text: string): Settings[SettingName] {
  const { kind } = settingSpecs[name];
  const value = text.trim();
  switch (kind.type) {
    case 'integer': {
      if (!/^\d+$/.test(value) || Number(value) < kind.min || Number(value) > kind.max) {
        throw invalidArgument(name, `${name} must be a whole number from ${kind.min} to ${kind.max} (got "${text}")`);
      }
      return Number(value);
    }
    case 'boolean': {
      if (/^(true|on|yes|1)$/i.test(value)) return true;
      if (/^(false|off|no|0)$/i.test(value)) return false;
      throw invalidArgument(name, `${name} must be true or false (got "${text}")`);
    }
    case 'status-ranges':
      parseStatusRanges(value, name);
      return value.replace(/\s+/g, '');
    case 'usd':
      return formatUsd(parseUsd(value, name));
    case 'domains':
      return parseDomainList(value, name);
    case 'list':
      return value
        .split(',')
        .map((entry) => entry.trim())
        .filter((entry) => entry !== '');
  }
}

/** Reads a stored JSON value back; a value that no longer parses falls back to the default (and is reported). */
function decodeStored(name: SettingName, json: string): Settings[SettingName] | undefined {
  try {
    const parsed: unknown = JSON.parse(json);
    const text = Array.isArray(parsed) ? parsed.join(',') : String(parsed);
    return parseSettingValue(name, text);
  } catch {
    return undefined;
  }
}

export interface SettingView {
  name: SettingName;
  value: Settings[SettingName];
  isDefault: boolean;
  description: string;
  defaultValue: Settings[SettingName];
  /** What values it takes (an integer range, true/false, status ranges, a list …). */
  kind: SettingKind;
}

/** A new value as the admin API's JSON carries it; turned into the text `gateway setting set` takes. */
export type SettingInput = string | number | boolean | readonly string[];

/** The text of a JSON value, for parseSettingValue: lists joined with commas, numbers and booleans spelled out. */
export function settingInputText(input: SettingInput): string {
  return typeof input === 'string' ? input : Array.isArray(input) ? input.join(',') : String(input);
}

export interface SettingsService {
  /** All settings, defaults filled in. */
  current(): Promise<Settings>;
  list(): Promise<SettingView[]>;
  set(name: string, text: string): Promise<SettingView>;
  reset(name: string): Promise<SettingView>;
  /**
   * Changes several settings at once, all or none: every value is checked as `set` checks it (null resets to
   * the default) before anything is written, then all are written in one transaction. Returns every setting.
   */
  update(changes: Readonly<Record<string, SettingInput | null>>): Promise<SettingView[]>;
}

/** The setting a name names; invalid_argument listing the known ones otherwise (also the remote CLI's check). */
export function requireSettingName(name: string): SettingName {
  if (!isSettingName(name)) throw invalidArgument('name', `unknown setting "${name}"; known settings: ${settingNames.join(', ')}`);
  return name;
}

export function createSettingsService(context: ServiceContext): SettingsService {
  const { store, clock } = context;
  const { settings: table } = store.tables;

  const stored = async (): Promise<Map<SettingName, Settings[SettingName]>> => {
    const rows = await store.db.select().from(table);
    const values = new Map<SettingName, Settings[SettingName]>();
    for (const row of rows) {
      if (!isSettingName(row.key)) continue;
      const value = decodeStored(row.key, row.value);
      if (value !== undefined) values.set(row.key, value);
    }
    return values;
  };

  const current = async (): Promise<Settings> => {
    const values = await stored();
    const result = defaultSettings() as Record<SettingName, Settings[SettingName]>;
    for (const [name, value] of values) result[name] = value;
    return result as Settings;
  };

  const view = async (name: SettingName, read?: Map<SettingName, Settings[SettingName]>): Promise<SettingView> => {
    const values = read ?? (await stored());
    const value = values.get(name);
    return {
      name,
      value: value ?? defaultSettings()[name],
      isDefault: value === undefined,
      description: settingSpecs[name].description,
      defaultValue: defaultSettings()[name],
      kind: settingSpecs[name].kind,
    };
  };

  return {
    current,
    list: async () => {
      const values = await stored();
      return Promise.all(settingNames.map((name) => view(name, values)));
    },
    set: async (name, text) => {
      const settingName = requireSettingName(name);
      const value = parseSettingValue(settingName, text);
      await writeWithRevision(store, 'settings', clock.now, async (tx, now) => {
        await tx
          .insert(table)
          .values({ key: settingName, value: JSON.stringify(value), updatedAt: now })
          .onConflictDoUpdate({ target: table.key, set: { value: JSON.stringify(value), updatedAt: now } });
      });
      return view(settingName);
    },
    reset: async (name) => {
      const settingName = requireSettingName(name);
      await writeWithRevision(store, 'settings', clock.now, async (tx) => {
        await tx.delete(table).where(eq(table.key, settingName));
      });
      return view(settingName);
    },
    update: async (changes) => {
      const parsed = Object.entries(changes).map(([name, input]) => {
        if (!isSettingName(name)) throw invalidArgument(name, `unknown setting "${name}"; known settings: ${settingNames.join(', ')}`);
        return { name, value: input === null ? undefined : parseSettingValue(name, settingInputText(input)) };
      });
      if (parsed.length > 0) {
        await writeWithRevision(store, 'settings', clock.now, async (tx, now) => {
          for (const { name, value } of parsed) {
            if (value === undefined) {
              await tx.delete(table).where(eq(table.key, name));
              continue;
            }
            const json = JSON.stringify(value);
            await tx.insert(table).values({ key: name, value: json, updatedAt: now }).onConflictDoUpdate({ target: table.key, set: { value: json, updatedAt: now } });
          }
        });
      }
      const values = await stored();
      return Promise.all(settingNames.map((name) => view(name, values)));
    },
  };
}
