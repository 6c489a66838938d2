/** `gateway redeem …` and `gateway user redeem` through the real entry point. Each spawn costs ~0.3 s. */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type { CreatedRedemptions, RedeemResult, RedemptionView } from '../../src/services/redemptions.ts';
import { expectOneLineError, runCli } from '../helpers/cli.ts';
import { createTestEnvironment, type TestEnvironment } from '../helpers/stores.ts';

describe('gateway redeem [sqlite]', () => {
  let environment: TestEnvironment;
  beforeAll(async () => {
    environment = await createTestEnvironment('sqlite');
  });
  afterAll(async () => {
    await environment.cleanup();
  });

  test('create prints the codes once; list, user redeem, disable and rm', async () => {
    const env = environment.env;
    const created = await runCli(['redeem', 'create', '--amount', '5', '--count', '2', '--name', 'promo', '--expires', '30d', '--json'], env);
    expect(created.exitCode).toBe(0);
    const batch = created.json<CreatedRedemptions>();
    expect(batch.codes).toHaveLength(2);
    expect(batch.redemptions.map((entry) => [entry.name, entry.status, entry.amountUsd])).toEqual([
      ['promo', 'unused', '5'],
      ['promo', 'unused', '5'],
    ]);
    const [code, spare] = batch.codes as [string, string];

    const human = await runCli(['redeem', 'create', '--amount', '0.5'], env);
    expect(human.exitCode).toBe(0);
    expect(human.stdout).toContain('Created 1 redemption code worth $0.5 each:');
    expect(human.stdout).toMatch(/^ {2}[0-9A-Za-z]{32}$/m);
    expect(human.stdout).toContain('shown only once');

    const listed = await runCli(['redeem', 'list', '--json'], env);
    const all = listed.json<RedemptionView[]>();
    expect(all).toHaveLength(3);
    expect(listed.stdout).not.toContain(code);
    const table = await runCli(['redeem', 'list'], env);
    expect(table.stdout).toMatch(/^ID\s+CODE\s+NAME\s+STATUS\s+AMOUNT \(USD\)/);
    expect(table.stdout).toContain(`${code.slice(0, 8)}…`);

    expect((await runCli(['user', 'create', 'alice', '--json'], env)).exitCode).toBe(0);
    const redeemed = await runCli(['user', 'redeem', 'alice', code, '--json'], env);
    expect(redeemed.stderr).toBe('');
    const result = redeemed.json<RedeemResult>();
    expect(result).toMatchObject({ amountUsd: '5', user: { username: 'alice', balanceUsd: '5' }, redemption: { status: 'used' } });
    expectOneLineError(await runCli(['user', 'redeem', 'alice', code], env), 'invalid redemption code');
    expectOneLineError(await runCli(['user', 'redeem', 'nobody', spare], env), 'no user "nobody"');
    expectOneLineError(await runCli(['user', 'redeem', 'alice', 'not-a-code'], env), '32 letters and digits');

    const fromStdin = await runCli(['user', 'redeem', 'alice', '-'], env, { stdin: `${spare}\n` });
    expect(fromStdin.exitCode).toBe(0);
    expect(fromStdin.stdout.trim()).toBe(`Redeemed code ${spare.slice(0, 8)}… for alice: added $5; balance is now $10.`);

    const used = await runCli(['redeem', 'list', '--status', 'used', '--json'], env);
    expect(used.json<RedemptionView[]>().map((entry) => entry.prefix)).toEqual([`${code.slice(0, 8)}…`, `${spare.slice(0, 8)}…`]);

    const third = all[2] as RedemptionView;
    const disabled = await runCli(['redeem', 'disable', third.prefix, '--json'], env);
    expect(disabled.json<RedemptionView>()).toMatchObject({ id: third.id, status: 'disabled' });
    expect((await runCli(['redeem', 'disable', String(third.id)], env)).stdout.trim()).toBe(`Redemption code ${third.prefix} (id ${third.id}) is disabled.`);
    expectOneLineError(await runCli(['redeem', 'disable', code], env), 'already redeemed');

    expectOneLineError(await runCli(['redeem', 'rm', String(third.id)], env), 'add --yes');
    expectOneLineError(await runCli(['redeem', 'rm', code.slice(0, 8), '--yes'], env), 'record of that credit');
    const removed = await runCli(['redeem', 'rm', String(third.id), '--yes', '--json'], env);
    expect(removed.json<RedemptionView>()).toMatchObject({ id: third.id });
    expect((await runCli(['redeem', 'list', '--status', 'disabled', '--json'], env)).json<RedemptionView[]>()).toEqual([]);
  });

  test('bad input exits 2 with one line that names the fix', async () => {
    const env = environment.env;
    expectOneLineError(await runCli(['redeem', 'create', '--amount', '0'], env), '--amount must be more than 0');
    expectOneLineError(await runCli(['redeem', 'create', '--amount', '1', '--count', '101'], env), '--count must be a whole number from 1 to 100');
    expectOneLineError(await runCli(['redeem', 'create', '--amount', '1', '--count', 'many'], env), '--count must be a whole number');
    expectOneLineError(await runCli(['redeem', 'create', '--amount', '1', '--expires', 'tomorrow'], env), '--expires');
    expectOneLineError(await runCli(['redeem', 'list', '--status', 'spent'], env), '--status must be one of unused, disabled, used, expired');
    expectOneLineError(await runCli(['redeem', 'disable', '424242'], env), 'gateway redeem list');
    const missing = await runCli(['redeem', 'create'], env);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain('--amount');
  });
});
