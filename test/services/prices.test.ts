import { describe, expect, test } from 'bun:test';
import { eq } from 'drizzle-orm';
import { readRevisions } from '../../src/db/repos/revisions.ts';
import { defaultPriceFor, defaultPrices } from '../../src/services/default-prices.ts';
import { newApiCompletionRatio, scaleUp } from '../../src/services/new-api-prices.ts';
import {
  buildPriceBook,
  normalizePriceModel,
  PRICES_SEEDED_KEY,
  parseGroupMultiplier,
  stripReasoningSuffix,
} from '../../src/services/prices.ts';
import { chargeFor, type ModelPrice } from '../../src/services/pricing.ts';
import { forEachDialect, openDeps } from '../helpers/stores.ts';

forEachDialect('price service', (context, environment) => {
  test('the built-in prices are seeded once, with a system_info marker', async () => {
    const { prices, store } = context();
    const listed = await prices.list();
    expect(listed).toHaveLength(defaultPrices.length);
    expect(listed.every((price) => price.isDefault)).toBe(true);
    expect(listed.find((price) => price.model === 'gpt-4o')).toMatchObject({
      mode: 'tokens',
      inputUsdPerMillion: '2.5',
      outputUsdPerMillion: '10',
      cachedUsdPerMillion: '1.25',
      cacheWriteUsdPerMillion: null,
      perCallUsd: null,
      maxOutputTokens: 16_384,
    });
    expect(await prices.get('dall-e-3')).toMatchObject({ mode: 'per-call', perCallUsd: '0.04', inputUsdPerMillion: null });
    const marker = await store.db.select().from(store.tables.systemInfo).where(eq(store.tables.systemInfo.key, PRICES_SEEDED_KEY));
    expect(marker).toHaveLength(1);
    expect(await prices.ensureDefaults()).toBe(false);
  });

  test('a removed built-in price stays removed when the database is opened again', async () => {
    const { prices } = context();
    const removed = await prices.remove('gpt-4o-2024-05-13');
    expect(removed).toMatchObject({ model: 'gpt-4o-2024-05-13', inputUsdPerMillion: '5', isDefault: true });
    const reopened = await openDeps(environment());
    try {
      const models = (await reopened.prices.list()).map((price) => price.model);
      expect(models).not.toContain('gpt-4o-2024-05-13');
      expect(models).toContain('gpt-4o');
      await expect(reopened.prices.ensureDefaults()).resolves.toBe(false);
    } finally {
      await reopened.close();
    }
    await expect(prices.get('gpt-4o-2024-05-13')).rejects.toMatchObject({ code: 'not_found', message: expect.stringContaining('gateway price list') });
  });

  test('set: token rates, per call and New API ratios, each bumping the prices counter', async () => {
    const { prices, store } = context();
    const before = (await readRevisions(store)).prices ?? 0;
    const tokens = await prices.set('my-model', {
      input: '1.5',
      output: '$6',
      cached: '0.15',
      cacheWrite: '1.875',
      imageInput: '3',
      audioInput: '10',
      audioOutput: '20',
      maxOutputTokens: '32000',
    });
    expect(tokens).toMatchObject({
      model: 'my-model',
      mode: 'tokens',
      inputUsdPerMillion: '1.5',
      outputUsdPerMillion: '6',
      cachedUsdPerMillion: '0.15',
      cacheWriteUsdPerMillion: '1.875',
      imageInputUsdPerMillion: '3',
      audioInputUsdPerMillion: '10',
      audioOutputUsdPerMillion: '20',
      maxOutputTokens: 32_000,
      isDefault: false,
    });
    const stored = await store.db.select().from(store.tables.prices).where(eq(store.tables.prices.model, 'my-model'));
    expect(stored[0]).toMatchObject({ inputPerMillion: 1_500_000, outputPerMillion: 6_000_000, cachedInputPerMillion: 150_000, cacheWritePerMillion: 1_875_000, perCall: null });
    expect(JSON.parse(stored[0]?.extra ?? '')).toEqual({ imageInput: 3_000_000, audioInput: 10_000_000, audioOutput: 20_000_000, maxOutputTokens: 32_000 });

    // A per-call price replaces the token rates entirely.
    const perCall = await prices.set('my-model', { perCall: '0.035' });
    expect(perCall).toMatchObject({ mode: 'per-call', perCallUsd: '0.035', inputUsdPerMillion: null, cachedUsdPerMillion: null, maxOutputTokens: null });

    const ratios = await prices.set('ratio-model', { ratio: '0.075', completionRatio: '4', cacheRatio: '0.5', createCacheRatio: 1.25 });
    expect(ratios).toMatchObject({ inputUsdPerMillion: '0.15', outputUsdPerMillion: '0.6', cachedUsdPerMillion: '0.075', cacheWriteUsdPerMillion: '0.1875' });
    expect((await readRevisions(store)).prices).toBe(before + 3);

    // Setting a built-in model to its built-in price shows as built-in again.
    await prices.set('gpt-4o', { input: '3', output: '12' });
    expect((await prices.get('gpt-4o')).isDefault).toBe(false);
    expect((await prices.set('gpt-4o', { input: '2.5', output: '10', cached: '1.25', maxOutputTokens: 16_384 })).isDefault).toBe(true);
  });

  test('reset restores one built-in price, or adds the missing ones and overwrites the changed ones', async () => {
    const { prices } = context();
    await prices.set('gpt-4o', { input: '9', output: '9' });
    await prices.set('o3', { perCall: '1' });
    expect(await prices.reset('gpt-4o')).toEqual({ added: [], updated: ['gpt-4o'], unchanged: 0 });
    expect(await prices.get('gpt-4o')).toMatchObject({ inputUsdPerMillion: '2.5', isDefault: true });
    await expect(prices.reset('my-model')).rejects.toMatchObject({ code: 'not_found', message: expect.stringContaining('no built-in price') });

    const all = await prices.reset();
    expect(all.added).toEqual(['gpt-4o-2024-05-13']);
    expect(all.updated).toEqual(['o3']);
    expect(all.unchanged).toBe(defaultPrices.length - 2);
    const listed = await prices.list();
    // Models without a built-in price are kept.
    expect(listed.map((price) => price.model)).toContain('my-model');
    expect(listed.filter((price) => defaultPriceFor(price.model) !== undefined).every((price) => price.isDefault)).toBe(true);
    expect(await prices.reset()).toEqual({ added: [], updated: [], unchanged: defaultPrices.length });
  });

  test('the price book: exact name, then without a reasoning suffix, then the longest wildcard', async () => {
    const { prices } = context();
    await prices.set('acme-*', { input: '1', output: '1' });
    await prices.set('acme-large-*', { input: '2', output: '2' });
    await prices.set('acme-large-exact', { input: '3', output: '3' });
    await prices.set('gemini-2.5-pro-thinking-*', { input: '4', output: '4' });
    await prices.set('o3-mini-high', { input: '5', output: '5' });
    const book = await prices.loadBook();
    const input = (model: string): number | undefined => book.priceFor(model)?.input;
    expect(input('acme-small')).toBe(1_000_000);
    expect(input('acme-large-v2')).toBe(2_000_000);
    expect(input('acme-large-exact')).toBe(3_000_000);
    expect(input('acme-large-exact-high')).toBe(3_000_000);
    expect(book.priceFor('acme-large-v2')?.model).toBe('acme-large-*');
    // An exact name beats the suffix rule; the base name beats a wildcard.
    expect(input('o3-mini-high')).toBe(5_000_000);
    expect(book.priceFor('o3-mini-low')?.model).toBe('o3-mini');
    expect(book.priceFor('gemini-2.5-pro-thinking-128')?.model).toBe('gemini-2.5-pro');
    expect(book.priceFor('gemini-2.5-pro-thinking-x')?.model).toBe('gemini-2.5-pro-thinking-*');
    expect(book.priceFor('gemini-2.5-flash-nothinking')?.model).toBe('gemini-2.5-flash');
    expect(book.priceFor('claude-sonnet-4-5-20250929-thinking')?.model).toBe('claude-sonnet-4-5-20250929');
    expect(book.priceFor('gpt-5-minimal')?.model).toBe('gpt-5');
    expect(book.priceFor('unknown-model')).toBeUndefined();
    expect(book.priceFor('acme')).toBeUndefined();
    expect(book.multiplierPpm('nobody')).toBe(1_000_000);
    expect((await prices.resolve('acme-large-v2'))?.model).toBe('acme-large-*');
    expect(await prices.resolve('unknown-model')).toBeUndefined();
  });

  test('group multipliers round-trip exactly and reach the price book', async () => {
    const { prices } = context();
    expect(await prices.setGroup('vip', { multiplier: '1.5', description: 'pays more' })).toMatchObject({
      name: 'vip',
      multiplier: '1.5',
      multiplierPpm: 1_500_000,
      description: 'pays more',
    });
    // The description is kept when left out.
    expect(await prices.setGroup('vip', { multiplier: '0.333333' })).toMatchObject({ multiplier: '0.333333', multiplierPpm: 333_333, description: 'pays more' });
    expect(await prices.setGroup('free', { multiplier: '0', description: '' })).toMatchObject({ multiplier: '0', multiplierPpm: 0 });
    expect(await prices.setGroup('max', { multiplier: '1000' })).toMatchObject({ multiplierPpm: 1_000_000_000 });
    expect((await prices.listGroups()).map((group) => [group.name, group.multiplier])).toEqual([
      ['free', '0'],
      ['max', '1000'],
      ['vip', '0.333333'],
    ]);
    const book = await prices.loadBook();
    expect(book.multiplierPpm('vip')).toBe(333_333);
    expect(book.multiplierPpm('free')).toBe(0);
    expect(book.multiplierPpm('default')).toBe(1_000_000);
    expect(await prices.removeGroup('max')).toMatchObject({ name: 'max', multiplier: '1000' });
    await expect(prices.removeGroup('max')).rejects.toMatchObject({ code: 'not_found', message: expect.stringContaining('gateway group list') });
    for (const multiplier of ['-1', '1.2345678', 'abc', '1000.000001', '1e3', '']) {
      await expect(prices.setGroup('vip', { multiplier })).rejects.toMatchObject({ code: 'invalid_argument', field: '--multiplier' });
    }
    await expect(prices.setGroup('bad name', { multiplier: '1' })).rejects.toMatchObject({ field: 'NAME' });
    await expect(prices.setGroup('vip', { multiplier: '1', description: 'a\u0007b' })).rejects.toMatchObject({ field: '--description' });
  });

  test('a New API options export imports with the same meaning, to the micro-USD', async () => {
    const { prices } = context();
    const result = await prices.importNewApi({
      ModelRatio: JSON.stringify({
        'gpt-4o': 1.25,
        'gpt-5': 0.625,
        'claude-sonnet-4-5-20250929': 1.5,
        'deepseek-chat': 0.135,
        'gemini-2.5-flash': 0.15,
        'imported-model': 2,
        'dall-e-3': 20,
        'bad\u0001name': 1,
      }),
      // gpt-5's completion ratio is fixed at 8 in New API's code, whatever the option says.
      CompletionRatio: JSON.stringify({ 'imported-model': 3, 'gpt-5': 2, 'deepseek-chat': 1.5, orphan: 2 }),
      CacheRatio: { 'gpt-4o': 0.5, 'claude-sonnet-4-5-20250929': 0.1, 'deepseek-chat': 0.1 },
      CreateCacheRatio: JSON.stringify({ 'claude-sonnet-4-5-20250929': 1.25, 'deepseek-chat': 1 }),
      ModelPrice: JSON.stringify({ 'dall-e-3': 0.04, mj_imagine: 0.1 }),
      GroupRatio: JSON.stringify({ default: 1, vip: 0.8, svip: 0.333333, 'bad group': 2 }),
      QuotaPerUnit: '500000',
    });
    const byModel = new Map(result.prices.map((price) => [price.model, price]));
    expect(byModel.get('gpt-4o')).toMatchObject({ inputUsdPerMillion: '2.5', outputUsdPerMillion: '10', cachedUsdPerMillion: '1.25', cacheWriteUsdPerMillion: '3.125' });
    expect(byModel.get('gpt-5')).toMatchObject({ inputUsdPerMillion: '1.25', outputUsdPerMillion: '10' });
    expect(byModel.get('claude-sonnet-4-5-20250929')).toMatchObject({
      inputUsdPerMillion: '3',
      outputUsdPerMillion: '15',
      cachedUsdPerMillion: '0.3',
      cacheWriteUsdPerMillion: '3.75',
    });
    expect(byModel.get('deepseek-chat')).toMatchObject({ inputUsdPerMillion: '0.27', outputUsdPerMillion: '0.405', cachedUsdPerMillion: '0.027', cacheWriteUsdPerMillion: '0.27' });
    expect(byModel.get('gemini-2.5-flash')).toMatchObject({ inputUsdPerMillion: '0.3', outputUsdPerMillion: '2.5' });
    expect(byModel.get('imported-model')).toMatchObject({ inputUsdPerMillion: '4', outputUsdPerMillion: '12', cachedUsdPerMillion: null, cacheWriteUsdPerMillion: '5' });
    // ModelPrice wins over ModelRatio.
    expect(byModel.get('dall-e-3')).toMatchObject({ mode: 'per-call', perCallUsd: '0.04' });
    expect(byModel.get('mj_imagine')).toMatchObject({ mode: 'per-call', perCallUsd: '0.1' });
    expect(result.prices).toHaveLength(8);
    expect(result.groups.map((group) => [group.name, group.multiplierPpm])).toEqual([
      ['default', 1_000_000],
      ['vip', 800_000],
      ['svip', 333_333],
    ]);
    expect(result.ignoredOptions).toEqual(['QuotaPerUnit']);
    expect(result.unpriced).toEqual(['orphan']);
    expect(result.skipped).toHaveLength(2);
    expect(result.skipped.join('\n')).toContain('control characters');
    expect(result.skipped.join('\n')).toContain('bad group');

    // What New API bills: quota = (plain + cached × 0.1 + written × 1.25 + completion × 5) × 1.5 × 0.8,
    // (2 000 + 600 + 2 500 + 5 000) × 1.2 = 12 120 quota units = 24 240 micro-USD.
    const book = await prices.loadBook();
    const claude = book.priceFor('claude-sonnet-4-5-20250929');
    if (claude === undefined) throw new Error('claude price missing');
    const counts = { promptTokens: 10_000, completionTokens: 1000, cachedTokens: 6000, cacheWriteTokens: 2000, imageInputTokens: 0, audioInputTokens: 0, audioOutputTokens: 0 };
    expect(chargeFor(claude, counts, book.multiplierPpm('vip'))).toBe(24_240);
    const dallE = book.priceFor('dall-e-3');
    if (dallE === undefined) throw new Error('dall-e-3 price missing');
    expect(chargeFor(dallE, counts, book.multiplierPpm('svip'), 2)).toBe(26_667);

    await expect(prices.importNewApi({ ModelRatio: '{not json' })).rejects.toMatchObject({ code: 'invalid_argument', field: 'ModelRatio' });
    await expect(prices.importNewApi({ ModelRatio: '[1, 2]' })).rejects.toMatchObject({ field: 'ModelRatio' });
    await expect(prices.importNewApi({ GroupRatio: { vip: -1 } })).rejects.toMatchObject({ field: 'GroupRatio' });
    await expect(prices.importNewApi({ ModelPrice: { x: '0.1' } })).rejects.toMatchObject({ field: 'ModelPrice' });
  });

  test('seeding claims its marker once even when several starts race; rows that exist are kept', async () => {
    const { prices, store } = context();
    const { systemInfo } = store.tables;
    await store.write((db) => db.delete(systemInfo).where(eq(systemInfo.key, PRICES_SEEDED_KEY)));
    await prices.remove('gpt-4o');
    const results = await Promise.all([prices.ensureDefaults(), prices.ensureDefaults(), prices.ensureDefaults()]);
    expect(results.filter((seeded) => seeded)).toHaveLength(1);
    expect(await prices.get('gpt-4o')).toMatchObject({ inputUsdPerMillion: '2.5', isDefault: true });
    // deepseek-chat keeps the imported price; seeding never overwrites.
    expect(await prices.get('deepseek-chat')).toMatchObject({ inputUsdPerMillion: '0.27', isDefault: false });
    expect(await prices.ensureDefaults()).toBe(false);
  });

  test('validation errors name the flag and the fix', async () => {
    const { prices } = context();
    const rejects = async (model: string, input: object, field: string, fragment: string): Promise<void> => {
      // The service takes any shape at run time (the CLI passes whatever flags were given).
      await expect(prices.set(model, input as never)).rejects.toMatchObject({ code: 'invalid_argument', field, message: expect.stringContaining(fragment) });
    };
    await rejects('x', { input: 'abc', output: '1' }, '--input', '--input must be USD per 1M tokens');
    await rejects('x', { input: '-1', output: '1' }, '--input', 'got "-1"');
    await rejects('x', { input: '1', output: '1.0000001' }, '--output', 'at most 6 decimals');
    await rejects('x', { input: '1' }, '--output', '--output is required');
    await rejects('x', { output: '1' }, '--input', '--input is required');
    await rejects('x', { cached: '1' }, '--input', '--input is required');
    await rejects('x', {}, '--input', '--per-call USD');
    await rejects('x', { perCall: '1', input: '2', output: '3' }, '--per-call', '--per-call cannot be combined with --input, --output');
    await rejects('x', { perCall: 'free' }, '--per-call', '--per-call must be USD per call');
    await rejects('x', { ratio: '1', input: '2' }, '--ratio', 'not both');
    await rejects('x', { completionRatio: '4' }, '--ratio', 'need --ratio');
    await rejects('x', { ratio: '-1' }, '--ratio', '--ratio must be a decimal');
    await rejects('x', { ratio: '1', cacheRatio: 'half' }, '--cache-ratio', '--cache-ratio must be');
    await rejects('x', { input: '1', output: '1', maxOutputTokens: '0' }, '--max-output-tokens', 'from 1 to');
    await rejects('x', { input: '1', output: '1', maxOutputTokens: 1.5 }, '--max-output-tokens', 'whole number');
    await rejects('', { input: '1', output: '1' }, 'MODEL', '1 to 256 characters');
    await rejects('x'.repeat(257), { input: '1', output: '1' }, 'MODEL', '1 to 256 characters');
    await rejects('a*b', { input: '1', output: '1' }, 'MODEL', 'only once, at the end');
    await rejects('a**', { input: '1', output: '1' }, 'MODEL', 'only once, at the end');
    await rejects('a\nb', { input: '1', output: '1' }, 'MODEL', 'control characters');
    await expect(prices.remove('never-priced')).rejects.toMatchObject({ code: 'not_found', message: expect.stringContaining('no price for "never-priced"') });
  });
});

describe('price helpers', () => {
  test('reasoning and thinking suffixes', () => {
    expect(stripReasoningSuffix('o3-mini-high')).toBe('o3-mini');
    expect(stripReasoningSuffix('gpt-5-minimal')).toBe('gpt-5');
    expect(stripReasoningSuffix('gemini-2.5-pro-thinking-128')).toBe('gemini-2.5-pro');
    expect(stripReasoningSuffix('gemini-2.5-flash-nothinking')).toBe('gemini-2.5-flash');
    expect(stripReasoningSuffix('claude-3-7-sonnet-20250219-thinking')).toBe('claude-3-7-sonnet-20250219');
    expect(stripReasoningSuffix('gpt-4o')).toBeUndefined();
    expect(stripReasoningSuffix('-high')).toBeUndefined();
    expect(stripReasoningSuffix('model-highest')).toBeUndefined();
  });

  test('model names and multipliers', () => {
    expect(normalizePriceModel('  gpt-4o ')).toBe('gpt-4o');
    expect(normalizePriceModel('gemini-2.5-pro-thinking-*')).toBe('gemini-2.5-pro-thinking-*');
    expect(normalizePriceModel('*')).toBe('*');
    expect(parseGroupMultiplier('1')).toBe(1_000_000);
    expect(parseGroupMultiplier('0.000001')).toBe(1);
    expect(parseGroupMultiplier('2.5')).toBe(2_500_000);
  });

  test('a bare * prices every model, below every other rule', () => {
    const price = (model: string, input: number): ModelPrice => ({ model, input, output: input });
    const book = buildPriceBook([price('*', 1), price('a*', 2), price('ab', 3)], new Map([['vip', 5]]));
    expect(book.priceFor('zzz')?.input).toBe(1);
    expect(book.priceFor('abc')?.input).toBe(2);
    expect(book.priceFor('ab')?.input).toBe(3);
    expect(book.multiplierPpm('vip')).toBe(5);
  });

  test('New API completion ratios: locked family rules beat the option, other rules are fallbacks', () => {
    const option = new Map([
      ['gpt-5', 2],
      ['gpt-4o', 3],
      ['vendor/model', 7],
      ['claude-sonnet-4-5', 9],
    ]);
    expect(newApiCompletionRatio('gpt-5', option)).toBe(8);
    expect(newApiCompletionRatio('gpt-4o', option)).toBe(3);
    expect(newApiCompletionRatio('gpt-4o', new Map())).toBe(4);
    expect(newApiCompletionRatio('gpt-4o-2024-05-13', option)).toBe(3);
    expect(newApiCompletionRatio('claude-sonnet-4-5', option)).toBe(5);
    expect(newApiCompletionRatio('o3-mini', new Map())).toBe(4);
    expect(newApiCompletionRatio('gemini-2.5-pro', new Map())).toBe(8);
    expect(newApiCompletionRatio('gemini-2.5-flash-lite', new Map())).toBe(4);
    expect(newApiCompletionRatio('gemini-2.0-flash', new Map([['gemini-2.0-flash', 1]]))).toBe(4);
    expect(newApiCompletionRatio('vendor/model', option)).toBe(7);
    expect(newApiCompletionRatio('command-r-plus', new Map())).toBe(5);
    expect(newApiCompletionRatio('some-open-model', new Map())).toBe(1);
  });

  test('decimal numbers scale exactly, rounding up what is finer than the scale', () => {
    expect(scaleUp(0.04, 6)).toBe(40_000n);
    expect(scaleUp(0.333333, 6)).toBe(333_333n);
    expect(scaleUp(0.3333333, 6)).toBe(333_334n);
    expect(scaleUp(1e-7, 6)).toBe(1n);
    expect(scaleUp(1.5e3, 6)).toBe(1_500_000_000n);
    expect(scaleUp(0, 6)).toBe(0n);
  });
});
