/** `gateway serve` as an operator runs it: a child process, its JSON log on stdout, signals, the CLI beside it. */
import { afterAll, describe, expect, test } from 'bun:test';
import type { Dialect } from '../../src/db/client.ts';
import { runCli } from '../helpers/cli.ts';
import { type ServeProcess, startServeProcess } from '../helpers/serve-process.ts';
import { createTestEnvironment, type TestEnvironment } from '../helpers/stores.ts';

async function serve(env: Record<string, string>): Promise<ServeProcess> {
  return startServeProcess({ env });
}

const environments: TestEnvironment[] = [];
async function environmentFor(dialect: Dialect): Promise<TestEnvironment> {
  const environment = await createTestEnvironment(dialect);
  environments.push(environment);
  return environment;
}
afterAll(async () => {
  for (const environment of environments) await environment.cleanup();
});

describe('gateway serve', () => {
  test('listens, answers probes, sees a CLI change within one second, and exits 0 on SIGTERM', async () => {
    const environment = await environmentFor('sqlite');
    const server = await serve({ ...environment.env, GATEWAY_SYNC_INTERVAL_MS: '200' });
    try {
      const listening = server.entries.find((entry) => entry.msg === 'listening');
      expect(listening).toMatchObject({ url: server.url, dataDir: environment.dataDir, database: `sqlite ${environment.dataDir}/gateway.db`, version: expect.any(String), commit: expect.any(String) });

      expect(await (await fetch(`${server.url}/healthz`)).json()).toEqual({ status: 'ok' });
      const ready = (await (await fetch(`${server.url}/readyz`)).json()) as { status: string; channels: number };
      expect(ready).toMatchObject({ status: 'ready', channels: 0 });

      const added = await runCli(['channel', 'add', '--name', 'live', '--type', 'openai', '--key', 'sk-live-key-123456', '--models', 'gpt-4o', '--json'], environment.env);
      expect(added.exitCode).toBe(0);
      const started = performance.now();
      let channels = 0;
      while (performance.now() - started < 1000) {
        channels = ((await (await fetch(`${server.url}/readyz`)).json()) as { channels: number }).channels;
        if (channels === 1) break;
        await Bun.sleep(20);
      }
      expect(channels).toBe(1);
    } finally {
      server.child.kill('SIGTERM');
    }
    expect(await server.finished).toBe(0);
    const messages = server.entries.map((entry) => entry.msg);
    expect(messages).toEqual(expect.arrayContaining(['shutdown requested', 'draining', 'stopped']));
    expect(messages.indexOf('stopped')).toBe(messages.length - 1);
  });

  test('SIGINT drains the same way', async () => {
    const environment = await environmentFor('sqlite');
    const server = await serve(environment.env);
    server.child.kill('SIGINT');
    expect(await server.finished).toBe(0);
    expect(server.entries.at(-1)?.msg).toBe('stopped');
  });

  test('on PostgreSQL the log names the database without credentials', async () => {
    const environment = await environmentFor('postgres');
    const server = await serve(environment.env);
    try {
      const listening = server.entries.find((entry) => entry.msg === 'listening');
      expect(String(listening?.database)).toMatch(/^postgres 127\.0\.0\.1:5432\/gw_test_/);
      expect(await (await fetch(`${server.url}/readyz`)).json()).toMatchObject({ status: 'ready', database: { dialect: 'postgres' } });
    } finally {
      server.child.kill('SIGTERM');
    }
    expect(await server.finished).toBe(0);
  });

  test('a malformed --port exits non-zero naming the flag and the variable', async () => {
    const environment = await environmentFor('sqlite');
    const result = await runCli(['serve', '--port', 'abc'], environment.env);
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toContain('--port');
    expect(result.stderr).toContain('PORT');
    expect(result.stderr).toContain('"abc" is not a whole number');
  });

  test('PORT=99999 exits non-zero naming PORT', async () => {
    const environment = await environmentFor('sqlite');
    const result = await runCli(['serve'], { ...environment.env, PORT: '99999' });
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toContain('(PORT)');
    expect(result.stderr).toContain('99999 is outside 0..65535');
  });

  test('a malformed --shutdown-timeout names its flag', async () => {
    const environment = await environmentFor('sqlite');
    const result = await runCli(['serve', '--shutdown-timeout', '-1'], environment.env);
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toContain('--shutdown-timeout');
    expect(result.stderr).toContain('SHUTDOWN_TIMEOUT_SECONDS');
  });
});
