import { describe, expect, test } from 'bun:test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describeConfig, loadConfig } from '../../src/config/load.ts';
import { GatewayError } from '../../src/errors/gateway-error.ts';

const directory = () => mkdtempSync(join(tmpdir(), 'gateway-config-'));

function failure(run: () => unknown): GatewayError {
  try {
    run();
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error('expected a GatewayError');
}

describe('loadConfig', () => {
  test('defaults: ./data, SQLite file inside it, port 3000', () => {
    const cwd = directory();
    const { config, sources } = loadConfig({ cwd, env: {} });
    expect(config.dataDir).toBe(join(cwd, 'data'));
    expect(config.sqlitePath).toBe(join(cwd, 'data', 'gateway.db'));
    expect(config.databaseUrl).toBeUndefined();
    expect(config.port).toBe(3000);
    expect(config.host).toBe('0.0.0.0');
    expect(config.shutdownTimeoutSeconds).toBe(120);
    expect(sources.port).toEqual({ kind: 'default' });
  });

  test('flags beat environment, environment beats the config file, the file beats defaults', () => {
    const cwd = directory();
    const file = join(cwd, 'gateway.toml');
    writeFileSync(file, 'port = 4000\nhost = "127.0.0.1"\nlog_level = "warn"\nshutdown_timeout_seconds = 7\n');
    const { config, sources } = loadConfig({
      cwd,
      flags: { configFile: file, port: '5000' },
      env: { PORT: '4500', GATEWAY_HOST: '127.0.0.2' },
    });
    expect(config.port).toBe(5000);
    expect(sources.port).toEqual({ kind: 'flag', name: '--port' });
    expect(config.host).toBe('127.0.0.2');
    expect(sources.host).toEqual({ kind: 'env', name: 'GATEWAY_HOST' });
    expect(config.logLevel).toBe('warn');
    expect(sources.logLevel).toEqual({ kind: 'file', name: file });
    expect(config.shutdownTimeoutSeconds).toBe(7);
    expect(config.logFormat).toBe('auto');
  });

  test('a config file in the data directory is found without --config; JSON works too', () => {
    const cwd = directory();
    const data = join(cwd, 'state');
    Bun.spawnSync(['mkdir', '-p', data]);
    writeFileSync(join(data, 'gateway.json'), JSON.stringify({ port: 3100 }));
    const { config } = loadConfig({ cwd, env: { GATEWAY_DATA_DIR: 'state' } });
    expect(config.dataDir).toBe(data);
    expect(config.port).toBe(3100);
    expect(config.configFile).toBe(join(data, 'gateway.json'));
  });

  test('SQL_DSN (New API name) and DATABASE_URL select PostgreSQL; SQL_DSN wins', () => {
    const { config, sources } = loadConfig({
      env: { SQL_DSN: 'postgres://u:p@db:5432/one', DATABASE_URL: 'postgres://u:p@db:5432/two' },
    });
    expect(config.databaseUrl).toBe('postgres://u:p@db:5432/one');
    expect(sources.databaseUrl).toEqual({ kind: 'env', name: 'SQL_DSN' });
    expect(loadConfig({ env: { DATABASE_URL: 'postgresql://db/x' } }).config.databaseUrl).toBe('postgresql://db/x');
  });

  test('malformed values name the flag and the variable', () => {
    const port = failure(() => loadConfig({ env: { PORT: 'abc' } }));
    expect(port.code).toBe('invalid_config');
    expect(port.message).toContain('PORT');
    expect(port.message).toContain('--port');
    expect(failure(() => loadConfig({ flags: { port: '70000' }, env: {} })).message).toContain('outside 0..65535');
    const level = failure(() => loadConfig({ env: { GATEWAY_LOG_LEVEL: 'loud' } }));
    expect(level.message).toContain('debug, info, warn, error');
    const mysql = failure(() => loadConfig({ env: { SQL_DSN: 'root:pw@tcp(localhost:3306)/oneapi' } }));
    expect(mysql.message).toContain('SQL_DSN');
    const scheme = failure(() => loadConfig({ env: { SQL_DSN: 'mysql://root@localhost/oneapi' } }));
    expect(scheme.message).toContain('postgres://');
    expect(failure(() => loadConfig({ env: { DATABASE_URL: 'postgres://db:5432' } })).message).toContain('names no database');
  });

  test('unknown GATEWAY_* variables and unknown file keys stop the start', () => {
    expect(failure(() => loadConfig({ env: { GATEWAY_PROT: '1' } })).message).toContain('GATEWAY_PROT');
    const cwd = directory();
    const file = join(cwd, 'c.toml');
    writeFileSync(file, 'prot = 1\n');
    expect(failure(() => loadConfig({ cwd, flags: { configFile: file }, env: {} })).message).toContain('unknown setting "prot"');
    writeFileSync(file, 'secret = "x"\n');
    expect(failure(() => loadConfig({ cwd, flags: { configFile: file }, env: {} })).message).toContain('GATEWAY_SECRET');
    writeFileSync(file, 'port = [');
    expect(failure(() => loadConfig({ cwd, flags: { configFile: file }, env: {} })).message).toContain('not valid TOML');
    expect(failure(() => loadConfig({ cwd, flags: { configFile: join(cwd, 'missing.toml') }, env: {} })).message).toContain(
      'cannot read config file',
    );
  });

  test('describeConfig masks secrets and says where values came from', () => {
    const loaded = loadConfig({
      env: { SQL_DSN: 'postgres://admin:hunter2-secret@db:5432/gw', GATEWAY_SECRET: 'c2VjcmV0LXZhbHVlLXRoYXQtbXVzdC1uZXZlci1zaG93', GATEWAY_ROOT_PASSWORD: 'root-pass-123' },
    });
    const rows = describeConfig(loaded);
    const text = JSON.stringify(rows);
    expect(text).not.toContain('hunter2-secret');
    expect(text).not.toContain('c2VjcmV0');
    expect(text).not.toContain('root-pass-123');
    const database = rows.find((row) => row.key === 'database_url');
    expect(database?.value).toBe('postgres://admin:****@db:5432/gw');
    expect(database?.source).toBe('env SQL_DSN');
    expect(rows.find((row) => row.key === 'port')?.source).toBe('default');
  });
});
