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

test('gateway tui --server says remote mode is not available yet', async () => {
  const result = await runCli(['tui', '--server', 'https://gateway.example', '--token', 'pat']);
  expectOneLineError(result, 'remote mode (--server/--token) is not available yet');
});

test('gateway tui --help lists the keys', async () => {
  const result = await runCli(['tui', '--help']);
  expect(result.exitCode).toBe(0);
  expect(result.stdout).toContain('? help, / filter, q back or quit');
});
