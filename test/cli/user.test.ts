import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { expectOneLineError, runCli } from '../helpers/cli.ts';
import { createTestEnvironment, type TestEnvironment } from '../helpers/stores.ts';

interface UserJson {
  id: number;
  username: string;
  role: string;
  status: string;
  balanceUsd: string;
  password?: string;
  amountUsd?: string;
}

describe('gateway user', () => {
  let environment: TestEnvironment;
  beforeAll(async () => {
    environment = await createTestEnvironment('sqlite');
    // No configured password: the first command creates root with a random one.
    delete environment.env.GATEWAY_ROOT_PASSWORD;
  });
  afterAll(async () => {
    await environment.cleanup();
  });
  const gateway = (...args: string[]) => runCli(args, environment.env);

  test('the first command prints a generated root password once, on stderr', async () => {
    const first = await gateway('user', 'list', '--json');
    expect(first.exitCode).toBe(0);
    expect(first.stderr).toMatch(/username: root\n\s+password: [0-9A-Za-z]{20}\n/);
    expect(first.json<UserJson[]>().map((user) => user.username)).toEqual(['root']);
    const second = await gateway('user', 'list');
    expect(second.stderr).toBe('');
    expect(second.stdout).toMatch(/^ID\s+USERNAME\s+ROLE/);
  });

  test('create prints a generated password once; show never does', async () => {
    const created = await gateway('user', 'create', 'alice', '--quota', '0.1', '--json');
    expect(created.exitCode).toBe(0);
    const alice = created.json<UserJson>();
    expect(alice).toMatchObject({ username: 'alice', role: 'user', status: 'enabled', balanceUsd: '0.1' });
    expect(alice.password).toMatch(/^[0-9A-Za-z]{20}$/);
    const shown = await gateway('user', 'show', 'alice', '--json');
    expect(shown.stdout).not.toContain(alice.password ?? '');
    expect(shown.stdout).not.toMatch(/password|argon/i);
  });

  test('top-ups add exactly', async () => {
    const topup = await gateway('user', 'topup', 'alice', '0.2', '--json');
    expect(topup.json<UserJson>()).toMatchObject({ balanceUsd: '0.3', amountUsd: '0.2' });
    const human = await gateway('user', 'topup', 'alice', '$0.000001');
    expect(human.stdout).toBe('Added $0.000001 to alice; balance is now $0.300001.\n');
  });

  test('bad input exits 2 with one line that names the fix', async () => {
    const cases: [string[], RegExp][] = [
      [['user', 'topup', 'alice', '0'], /more than 0/],
      [['user', 'topup', 'alice', '-1'], /must not be negative/],
      [['user', 'topup', 'nobody', '1'], /no user "nobody"; list users with: gateway user list/],
      [['user', 'create', 'alice'], /username "alice" is taken/],
      [['user', 'create', 'bob', '--password', 'short'], /--password must be at least 8 characters/],
      [['user', 'create', 'bob', '--role', 'boss'], /--role must be one of user, admin, root/],
    ];
    for (const [args, message] of cases) {
      expectOneLineError(await gateway(...args), message);
    }
  });

  test('rm needs --yes without a terminal, and the last root stays', async () => {
    const unconfirmed = await gateway('user', 'rm', 'alice');
    expect(unconfirmed.exitCode).toBe(2);
    expect(unconfirmed.stderr).toContain('add --yes');
    const lastRoot = await gateway('user', 'rm', 'root', '--yes');
    expect(lastRoot.exitCode).toBe(2);
    expect(lastRoot.stderr).toContain('last enabled root');
    const removed = await gateway('user', 'rm', 'alice', '--yes', '--json');
    expect(removed.exitCode).toBe(0);
    expect(removed.json<UserJson>()).toMatchObject({ username: 'alice' });
    const listed = await gateway('user', 'list', '--json');
    expect(listed.json<UserJson[]>().map((user) => user.username)).toEqual(['root']);
  });
});
