/**
 * The built-in price list: providers' standard (pay-as-you-go, non-batch) list prices, written as the USD per
 * 1M tokens the pricing pages show and converted exactly to micro-USD per 1M tokens. Seeded into `prices` once
 * per database (src/services/prices.ts); operators change them with `gateway price set` and get them back with
 * `gateway price reset`.
 *
 * Each provider's section names its pricing page. Dated snapshots carry the price of their alias. Long-context
 * tiers (Gemini 2.5 Pro above 200k prompt tokens) and 1-hour cache writes are not modelled: the standard tier
 * is listed.
 */
import { parseUsd } from './money.ts';
import type { ModelPrice } from './pricing.ts';

/** A token rate as the pricing pages write it (USD per 1M tokens) → micro-USD per 1M tokens, exactly. */
function usd(text: string): number {
  return parseUsd(text, 'built-in price');
}

interface TokenRates {
  cached?: string;
  cacheWrite?: string;
  imageInput?: string;
  audioInput?: string;
  audioOutput?: string;
  maxOutputTokens?: number;
}

function tokens(models: readonly string[], input: string, output: string, rates: TokenRates = {}): ModelPrice[] {
  return models.map((model) => ({
    model,
    input: usd(input),
    output: usd(output),
    ...(rates.cached === undefined ? {} : { cachedInput: usd(rates.cached) }),
    ...(rates.cacheWrite === undefined ? {} : { cacheWrite: usd(rates.cacheWrite) }),
    ...(rates.imageInput === undefined ? {} : { imageInput: usd(rates.imageInput) }),
    ...(rates.audioInput === undefined ? {} : { audioInput: usd(rates.audioInput) }),
    ...(rates.audioOutput === undefined ? {} : { audioOutput: usd(rates.audioOutput) }),
    ...(rates.maxOutputTokens === undefined ? {} : { maxOutputTokens: rates.maxOutputTokens }),
  }));
}

function perCall(models: readonly string[], price: string): ModelPrice[] {
  return models.map((model) => ({ model, perCall: usd(price), input: 0, output: 0 }));
}

/**
 * Anthropic prices prompt-cache reads at 0.1× and 5-minute cache writes at 1.25× the base input rate
 * (https://platform.claude.com/docs/en/about-claude/pricing, "Prompt caching"); every input rate below is a
 * multiple of $0.04, so both products are whole micro-USD.
 */
function claude(models: readonly string[], input: string, output: string, maxOutputTokens: number): ModelPrice[] {
  const base = usd(input);
  return models.map((model) => ({
    model,
    input: base,
    output: usd(output),
    cachedInput: base / 10,
    cacheWrite: (base * 5) / 4,
    maxOutputTokens,
  }));
}

// OpenAI: https://platform.openai.com/docs/pricing (text tokens, "Standard" tier; cached input where offered).
// Output maxima: https://platform.openai.com/docs/models
const openAi: ModelPrice[] = [
  ...tokens(['gpt-4o', 'gpt-4o-2024-08-06', 'gpt-4o-2024-11-20'], '2.5', '10', { cached: '1.25', maxOutputTokens: 16_384 }),
  ...tokens(['gpt-4o-2024-05-13'], '5', '15', { maxOutputTokens: 4096 }),
  ...tokens(['gpt-4o-mini', 'gpt-4o-mini-2024-07-18'], '0.15', '0.6', { cached: '0.075', maxOutputTokens: 16_384 }),
  ...tokens(['gpt-4.1', 'gpt-4.1-2025-04-14'], '2', '8', { cached: '0.5', maxOutputTokens: 32_768 }),
  ...tokens(['gpt-4.1-mini', 'gpt-4.1-mini-2025-04-14'], '0.4', '1.6', { cached: '0.1', maxOutputTokens: 32_768 }),
  ...tokens(['gpt-4.1-nano', 'gpt-4.1-nano-2025-04-14'], '0.1', '0.4', { cached: '0.025', maxOutputTokens: 32_768 }),
  ...tokens(['o1', 'o1-2024-12-17'], '15', '60', { cached: '7.5', maxOutputTokens: 100_000 }),
  ...tokens(['o3', 'o3-2025-04-16'], '2', '8', { cached: '0.5', maxOutputTokens: 100_000 }),
  ...tokens(['o3-mini', 'o3-mini-2025-01-31'], '1.1', '4.4', { cached: '0.55', maxOutputTokens: 100_000 }),
  ...tokens(['o4-mini', 'o4-mini-2025-04-16'], '1.1', '4.4', { cached: '0.275', maxOutputTokens: 100_000 }),
  ...tokens(['gpt-5', 'gpt-5-2025-08-07'], '1.25', '10', { cached: '0.125', maxOutputTokens: 128_000 }),
  ...tokens(['gpt-5-chat-latest'], '1.25', '10', { cached: '0.125', maxOutputTokens: 16_384 }),
  ...tokens(['gpt-5-mini', 'gpt-5-mini-2025-08-07'], '0.25', '2', { cached: '0.025', maxOutputTokens: 128_000 }),
  ...tokens(['gpt-5-nano', 'gpt-5-nano-2025-08-07'], '0.05', '0.4', { cached: '0.005', maxOutputTokens: 128_000 }),
  // Embeddings bill input only.
  ...tokens(['text-embedding-3-small'], '0.02', '0'),
  ...tokens(['text-embedding-3-large'], '0.13', '0'),
  ...tokens(['text-embedding-ada-002'], '0.1', '0'),
  // gpt-image-1: text input $5, image input $10, cached text input $1.25, image output $40 per 1M tokens.
  ...tokens(['gpt-image-1'], '5', '40', { cached: '1.25', imageInput: '10' }),
  // DALL·E is billed per image: the standard 1024×1024 price (larger sizes and HD cost more upstream).
  ...perCall(['dall-e-3'], '0.04'),
  ...perCall(['dall-e-2'], '0.02'),
  // Whisper costs $0.006 per audio minute; the relay counts a transcription's input as 1 000 tokens per audio
  // minute (domain.md 5.4), so $6 per 1M tokens is exactly the upstream price.
  ...tokens(['whisper-1'], '6', '0'),
  // TTS is billed per input character ($15 / $30 per 1M characters); like New API (ratios 7.5 / 15) the rate is
  // applied to the input tokens. Raise it with `gateway price set` to bill per character more closely.
  ...tokens(['tts-1', 'tts-1-1106'], '15', '0'),
  ...tokens(['tts-1-hd', 'tts-1-hd-1106'], '30', '0'),
];

// Anthropic: https://platform.claude.com/docs/en/about-claude/pricing ("Model pricing");
// output maxima: https://docs.anthropic.com/en/docs/about-claude/models/overview
const anthropic: ModelPrice[] = [
  ...claude(['claude-3-5-haiku', 'claude-3-5-haiku-latest', 'claude-3-5-haiku-20241022'], '0.8', '4', 8192),
  ...claude(['claude-3-7-sonnet', 'claude-3-7-sonnet-latest', 'claude-3-7-sonnet-20250219'], '3', '15', 64_000),
  ...claude(['claude-sonnet-4', 'claude-sonnet-4-0', 'claude-sonnet-4-20250514'], '3', '15', 64_000),
  ...claude(['claude-opus-4', 'claude-opus-4-0', 'claude-opus-4-20250514'], '15', '75', 32_000),
  ...claude(['claude-opus-4-1', 'claude-opus-4-1-20250805'], '15', '75', 32_000),
  ...claude(['claude-sonnet-4-5', 'claude-sonnet-4-5-20250929'], '3', '15', 64_000),
  ...claude(['claude-haiku-4-5', 'claude-haiku-4-5-20251001'], '1', '5', 64_000),
];

// Gemini Developer API, paid tier: https://ai.google.dev/gemini-api/docs/pricing (text/image/video input,
// audio input, output including thinking tokens, context-cache reads); output maxima:
// https://ai.google.dev/gemini-api/docs/models
const gemini: ModelPrice[] = [
  ...tokens(['gemini-2.0-flash', 'gemini-2.0-flash-001'], '0.1', '0.4', { cached: '0.025', audioInput: '0.7', maxOutputTokens: 8192 }),
  ...tokens(['gemini-2.5-flash'], '0.3', '2.5', { cached: '0.03', audioInput: '1', maxOutputTokens: 65_536 }),
  ...tokens(['gemini-2.5-flash-lite'], '0.1', '0.4', { cached: '0.01', audioInput: '0.3', maxOutputTokens: 65_536 }),
  // Prompts up to 200k tokens; above that Google charges $2.50 / $15.
  ...tokens(['gemini-2.5-pro'], '1.25', '10', { cached: '0.125', maxOutputTokens: 65_536 }),
];

// DeepSeek: https://api-docs.deepseek.com/quick_start/pricing (DeepSeek-V3.2 behind both names: input cache
// hit $0.028, cache miss $0.28, output $0.42; maximum output 8K for deepseek-chat, 64K for deepseek-reasoner).
const deepSeek: ModelPrice[] = [
  ...tokens(['deepseek-chat'], '0.28', '0.42', { cached: '0.028', maxOutputTokens: 8192 }),
  ...tokens(['deepseek-reasoner'], '0.28', '0.42', { cached: '0.028', maxOutputTokens: 65_536 }),
];

/** Every built-in price, one entry per model name. */
export const defaultPrices: readonly ModelPrice[] = [...openAi, ...anthropic, ...gemini, ...deepSeek];

const byModel = new Map(defaultPrices.map((price) => [price.model, price]));

/** The built-in price of exactly this model name, if it has one. */
export function defaultPriceFor(model: string): ModelPrice | undefined {
  return byModel.get(model);
}
