/**
 * The price list and group multipliers an operator edits, and the `PriceBook` the relay bills with.
 *
 * Prices are integer micro-USD per 1M tokens (or per call), entered as decimal USD and converted exactly; New API
 * ratios are accepted too (ratio 1 = $2 per 1M input tokens). A model name may end in `*` to price every name
 * with that prefix. The built-in list (src/services/default-prices.ts) is seeded once per database: a
 * `system_info` marker records it, so a default an operator removed stays removed across restarts.
 * `reset()` restores the built-in list: it adds every missing default and overwrites defaults whose price was
 * changed, and leaves models that have no built-in price alone; `reset(model)` does the same for one model.
 * Every write bumps the `prices` change counter, so a running daemon reloads its book.
 */
import {
  claimSystemMarker,
  deleteGroup,
  deletePrice,
  findPrice,
  type GroupRow,
  insertMissingPrices,
  listGroups,
  listPrices,
  type PriceRow,
  upsertGroup,
  upsertPrice,
} from '../db/repos/prices.ts';
import { writeWithRevision } from '../db/repos/revisions.ts';
import type { PageWindow } from '../db/repos/search.ts';
import { getSystemInfo } from '../db/repos/system-info.ts';
import { invalidArgument, notFound } from '../errors/gateway-error.ts';
import type { ServiceContext } from './context.ts';
import { defaultPriceFor, defaultPrices } from './default-prices.ts';
import { formatUsd, parseUsd } from './money.ts';
import { readNewApiPrices } from './new-api-prices.ts';
import { type ModelPrice, type PriceBook, priceFromRatios, UNIT_MULTIPLIER_PPM } from './pricing.ts';
import { validateGroup } from './users.ts';

/** What the CLI shows for one price: USD as exact decimal strings, null where the price has no such rate. */
export interface PriceView {
  model: string;
  mode: 'tokens' | 'per-call';
  inputUsdPerMillion: string | null;
  outputUsdPerMillion: string | null;
  /** Cache reads; billed at the input rate when null. */
  cachedUsdPerMillion: string | null;
  /** Cache writes; billed at the input rate when null. */
  cacheWriteUsdPerMillion: string | null;
  imageInputUsdPerMillion: string | null;
  audioInputUsdPerMillion: string | null;
  audioOutputUsdPerMillion: string | null;
  perCallUsd: string | null;
  maxOutputTokens: number | null;
  /** True when the stored price equals the built-in price of this model name. */
  isDefault: boolean;
  updatedAt: string;
}

export interface GroupView {
  name: string;
  /** Decimal text, exact: "1.5", "0" (free). */
  multiplier: string;
  multiplierPpm: number;
  description: string;
  updatedAt: string;
}

/** Token rates as decimal USD per 1M tokens ("2.5"). Rates left out bill at the input (or output) rate. */
export interface TokenPriceInput {
  input: string;
  output: string;
  cached?: string;
  cacheWrite?: string;
  imageInput?: string;
  audioInput?: string;
  audioOutput?: string;
  maxOutputTokens?: number | string;
}

/** A per-call price in decimal USD ("0.04"). */
export interface PerCallPriceInput {
  perCall: string;
}

/** New API ratios: model ratio 1 = $2 per 1M input tokens; the others scale it (output, cache read, cache write). */
export interface RatioPriceInput {
  ratio: string | number;
  completionRatio?: string | number;
  cacheRatio?: string | number;
  createCacheRatio?: string | number;
  maxOutputTokens?: number | string;
}

export type PriceInput = TokenPriceInput | PerCallPriceInput | RatioPriceInput;

export interface GroupInput {
  /** Decimal text with at most 6 decimals: "1.5", "0.8", "0" (free). */
  multiplier: string;
  /** Left out: an existing group keeps its description. */
  description?: string;
}

export interface PriceResetResult {
  /** Built-in prices that were missing and were added back. */
  added: string[];
  /** Built-in prices that had been changed and were overwritten. */
  updated: string[];
  /** How many built-in prices were already as shipped. */
  unchanged: number;
}

export interface PriceImportResult {
  prices: PriceView[];
  groups: GroupView[];
  /** Option keys in the file that are not price options (`QuotaPerUnit`, `ImageRatio` …). */
  ignoredOptions: string[];
  /** Models named in `CompletionRatio`/`CacheRatio`/`CreateCacheRatio` but neither `ModelRatio` nor `ModelPrice`. */
  unpriced: string[];
  /** Entries that cannot be stored here, each with the reason (an invalid model or group name). */
  skipped: string[];
}

export interface PriceService {
  /** Every stored price, ordered by model name. */
  list(): Promise<PriceView[]>;
  /** One page of prices by model name, those whose name contains `search` (literally, ignoring case), and how many match. */
  page(filter: { search?: string }, window: PageWindow): Promise<{ prices: PriceView[]; total: number }>;
  /** The stored price of exactly this name (a `prefix*` pattern included). */
  get(model: string): Promise<PriceView>;
  /** The stored price that bills a requested model name (the PriceBook lookup), if any. */
  resolve(model: string): Promise<PriceView | undefined>;
  set(model: string, input: PriceInput): Promise<PriceView>;
  remove(model: string): Promise<PriceView>;
  /** Restores the built-in price of one model, or of every built-in model (see the file comment). */
  reset(model?: string): Promise<PriceResetResult>;
  /** Seeds the built-in prices once per database; true when this call seeded them. */
  ensureDefaults(): Promise<boolean>;
  /** Imports New API option values (JSON text or objects by option key); see src/services/new-api-prices.ts. */
  importNewApi(options: Record<string, string | object>): Promise<PriceImportResult>;
  setGroup(name: string, input: GroupInput): Promise<GroupView>;
  listGroups(): Promise<GroupView[]>;
  removeGroup(name: string): Promise<GroupView>;
  /** The whole price list and the group multipliers, for billing. */
  loadBook(): Promise<PriceBook>;
}

/** `system_info` key recording that the built-in prices were seeded into this database. */
export const PRICES_SEEDED_KEY = 'prices_seeded';

const MAX_MODEL_LENGTH = 256;
const MAX_DESCRIPTION_LENGTH = 200;
const MAX_OUTPUT_TOKENS = 10_000_000;
/** Largest New API ratio accepted (ratio 1 000 000 = $2 000 000 per 1M tokens). */
const MAX_RATIO = 1_000_000;
/** Largest group multiplier: 1000×. */
const MAX_MULTIPLIER_PPM = 1000 * UNIT_MULTIPLIER_PPM;
// C0 controls, DEL and C1 controls: never part of a model name (CR/LF would also split log lines).
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * Reasoning and thinking controls in a model name (domain.md 5.3): `o3-mini-high`, `gpt-5-minimal`,
 * `claude-sonnet-4-5-thinking`, `gemini-2.5-pro-thinking-128`, `gemini-2.5-flash-nothinking`. They do not change
 * the price, so a name carrying one is billed as its base model when it has no price of its own.
 */
const REASONING_SUFFIX = /-(?:high|medium|low|minimal|none|xhigh|nothinking|thinking(?:-\d+)?)$/;

/** The model name without a reasoning/thinking suffix, or undefined when it has none. */
export function stripReasoningSuffix(model: string): string | undefined {
  const match = REASONING_SUFFIX.exec(model);
  return match === null || match.index === 0 ? undefined : model.slice(0, match.index);
}

/** A price's model name: trimmed, 1-256 characters, no control characters, at most one `*`, only at the end. */
export function normalizePriceModel(text: string, field = 'MODEL'): string {
  const name = text.trim();
  if (name.length === 0 || name.length > MAX_MODEL_LENGTH) {
    throw invalidArgument(field, `${field} must be a model name of 1 to ${MAX_MODEL_LENGTH} characters (got ${name.length})`);
  }
  if (CONTROL.test(name)) throw invalidArgument(field, `${field} "${name}" must not contain control characters`);
  const star = name.indexOf('*');
  if (star !== -1 && star !== name.length - 1) {
    throw invalidArgument(field, `${field} "${name}" may contain "*" only once, at the end, as a prefix wildcard like gemini-2.5-pro-thinking-*`);
  }
  return name;
}

/** "1.5" → 1 500 000 parts per million, exactly (decimal text is never passed through floating point). */
export function parseGroupMultiplier(text: string, field = '--multiplier'): number {
  const match = /^(\d{1,4})(?:\.(\d{1,6}))?$/.exec(text.trim());
  const ppm = match === null ? undefined : Number(match[1]) * UNIT_MULTIPLIER_PPM + Number((match[2] ?? '').padEnd(6, '0'));
  if (ppm === undefined || ppm > MAX_MULTIPLIER_PPM) {
    throw invalidArgument(field, `${field} must be a decimal from 0 to 1000 with at most 6 decimals, like 1.5, or 0 for free (got "${text}")`);
  }
  return ppm;
}

/** Parts per million as decimal text: 1 500 000 → "1.5" (the same millionths scale as micro-USD). */
export function formatMultiplier(ppm: number): string {
  return formatUsd(ppm);
}

/**
 * Builds the lookup the relay bills with: the exact name; else, for a name with a reasoning/thinking suffix,
 * its base name; else the longest `prefix*` pattern the name starts with. Groups without a multiplier bill at 1.
 */
export function buildPriceBook(prices: readonly ModelPrice[], groupMultipliers: ReadonlyMap<string, number>): PriceBook {
  const exact = new Map<string, ModelPrice>();
  const patterns: { prefix: string; price: ModelPrice }[] = [];
  for (const price of prices) {
    if (price.model.endsWith('*')) patterns.push({ prefix: price.model.slice(0, -1), price });
    else exact.set(price.model, price);
  }
  patterns.sort((left, right) => right.prefix.length - left.prefix.length);
  return {
    priceFor(model) {
      const direct = exact.get(model);
      if (direct !== undefined) return direct;
      const base = stripReasoningSuffix(model);
      const ofBase = base === undefined ? undefined : exact.get(base);
      if (ofBase !== undefined) return ofBase;
      // A prefix of the base name is a prefix of the full name too, so one pass over the full name covers both.
      return patterns.find((pattern) => model.startsWith(pattern.prefix))?.price;
    },
    multiplierPpm(group) {
      return groupMultipliers.get(group) ?? UNIT_MULTIPLIER_PPM;
    },
  };
}

const tokenFlags = {
  input: '--input',
  output: '--output',
  cached: '--cached',
  cacheWrite: '--cache-write',
  imageInput: '--image-input',
  audioInput: '--audio-input',
  audioOutput: '--audio-output',
} as const;
const ratioFlags = {
  ratio: '--ratio',
  completionRatio: '--completion-ratio',
  cacheRatio: '--cache-ratio',
  createCacheRatio: '--create-cache-ratio',
} as const;
const inputFlags: Readonly<Record<string, string>> = { ...tokenFlags, ...ratioFlags, perCall: '--per-call', maxOutputTokens: '--max-output-tokens' };

/** Decimal USD (per 1M tokens, or per call): at most 6 decimals, below $10 000 000. */
function parseRate(value: unknown, field: string, unit: string): number {
  const text = typeof value === 'string' ? value.trim() : undefined;
  if (text === undefined || !/^\$?\d{1,7}(?:\.\d{1,6})?$/.test(text)) {
    throw invalidArgument(field, `${field} must be ${unit} with at most 6 decimals, like 2.5 or 0.075 (got "${String(value)}")`);
  }
  return parseUsd(text, field);
}

function parseRatio(value: unknown, field: string): number {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= MAX_RATIO) return value;
  const text = typeof value === 'string' ? value.trim() : '';
  if (/^\d{1,7}(?:\.\d{1,9})?$/.test(text) && Number(text) <= MAX_RATIO) return Number(text);
  throw invalidArgument(
    field,
    `${field} must be a decimal from 0 to ${MAX_RATIO} with at most 9 decimals, like 1.25 (New API ratio; model ratio 1 = $2 per 1M input tokens) (got "${String(value)}")`,
  );
}

function parseMaxOutputTokens(value: unknown): number {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
  const count = /^\d{1,8}$/.test(text) ? Number(text) : 0;
  if (count < 1 || count > MAX_OUTPUT_TOKENS) {
    throw invalidArgument('--max-output-tokens', `--max-output-tokens must be a whole number from 1 to ${MAX_OUTPUT_TOKENS} (got "${String(value)}")`);
  }
  return count;
}

/** Turns one of the three input forms into a price, refusing mixed or incomplete forms with the flag to fix. */
function parsePriceInput(model: string, input: PriceInput): ModelPrice {
  // The three forms are told apart by which fields are present, so the input is read as a plain record.
  const fields = new Map(Object.entries(input as unknown as Record<string, unknown>).filter(([, value]) => value !== undefined));
  for (const key of fields.keys()) {
    if (inputFlags[key] === undefined) throw invalidArgument(key, `unknown price field "${key}"; known: ${Object.keys(inputFlags).join(', ')}`);
  }
  const given = (names: Record<string, string>): string[] => Object.keys(names).filter((key) => fields.has(key)).map((key) => names[key] ?? key);
  const tokenGiven = given(tokenFlags);
  const ratioGiven = given(ratioFlags);
  const maxOutput = fields.has('maxOutputTokens') ? parseMaxOutputTokens(fields.get('maxOutputTokens')) : undefined;

  if (fields.has('perCall')) {
    const others = [...tokenGiven, ...ratioGiven, ...(maxOutput === undefined ? [] : ['--max-output-tokens'])];
    if (others.length > 0) {
      throw invalidArgument('--per-call', `--per-call cannot be combined with ${others.join(', ')}: a model is billed either per call or per token`);
    }
    return { model, perCall: parseRate(fields.get('perCall'), '--per-call', 'USD per call'), input: 0, output: 0 };
  }
  if (ratioGiven.length > 0) {
    if (tokenGiven.length > 0) {
      throw invalidArgument('--ratio', `${ratioGiven[0]} cannot be combined with ${tokenGiven.join(', ')}: give New API ratios or USD rates, not both`);
    }
    if (!fields.has('ratio')) throw invalidArgument('--ratio', `${ratioGiven.join(', ')} need --ratio, the New API model ratio they scale (1 = $2 per 1M input tokens)`);
    const optionalRatio = (key: keyof typeof ratioFlags): number | undefined =>
      fields.has(key) ? parseRatio(fields.get(key), ratioFlags[key]) : undefined;
    const price = priceFromRatios(model, {
      modelRatio: parseRatio(fields.get('ratio'), '--ratio'),
      completionRatio: optionalRatio('completionRatio'),
      cacheRatio: optionalRatio('cacheRatio'),
      createCacheRatio: optionalRatio('createCacheRatio'),
    });
    return maxOutput === undefined ? price : { ...price, maxOutputTokens: maxOutput };
  }
  if (!fields.has('input') || !fields.has('output')) {
    const missing = fields.has('input') ? '--output' : '--input';
    if (tokenGiven.length === 0) {
      throw invalidArgument('--input', 'give the price: --input USD --output USD (per 1M tokens), or --per-call USD, or --ratio R (New API model ratio)');
    }
    throw invalidArgument(missing, `${missing} is required with ${tokenGiven.join(', ')} (USD per 1M tokens, like ${missing} 2.5)`);
  }
  const rate = (key: keyof typeof tokenFlags): number | undefined =>
    fields.has(key) ? parseRate(fields.get(key), tokenFlags[key], 'USD per 1M tokens') : undefined;
  return withoutUndefined({
    model,
    input: rate('input') ?? 0,
    output: rate('output') ?? 0,
    cachedInput: rate('cached'),
    cacheWrite: rate('cacheWrite'),
    imageInput: rate('imageInput'),
    audioInput: rate('audioInput'),
    audioOutput: rate('audioOutput'),
    maxOutputTokens: maxOutput,
  });
}

function withoutUndefined(price: ModelPrice): ModelPrice {
  return Object.fromEntries(Object.entries(price).filter(([, value]) => value !== undefined)) as unknown as ModelPrice;
}

/** The `extra` JSON column: image and audio rates and the output maximum, integers only. */
interface PriceExtra {
  imageInput?: number;
  audioInput?: number;
  audioOutput?: number;
  maxOutputTokens?: number;
}
const extraKeys = ['imageInput', 'audioInput', 'audioOutput', 'maxOutputTokens'] as const;

function readExtra(json: string): PriceExtra {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return {};
  }
  if (parsed === null || typeof parsed !== 'object') return {};
  const extra: PriceExtra = {};
  for (const key of extraKeys) {
    const value = (parsed as Record<string, unknown>)[key];
    if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) extra[key] = value;
  }
  return extra;
}

function toRow(price: ModelPrice, now: number): PriceRow {
  const extra: PriceExtra = {};
  for (const key of extraKeys) {
    const value = price[key];
    if (value !== undefined && (price.perCall === undefined || key === 'maxOutputTokens')) extra[key] = value;
  }
  const perCall = price.perCall !== undefined;
  return {
    model: price.model,
    inputPerMillion: perCall ? null : price.input,
    outputPerMillion: perCall ? null : price.output,
    cachedInputPerMillion: perCall ? null : (price.cachedInput ?? null),
    cacheWritePerMillion: perCall ? null : (price.cacheWrite ?? null),
    perCall: price.perCall ?? null,
    extra: JSON.stringify(extra),
    updatedAt: now,
  };
}

/** The stored price, or undefined for a row that has neither token rates nor a per-call price. */
function fromRow(row: PriceRow): ModelPrice | undefined {
  const extra = readExtra(row.extra);
  if (row.perCall !== null) {
    return withoutUndefined({ model: row.model, perCall: row.perCall, input: 0, output: 0, maxOutputTokens: extra.maxOutputTokens });
  }
  if (row.inputPerMillion === null || row.outputPerMillion === null) return undefined;
  return withoutUndefined({
    model: row.model,
    input: row.inputPerMillion,
    output: row.outputPerMillion,
    cachedInput: row.cachedInputPerMillion ?? undefined,
    cacheWrite: row.cacheWritePerMillion ?? undefined,
    ...extra,
  });
}

const priceFields = ['perCall', 'input', 'output', 'cachedInput', 'cacheWrite', 'imageInput', 'audioInput', 'audioOutput', 'maxOutputTokens'] as const;

function samePrice(left: ModelPrice, right: ModelPrice): boolean {
  return priceFields.every((field) => left[field] === right[field]);
}

function usdOrNull(micros: number | undefined | null): string | null {
  return micros === undefined || micros === null ? null : formatUsd(micros);
}

export function toPriceView(row: PriceRow): PriceView {
  const price = fromRow(row);
  const extra = readExtra(row.extra);
  const builtIn = defaultPriceFor(row.model);
  return {
    model: row.model,
    mode: row.perCall === null ? 'tokens' : 'per-call',
    inputUsdPerMillion: usdOrNull(row.inputPerMillion),
    outputUsdPerMillion: usdOrNull(row.outputPerMillion),
    cachedUsdPerMillion: usdOrNull(row.cachedInputPerMillion),
    cacheWriteUsdPerMillion: usdOrNull(row.cacheWritePerMillion),
    imageInputUsdPerMillion: row.perCall === null ? usdOrNull(extra.imageInput) : null,
    audioInputUsdPerMillion: row.perCall === null ? usdOrNull(extra.audioInput) : null,
    audioOutputUsdPerMillion: row.perCall === null ? usdOrNull(extra.audioOutput) : null,
    perCallUsd: usdOrNull(row.perCall),
    maxOutputTokens: extra.maxOutputTokens ?? null,
    isDefault: price !== undefined && builtIn !== undefined && samePrice(price, builtIn),
    updatedAt: new Date(row.updatedAt).toISOString(),
  };
}

export function toGroupView(row: GroupRow): GroupView {
  return {
    name: row.name,
    multiplier: formatMultiplier(row.multiplierPpm),
    multiplierPpm: row.multiplierPpm,
    description: row.description,
    updatedAt: new Date(row.updatedAt).toISOString(),
  };
}

function normalizeGroupName(text: string, field = 'NAME'): string {
  return validateGroup(text.trim(), field);
}

function normalizeDescription(text: string): string {
  const description = text.trim();
  if (description.length > MAX_DESCRIPTION_LENGTH || CONTROL.test(description)) {
    throw invalidArgument('--description', `--description must be at most ${MAX_DESCRIPTION_LENGTH} characters without control characters`);
  }
  return description;
}

export function createPriceService(context: ServiceContext): PriceService {
  const { store, clock } = context;

  const getRow = async (model: string): Promise<PriceRow> => {
    const row = await findPrice(store, store.db, model);
    if (row === undefined) throw notFound(`no price for "${model}"; list prices with: gateway price list, or set one with: gateway price set ${model} --input USD --output USD`);
    return row;
  };

  const loadBook = async (): Promise<PriceBook> => {
    const rows = await listPrices(store, store.db);
    const prices = rows.map(fromRow).filter((price): price is ModelPrice => price !== undefined);
    const groups = await listGroups(store, store.db);
    return buildPriceBook(prices, new Map(groups.map((group) => [group.name, group.multiplierPpm])));
  };

  return {
    async list() {
      return (await listPrices(store, store.db)).map(toPriceView);
    },

    async page(filter, window) {
      // The price list is hundreds of rows, not millions: read it whole and match here, literally.
      const search = filter.search?.toLowerCase() ?? '';
      const rows = (await listPrices(store, store.db)).filter((row) => row.model.toLowerCase().includes(search));
      return { prices: rows.slice(window.offset, window.offset + window.limit).map(toPriceView), total: rows.length };
    },

    async get(rawModel) {
      return toPriceView(await getRow(normalizePriceModel(rawModel)));
    },

    async resolve(rawModel) {
      const price = (await loadBook()).priceFor(normalizePriceModel(rawModel, '--model'));
      return price === undefined ? undefined : toPriceView(await getRow(price.model));
    },

    async set(rawModel, input) {
      const price = parsePriceInput(normalizePriceModel(rawModel), input);
      const row = await writeWithRevision(store, 'prices', clock.now, (db, now) => upsertPrice(store, db, toRow(price, now)));
      return toPriceView(row);
    },

    async remove(rawModel) {
      const model = normalizePriceModel(rawModel);
      const removed = await writeWithRevision(store, 'prices', clock.now, async (db) => {
        const row = await deletePrice(store, db, model);
        if (row === undefined) throw notFound(`no price for "${model}"; list prices with: gateway price list`);
        return row;
      });
      return toPriceView(removed);
    },

    async reset(rawModel) {
      let targets = defaultPrices;
      if (rawModel !== undefined) {
        const model = normalizePriceModel(rawModel);
        const builtIn = defaultPriceFor(model);
        if (builtIn === undefined) {
          throw notFound(`"${model}" has no built-in price; change it with: gateway price set ${model} …, or remove it with: gateway price rm ${model}`);
        }
        targets = [builtIn];
      }
      return writeWithRevision(store, 'prices', clock.now, async (db, now) => {
        const existing = new Map((await listPrices(store, db)).map((row) => [row.model, row]));
        const result: PriceResetResult = { added: [], updated: [], unchanged: 0 };
        for (const target of targets) {
          const row = existing.get(target.model);
          const stored = row === undefined ? undefined : fromRow(row);
          if (stored !== undefined && samePrice(stored, target)) {
            result.unchanged += 1;
            continue;
          }
          await upsertPrice(store, db, toRow(target, now));
          (row === undefined ? result.added : result.updated).push(target.model);
        }
        return result;
      });
    },

    async ensureDefaults() {
      // The cheap check first, so an ordinary start writes nothing; the claim inside the transaction decides.
      if ((await getSystemInfo(store, PRICES_SEEDED_KEY)) !== undefined) return false;
      return writeWithRevision(store, 'prices', clock.now, async (db, now) => {
        if (!(await claimSystemMarker(store, db, PRICES_SEEDED_KEY, now))) return false;
        // Rows that already exist (imported before the first start) are kept.
        await insertMissingPrices(store, db, defaultPrices.map((price) => toRow(price, now)));
        return true;
      });
    },

    async importNewApi(options) {
      const read = readNewApiPrices(options);
      const skipped: string[] = [];
      const prices: ModelPrice[] = [];
      for (const price of read.prices) {
        try {
          prices.push({ ...price, model: normalizePriceModel(price.model, price.perCall === undefined ? 'ModelRatio' : 'ModelPrice') });
        } catch (error) {
          skipped.push(`${JSON.stringify(price.model)}: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
      const groups: { name: string; multiplierPpm: number }[] = [];
      for (const group of read.groups) {
        try {
          if (group.multiplierPpm > MAX_MULTIPLIER_PPM) throw invalidArgument('GroupRatio', `GroupRatio: "${group.name}" must be at most 1000`);
          groups.push({ name: normalizeGroupName(group.name, 'GroupRatio'), multiplierPpm: group.multiplierPpm });
        } catch (error) {
          skipped.push(`${JSON.stringify(group.name)}: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
      const written = await writeWithRevision(store, 'prices', clock.now, async (db, now) => {
        const priceRows: PriceRow[] = [];
        for (const price of prices) priceRows.push(await upsertPrice(store, db, toRow(price, now)));
        const groupRows: GroupRow[] = [];
        for (const group of groups) {
          groupRows.push(await upsertGroup(store, db, { ...group, description: undefined, updatedAt: now }));
        }
        return { priceRows, groupRows };
      });
      return {
        prices: written.priceRows.map(toPriceView),
        groups: written.groupRows.map(toGroupView),
        ignoredOptions: read.ignoredOptions,
        unpriced: read.unpriced,
        skipped,
      };
    },

    async setGroup(rawName, input) {
      const name = normalizeGroupName(rawName);
      const multiplierPpm = parseGroupMultiplier(input.multiplier);
      const description = input.description === undefined ? undefined : normalizeDescription(input.description);
      const row = await writeWithRevision(store, 'prices', clock.now, (db, now) =>
        upsertGroup(store, db, { name, multiplierPpm, description, updatedAt: now }),
      );
      return toGroupView(row);
    },

    async listGroups() {
      return (await listGroups(store, store.db)).map(toGroupView);
    },

    async removeGroup(rawName) {
      const name = normalizeGroupName(rawName);
      const removed = await writeWithRevision(store, 'prices', clock.now, async (db) => {
        const row = await deleteGroup(store, db, name);
        if (row === undefined) throw notFound(`no multiplier for group "${name}"; list groups with: gateway group list`);
        return row;
      });
      return toGroupView(removed);
    },

    loadBook,
  };
}
