import { expect, test } from 'bun:test';
import { rmSync } from 'node:fs';
import { expectOneLineError, runCli } from '../helpers/cli.ts';
import { temporaryDirectory } from '../helpers/postgres.ts';

test('gateway tui refuses to start without a terminal, naming what scripts should use', async () => {
  const dataDir = temporaryDirectory();
  try {
    const result = await runCli(['tui'], { GATEWAY_DATA_DIR: dataDir });
    expectOneLineError(result, 'gateway tui needs an interactive terminal');
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('gateway tui --server checks the gateway before opening the screen: one line, exit 1, no token shown', async () => {
  const token = 'gpat_notarealtoken0123456789';
  const result = await runCli(['tui', '--server', 'http://127.0.0.1:9', '--token', token]);
  expect(result.exitCode).toBe(1);
  expect(result.stdout).toBe('');
  expect(result.stderr.trim().split('\n')).toHaveLength(1);
  expect(result.stderr).toStartWith('error: cannot reach the gateway at http://127.0.0.1:9/api/user/self');
  expect(result.stderr).not.toContain(token);
});

test('gateway tui --help lists the keys', async () => {
  const result = await runCli(['tui', '--help']);
  expect(result.exitCode).toBe(0);
  expect(result.stdout).toContain('? help, / filter, q back or quit');
});
