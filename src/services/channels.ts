/**
 * Channels: upstream providers with their keys, models and routing weights. Every save rewrites the channel's
 * abilities (the group × model routing index) and bumps the `channels` revision in the same transaction, so
 * a running daemon never routes on half a change. Provider keys are encrypted at rest, bound to their row
 * (`channel_keys:<channel id>:<position>`), and only their last four characters ever leave this service,
 * except through `decryptKeys`, which is for the relay (root's password-checked reveal is ./channel-keys.ts).
 */
import type { Db, Store } from '../db/client.ts';
import {
  type ChannelChanges,
  type ChannelKeyRow,
  type ChannelRow,
  deleteChannel,
  findChannelById,
  findChannelByName,
  insertChannel,
  isUniqueViolation,
  listChannelKeys,
  listChannelRows,
  pageChannelRows,
  replaceAbilities,
  replaceChannelKeys,
  updateChannel,
} from '../db/repos/channels.ts';
import { bumpRevision } from '../db/repos/revisions.ts';
import type { PageWindow } from '../db/repos/search.ts';
import { conflict, invalidArgument, notFound } from '../errors/gateway-error.ts';
import { type ChannelSettingValue, looksLikeKey } from './channel-settings.ts';
import { type ChannelKind, channelTypes, isChannelKind } from './channel-types.ts';
import {
  type KeyMode,
  keyHint,
  mergeSettings,
  normalizeAllowPrivate,
  normalizeGroups,
  normalizeKeyMode,
  normalizeKeys,
  normalizeKind,
  normalizeModelMapping,
  normalizeModels,
  normalizeName,
  normalizeOptionalText,
  normalizePriority,
  normalizeStatusCodeMapping,
  normalizeWeight,
  resolveBaseUrl,
} from './channel-validation.ts';
import type { ServiceContext } from './context.ts';
import { formatUsd } from './money.ts';

export type { KeyMode } from './channel-validation.ts';
export type ChannelStatus = 'enabled' | 'disabled' | 'auto-disabled';

/** New API's status integers (docs/domain.md 9.3). */
/** New API's integers in `channels.status` and `channel_keys.status`. */
export const CHANNEL_STATUS_CODES = { enabled: 1, disabled: 2, 'auto-disabled': 3 } as const satisfies Record<ChannelStatus, number>;
const STATUS_CODES = CHANNEL_STATUS_CODES;
const channelStatuses = Object.keys(STATUS_CODES) as ChannelStatus[];

export interface ChannelInput {
  name: string;
  type: string;
  /** Defaults to the type's address; required for azure, custom and openai-compatible. */
  baseUrl?: string;
  /** One or more provider keys; several make a multi-key channel. */
  keys: readonly string[];
  models: readonly string[];
  groups?: readonly string[];
  priority?: number;
  weight?: number;
  modelMapping?: Readonly<Record<string, string>>;
  statusCodeMapping?: Readonly<Record<string, string>>;
  testModel?: string;
  tag?: string;
  keyMode?: string;
  /** Exact host:port of a private upstream this channel may reach. */
  allowPrivate?: string;
  remark?: string;
  /** Provider settings (channel-settings.ts lists the names); on update merged into the stored ones. */
  settings?: Readonly<Record<string, ChannelSettingValue>>;
}

/**
 * Fields to change; absent fields stay. `keys` replaces every key. An empty string clears optional text.
 * `settings` changes only the names it gives, and a name given `''` is removed.
 */
export type ChannelPatch = Partial<ChannelInput>;

export interface ChannelFilter {
  type?: string;
  status?: string;
  tag?: string;
  group?: string;
  model?: string;
}

export interface ChannelSearch extends ChannelFilter {
  /** Literal text in the name, tag, remark, base URL or models (wildcards have no meaning). */
  search?: string;
}

export interface ChannelKeyView {
  /** 0-based; `decryptKeys(id)[position]` is this key. */
  position: number;
  /** Last four characters, or empty for keys too short to show any. */
  hint: string;
  status: ChannelStatus;
}

export interface ChannelView {
  id: number;
  name: string;
  type: string;
  baseUrl: string;
  status: ChannelStatus;
  disabledReason: string | null;
  priority: number;
  weight: number;
  models: string[];
  groups: string[];
  modelMapping: Record<string, string>;
  statusCodeMapping: Record<string, string>;
  testModel: string | null;
  tag: string | null;
  keyMode: KeyMode;
  allowPrivate: string | null;
  remark: string;
  /** Provider settings; never secret (key-like values are refused on write and left out here). */
  settings: Record<string, unknown>;
  keys: ChannelKeyView[];
  usedUsd: string;
  requestCount: number;
  responseTimeMs: number | null;
  testedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface ChannelService {
  add(input: ChannelInput): Promise<ChannelView>;
  list(filter?: ChannelFilter): Promise<ChannelView[]>;
  /** One page of channels, by id, with the total that match. */
  page(search: ChannelSearch, window: PageWindow): Promise<{ channels: ChannelView[]; total: number }>;
  /** `ref` is an id (all digits) or a name. */
  get(ref: string): Promise<ChannelView>;
  update(ref: string, patch: ChannelPatch): Promise<ChannelView>;
  setEnabled(ref: string, enabled: boolean): Promise<ChannelView>;
  /** Deletes the channel, its keys and its abilities; returns what was removed. */
  remove(ref: string): Promise<ChannelView>;
  /** Plaintext keys in position order, for the relay only. */
  decryptKeys(id: number): Promise<string[]>;
}

function statusName(code: number): ChannelStatus {
  if (code === STATUS_CODES.enabled) return 'enabled';
  if (code === STATUS_CODES['auto-disabled']) return 'auto-disabled';
  // 2 and New API's 0 ("unknown") both keep the channel out of routing.
  return 'disabled';
}

function parseStringArray(text: string): string[] {
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) ? value.filter((entry): entry is string => typeof entry === 'string') : [];
  } catch {
    return [];
  }
}

/** Stored maps may come from an import with numeric values (`{"429": 500}`); they are shown as strings. */
function parseStringRecord(text: string): Record<string, string> {
  try {
    const value: unknown = JSON.parse(text);
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return {};
    const result: Record<string, string> = {};
    for (const [key, entry] of Object.entries(value)) {
      if (typeof entry === 'string' || typeof entry === 'number') result[key] = String(entry);
    }
    return result;
  } catch {
    return {};
  }
}

function parseObject(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? { ...value } : {};
  } catch {
    return {};
  }
}

/** Stored settings for display; a key-like value (only possible through a hand-edited row) is left out. */
function visibleSettings(text: string): Record<string, unknown> {
  return Object.fromEntries(Object.entries(parseObject(text)).filter(([, value]) => !looksLikeKey(value)));
}

function isoTime(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

/** The view of a channel row; `keys` may hold other channels' keys too (only this one's are used). */
export function toChannelView(row: ChannelRow, keys: readonly ChannelKeyRow[]): ChannelView {
  return {
    id: row.id,
    name: row.name,
    type: row.type,
    baseUrl: row.baseUrl,
    status: statusName(row.status),
    disabledReason: row.disabledReason,
    priority: row.priority,
    weight: row.weight,
    models: parseStringArray(row.models),
    groups: parseStringArray(row.groups),
    modelMapping: parseStringRecord(row.modelMapping),
    statusCodeMapping: parseStringRecord(row.statusCodeMapping),
    testModel: row.testModel,
    tag: row.tag,
    keyMode: row.keyMode === 'round-robin' ? 'round-robin' : 'random',
    allowPrivate: row.allowPrivate,
    remark: row.remark,
    settings: visibleSettings(row.settings),
    keys: keys
      .filter((key) => key.channelId === row.id)
      .map((key) => ({ position: key.position, hint: key.keyHint, status: statusName(key.status) })),
    usedUsd: formatUsd(row.usedAmount),
    requestCount: row.requestCount,
    responseTimeMs: row.responseTimeMs,
    testedAt: isoTime(row.testedAt),
    createdAt: new Date(row.createdAt).toISOString(),
    updatedAt: new Date(row.updatedAt).toISOString(),
  };
}

/** The repository filter for the operator's filter text (`--status auto-disabled` …). */
function rowFilter(filter: ChannelFilter) {
  const status = filter.status?.trim().toLowerCase();
  if (status !== undefined && !channelStatuses.includes(status as ChannelStatus)) {
    throw invalidArgument('--status', `--status must be one of ${channelStatuses.join(', ')} (got "${filter.status}")`);
  }
  return {
    type: filter.type === undefined ? undefined : normalizeKind(filter.type),
    status: status === undefined ? undefined : STATUS_CODES[status as ChannelStatus],
    tag: filter.tag?.trim(),
    group: filter.group?.trim(),
    model: filter.model?.trim(),
  };
}

function missingChannel(ref: string): Error {
  const what = /^\d+$/.test(ref.trim()) ? `with id ${ref.trim()}` : `named "${ref.trim()}"`;
  return notFound(`no channel ${what}; list channels with: gateway channel list`);
}

function duplicateName(name: string): Error {
  return conflict('--name', `a channel named "${name}" already exists; choose another --name, or change it with: gateway channel update "${name}" …`);
}

/** The channel a reference names (an id, all digits, or a name); not_found otherwise. */
export async function findChannelRow(store: Store, db: Db, ref: string): Promise<ChannelRow> {
  const trimmed = ref.trim();
  const id = /^\d+$/.test(trimmed) ? Number(trimmed) : undefined;
  const row =
    id === undefined
      ? await findChannelByName(store, db, trimmed)
      : Number.isSafeInteger(id)
        ? await findChannelById(store, db, id)
        : undefined;
  if (row === undefined) throw missingChannel(ref);
  return row;
}

/**
 * The tail of every save, inside its transaction: rewrites the channel's abilities (the routing index rows
 * carry status, priority, weight and tag) and bumps the `channels` revision, so a running daemon reloads.
 */
export async function finishChannelSave(store: Store, db: Db, row: ChannelRow, now: number): Promise<ChannelView> {
  const groups = parseStringArray(row.groups);
  const models = parseStringArray(row.models);
  const enabled = row.status === STATUS_CODES.enabled;
  await replaceAbilities(
    store,
    db,
    row.id,
    groups.flatMap((group) => models.map((model) => ({ group, model, enabled, priority: row.priority, weight: row.weight, tag: row.tag }))),
  );
  await bumpRevision(store, db, 'channels', now);
  return toChannelView(row, await listChannelKeys(store, db, [row.id]));
}

export function createChannelService(context: ServiceContext): ChannelService {
  const { store, cipher, clock } = context;

  const find = (db: Db, ref: string): Promise<ChannelRow> => findChannelRow(store, db, ref);

  async function writeKeys(db: Db, channelId: number, keys: readonly string[], now: number): Promise<void> {
    await replaceChannelKeys(
      store,
      db,
      channelId,
      keys.map((key, position) => ({
        position,
        keyCiphertext: cipher.encrypt(key, `channel_keys:${channelId}:${position}`),
        keyHint: keyHint(key),
        status: STATUS_CODES.enabled,
        createdAt: now,
      })),
    );
  }

  const finishSave = (db: Db, row: ChannelRow, now: number): Promise<ChannelView> => finishChannelSave(store, db, row, now);

  /** Runs a save; a unique-name race lost to another process surfaces as the same conflict as the pre-check. */
  async function save(name: string | undefined, fn: (db: Db) => Promise<ChannelView>): Promise<ChannelView> {
    try {
      return await store.transaction(fn);
    } catch (error) {
      if (name !== undefined && isUniqueViolation(error)) throw duplicateName(name);
      throw error;
    }
  }

  return {
    async add(input) {
      const name = normalizeName(input.name);
      const kind = normalizeKind(input.type);
      const allowPrivate = input.allowPrivate === undefined ? null : normalizeAllowPrivate(input.allowPrivate);
      const values = {
        name,
        type: kind,
        baseUrl: resolveBaseUrl(kind, input.baseUrl, allowPrivate),
        allowPrivate,
        models: JSON.stringify(normalizeModels(input.models)),
        groups: JSON.stringify(input.groups === undefined ? ['default'] : normalizeGroups(input.groups)),
        priority: input.priority === undefined ? 0 : normalizePriority(input.priority),
        weight: input.weight === undefined ? 1 : normalizeWeight(input.weight),
        modelMapping: JSON.stringify(input.modelMapping === undefined ? {} : normalizeModelMapping(input.modelMapping)),
        statusCodeMapping: JSON.stringify(input.statusCodeMapping === undefined ? {} : normalizeStatusCodeMapping(input.statusCodeMapping)),
        testModel: input.testModel === undefined ? null : normalizeOptionalText(input.testModel, '--test-model'),
        tag: input.tag === undefined ? null : normalizeOptionalText(input.tag, '--tag'),
        keyMode: input.keyMode === undefined ? 'random' : normalizeKeyMode(input.keyMode),
        remark: input.remark === undefined ? '' : (normalizeOptionalText(input.remark, '--remark') ?? ''),
        settings: JSON.stringify(input.settings === undefined ? {} : mergeSettings({}, input.settings)),
        status: STATUS_CODES.enabled,
      };
      const keys = normalizeKeys(input.keys);
      const now = clock.now();
      return save(name, async (db) => {
        if ((await findChannelByName(store, db, name)) !== undefined) throw duplicateName(name);
        const row = await insertChannel(store, db, { ...values, createdAt: now, updatedAt: now });
        await writeKeys(db, row.id, keys, now);
        return finishSave(db, row, now);
      });
    },

    async list(filter = {}) {
      const rows = await listChannelRows(store, store.db, rowFilter(filter));
      const keys = await listChannelKeys(store, store.db, rows.map((row) => row.id));
      return rows.map((row) => toChannelView(row, keys));
    },

    async page(search, window) {
      const { rows, total } = await pageChannelRows(store, store.db, { ...rowFilter(search), search: search.search }, window);
      const keys = await listChannelKeys(store, store.db, rows.map((row) => row.id));
      return { channels: rows.map((row) => toChannelView(row, keys)), total };
    },

    async get(ref) {
      const row = await find(store.db, ref);
      return toChannelView(row, await listChannelKeys(store, store.db, [row.id]));
    },

    async update(ref, patch) {
      const name = patch.name === undefined ? undefined : normalizeName(patch.name);
      const keys = patch.keys === undefined ? undefined : normalizeKeys(patch.keys);
      const now = clock.now();
      return save(name, async (db) => {
        const current = await find(db, ref);
        const changes: ChannelChanges = { updatedAt: now };
        if (name !== undefined && name !== current.name) {
          if ((await findChannelByName(store, db, name)) !== undefined) throw duplicateName(name);
          changes.name = name;
        }
        const currentKind: ChannelKind | undefined = isChannelKind(current.type) ? current.type : undefined;
        const kind = patch.type === undefined ? currentKind : normalizeKind(patch.type);
        const allowPrivate = patch.allowPrivate === undefined ? current.allowPrivate : normalizeAllowPrivate(patch.allowPrivate);
        if (patch.type !== undefined || patch.baseUrl !== undefined || patch.allowPrivate !== undefined) {
          if (kind === undefined) throw invalidArgument('--type', `channel "${current.name}" has an unknown stored type "${current.type}"; set one with --type`);
          // A channel still on its old type's default address follows the new type's default.
          const onDefault = currentKind !== undefined && current.baseUrl === channelTypes[currentKind].defaultBaseUrl;
          const baseUrl = patch.baseUrl ?? (patch.type !== undefined && onDefault ? undefined : current.baseUrl);
          changes.type = kind;
          changes.baseUrl = resolveBaseUrl(kind, baseUrl, allowPrivate);
          changes.allowPrivate = allowPrivate;
        }
        if (patch.models !== undefined) changes.models = JSON.stringify(normalizeModels(patch.models));
        if (patch.groups !== undefined) changes.groups = JSON.stringify(normalizeGroups(patch.groups));
        if (patch.priority !== undefined) changes.priority = normalizePriority(patch.priority);
        if (patch.weight !== undefined) changes.weight = normalizeWeight(patch.weight);
        if (patch.modelMapping !== undefined) changes.modelMapping = JSON.stringify(normalizeModelMapping(patch.modelMapping));
        if (patch.statusCodeMapping !== undefined) {
          changes.statusCodeMapping = JSON.stringify(normalizeStatusCodeMapping(patch.statusCodeMapping));
        }
        if (patch.testModel !== undefined) changes.testModel = normalizeOptionalText(patch.testModel, '--test-model');
        if (patch.tag !== undefined) changes.tag = normalizeOptionalText(patch.tag, '--tag');
        if (patch.keyMode !== undefined) changes.keyMode = normalizeKeyMode(patch.keyMode);
        if (patch.remark !== undefined) changes.remark = normalizeOptionalText(patch.remark, '--remark') ?? '';
        if (patch.settings !== undefined) changes.settings = JSON.stringify(mergeSettings(parseObject(current.settings), patch.settings));
        const row = (await updateChannel(store, db, current.id, changes)) ?? current;
        if (keys !== undefined) await writeKeys(db, row.id, keys, now);
        return finishSave(db, row, now);
      });
    },

    async setEnabled(ref, enabled) {
      const now = clock.now();
      return save(undefined, async (db) => {
        const current = await find(db, ref);
        const changes: ChannelChanges = enabled
          ? { status: STATUS_CODES.enabled, disabledReason: null, disabledAt: null, updatedAt: now }
          : { status: STATUS_CODES.disabled, disabledReason: null, disabledAt: now, updatedAt: now };
        const row = (await updateChannel(store, db, current.id, changes)) ?? current;
        return finishSave(db, row, now);
      });
    },

    async remove(ref) {
      const now = clock.now();
      return save(undefined, async (db) => {
        const current = await find(db, ref);
        const view = toChannelView(current, await listChannelKeys(store, db, [current.id]));
        await deleteChannel(store, db, current.id);
        await bumpRevision(store, db, 'channels', now);
        return view;
      });
    },

    async decryptKeys(id) {
      const rows = await listChannelKeys(store, store.db, [id]);
      return rows.map((row) => cipher.decrypt(row.keyCiphertext, `channel_keys:${id}:${row.position}`));
    },
  };
}
