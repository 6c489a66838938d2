/** `gateway channel …` through the real entry point. Each spawn costs ~0.3 s, so each one checks several things. */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type { ChannelView } from '../../src/services/channels.ts';
import { expectOneLineError, runCli } from '../helpers/cli.ts';
import { createTestEnvironment, type TestEnvironment } from '../helpers/stores.ts';

const firstKey = 'sk-cli-first-secret-1111';
const secondKey = 'sk-cli-second-secret-2222';

describe('gateway channel [sqlite]', () => {
  let environment: TestEnvironment;
  beforeAll(async () => {
    environment = await createTestEnvironment('sqlite');
  });
  afterAll(async () => {
    await environment.cleanup();
  });

  test('add, list, show, update, disable, enable, rm', async () => {
    const env = environment.env;
    const added = await runCli(
      ['channel', 'add', '--name', 'main', '--type', 'openai', '--key', firstKey, '--key', secondKey, '--models', 'gpt-4o,gpt-4o-mini', '--group', 'default,vip', '--priority', '-2', '--model-map', 'gpt-4o=gpt-4o-2024-11-20', '--json'],
      env,
    );
    expect(added.stderr).toBe('');
    expect(added.exitCode).toBe(0);
    const created = added.json<ChannelView>();
    expect(created).toMatchObject({
      name: 'main',
      type: 'openai',
      priority: -2,
      groups: ['default', 'vip'],
      modelMapping: { 'gpt-4o': 'gpt-4o-2024-11-20' },
      keys: [{ position: 0, hint: '1111' }, { position: 1, hint: '2222' }],
    });
    expect(created.id).toBeGreaterThan(0);
    expect(added.stdout).not.toContain(firstKey);
    expect(added.stdout).not.toContain(secondKey);

    const listed = await runCli(['channel', 'list', '--json'], env);
    expect(listed.json<ChannelView[]>().map((channel) => channel.name)).toEqual(['main']);
    expect(listed.stdout).not.toContain(firstKey);

    const table = await runCli(['channel', 'list'], env);
    expect(table.stdout).toMatch(/^ID\s+NAME\s+TYPE\s+STATUS/);
    expect(table.stdout).toContain('main');

    const shown = await runCli(['channel', 'show', 'main'], env);
    expect(shown.exitCode).toBe(0);
    expect(shown.stdout).toContain('…1111');
    expect(shown.stdout).toContain('gpt-4o → gpt-4o-2024-11-20');
    expect(shown.stdout).not.toContain(firstKey);

    // --key - reads the replacement keys from stdin, so they stay out of the process list.
    const updated = await runCli(['channel', 'update', String(created.id), '--weight', '0', '--key', '-', '--json'], env, {
      stdin: 'sk-cli-replaced-key-3333\n',
    });
    expect(updated.exitCode).toBe(0);
    expect(updated.json<ChannelView>()).toMatchObject({ id: created.id, weight: 0, priority: -2, keys: [{ position: 0, hint: '3333' }] });

    const disabled = await runCli(['channel', 'disable', 'main', '--json'], env);
    expect(disabled.json<ChannelView>().status).toBe('disabled');
    const enabled = await runCli(['channel', 'enable', String(created.id)], env);
    expect(enabled.stdout).toContain('is enabled');

    expectOneLineError(await runCli(['channel', 'rm', 'main'], env), 'add --yes');
    const removed = await runCli(['channel', 'rm', 'main', '--yes', '--json'], env);
    expect(removed.exitCode).toBe(0);
    expect(removed.json<ChannelView>().id).toBe(created.id);
    expectOneLineError(await runCli(['channel', 'show', 'main'], env), 'no channel named "main"');
  });

  test('bad input exits 2 with one line that names the fix', async () => {
    const env = environment.env;
    const base = ['channel', 'add', '--key', firstKey, '--models', 'gpt-4o-mini'];
    expect((await runCli([...base, '--name', 'taken', '--type', 'openai'], env)).exitCode).toBe(0);

    expectOneLineError(await runCli([...base, '--name', 'taken', '--type', 'openai'], env), 'a channel named "taken" already exists');
    expectOneLineError(await runCli([...base, '--name', 'x', '--type', 'palm'], env), 'use one of: openai, azure');
    expectOneLineError(await runCli([...base, '--name', 'x', '--type', 'azure', '--base-url', 'not a url'], env), '--base-url "not a url" is not a valid URL');
    expectOneLineError(await runCli([...base, '--name', 'x', '--type', 'openai', '--base-url', 'http://127.1:8080'], env), '--allow-private 127.0.0.1:8080');
    expectOneLineError(await runCli([...base, '--name', 'x', '--type', 'openai', '--weight', '1.5'], env), '--weight must be a whole number');

    const unknownFlag = await runCli([...base, '--name', 'x', '--type', 'openai', '--wieght', '2'], env);
    expect(unknownFlag.exitCode).toBe(2);
    expect(unknownFlag.stderr.split('\n')[0]).toContain("unknown option '--wieght'");
  });

  test('--setting: add, merge on update, remove with NAME=, shown in JSON; bad settings exit 2', async () => {
    const env = environment.env;
    const added = await runCli(
      ['channel', 'add', '--name', 'azure', '--type', 'azure', '--base-url', 'https://east.openai.azure.com', '--key', firstKey, '--models', 'gpt-4o', '--setting', 'api_version=2024-10-21', '--setting', 'strip_model_dots=true', '--json'],
      env,
    );
    expect(added.stderr).toBe('');
    expect(added.json<ChannelView>().settings).toEqual({ api_version: '2024-10-21', strip_model_dots: true });

    const updated = await runCli(['channel', 'update', 'azure', '--setting', 'api_version=2025-04-01-preview', '--setting', 'strip_model_dots=', '--json'], env);
    expect(updated.exitCode).toBe(0);
    expect(updated.json<ChannelView>().settings).toEqual({ api_version: '2025-04-01-preview' });
    const shown = await runCli(['channel', 'show', 'azure', '--json'], env);
    expect(shown.json<ChannelView>().settings).toEqual({ api_version: '2025-04-01-preview' });

    const update = ['channel', 'update', 'azure', '--setting'];
    expectOneLineError(await runCli([...update, 'api-version=2025'], env), 'unknown --setting "api-version"; known settings: api_version,');
    expectOneLineError(await runCli([...update, 'max_tokens=lots'], env), '--setting max_tokens must be a whole number from 1 to 1000000');
    expectOneLineError(await runCli([...update, 'api_version'], env), 'must look like NAME=VALUE');
    expectOneLineError(await runCli([...update, 'organization=sk-cli-leak-9999'], env), 'looks like an API key; settings are printed by channel show, so give keys with --key');
    expectOneLineError(await runCli([...update, 'api_version=a', '--setting', 'api_version=b'], env), '--setting api_version is given twice');
    expect((await runCli(['channel', 'show', 'azure', '--json'], env)).json<ChannelView>().settings).toEqual({ api_version: '2025-04-01-preview' });
  });
});

describe('gateway channel [postgres]', () => {
  let environment: TestEnvironment;
  beforeAll(async () => {
    environment = await createTestEnvironment('postgres');
  });
  afterAll(async () => {
    await environment.cleanup();
  });

  test('add, list and rm on PostgreSQL', async () => {
    const env = environment.env;
    const added = await runCli(['channel', 'add', '--name', 'pg', '--type', 'anthropic', '--key', firstKey, '--models', 'claude-sonnet-4-5', '--json'], env);
    expect(added.exitCode).toBe(0);
    const created = added.json<ChannelView>();
    expect(created).toMatchObject({ name: 'pg', baseUrl: 'https://api.anthropic.com' });
    expect(added.stdout).not.toContain(firstKey);
    const listed = await runCli(['channel', 'list', '--type', 'anthropic', '--json'], env);
    expect(listed.json<ChannelView[]>().map((channel) => channel.id)).toEqual([created.id]);
    const removed = await runCli(['channel', 'rm', String(created.id), '--yes', '--json'], env);
    expect(removed.json<ChannelView>().name).toBe('pg');
  });
});
