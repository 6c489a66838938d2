/** `gateway user 2fa-reset USER`: the operator turns off anyone's two-factor sign-in (root's too). */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { base32Decode, totpCode } from '../../src/security/totp.ts';
import { createTwoFactorService } from '../../src/services/two-factor.ts';
import { expectOneLineError, runCli } from '../helpers/cli.ts';
import { createTestEnvironment, openDeps, type TestEnvironment } from '../helpers/stores.ts';

describe('gateway user 2fa-reset', () => {
  let environment: TestEnvironment;
  beforeAll(async () => {
    environment = await createTestEnvironment('sqlite');
    const deps = await openDeps(environment);
    try {
      const twoFactor = createTwoFactorService(deps);
      for (const [username, password, role] of [
        ['carol', 'carol-password', 'user'],
        ['root', 'test-root-password', undefined],
      ] as const) {
        const id = role === undefined ? (await deps.users.get(username)).id : (await deps.users.create({ username, password, role })).user.id;
        const setup = await twoFactor.setup(id, { password });
        await twoFactor.enable(id, { code: totpCode(base32Decode(setup.secret), Date.now()) });
      }
    } finally {
      await deps.close();
    }
  });
  afterAll(async () => {
    await environment.cleanup();
  });
  const gateway = (...args: string[]) => runCli(args, environment.env);

  test('turns it off and says so; show tells whether it is on', async () => {
    expect((await gateway('user', 'show', 'carol')).stdout).toMatch(/^2FA\s+on$/m);
    const reset = await gateway('user', '2fa-reset', 'carol');
    expect(reset.exitCode).toBe(0);
    expect(reset.stdout).toBe('Two-factor sign-in of carol (id 2) is off; their sign-ins ended. They sign in with the password alone now.\n');
    expect((await gateway('user', 'show', 'carol', '--json')).json<{ twoFactorEnabled: boolean }>().twoFactorEnabled).toBe(false);
    const again = await gateway('user', '2fa-reset', '2');
    expect(again.stdout).toBe('User carol (id 2) did not have two-factor sign-in on; nothing changed.\n');
  });

  test('root too, with --json; the output holds no secret', async () => {
    const reset = await gateway('user', '2fa-reset', 'root', '--json');
    expect(reset.exitCode).toBe(0);
    const shown = reset.json<Record<string, unknown>>();
    expect(shown).toMatchObject({ username: 'root', twoFactorEnabled: false, twoFactorWasEnabled: true });
    expect(reset.stdout).not.toMatch(/totp|secret|v1\./i);
  });

  test('an unknown user exits 2 with one line', async () => {
    expectOneLineError(await gateway('user', '2fa-reset', 'nobody'), 'no user "nobody"; list users with: gateway user list');
  });
});
