/** `gateway model …` through the real entry point. Each spawn costs ~0.3 s, so each one checks several things. */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type { ModelAliasView } from '../../src/services/model-aliases.ts';
import type { ServedModelView } from '../../src/services/served-models.ts';
import { expectOneLineError, runCli } from '../helpers/cli.ts';
import { createTestEnvironment, type TestEnvironment } from '../helpers/stores.ts';

describe('gateway model [sqlite]', () => {
  let environment: TestEnvironment;
  beforeAll(async () => {
    environment = await createTestEnvironment('sqlite');
  });
  afterAll(async () => {
    await environment.cleanup();
  });

  test('model list shows served models; alias add, list, rm', async () => {
    const env = environment.env;
    const empty = await runCli(['model', 'list'], env);
    expect(empty.exitCode).toBe(0);
    expect(empty.stdout).toContain('No models are served');

    const channel = await runCli(['channel', 'add', '--name', 'main', '--type', 'openai', '--key', 'sk-model-cli-secret', '--models', 'gpt-4o,gpt-4o-mini', '--group', 'default,vip', '--json'], env);
    expect(channel.exitCode).toBe(0);

    const added = await runCli(['model', 'alias', 'add', 'gpt-4', 'gpt-4o', '--json'], env);
    expect(added.stderr).toBe('');
    expect(added.json<ModelAliasView>()).toMatchObject({ alias: 'gpt-4', target: 'gpt-4o' });

    const human = await runCli(['model', 'alias', 'add', 'four', 'gpt-4'], env);
    expect(human.stdout.trim()).toBe('Added alias four → gpt-4.');

    const listed = await runCli(['model', 'alias', 'list', '--json'], env);
    expect(listed.json<ModelAliasView[]>().map((entry) => [entry.alias, entry.target])).toEqual([
      ['four', 'gpt-4'],
      ['gpt-4', 'gpt-4o'],
    ]);
    const table = await runCli(['model', 'alias', 'list'], env);
    expect(table.stdout).toMatch(/^ALIAS\s+TARGET\s+CREATED/);

    const served = await runCli(['model', 'list', '--json'], env);
    expect(served.json<ServedModelView[]>()).toEqual([
      { model: 'gpt-4o', groups: ['default', 'vip'], channels: [{ id: 1, name: 'main' }], aliases: ['four', 'gpt-4'] },
      { model: 'gpt-4o-mini', groups: ['default', 'vip'], channels: [{ id: 1, name: 'main' }], aliases: [] },
    ]);
    expect(served.stdout).not.toContain('sk-model-cli-secret');
    const servedTable = await runCli(['model', 'list'], env);
    expect(servedTable.stdout).toMatch(/^MODEL\s+CHANNELS\s+GROUPS\s+ALIASES/);
    expect(servedTable.stdout).toContain('main(1)');

    expectOneLineError(await runCli(['model', 'alias', 'add', 'gpt-4o', 'four'], env), 'would make a cycle: gpt-4o → four → gpt-4 → gpt-4o');
    expectOneLineError(await runCli(['model', 'alias', 'add', 'gpt-4', 'o3'], env), 'gateway model alias rm gpt-4');
    expectOneLineError(await runCli(['model', 'alias', 'add', 'same', 'same'], env), 'cannot point to itself');
    expectOneLineError(await runCli(['model', 'alias', 'rm', 'four'], env), 'add --yes');
    expectOneLineError(await runCli(['model', 'alias', 'rm', 'nothing', '--yes'], env), 'no alias "nothing"');

    const removed = await runCli(['model', 'alias', 'rm', 'four', '--yes', '--json'], env);
    expect(removed.json<ModelAliasView>()).toMatchObject({ alias: 'four', target: 'gpt-4' });
    const after = await runCli(['model', 'alias', 'list', '--json'], env);
    expect(after.json<ModelAliasView[]>().map((entry) => entry.alias)).toEqual(['gpt-4']);
  });
});
