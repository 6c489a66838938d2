import { afterAll, expect, test } from 'bun:test';
import { runCli } from '../helpers/cli.ts';
import { createTestEnvironment, type TestEnvironment } from '../helpers/stores.ts';

let environment: TestEnvironment | undefined;
afterAll(async () => {
  await environment?.cleanup();
});

test('gateway setting list | set | reset, with --json and clear errors', async () => {
  environment = await createTestEnvironment('sqlite');
  const set = await runCli(['setting', 'set', 'retry_times', '3', '--json'], environment.env);
  expect(set.exitCode).toBe(0);
  expect(set.json()).toMatchObject({ name: 'retry_times', value: 3, isDefault: false });
  const list = await runCli(['setting', 'list', '--json'], environment.env);
  expect(list.json<{ name: string; value: unknown }[]>().find((row) => row.name === 'retry_times')?.value).toBe(3);
  const human = await runCli(['setting', 'list'], environment.env);
  expect(human.stdout).toContain('auto_disable_enabled');
  const bad = await runCli(['setting', 'set', 'retry_times', 'many'], environment.env);
  expect(bad.exitCode).toBe(2);
  expect(bad.stderr.trim().split('\n')).toHaveLength(1);
  expect(bad.stderr).toContain('retry_times must be a whole number');
  const reset = await runCli(['setting', 'reset', 'retry_times', '--json'], environment.env);
  expect(reset.json()).toMatchObject({ value: 2, isDefault: true });
});
