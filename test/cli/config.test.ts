import { sqliteMigrations } from '../../migrations/index.ts';
import { afterAll, describe, expect, test } from 'bun:test';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { optionSpecs } from '../../src/config/schema.ts';
import { runCli } from '../helpers/cli.ts';
import { temporaryDirectory } from '../helpers/stores.ts';

const migrationTags = sqliteMigrations.map((migration) => migration.tag);

interface Row {
  key: string;
  value: string | number | null;
  source: string;
}

const directories: string[] = [];
function dataDirectory(): string {
  const directory = temporaryDirectory('gateway-config-');
  directories.push(directory);
  return directory;
}
afterAll(() => {
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
});

async function settings(args: readonly string[], env: Record<string, string>): Promise<Map<string, Row>> {
  const result = await runCli(['config', '--json', ...args], env);
  expect(result.stderr).toBe('');
  expect(result.exitCode).toBe(0);
  const rows = result.json<{ settings: Row[] }>().settings;
  return new Map(rows.map((row) => [row.key, row]));
}

describe('gateway config', () => {
  test('shows every setting with its value and source', async () => {
    const dataDir = dataDirectory();
    const rows = await settings([], { GATEWAY_DATA_DIR: dataDir });
    expect([...rows.keys()].sort()).toEqual(Object.values(optionSpecs).map((option) => option.fileKey).sort());
    expect(rows.get('data_dir')).toMatchObject({ value: dataDir, source: 'env GATEWAY_DATA_DIR' });
    expect(rows.get('port')).toMatchObject({ value: 3000, source: 'default' });
    expect(rows.get('sqlite_path')).toMatchObject({ value: join(dataDir, 'gateway.db') });
  });

  test('precedence: flag > environment > config file > default', async () => {
    const dataDir = dataDirectory();
    writeFileSync(join(dataDir, 'gateway.toml'), 'log_level = "warn"\nport = 4000\n');
    const file = join(dataDir, 'gateway.toml');
    const base = { GATEWAY_DATA_DIR: dataDir };

    let rows = await settings(['--log-level', 'debug'], { ...base, GATEWAY_LOG_LEVEL: 'error' });
    expect(rows.get('log_level')).toMatchObject({ value: 'debug', source: 'flag --log-level' });
    rows = await settings([], { ...base, GATEWAY_LOG_LEVEL: 'error', PORT: '5000' });
    expect(rows.get('log_level')).toMatchObject({ value: 'error', source: 'env GATEWAY_LOG_LEVEL' });
    expect(rows.get('port')).toMatchObject({ value: 5000, source: 'env PORT' });
    rows = await settings([], base);
    expect(rows.get('log_level')).toMatchObject({ value: 'warn', source: `file ${file}` });
    expect(rows.get('port')).toMatchObject({ value: 4000, source: `file ${file}` });
    expect(rows.get('shutdown_timeout_seconds')).toMatchObject({ value: 120, source: 'default' });
  });

  test('secrets are masked in JSON and in the table; the database is never opened', async () => {
    const dataDir = dataDirectory();
    const canary = 'CANARY7f3e9a';
    // Port 1 on loopback: nothing listens, so any attempt to connect would fail the command.
    const env = {
      GATEWAY_DATA_DIR: join(dataDir, 'not-created'),
      SQL_DSN: `postgres://gateway:${canary}pw@127.0.0.1:1/gateway`,
      GATEWAY_SECRET: `${canary}-master-key-material-0123456789`,
      GATEWAY_ROOT_PASSWORD: `${canary}-root`,
    };
    const json = await runCli(['config', '--json'], env);
    const table = await runCli(['config'], env);
    for (const result of [json, table]) {
      expect(result.exitCode).toBe(0);
      expect(result.stdout + result.stderr).not.toContain(canary);
    }
    const rows = new Map(json.json<{ settings: Row[] }>().settings.map((row) => [row.key, row]));
    expect(rows.get('database_url')).toMatchObject({ value: 'postgres://gateway:****@127.0.0.1:1/gateway', source: 'env SQL_DSN' });
    expect(rows.get('secret')?.value).toBe('****');
    expect(rows.get('root_password')?.value).toBe('****');
    expect(table.stdout).toContain('postgres://gateway:****@127.0.0.1:1/gateway');
    expect(existsSync(join(dataDir, 'not-created'))).toBe(false);
  });

  test('an unknown GATEWAY_ variable is refused by name', async () => {
    const result = await runCli(['config'], { GATEWAY_DATA_DIR: dataDirectory(), GATEWAY_FOO: '1' });
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toContain('GATEWAY_FOO');
    expect(result.stdout).toBe('');
  });

  test('an unknown config-file key is refused by name', async () => {
    const dataDir = dataDirectory();
    writeFileSync(join(dataDir, 'gateway.toml'), 'prot = 3000\n');
    const result = await runCli(['config'], { GATEWAY_DATA_DIR: dataDir });
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toContain('unknown setting "prot"');
  });

  test('a config file given with --config is used and named as the source', async () => {
    const dataDir = dataDirectory();
    const file = join(dataDir, 'elsewhere', 'settings.json');
    mkdirSync(join(dataDir, 'elsewhere'));
    writeFileSync(file, JSON.stringify({ host: '127.0.0.1' }));
    const rows = await settings(['--config', file], { GATEWAY_DATA_DIR: dataDir });
    expect(rows.get('host')).toMatchObject({ value: '127.0.0.1', source: `file ${file}` });
    expect(rows.get('config')).toMatchObject({ value: file, source: 'flag --config' });
  });

  test('--help lists every setting with its environment names', async () => {
    const result = await runCli(['config', '--help']);
    expect(result.exitCode).toBe(0);
    for (const option of Object.values(optionSpecs)) {
      expect(result.stdout).toContain(option.fileKey);
      for (const name of option.env) expect(result.stdout).toContain(name);
    }
  });

  test('--check opens the database and shows the SQLite settings it really uses (P2)', async () => {
    const dataDir = dataDirectory();
    const result = await runCli(['config', '--check', '--json'], { GATEWAY_DATA_DIR: dataDir });
    expect(result.exitCode).toBe(0);
    expect(result.json<{ database: unknown }>().database).toMatchObject({
      dialect: 'sqlite',
      ok: true,
      sqlite: { journal_mode: 'wal', busy_timeout: 5000, synchronous: 'normal', foreign_keys: true },
      migrations: { applied: [], pending: migrationTags },
    });
    const human = await runCli(['config', '--check'], { GATEWAY_DATA_DIR: dataDir });
    expect(human.stdout).toMatch(/journal_mode\s+wal/);
    expect(human.stdout).toMatch(/busy_timeout\s+5000/);
  });
});
