/**
 * New API's price options (domain.md 6.4) read into our prices, keeping what they bill:
 * - `ModelRatio`: 1 = $2 per 1M input tokens (`priceFromRatios`);
 * - `CompletionRatio`: output = input × ratio. New API overrides the option for some families in code and falls
 *   back to per-family ratios for models the option does not name; `newApiCompletionRatio` reproduces that
 *   (QuantumNous/new-api setting/ratio_setting/model_ratio.go, `GetCompletionRatio`);
 * - `CacheRatio`: cache reads = input × ratio (absent: the input rate, New API's default of 1);
 * - `CreateCacheRatio`: cache writes = input × ratio (absent: 1.25, New API's default);
 * - `ModelPrice`: USD per call; a model listed there is billed per call even when `ModelRatio` names it too;
 * - `GroupRatio`: group → multiplier.
 * Option values are JSON text (as New API stores them in its `options` table) or already-parsed objects.
 * Other option keys are reported back as ignored. Options a file does not carry are treated as empty: New API's
 * built-in ratio tables are not applied, only the rules it hard-codes.
 */
import { invalidArgument } from '../errors/gateway-error.ts';
import { type ModelPrice, priceFromRatios } from './pricing.ts';

/** The option keys this import understands. */
export const newApiPriceOptions = ['ModelRatio', 'CompletionRatio', 'CacheRatio', 'CreateCacheRatio', 'ModelPrice', 'GroupRatio'] as const;
type PriceOption = (typeof newApiPriceOptions)[number];

/** New API's cache-write ratio for a model its `CreateCacheRatio` does not name. */
const DEFAULT_CREATE_CACHE_RATIO = 1.25;
/** A ratio this large is a typo, not a price (ratio 1 000 000 = $2 000 000 per 1M tokens). */
const MAX_RATIO = 1_000_000;

export interface NewApiPrices {
  /** Token prices from `ModelRatio`, per-call prices from `ModelPrice`, by model name as New API spells it. */
  prices: ModelPrice[];
  /** Group multipliers in parts per million. */
  groups: { name: string; multiplierPpm: number }[];
  /** Option keys that were given but are not price options this import reads. */
  ignoredOptions: string[];
  /** Models named only in ratio maps that need a model ratio (`CompletionRatio` without `ModelRatio` …). */
  unpriced: string[];
}

function isPriceOption(key: string): key is PriceOption {
  return (newApiPriceOptions as readonly string[]).includes(key);
}

/** One option value: a JSON object of name → non-negative number, given as JSON text or as an object. */
function readNumberMap(key: string, value: unknown): Map<string, number> {
  let parsed = value;
  if (typeof value === 'string') {
    try {
      parsed = value.trim() === '' ? {} : JSON.parse(value);
    } catch (error) {
      throw invalidArgument(key, `${key} is not valid JSON (${error instanceof Error ? error.message : String(error)}); it must be an object like {"gpt-4o": 1.25}`);
    }
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw invalidArgument(key, `${key} must be a JSON object of name → number, like {"gpt-4o": 1.25}`);
  }
  const result = new Map<string, number>();
  for (const [name, entry] of Object.entries(parsed)) {
    if (typeof entry !== 'number' || !Number.isFinite(entry) || entry < 0 || entry > MAX_RATIO) {
      throw invalidArgument(key, `${key}: "${name}" must be a number from 0 to ${MAX_RATIO} (got ${JSON.stringify(entry)})`);
    }
    result.set(name, entry);
  }
  return result;
}

/**
 * A non-negative decimal number × 10^decimals as an integer, rounded up: `scaleUp(0.04, 6)` = 40 000n. Works on
 * the number's shortest decimal spelling (`String(0.1)` is "0.1"), so values typed as decimals convert exactly.
 */
export function scaleUp(value: number, decimals: number): bigint {
  const match = /^(\d+)(?:\.(\d+))?(?:e([+-]?\d+))?$/i.exec(String(value));
  if (match === null) throw new RangeError(`not a non-negative finite number: ${value}`);
  const fraction = match[2] ?? '';
  const digits = BigInt(`${match[1]}${fraction}`);
  const shift = Number(match[3] ?? '0') - fraction.length + decimals;
  if (shift >= 0) return digits * 10n ** BigInt(shift);
  const divisor = 10n ** BigInt(-shift);
  return (digits + divisor - 1n) / divisor;
}

interface CompletionRule {
  ratio: number;
  /** New API applies a locked ratio even when the `CompletionRatio` option names the model. */
  locked: boolean;
}

const fixed = (ratio: number): CompletionRule => ({ ratio, locked: true });
const fallback = (ratio: number): CompletionRule => ({ ratio, locked: false });

/** New API's hard-coded completion ratio for a model name (`getHardcodedCompletionModelRatio`). */
function hardCodedCompletionRule(name: string): CompletionRule {
  if (name.endsWith('-all') || name.endsWith('-gizmo-*')) return fallback(2);
  if (name.startsWith('gpt-')) {
    if (name.startsWith('gpt-4o')) {
      if (name === 'gpt-4o-2024-05-13') return fixed(3);
      return fallback(name.startsWith('gpt-4o-mini-tts') ? 20 : 4);
    }
    if (name.startsWith('gpt-5')) return fixed(8);
    if (name.startsWith('gpt-4.5-preview')) return fixed(2);
    if (name.startsWith('gpt-4-turbo') || name.endsWith('gpt-4-1106') || name.endsWith('gpt-4-1105')) return fixed(3);
    // Every other gpt- model, gpt-3.5 included: New API's gpt-3.5 rules come after this branch and never run.
    return fallback(2);
  }
  if (name.startsWith('o1') || name.startsWith('o3')) return fixed(4);
  if (name === 'chatgpt-4o-latest') return fixed(3);
  if (['claude-3', 'claude-sonnet-4', 'claude-opus-4', 'claude-haiku-4'].some((family) => name.includes(family))) return fixed(5);
  if (name.includes('claude-instant-1') || name.includes('claude-2')) return fixed(3);
  if (name.startsWith('mistral-')) return fixed(3);
  if (name.startsWith('gemini-')) return geminiCompletionRule(name);
  if (name.startsWith('command')) {
    const commandRatios: Record<string, number> = { 'command-r': 3, 'command-r-plus': 5, 'command-r-08-2024': 4, 'command-r-plus-08-2024': 4 };
    const ratio = commandRatios[name];
    return ratio === undefined ? fallback(4) : fixed(ratio);
  }
  if (['ERNIE-Speed-', 'ERNIE-Lite-', 'ERNIE-Character', 'ERNIE-Functions'].some((prefix) => name.startsWith(prefix))) return fixed(2);
  const llamaRatios: Record<string, number> = { 'llama2-70b-4096': 0.8 / 0.64, 'llama3-8b-8192': 2, 'llama3-70b-8192': 0.79 / 0.59 };
  const llama = llamaRatios[name];
  return llama === undefined ? fallback(1) : fixed(llama);
}

function geminiCompletionRule(name: string): CompletionRule {
  if (name.startsWith('gemini-1.5') || name.startsWith('gemini-2.0')) return fixed(4);
  if (name.startsWith('gemini-2.5-pro')) return fallback(8);
  if (name.startsWith('gemini-2.5-flash-preview')) return fallback(name.endsWith('-nothinking') ? 4 : 3.5 / 0.15);
  if (name.startsWith('gemini-2.5-flash-lite')) return fallback(4);
  if (name.startsWith('gemini-2.5-flash') || name.startsWith('gemini-robotics-er-1.5')) return fallback(2.5 / 0.3);
  if (name.startsWith('gemini-3-pro-image')) return fallback(60);
  if (name.startsWith('gemini-3-pro')) return fallback(6);
  return fallback(4);
}

/**
 * The completion ratio New API bills for `name` given its `CompletionRatio` option: a name with "/" takes the
 * option first; then a locked built-in rule; then the option; then the built-in fallback.
 */
export function newApiCompletionRatio(name: string, option: ReadonlyMap<string, number>): number {
  const fromOption = option.get(name);
  if (name.includes('/') && fromOption !== undefined) return fromOption;
  const rule = hardCodedCompletionRule(name);
  if (rule.locked) return rule.ratio;
  return fromOption ?? rule.ratio;
}

/** Reads New API option values into prices and group multipliers (nothing is written here). */
export function readNewApiPrices(options: Readonly<Record<string, unknown>>): NewApiPrices {
  const maps = new Map<PriceOption, Map<string, number>>();
  const ignoredOptions: string[] = [];
  for (const [key, value] of Object.entries(options)) {
    if (isPriceOption(key)) maps.set(key, readNumberMap(key, value));
    else ignoredOptions.push(key);
  }
  const map = (key: PriceOption): Map<string, number> => maps.get(key) ?? new Map<string, number>();
  const modelRatio = map('ModelRatio');
  const modelPrice = map('ModelPrice');
  const completionRatio = map('CompletionRatio');
  const cacheRatio = map('CacheRatio');
  const createCacheRatio = map('CreateCacheRatio');

  const prices: ModelPrice[] = [];
  for (const [model, usdPerCall] of modelPrice) {
    prices.push({ model, perCall: Number(scaleUp(usdPerCall, 6)), input: 0, output: 0 });
  }
  for (const [model, ratio] of modelRatio) {
    if (modelPrice.has(model)) continue;
    prices.push(
      priceFromRatios(model, {
        modelRatio: ratio,
        completionRatio: newApiCompletionRatio(model, completionRatio),
        cacheRatio: cacheRatio.get(model),
        createCacheRatio: createCacheRatio.get(model) ?? DEFAULT_CREATE_CACHE_RATIO,
      }),
    );
  }
  const priced = new Set(prices.map((price) => price.model));
  const unpriced = [...new Set([...completionRatio.keys(), ...cacheRatio.keys(), ...createCacheRatio.keys()])]
    .filter((model) => !priced.has(model))
    .sort();
  const groups = [...map('GroupRatio')].map(([name, ratio]) => ({ name, multiplierPpm: Number(scaleUp(ratio, 6)) }));
  return { prices, groups, ignoredOptions, unpriced };
}
