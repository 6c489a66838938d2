import { sqliteMigrations } from '../../migrations/index.ts';
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { createApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config/load.ts';
import { createDeps, type Deps } from '../../src/deps.ts';
import { createLifecycle } from '../../src/http/plugins/lifecycle.ts';
import { createLogger, memorySink } from '../../src/log/logger.ts';
import { createTestEnvironment, forEachDialect, type TestEnvironment } from '../helpers/stores.ts';

const migrationTags = sqliteMigrations.map((migration) => migration.tag);

const base = 'http://gateway.test';

/** Anything with Elysia's `handle`, including an app a test added routes to. */
interface Handler {
  handle(request: Request): Promise<Response>;
}

function get(app: Handler, path: string, headers: Record<string, string> = {}): Promise<Response> {
  return app.handle(new Request(`${base}${path}`, { headers }));
}

interface Readiness {
  status: string;
  reason?: string;
  database: Record<string, unknown>;
  migrations: { applied: string[]; pending: string[] };
  revisions: Record<string, number>;
  channels: number;
}

forEachDialect('probes', (context, environment) => {
  test('/healthz answers 200 {"status":"ok"}', async () => {
    const response = await get(createApp(context()), '/healthz');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
    expect(response.headers.get('cache-control')).toBe('no-store');
  });

  test('/readyz reports the database, migrations, revisions and channels', async () => {
    const deps = context();
    await deps.channels.add({ name: `probe-${environment().dialect}`, type: 'openai', keys: ['sk-probe-key-1234'], models: ['gpt-4o'] });
    const response = await get(createApp(deps), '/readyz');
    expect(response.status).toBe(200);
    const body = (await response.json()) as Readiness;
    expect(body.status).toBe('ready');
    expect(body.database).toMatchObject({ dialect: environment().dialect, location: deps.store.location, ok: true });
    expect(body.migrations.pending).toEqual([]);
    expect(body.migrations.applied).toContain('0000_init');
    expect(body.revisions.channels).toBeGreaterThanOrEqual(1);
    expect(body.channels).toBe(1);
    if (environment().dialect === 'sqlite') {
      // P2: the pragmas as read back from the connection.
      expect(body.database).toMatchObject({ journal_mode: 'wal', busy_timeout: 5000, synchronous: 'normal', foreign_keys: true });
    } else {
      expect(body.database.journal_mode).toBeUndefined();
      // The URL's credentials never appear; the location is host:port/database only.
      expect(JSON.stringify(body)).not.toContain('postgres://');
    }
  });
});

describe('/readyz refuses traffic', () => {
  let environment: TestEnvironment;
  let deps: Deps;
  beforeAll(async () => {
    environment = await createTestEnvironment('sqlite');
    deps = await createDeps(loadConfig({ env: environment.env }), { skipMigrations: true });
  });
  afterAll(async () => {
    await deps.close();
    await environment.cleanup();
  });

  test('503 while migrations are pending, naming the fix', async () => {
    const response = await get(createApp(deps), '/readyz');
    expect(response.status).toBe(503);
    const body = (await response.json()) as Readiness & { hint: string };
    expect(body).toMatchObject({ status: 'not_ready', reason: 'migrations_pending', migrations: { applied: [], pending: migrationTags } });
    expect(body.hint).toContain('gateway migrate');
  });

  test('503 while draining, while /healthz stays 200', async () => {
    const lifecycle = createLifecycle();
    const app = createApp(deps, { lifecycle });
    lifecycle.beginDrain();
    const ready = await get(app, '/readyz');
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ status: 'draining' });
    expect((await get(app, '/healthz')).status).toBe(200);
  });

  test('503 when the database does not answer', async () => {
    const closing = await createTestEnvironment('sqlite');
    const broken = await createDeps(loadConfig({ env: closing.env }));
    await broken.close();
    const response = await get(createApp(broken), '/readyz');
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ status: 'not_ready', reason: 'database_unavailable', database: { ok: false } });
    await closing.cleanup();
  });
});

describe('request id, errors, draining and access log', () => {
  let environment: TestEnvironment;
  let deps: Deps;
  beforeAll(async () => {
    environment = await createTestEnvironment('sqlite');
    deps = await createDeps(loadConfig({ env: environment.env }));
  });
  afterAll(async () => {
    await deps.close();
    await environment.cleanup();
  });

  test('a sane incoming X-Request-Id is echoed', async () => {
    const response = await get(createApp(deps), '/healthz', { 'x-request-id': 'trace-01.abc_DEF' });
    expect(response.headers.get('x-request-id')).toBe('trace-01.abc_DEF');
  });

  test('a missing or unsafe X-Request-Id is replaced by a generated one', async () => {
    const app = createApp(deps);
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/;
    for (const incoming of [undefined, 'has space', 'quote"d', 'a'.repeat(65), 'semi;colon', 'path/../x', '']) {
      const response = await get(app, '/healthz', incoming === undefined ? {} : { 'x-request-id': incoming });
      const id = response.headers.get('x-request-id') ?? '';
      expect(id).toMatch(uuid);
    }
    const first = (await get(app, '/healthz')).headers.get('x-request-id');
    const second = (await get(app, '/healthz')).headers.get('x-request-id');
    expect(first).not.toBe(second);
  });

  test('an unknown route gets a 404 in OpenAI error shape with the request id', async () => {
    const response = await get(createApp(deps), '/v1/nope', { 'x-request-id': 'req-404' });
    expect(response.status).toBe(404);
    expect(response.headers.get('x-request-id')).toBe('req-404');
    expect(await response.json()).toEqual({
      error: { message: expect.stringContaining('/v1/nope'), type: 'invalid_request_error', code: 'not_found', request_id: 'req-404' },
    });
  });

  test('an unexpected error is a 500 without its text; the stack goes to the log', async () => {
    const sink = memorySink();
    const app = createApp(deps, { logger: createLogger({ format: 'json', sink }) }).get('/boom', () => {
      throw new Error('secret internals at /srv/gateway');
    });
    const response = await get(app, '/boom');
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(text).not.toContain('secret internals');
    expect(JSON.parse(text)).toMatchObject({ error: { type: 'server_error', code: 'internal_error' } });
    expect(sink.lines.join('\n')).toContain('secret internals');
  });

  test('while draining, new requests get 503 with Retry-After: 1 in OpenAI error shape', async () => {
    const lifecycle = createLifecycle();
    const app = createApp(deps, { lifecycle });
    lifecycle.beginDrain();
    const response = await app.handle(new Request(`${base}/v1/chat/completions`, { method: 'POST', body: '{}' }));
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('1');
    expect(response.headers.get('x-request-id')).not.toBeNull();
    expect(await response.json()).toMatchObject({ error: { type: 'server_error', code: 'shutting_down' } });
  });

  test('the in-flight count covers a running handler and returns to zero', async () => {
    const lifecycle = createLifecycle();
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const app = createApp(deps, { lifecycle }).get('/hold', async () => {
      await gate;
      return 'done';
    });
    const pending = get(app, '/hold');
    await Bun.sleep(10);
    expect(lifecycle.inFlight).toBe(1);
    release();
    expect((await pending).status).toBe(200);
    expect(await lifecycle.settled(1000)).toBe(true);
    expect(lifecycle.inFlight).toBe(0);
  });

  test('access log: method, path without query, status, duration, request id; probes at debug', async () => {
    const sink = memorySink();
    const app = createApp(deps, { logger: createLogger({ level: 'info', format: 'json', sink }) });
    await get(app, '/v1beta/models?key=CANARY-KEY-123', { 'x-request-id': 'req-log' });
    await get(app, '/healthz');
    await Bun.sleep(5);
    expect(sink.lines).toHaveLength(1);
    const entry = JSON.parse(sink.lines[0] ?? '{}') as Record<string, unknown>;
    expect(entry).toMatchObject({ level: 'info', msg: 'request', method: 'GET', path: '/v1beta/models', status: 404, requestId: 'req-log' });
    expect(typeof entry.durationMs).toBe('number');
    expect(sink.lines.join('\n')).not.toContain('CANARY');
  });
});
