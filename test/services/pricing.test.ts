/**
 * Price arithmetic (src/services/pricing.ts) against figures computed by hand, one per price form, and a property
 * test against an independent BigInt reference (reliability.md 2.1.1).
 */
import { describe, expect, test } from 'bun:test';
import {
  type BillableUsage,
  chargeFor,
  type ModelPrice,
  multiplierToPpm,
  priceFromRatios,
  reservationFor,
  UNIT_MULTIPLIER_PPM,
} from '../../src/services/pricing.ts';
import { seededRandom } from '../helpers/seeded-random.ts';

const NONE: BillableUsage = {
  promptTokens: 0,
  completionTokens: 0,
  cachedTokens: 0,
  cacheWriteTokens: 0,
  imageInputTokens: 0,
  audioInputTokens: 0,
  audioOutputTokens: 0,
};

function usage(counts: Partial<BillableUsage>): BillableUsage {
  return { ...NONE, ...counts };
}

const gpt4o: ModelPrice = { model: 'gpt-4o', input: 2_500_000, output: 10_000_000, cachedInput: 1_250_000 };
const sonnet: ModelPrice = { model: 'claude-sonnet-4-5', input: 3_000_000, output: 15_000_000, cachedInput: 300_000, cacheWrite: 3_750_000 };
const gptImage: ModelPrice = { model: 'gpt-image-1', input: 5_000_000, output: 40_000_000, cachedInput: 1_250_000, imageInput: 10_000_000 };
const audioModel: ModelPrice = { model: 'gpt-4o-audio-preview', input: 2_500_000, output: 10_000_000, audioInput: 40_000_000, audioOutput: 80_000_000 };
const dallE3: ModelPrice = { model: 'dall-e-3', perCall: 40_000, input: 0, output: 0 };
const ONE = UNIT_MULTIPLIER_PPM;

describe('chargeFor, by hand', () => {
  test('text: prompt at the input rate, completion at the output rate', () => {
    // 1 000 × $2.5/1M + 500 × $10/1M = $0.0025 + $0.005 = $0.0075
    expect(chargeFor(gpt4o, usage({ promptTokens: 1000, completionTokens: 500 }), ONE)).toBe(7500);
  });

  test('cached input at its own rate, the rest of the prompt at the input rate', () => {
    // 600 × 2.5 + 400 × 1.25 + 500 × 10 = 1 500 + 500 + 5 000 (micro-USD)
    expect(chargeFor(gpt4o, usage({ promptTokens: 1000, cachedTokens: 400, completionTokens: 500 }), ONE)).toBe(7000);
  });

  test('cache reads and cache writes (Anthropic) each at their own rate', () => {
    // plain 2 000 × 3 = 6 000; cached 6 000 × 0.3 = 1 800; written 2 000 × 3.75 = 7 500; output 1 000 × 15 = 15 000
    const counts = usage({ promptTokens: 10_000, cachedTokens: 6000, cacheWriteTokens: 2000, completionTokens: 1000 });
    expect(chargeFor(sonnet, counts, ONE)).toBe(30_300);
  });

  test('without a cache rate, cached and written tokens bill at the input rate', () => {
    const plain: ModelPrice = { model: 'plain', input: 3_000_000, output: 15_000_000 };
    const counts = usage({ promptTokens: 10_000, cachedTokens: 6000, cacheWriteTokens: 2000, completionTokens: 1000 });
    // 10 000 × 3 + 1 000 × 15 = 45 000
    expect(chargeFor(plain, counts, ONE)).toBe(45_000);
  });

  test('image input tokens at the image rate', () => {
    // plain 200 × 5 = 1 000; image 1 000 × 10 = 10 000; output 4 160 × 40 = 166 400
    expect(chargeFor(gptImage, usage({ promptTokens: 1200, imageInputTokens: 1000, completionTokens: 4160 }), ONE)).toBe(177_400);
  });

  test('audio input and output tokens at the audio rates', () => {
    // plain in 100 × 2.5 = 250; audio in 200 × 40 = 8 000; plain out 50 × 10 = 500; audio out 100 × 80 = 8 000
    const counts = usage({ promptTokens: 300, audioInputTokens: 200, completionTokens: 150, audioOutputTokens: 100 });
    expect(chargeFor(audioModel, counts, ONE)).toBe(16_750);
    // Without audio rates the same tokens bill at the input and output rates: 300 × 2.5 + 150 × 10 = 2 250
    expect(chargeFor(gpt4o, counts, ONE)).toBe(2250);
  });

  test('rounds up once, so a non-zero amount never bills 0; nothing used bills 0', () => {
    const mini: ModelPrice = { model: 'gpt-4o-mini', input: 150_000, output: 600_000 };
    // 1 × $0.15/1M = 0.15 micro-USD → 1
    expect(chargeFor(mini, usage({ promptTokens: 1 }), ONE)).toBe(1);
    expect(chargeFor(mini, NONE, ONE)).toBe(0);
    // 7 × 0.15 + 3 × 0.6 = 2.85 → 3 (one rounding for the whole request, not one per class)
    expect(chargeFor(mini, usage({ promptTokens: 7, completionTokens: 3 }), ONE)).toBe(3);
  });

  test('per call: price × calls × group multiplier', () => {
    expect(chargeFor(dallE3, NONE, ONE)).toBe(40_000);
    expect(chargeFor(dallE3, usage({ promptTokens: 5000 }), ONE, 3)).toBe(120_000);
    expect(chargeFor(dallE3, NONE, 1_500_000, 3)).toBe(180_000);
    expect(chargeFor(dallE3, NONE, ONE, 0)).toBe(0);
    // 1 micro-USD × 0.333333 → 0.333333 → 1
    expect(chargeFor({ model: 'tiny', perCall: 1, input: 0, output: 0 }, NONE, 333_333)).toBe(1);
  });

  test('group multiplier scales the whole charge, rounded up once', () => {
    const counts = usage({ promptTokens: 1000, completionTokens: 500 });
    expect(chargeFor(gpt4o, counts, 1_500_000)).toBe(11_250);
    expect(chargeFor(gpt4o, counts, 800_000)).toBe(6000);
    expect(chargeFor(gpt4o, counts, 0)).toBe(0);
    // 7 500 × 0.333333 = 2 499.9975 → 2 500
    expect(chargeFor(gpt4o, counts, 333_333)).toBe(2500);
  });

  test('reservation: prompt estimate at the input rate plus the output allowance at the output rate', () => {
    // 1 000 × 2.5 + 4 096 × 10 = 2 500 + 40 960
    expect(reservationFor(gpt4o, 1000, 4096, ONE)).toBe(43_460);
    expect(reservationFor(gpt4o, 1000, 4096, 1_500_000)).toBe(65_190);
    expect(reservationFor(dallE3, 1000, 4096, ONE, 2)).toBe(80_000);
  });
});

describe('New API ratios', () => {
  test('ratio 1 = $2 per 1M input tokens; completion, cache and create-cache ratios scale the input rate', () => {
    expect(priceFromRatios('gpt-4o', { modelRatio: 1.25, completionRatio: 4, cacheRatio: 0.5 })).toEqual({
      model: 'gpt-4o',
      input: 2_500_000,
      output: 10_000_000,
      cachedInput: 1_250_000,
      cacheWrite: undefined,
    });
    expect(priceFromRatios('claude', { modelRatio: 1.5, completionRatio: 5, cacheRatio: 0.1, createCacheRatio: 1.25 })).toEqual({
      model: 'claude',
      input: 3_000_000,
      output: 15_000_000,
      cachedInput: 300_000,
      cacheWrite: 3_750_000,
    });
    // No completion ratio: output at the input rate.
    expect(priceFromRatios('x', { modelRatio: 1 })).toMatchObject({ input: 2_000_000, output: 2_000_000 });
    // New API writes deepseek-chat as 0.27 / 2.
    expect(priceFromRatios('deepseek-chat', { modelRatio: 0.27 / 2 }).input).toBe(270_000);
    // gemini-2.5-flash: 0.15 × 2.5 / 0.3 (a repeating decimal) rounds up to whole micro-USD: $2.5 per 1M.
    expect(priceFromRatios('gemini-2.5-flash', { modelRatio: 0.15, completionRatio: 2.5 / 0.3 }).output).toBe(2_500_000);
    expect(priceFromRatios('free', { modelRatio: 0 })).toMatchObject({ input: 0, output: 0 });
    // A rate below one micro-USD per 1M rounds up to 1.
    expect(priceFromRatios('tiny', { modelRatio: 0.0000001 }).input).toBe(1);
  });

  test('an imported ratio bills the same as the list price it stands for', () => {
    const imported = priceFromRatios('claude', { modelRatio: 1.5, completionRatio: 5, cacheRatio: 0.1, createCacheRatio: 1.25 });
    const counts = usage({ promptTokens: 10_000, cachedTokens: 6000, cacheWriteTokens: 2000, completionTokens: 1000 });
    expect(chargeFor(imported, counts, ONE)).toBe(chargeFor(sonnet, counts, ONE));
    // New API: quota = (2 000 + 6 000 × 0.1 + 2 000 × 1.25 + 1 000 × 5) × 1.5 = 15 150 quota units × 2 micro-USD
    expect(chargeFor(imported, counts, ONE)).toBe(15_150 * 2);
  });

  test('group ratios as parts per million', () => {
    expect(multiplierToPpm(1)).toBe(1_000_000);
    expect(multiplierToPpm(1.5)).toBe(1_500_000);
    expect(multiplierToPpm(0.8)).toBe(800_000);
    expect(multiplierToPpm(0)).toBe(0);
    expect(multiplierToPpm(0.333333)).toBe(333_333);
  });
});

/**
 * The reference: every token class with the rate it is billed at, summed in BigInt as micro-USD × 10^12
 * (per-1M rate × parts per million), then divided once, rounding up. Written apart from the implementation.
 */
function referenceCharge(price: ModelPrice, counts: BillableUsage, ppm: number, calls: number): bigint {
  const big = (value: number): bigint => (value > 0 ? BigInt(Math.floor(value)) : 0n);
  const scale = 10n ** 12n;
  const ceilDiv = (numerator: bigint, denominator: bigint): bigint => (numerator === 0n ? 0n : (numerator - 1n) / denominator + 1n);
  if (price.perCall !== undefined) return ceilDiv(big(price.perCall) * big(calls) * big(ppm), 10n ** 6n);
  const prompt = big(counts.promptTokens);
  const completion = big(counts.completionTokens);
  const inputClasses: [bigint, number | undefined][] = [
    [big(counts.cachedTokens), price.cachedInput],
    [big(counts.cacheWriteTokens), price.cacheWrite],
    [big(counts.imageInputTokens), price.imageInput],
    [big(counts.audioInputTokens), price.audioInput],
  ];
  let total = 0n;
  let special = 0n;
  for (const [tokens, rate] of inputClasses) {
    total += tokens * big(rate ?? price.input);
    special += tokens;
  }
  total += (prompt - special > 0n ? prompt - special : 0n) * big(price.input);
  const audioOut = big(counts.audioOutputTokens);
  total += audioOut * big(price.audioOutput ?? price.output);
  total += (completion - audioOut > 0n ? completion - audioOut : 0n) * big(price.output);
  return ceilDiv(total * big(ppm), scale);
}

describe('chargeFor, property test against the BigInt reference', () => {
  test('10 000 random prices and usages: integer, never negative, equal to the reference, monotonic in every token class', () => {
    const next = seededRandom(20_260_101);
    const integer = (max: number): number => Math.floor(next() * (max + 1));
    const maybe = (max: number): number | undefined => (next() < 0.5 ? undefined : integer(max));
    for (let index = 0; index < 10_000; index += 1) {
      const perCall = next() < 0.15;
      const price: ModelPrice = perCall
        ? { model: `m${index}`, perCall: integer(5_000_000), input: 0, output: 0 }
        : {
            model: `m${index}`,
            input: integer(100_000_000),
            output: integer(200_000_000),
            cachedInput: maybe(100_000_000),
            cacheWrite: maybe(150_000_000),
            imageInput: maybe(100_000_000),
            audioInput: maybe(100_000_000),
            audioOutput: maybe(200_000_000),
          };
      // Consistent usage (the special classes fit in the totals), as providers report it.
      const cached = integer(200_000);
      const cacheWrite = integer(100_000);
      const image = integer(50_000);
      const audioIn = integer(50_000);
      const audioOut = integer(50_000);
      const counts: BillableUsage = {
        promptTokens: cached + cacheWrite + image + audioIn + integer(1_000_000),
        completionTokens: audioOut + integer(500_000),
        cachedTokens: cached,
        cacheWriteTokens: cacheWrite,
        imageInputTokens: image,
        audioInputTokens: audioIn,
        audioOutputTokens: audioOut,
      };
      const ppm = next() < 0.1 ? 0 : integer(3_000_000);
      const calls = integer(4);
      const charged = chargeFor(price, counts, ppm, calls);
      expect(Number.isInteger(charged)).toBe(true);
      expect(charged).toBeGreaterThanOrEqual(0);
      if (BigInt(charged) !== referenceCharge(price, counts, ppm, calls)) {
        throw new Error(`case ${index}: ${JSON.stringify({ price, counts, ppm, calls, charged })}`);
      }
      // One more token of any class never lowers the charge.
      const grown: Partial<BillableUsage>[] = [
        { promptTokens: counts.promptTokens + 1 },
        { completionTokens: counts.completionTokens + 1 },
        { promptTokens: counts.promptTokens + 1, cachedTokens: cached + 1 },
        { promptTokens: counts.promptTokens + 1, cacheWriteTokens: cacheWrite + 1 },
        { promptTokens: counts.promptTokens + 1, imageInputTokens: image + 1 },
        { promptTokens: counts.promptTokens + 1, audioInputTokens: audioIn + 1 },
        { completionTokens: counts.completionTokens + 1, audioOutputTokens: audioOut + 1 },
      ];
      for (const change of grown) {
        if (chargeFor(price, { ...counts, ...change }, ppm, calls) < charged) {
          throw new Error(`case ${index}: adding ${JSON.stringify(change)} lowered the charge`);
        }
      }
      if (chargeFor(price, counts, ppm, calls + 1) < charged) throw new Error(`case ${index}: one more call lowered the charge`);
    }
  });

  test('malformed counts (negative, fractional, classes larger than the totals) never bill below 0', () => {
    const next = seededRandom(7);
    for (let index = 0; index < 1000; index += 1) {
      const wild = (): number => (next() - 0.3) * 10_000;
      const counts: BillableUsage = {
        promptTokens: wild(),
        completionTokens: wild(),
        cachedTokens: wild(),
        cacheWriteTokens: wild(),
        imageInputTokens: wild(),
        audioInputTokens: wild(),
        audioOutputTokens: wild(),
      };
      const charged = chargeFor(sonnet, counts, 1_000_000);
      expect(Number.isInteger(charged) && charged >= 0).toBe(true);
      expect(BigInt(charged)).toBe(referenceCharge(sonnet, counts, 1_000_000, 1));
    }
  });
});
