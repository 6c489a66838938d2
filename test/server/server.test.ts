import { afterEach, describe, expect, test } from 'bun:test';
import { loadConfig } from '../../src/config/load.ts';
import { createDeps } from '../../src/deps.ts';
import { createLogger, memorySink } from '../../src/log/logger.ts';
import { type RunningServer, startServer } from '../../src/server.ts';
import { createTestEnvironment, type TestEnvironment } from '../helpers/stores.ts';

interface Started {
  server: RunningServer;
  environment: TestEnvironment;
  messages: () => string[];
  release: () => void;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** A server on 127.0.0.1 and a free port, with `/test/hold` answering only once `release()` is called. */
async function start(env: Record<string, string> = {}): Promise<Started> {
  const environment = await createTestEnvironment('sqlite');
  const deps = await createDeps(loadConfig({ env: { ...environment.env, GATEWAY_HOST: '127.0.0.1', PORT: '0', GATEWAY_SYNC_INTERVAL_MS: '100', ...env } }));
  const sink = memorySink();
  let release: () => void = () => {};
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  const server = await startServer(deps, createLogger({ format: 'json', level: 'debug', sink }), {
    extend: (app) => {
      app.get('/test/hold', async () => {
        await held;
        return { held: false };
      });
    },
  });
  cleanups.push(async () => {
    release();
    await server.stop();
    await environment.cleanup();
  });
  return { server, environment, release, messages: () => sink.lines.map((line) => (JSON.parse(line) as { msg: string }).msg) };
}

describe('startServer', () => {
  test('listens on a free port; probes and request ids work over a real socket', async () => {
    const { server, messages } = await start();
    expect(server.port).toBeGreaterThan(0);
    const health = await fetch(`${server.url}/healthz`, { headers: { 'x-request-id': 'socket-1' } });
    expect(health.status).toBe(200);
    expect(health.headers.get('x-request-id')).toBe('socket-1');
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', channels: 0 });
    const missing = await fetch(`${server.url}/v1/unknown`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('x-request-id')).not.toBeNull();
    expect(messages()).toContain('listening');
  });

  test('a change written by another connection shows in /readyz within one second', async () => {
    const { server, environment } = await start();
    // A second, independent set of services on the same file: what `gateway channel add` does from its own process.
    const other = await createDeps(loadConfig({ env: environment.env }));
    await other.channels.add({ name: 'from-elsewhere', type: 'openai', keys: ['sk-elsewhere-key-1'], models: ['gpt-4o'] });
    await other.close();
    const started = performance.now();
    let channels = 0;
    while (performance.now() - started < 1000) {
      channels = ((await (await fetch(`${server.url}/readyz`)).json()) as { channels: number }).channels;
      if (channels === 1) break;
      await Bun.sleep(25);
    }
    expect(channels).toBe(1);
  });

  test('graceful stop: the request in flight finishes, new connections are refused, the store closes', async () => {
    const { server, release, messages } = await start();
    const inFlight = fetch(`${server.url}/test/hold`);
    await Bun.sleep(50);
    expect(server.lifecycle.inFlight).toBe(1);
    let stopped = false;
    const stopping = server.stop().then(() => {
      stopped = true;
    });
    await Bun.sleep(50);
    expect(server.lifecycle.draining).toBe(true);
    expect(stopped).toBe(false);
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
    release();
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ held: false });
    await stopping;
    expect(server.lifecycle.inFlight).toBe(0);
    expect(messages()).toEqual(expect.arrayContaining(['draining', 'stopped']));
    expect(messages()).not.toContain('shutdown timeout reached; closing the remaining connections');
  });

  test('the shutdown timeout bounds the wait: a request still running is cut off', async () => {
    const { server, messages } = await start({ SHUTDOWN_TIMEOUT_SECONDS: '1' });
    const inFlight = fetch(`${server.url}/test/hold`).then(
      (response) => response.status,
      () => 'connection closed',
    );
    await Bun.sleep(50);
    const started = performance.now();
    await server.stop();
    const elapsed = performance.now() - started;
    // 1 s of waiting, then at most the 1 s given to cut-off handlers before the store closes.
    expect(elapsed).toBeGreaterThanOrEqual(950);
    expect(elapsed).toBeLessThan(4000);
    expect(await inFlight).toBe('connection closed');
    expect(messages()).toContain('shutdown timeout reached; closing the remaining connections');
  });

  test('a port in use is refused with a message naming the flag and the variable', async () => {
    const { server } = await start();
    const environment = await createTestEnvironment('sqlite');
    const deps = await createDeps(loadConfig({ env: { ...environment.env, GATEWAY_HOST: '127.0.0.1', PORT: String(server.port) } }));
    try {
      await expect(startServer(deps, createLogger({ sink: memorySink() }))).rejects.toThrow(/--port \/ PORT/);
    } finally {
      await deps.close();
      await environment.cleanup();
    }
  });
});
