/** The registration settings through `gateway setting set`, as an operator opens registration. */
import { afterAll, expect, test } from 'bun:test';
import { expectOneLineError, runCli } from '../helpers/cli.ts';
import { createTestEnvironment, type TestEnvironment } from '../helpers/stores.ts';

let environment: TestEnvironment | undefined;
afterAll(async () => {
  await environment?.cleanup();
});

test('gateway setting set registration_enabled | registration_email_domains | registration_opening_balance_usd', async () => {
  environment = await createTestEnvironment('sqlite');
  const gateway = (...args: string[]) => runCli(args, (environment as TestEnvironment).env);
  const listed = (await gateway('setting', 'list', '--json')).json<{ name: string; value: unknown; isDefault: boolean }[]>();
  expect(listed.filter((row) => row.name.startsWith('registration_'))).toEqual([
    expect.objectContaining({ name: 'registration_enabled', value: false, isDefault: true }),
    expect.objectContaining({ name: 'registration_email_domains', value: [], isDefault: true }),
    expect.objectContaining({ name: 'registration_opening_balance_usd', value: '0', isDefault: true }),
  ]);
  expect((await gateway('setting', 'set', 'registration_enabled', 'true')).stdout).toBe('registration_enabled = true\n');
  expect((await gateway('setting', 'set', 'registration_email_domains', 'Example.com, @corp.example')).stdout).toBe('registration_email_domains = example.com,corp.example\n');
  expect((await gateway('setting', 'set', 'registration_opening_balance_usd', '0.50', '--json')).json()).toMatchObject({ value: '0.5' });
  expectOneLineError(await gateway('setting', 'set', 'registration_email_domains', 'not a domain'), 'registration_email_domains: "not a domain" is not a domain name');
});
