/**
 * Price arithmetic: what a request reserves and what it costs, in integer micro-USD (reliability.md 2.1.1).
 * Prices are integers too — micro-USD per 1M tokens, or micro-USD per call — and group multipliers are parts
 * per million, so every charge is one exact integer expression evaluated in BigInt and rounded up once.
 *
 * Token classes follow OpenAI's usage semantics (src/relay/types.ts `Usage`): the prompt includes cached,
 * cache-write, image and audio input tokens, which are priced by their own rate when the price has one and at
 * the input rate otherwise; the completion includes reasoning tokens (billed as output, as every provider
 * does) and audio output tokens (their own rate, else the output rate).
 */
import type { Usage } from '../relay/types.ts';

/** One model's price. Token rates are micro-USD per 1M tokens; `perCall` is micro-USD per call. */
export interface ModelPrice {
  /** The model name, or a prefix pattern ending in `*` (`gemini-2.5-pro-thinking-*`). */
  readonly model: string;
  /** When set, the model is billed per call (images, audio, rerank, task models) and token rates are ignored. */
  readonly perCall?: number;
  readonly input: number;
  readonly output: number;
  /** Cached-input (cache read) rate; the input rate when absent. */
  readonly cachedInput?: number;
  /** Cache-write rate; the input rate when absent. */
  readonly cacheWrite?: number;
  readonly imageInput?: number;
  readonly audioInput?: number;
  readonly audioOutput?: number;
  /** The model's output maximum, reserved when a request sets no `max_tokens`. */
  readonly maxOutputTokens?: number;
}

/** 1.0 as a group multiplier in parts per million. */
export const UNIT_MULTIPLIER_PPM = 1_000_000;

const MILLION = 1_000_000n;
const PPM = 1_000_000n;

/** ceil(numerator / denominator) for non-negative BigInts. */
function divideUp(numerator: bigint, denominator: bigint): bigint {
  return (numerator + denominator - 1n) / denominator;
}

function toSafeInteger(value: bigint): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) return Number.MAX_SAFE_INTEGER;
  return Number(value);
}

function count(value: number): bigint {
  return BigInt(Math.max(0, Math.floor(value)));
}

/** The counts a charge is computed from (a subset of `Usage`, so tests can pass plain numbers). */
export type BillableUsage = Pick<
  Usage,
  'promptTokens' | 'completionTokens' | 'cachedTokens' | 'cacheWriteTokens' | 'imageInputTokens' | 'audioInputTokens' | 'audioOutputTokens'
>;

/**
 * The cost of a finished request in micro-USD, rounded up: per-call prices × `calls`, else every token class at
 * its rate; then × the group multiplier. A non-zero amount never rounds to 0.
 */
export function chargeFor(price: ModelPrice, usage: BillableUsage, multiplierPpm: number, calls = 1): number {
  const multiplier = count(multiplierPpm);
  if (price.perCall !== undefined) return toSafeInteger(divideUp(count(price.perCall) * count(calls) * multiplier, PPM));
  const prompt = count(usage.promptTokens);
  const cached = count(usage.cachedTokens);
  const cacheWrite = count(usage.cacheWriteTokens);
  const imageInput = count(usage.imageInputTokens);
  const audioInput = count(usage.audioInputTokens);
  const completion = count(usage.completionTokens);
  const audioOutput = count(usage.audioOutputTokens);
  const special = cached + cacheWrite + imageInput + audioInput;
  const plainPrompt = prompt > special ? prompt - special : 0n;
  const plainOutput = completion > audioOutput ? completion - audioOutput : 0n;
  const input = count(price.input);
  const output = count(price.output);
  const perMillion =
    plainPrompt * input +
    cached * count(price.cachedInput ?? price.input) +
    cacheWrite * count(price.cacheWrite ?? price.input) +
    imageInput * count(price.imageInput ?? price.input) +
    audioInput * count(price.audioInput ?? price.input) +
    plainOutput * output +
    audioOutput * count(price.audioOutput ?? price.output);
  return toSafeInteger(divideUp(perMillion * multiplier, MILLION * PPM));
}

/**
 * What a request reserves before it is sent (reliability.md 2.1.4): the prompt estimate at the input rate plus
 * the output allowance at the output rate, or the per-call price × `calls`; then × the group multiplier.
 */
export function reservationFor(
  price: ModelPrice,
  promptTokens: number,
  outputTokens: number,
  multiplierPpm: number,
  calls = 1,
): number {
  return chargeFor(
    price,
    {
      promptTokens,
      completionTokens: outputTokens,
      cachedTokens: 0,
      cacheWriteTokens: 0,
      imageInputTokens: 0,
      audioInputTokens: 0,
      audioOutputTokens: 0,
    },
    multiplierPpm,
    calls,
  );
}

/** New API's units: model ratio 1 = $2 per 1M input tokens = 2 000 000 micro-USD per 1M tokens. */
export const MICROS_PER_MILLION_PER_RATIO = 2_000_000;

/**
 * A price from New API's ratios (domain.md 6.3/6.4): input = model ratio × $2 per 1M, output = input ×
 * completion ratio, cached input = input × cache ratio, cache write = input × create-cache ratio. Rates are
 * rounded up to whole micro-USD per 1M tokens (the finest unit prices are kept in).
 */
export function priceFromRatios(
  model: string,
  ratios: { modelRatio: number; completionRatio?: number; cacheRatio?: number; createCacheRatio?: number },
): ModelPrice {
  const input = ratioRate(ratios.modelRatio, 1);
  return {
    model,
    input,
    output: ratioRate(ratios.modelRatio, ratios.completionRatio ?? 1),
    cachedInput: ratios.cacheRatio === undefined ? undefined : ratioRate(ratios.modelRatio, ratios.cacheRatio),
    cacheWrite: ratios.createCacheRatio === undefined ? undefined : ratioRate(ratios.modelRatio, ratios.createCacheRatio),
  };
}

function ratioRate(modelRatio: number, factor: number): number {
  // Decimal ratios (0.075, 1.25) are exact in 1e-9 steps; BigInt keeps the product exact before rounding up.
  const scale = 1_000_000_000n;
  const a = BigInt(Math.round(modelRatio * 1e9));
  const b = BigInt(Math.round(factor * 1e9));
  return toSafeInteger(divideUp(a * b * BigInt(MICROS_PER_MILLION_PER_RATIO), scale * scale));
}

/** A group multiplier (1.5) as parts per million (1 500 000); New API's group ratio has the same meaning. */
export function multiplierToPpm(multiplier: number): number {
  return Math.round(multiplier * UNIT_MULTIPLIER_PPM);
}

/**
 * The price list as the relay reads it: loaded whole into memory and reloaded when the `prices` change
 * counter moves (src/services/prices.ts builds it).
 */
export interface PriceBook {
  /** The price billed for a requested model name, or undefined when the model has no price. */
  priceFor(model: string): ModelPrice | undefined;
  /** A group's multiplier in parts per million; 1 000 000 for a group without one. */
  multiplierPpm(group: string): number;
}
