/** `gateway price …` and `gateway group …` through the real entry point. Each spawn costs ~0.3 s, so each checks several things. */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GroupView, PriceImportResult, PriceResetResult, PriceView } from '../../src/services/prices.ts';
import { expectOneLineError, runCli } from '../helpers/cli.ts';
import { createTestEnvironment, type TestEnvironment } from '../helpers/stores.ts';

describe('gateway price and group [sqlite]', () => {
  let environment: TestEnvironment;
  beforeAll(async () => {
    environment = await createTestEnvironment('sqlite');
  });
  afterAll(async () => {
    await environment.cleanup();
  });

  test('price list shows the built-in prices; --model shows the price that bills a name', async () => {
    const env = environment.env;
    const listed = await runCli(['price', 'list', '--json'], env);
    expect(listed.exitCode).toBe(0);
    expect(listed.json<PriceView[]>().find((price) => price.model === 'gpt-4o')).toMatchObject({
      inputUsdPerMillion: '2.5',
      outputUsdPerMillion: '10',
      cachedUsdPerMillion: '1.25',
      isDefault: true,
    });
    const table = await runCli(['price', 'list'], env);
    expect(table.stdout).toMatch(/^MODEL\s+INPUT \$\/1M\s+OUTPUT \$\/1M/);
    expect(table.stdout).toMatch(/\ndall-e-3\s+-\s+-\s+-\s+-\s+0\.04\s+-\s+built-in\n/);

    const resolved = await runCli(['price', 'list', '--model', 'o3-mini-high', '--json'], env);
    expect(resolved.json<PriceView[]>().map((price) => price.model)).toEqual(['o3-mini']);
    const none = await runCli(['price', 'list', '--model', 'no-such-model'], env);
    expect(none.exitCode).toBe(0);
    expect(none.stdout).toContain('No price applies to no-such-model. Set one with: gateway price set no-such-model');
  });

  test('price set in USD, per call and in New API ratios; bad input exits 2 naming the flag', async () => {
    const env = environment.env;
    const tokens = await runCli(['price', 'set', 'my-model', '--input', '1.5', '--output', '6', '--cached', '0.15', '--cache-write', '1.875', '--image-input', '3', '--audio-input', '10', '--audio-output', '20', '--max-output-tokens', '32000', '--json'], env);
    expect(tokens.stderr).toBe('');
    expect(tokens.json<PriceView>()).toMatchObject({
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
    const perCall = await runCli(['price', 'set', 'my-image-model', '--per-call', '0.04'], env);
    expect(perCall.stdout.trim()).toBe('Set the price of my-image-model: $0.04 per call.');
    const ratio = await runCli(['price', 'set', 'my-ratio-*', '--ratio', '1.25', '--completion-ratio', '4', '--cache-ratio', '0.5', '--create-cache-ratio', '1.25', '--json'], env);
    expect(ratio.json<PriceView>()).toMatchObject({ model: 'my-ratio-*', inputUsdPerMillion: '2.5', outputUsdPerMillion: '10', cachedUsdPerMillion: '1.25', cacheWriteUsdPerMillion: '3.125' });
    const wildcard = await runCli(['price', 'list', '--model', 'my-ratio-v2', '--json'], env);
    expect(wildcard.json<PriceView[]>().map((price) => price.model)).toEqual(['my-ratio-*']);

    expectOneLineError(await runCli(['price', 'set', 'x', '--input', 'abc', '--output', '1'], env), '--input must be USD per 1M tokens');
    expectOneLineError(await runCli(['price', 'set', 'x', '--input', '1'], env), '--output is required');
    expectOneLineError(await runCli(['price', 'set', 'x'], env), '--input USD --output USD');
    expectOneLineError(await runCli(['price', 'set', 'x', '--per-call', '1', '--input', '2'], env), '--per-call cannot be combined with --input');
    expectOneLineError(await runCli(['price', 'set', 'x', '--ratio', 'one'], env), '--ratio must be a decimal');
    expectOneLineError(await runCli(['price', 'set', 'x', '--input', '1', '--output', '1', '--max-output-tokens', 'lots'], env), '--max-output-tokens must be a whole number');
    expectOneLineError(await runCli(['price', 'set', 'a*b', '--input', '1', '--output', '1'], env), 'MODEL "a*b" may contain "*" only once, at the end');
    const unknownFlag = await runCli(['price', 'set', 'x', '--inputs', '1'], env);
    expect(unknownFlag.exitCode).toBe(2);
  });

  test('price rm asks for --yes; price reset restores built-in prices', async () => {
    const env = environment.env;
    expectOneLineError(await runCli(['price', 'rm', 'my-model'], env), 'add --yes');
    const removed = await runCli(['price', 'rm', 'my-model', '--yes', '--json'], env);
    expect(removed.json<PriceView>()).toMatchObject({ model: 'my-model', inputUsdPerMillion: '1.5' });
    expectOneLineError(await runCli(['price', 'rm', 'my-model', '--yes'], env), 'no price for "my-model"');

    await runCli(['price', 'set', 'gpt-4o', '--input', '9', '--output', '9'], env);
    const one = await runCli(['price', 'reset', 'gpt-4o', '--json'], env);
    expect(one.json<PriceResetResult & { price: PriceView }>()).toMatchObject({ updated: ['gpt-4o'], added: [], price: { inputUsdPerMillion: '2.5', isDefault: true } });
    const human = await runCli(['price', 'reset', 'gpt-4o'], env);
    expect(human.stdout.trim()).toBe('Restored the built-in price of gpt-4o: $2.5 input / $10 output / $1.25 cached per 1M tokens.');
    expectOneLineError(await runCli(['price', 'reset', 'my-image-model'], env), '"my-image-model" has no built-in price');

    await runCli(['price', 'rm', 'dall-e-3', '--yes'], env);
    const all = await runCli(['price', 'reset', '--json'], env);
    expect(all.json<PriceResetResult>()).toMatchObject({ added: ['dall-e-3'], updated: [] });
    const allHuman = await runCli(['price', 'reset'], env);
    expect(allHuman.stdout).toMatch(/^Restored the built-in prices: 0 added, 0 updated, \d+ unchanged\.$/m);
    // Prices without a built-in one are kept.
    const listed = await runCli(['price', 'list', '--json'], env);
    expect(listed.json<PriceView[]>().map((price) => price.model)).toContain('my-image-model');
  });

  test('price import reads New API options (an object or the options table rows)', async () => {
    const env = environment.env;
    const file = join(environment.dataDir, 'new-api-options.json');
    writeFileSync(
      file,
      JSON.stringify({
        ModelRatio: JSON.stringify({ 'claude-sonnet-4-5-20250929': 1.5, 'imported-model': 2 }),
        CompletionRatio: JSON.stringify({ 'imported-model': 3 }),
        CacheRatio: JSON.stringify({ 'claude-sonnet-4-5-20250929': 0.1 }),
        ModelPrice: JSON.stringify({ 'mj_imagine': 0.1 }),
        GroupRatio: JSON.stringify({ vip: 0.8 }),
        SomethingElse: 'true',
      }),
    );
    const imported = await runCli(['price', 'import', file, '--json'], env);
    expect(imported.stderr).toBe('');
    const result = imported.json<PriceImportResult>();
    expect(result.prices.map((price) => [price.model, price.inputUsdPerMillion, price.outputUsdPerMillion, price.cachedUsdPerMillion, price.perCallUsd])).toEqual([
      ['mj_imagine', null, null, null, '0.1'],
      ['claude-sonnet-4-5-20250929', '3', '15', '0.3', null],
      ['imported-model', '4', '12', null, null],
    ]);
    expect(result.groups.map((group) => [group.name, group.multiplier])).toEqual([['vip', '0.8']]);
    expect(result.ignoredOptions).toEqual(['SomethingElse']);

    const rows = join(environment.dataDir, 'options-table.json');
    writeFileSync(rows, JSON.stringify([{ key: 'ModelRatio', value: '{"table-model": 0.5}' }, { key: 'GroupRatio', value: '{"svip": 0.5}' }]));
    const fromRows = await runCli(['price', 'import', rows], env);
    expect(fromRows.stdout.trim()).toBe(`Imported 1 prices (0 per call) and 1 group multipliers from ${rows}.`);

    expectOneLineError(await runCli(['price', 'import', join(environment.dataDir, 'missing.json')], env), 'cannot read FILE');
    const broken = join(environment.dataDir, 'broken.json');
    writeFileSync(broken, '{"ModelRatio": ');
    expectOneLineError(await runCli(['price', 'import', broken], env), 'is not JSON');
    const badValue = join(environment.dataDir, 'bad-value.json');
    writeFileSync(badValue, JSON.stringify({ ModelRatio: '{"x": "1"}' }));
    expectOneLineError(await runCli(['price', 'import', badValue], env), 'ModelRatio: "x" must be a number');
  });

  test('group set, list and rm', async () => {
    const env = environment.env;
    const set = await runCli(['group', 'set', 'gold', '--multiplier', '1.5', '--description', 'pays more', '--json'], env);
    expect(set.json<GroupView>()).toMatchObject({ name: 'gold', multiplier: '1.5', multiplierPpm: 1_500_000, description: 'pays more' });
    const free = await runCli(['group', 'set', 'internal', '--multiplier', '0'], env);
    expect(free.stdout.trim()).toBe('Group internal now pays ×0.');
    const listed = await runCli(['group', 'list', '--json'], env);
    expect(listed.json<GroupView[]>().map((group) => [group.name, group.multiplier])).toEqual([
      ['gold', '1.5'],
      ['internal', '0'],
      ['svip', '0.5'],
      ['vip', '0.8'],
    ]);
    const table = await runCli(['group', 'list'], env);
    expect(table.stdout).toMatch(/^GROUP\s+MULTIPLIER\s+DESCRIPTION\s+UPDATED\ngold\s+1\.5\s+pays more/);

    expectOneLineError(await runCli(['group', 'set', 'gold', '--multiplier', '1.2345678'], env), '--multiplier must be a decimal from 0 to 1000');
    expectOneLineError(await runCli(['group', 'set', 'gold'], env), '--multiplier is required');
    expectOneLineError(await runCli(['group', 'set', 'bad name', '--multiplier', '1'], env), 'NAME "bad name" must be 1-32 characters');
    expectOneLineError(await runCli(['group', 'rm', 'gold'], env), 'add --yes');
    const removed = await runCli(['group', 'rm', 'gold', '--yes', '--json'], env);
    expect(removed.json<GroupView>()).toMatchObject({ name: 'gold', multiplier: '1.5' });
    expectOneLineError(await runCli(['group', 'rm', 'gold', '--yes'], env), 'no multiplier for group "gold"');
  });
});
