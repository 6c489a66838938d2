import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TokenView } from '../../src/services/tokens.ts';
import { expectOneLineError, runCli } from '../helpers/cli.ts';
import { createTestEnvironment, openDeps, type TestEnvironment } from '../helpers/stores.ts';

describe('gateway token', () => {
  let environment: TestEnvironment;
  let key = '';
  beforeAll(async () => {
    environment = await createTestEnvironment('sqlite');
  });
  afterAll(async () => {
    await environment.cleanup();
  });
  const gateway = (...args: string[]) => runCli(args, environment.env);

  test('create prints the key once; list and show never print it', async () => {
    const created = await gateway('token', 'create', '--name', 'ci', '--quota', '5', '--expires', '30d', '--models', 'gpt-4o,claude-sonnet-4', '--json');
    expect(created.exitCode).toBe(0);
    const token = created.json<TokenView & { key: string }>();
    expect(token).toMatchObject({ id: 1, name: 'ci', username: 'root', quotaUsd: '5', unlimited: false, models: ['gpt-4o', 'claude-sonnet-4'] });
    expect(token.key).toMatch(/^sk-[0-9A-Za-z]{48}$/);
    key = token.key;
    const human = await gateway('token', 'create', '--name', 'laptop');
    expect(human.stdout).toMatch(/\n {2}sk-[0-9A-Za-z]{48}\n/);
    expect(human.stdout).toContain('shown only once');
    for (const args of [['token', 'list'], ['token', 'list', '--json'], ['token', 'show', 'ci'], ['token', 'show', 'ci', '--json']]) {
      const result = await gateway(...args);
      expect(result.exitCode).toBe(0);
      expect(result.stdout).toContain(key.slice(0, 9));
      expect(result.stdout).not.toContain(key.slice(9, 30));
    }
  });

  test('the database keeps only a digest, and verify accepts the key', async () => {
    const deps = await openDeps(environment);
    try {
      const rows = await deps.store.db.select().from(deps.store.tables.tokens);
      expect(JSON.stringify(rows)).not.toContain(key.slice(3));
      expect((await deps.tokens.verify(key))?.token.name).toBe('ci');
      expect(await deps.tokens.verify(`${key.slice(0, -2)}zz`)).toBeUndefined();
    } finally {
      await deps.close();
    }
    // Neither the database file nor its WAL holds the key in any form.
    for (const file of readdirSync(environment.dataDir).filter((name) => name.startsWith('gateway.db'))) {
      expect(readFileSync(join(environment.dataDir, file)).includes(key.slice(3))).toBe(false);
    }
  });

  test('bad input exits 2 with one line that names the option', async () => {
    const cases: [string[], RegExp][] = [
      [['token', 'create', '--name', 'x', '--quota', '5', '--unlimited'], /--quota and --unlimited exclude each other/],
      [['token', 'create', '--name', 'x', '--quota', '-5'], /--quota must not be negative/],
      [['token', 'create', '--name', 'x', '--expires', '2020-01-01'], /--expires 2020-01-01 is in the past/],
      [['token', 'create', '--name', 'x', '--expires', 'soon'], /--expires cannot read "soon"/],
      [['token', 'create', '--name', 'x', '--user', 'ghost'], /--user: no user "ghost"; list users with: gateway user list/],
      [['token', 'create', '--name', 'ci'], /already has a key named "ci"/],
      [['token', 'create', '--name', 'x', '--allow-ips', '10.0.0.0/8,not-an-ip'], /--allow-ips: "not-an-ip" is not an IP address/],
      [['token', 'show', 'nothing'], /no key named "nothing"; list keys with: gateway token list/],
    ];
    for (const [args, message] of cases) {
      expectOneLineError(await gateway(...args), message);
    }
  });

  test('update, disable and rm', async () => {
    const updated = await gateway('token', 'update', 'ci', '--unlimited', '--expires', 'never', '--allow-ips', '203.0.113.0/24', '--json');
    expect(updated.json<TokenView>()).toMatchObject({ unlimited: true, quotaUsd: null, expiresAt: null, allowIps: ['203.0.113.0/24'] });
    const disabled = await gateway('token', 'disable', 'ci', '--json');
    expect(disabled.json<TokenView>().status).toBe('disabled');
    const unconfirmed = await gateway('token', 'rm', 'ci');
    expect(unconfirmed.exitCode).toBe(2);
    expect(unconfirmed.stderr).toContain('add --yes');
    const removed = await gateway('token', 'rm', 'ci', '--yes');
    expect(removed.stdout).toBe('Removed key ci (id 1).\n');
    const listed = await gateway('token', 'list', '--json');
    expect(listed.json<TokenView[]>().map((token) => token.name)).toEqual(['laptop']);
  });
});
