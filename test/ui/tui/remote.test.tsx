/**
 * The terminal UI in remote mode: the same screens and the same assertions as the local screen tests, on a
 * `RemoteTuiDataSource` talking to a real `gateway serve` (a child process) with an administrator's access
 * token. Rows of the request log are written into the server's database from here, as the relay would.
 * Also: a wrong token or a non-admin token is refused by `gateway tui --server` in one line, and a token
 * revoked while the screen is open shows the error on the screen.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { createApiClient } from '../../../cli/remote/client.ts';
import type { Deps } from '../../../src/deps.ts';
import { createLogger, memorySink } from '../../../src/log/logger.ts';
import { createLogWriter, type RequestLogEntry } from '../../../src/services/logs.ts';
import { createLocalSource } from '../../../ui/tui/data/local-source.ts';
import { createRemoteSource, type RemoteTuiDataSource } from '../../../ui/tui/data/remote-source.ts';
import { runCli } from '../../helpers/cli.ts';
import { logEntry } from '../../helpers/log-entries.ts';
import { type MockUpstream, startMockUpstream } from '../../helpers/mock-upstream.ts';
import { type ServeProcess, startServeProcess } from '../../helpers/serve-process.ts';
import { createTestEnvironment, openDeps, type TestEnvironment } from '../../helpers/stores.ts';
import { expectFits, keys, renderApp } from './harness.tsx';

let environment: TestEnvironment;
let server: ServeProcess;
let deps: Deps;
let mock: MockUpstream;
let rootToken: string;
let userToken: string;
let source: RemoteTuiDataSource;

async function accessTokenFor(username: string, password: string): Promise<{ id: number; token: string; cookie: string }> {
  const login = await fetch(`${server.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  expect(login.status).toBe(200);
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const created = await fetch(`${server.url}/api/user/access-tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie, 'x-requested-with': 'test' },
    body: JSON.stringify({ name: `tui-${username}-${Date.now()}` }),
  });
  expect(created.status).toBe(201);
  const data = ((await created.json()) as { data: { token: string; access_token: { id: number } } }).data;
  return { id: data.access_token.id, token: data.token, cookie };
}

async function write(entries: RequestLogEntry[]): Promise<void> {
  const writer = createLogWriter({ store: deps.store, clock: deps.clock, logger: createLogger({ level: 'error', format: 'json', sink: memorySink() }), nodeName: 'test' });
  for (const entry of entries) writer.enqueue(entry);
  await writer.close();
}

beforeAll(async () => {
  environment = await createTestEnvironment('sqlite');
  server = await startServeProcess({ env: environment.env });
  deps = await openDeps(environment);
  mock = await startMockUpstream();
  rootToken = (await accessTokenFor('root', 'test-root-password')).token;
  await deps.users.create({ username: 'alice', password: 'alice-password' });
  userToken = (await accessTokenFor('alice', 'alice-password')).token;
  source = createRemoteSource(createApiClient({ server: server.url, token: rootToken }));

  // What the dashboard test seeds: two channels (one disabled), a key, six requests now and an error 20 minutes ago.
  const channel = await deps.channels.add({ name: 'openai-main', type: 'openai', keys: ['sk-test-aaaaaaaa'], models: ['gpt-4o-mini'] });
  await deps.channels.add({ name: 'backup', type: 'openai', keys: ['sk-test-bbbbbbbb'], models: ['gpt-4o-mini'] });
  await deps.channels.setEnabled('backup', false);
  const { token } = await deps.tokens.create({ name: 'laptop' });
  const now = Date.now();
  const base = { userId: 1, username: 'root', tokenId: token.id, tokenName: 'laptop', channelId: channel.id, channelName: 'openai-main' };
  await write([
    ...Array.from({ length: 6 }, (_, index) => logEntry({ ...base, createdAt: now - index * 1000, modelName: 'gpt-4o-mini', promptTokens: 100, completionTokens: 50, cost: 250_000 })),
    logEntry({ ...base, createdAt: now - 20 * 60_000, type: 5, status: 502, modelName: 'gpt-4o', cost: 0, errorCode: 'bad_gateway' }),
  ]);
}, 30_000);

afterAll(async () => {
  server?.child.kill('SIGTERM');
  await server?.finished;
  await mock?.stop();
  await deps?.close();
  await environment?.cleanup();
});

test('the dashboard shows rates, spend, error rate, top models and keys, sparklines and channel health', async () => {
  const app = renderApp(source);
  try {
    const frame = await app.waitFor('TOP MODELS', 8000);
    expect(frame).toMatch(/req\/min \d/);
    expect(frame).toContain('spend today $1.5');
    expect(frame).toContain('errors 1h 14.3% (1/7)');
    expect(frame).toMatch(/gpt-4o-mini\s+6\s+\$1\.5/);
    expect(frame).toMatch(/laptop\s+7\s+\$1\.5/);
    expect(frame).toContain('█');
    expect(frame).toMatch(/● openai-main\s+enabled/);
    expect(frame).toMatch(/● backup\s+disabled/);
    expectFits(frame);
    // A request logged on the server shows up at the next refresh.
    await write([logEntry({ createdAt: Date.now(), modelName: 'claude-x', cost: 500_000 })]);
    expect(await app.waitFor('spend today $2', 8000)).toContain('claude-x');
  } finally {
    app.unmount();
  }
}, 30_000);

test('the header names the server, never the token (where the terminal has room for it)', async () => {
  const app = renderApp(source, { columns: 120 });
  try {
    const frame = await app.waitFor('TOP MODELS', 8000);
    expect(frame).toContain(`remote · ${server.url}`);
    expect(frame).not.toContain(rootToken);
  } finally {
    app.unmount();
  }
}, 20_000);

test('channels: the add form shows the API\'s refusal under the field, then adds; edit, disable, enable, test and delete', async () => {
  const app = renderApp(source, { screen: 'channels' });
  try {
    await app.waitFor('openai-main');
    await app.press('n');
    await app.waitFor('Add a channel');
    await app.press(keys.enter);
    // The API's body schema answers first (its own words, not the service's), under the same field.
    let frame = await app.waitFor('✗ body field "name"');
    expect(frame.split('\n').findIndex((line) => line.includes('✗ body field "name"'))).toBe(frame.split('\n').findIndex((line) => line.includes('› name')) + 1);
    await app.type('alpha');
    await app.press(keys.down, keys.down);
    await app.type(`${mock.url}/v1`);
    await app.press(keys.down);
    await app.type('sk-mock-key-1234');
    await app.press(keys.down);
    await app.type('gpt-4o-mini');
    await app.press(keys.enter);
    frame = await app.waitFor('--base-url');
    expect(frame).toMatch(/base url .*\n\s+✗ .*--base-url/);
    for (let index = 0; index < 9; index += 1) await app.press(keys.down);
    await app.waitFor('› allow private');
    await app.type(`127.0.0.1:${mock.port}`);
    await app.press(keys.enter);
    await app.waitFor('added channel alpha');
    // The list reloads over the network just after the message.
    await app.waitFor(/alpha\s+enabled/);
    expect(await deps.channels.get('alpha')).toMatchObject({ baseUrl: `${mock.url}/v1`, models: ['gpt-4o-mini'] });

    await app.press(keys.down, keys.down);
    await app.press('e');
    await app.waitFor('Edit channel alpha');
    for (let index = 0; index < 6; index += 1) await app.press(keys.down);
    await app.waitFor('› priority');
    await app.press(keys.backspace);
    await app.type('7');
    await app.press(keys.enter);
    await app.waitFor('saved channel alpha');
    expect((await deps.channels.get('alpha')).priority).toBe(7);
    await app.press('s');
    await app.waitFor(/alpha\s+disabled/);
    await app.press('s');
    await app.waitFor(/alpha\s+enabled/);
    await app.press('t');
    frame = await app.waitFor(/✓ alpha\s+gpt-4o-mini \d+ ms/, 15_000);
    expect(frame).toContain('1/1');
    await app.press(keys.escape);
    await app.waitFor('A test all');
    await app.press('x');
    await app.waitFor('Delete channel alpha');
    await app.press('y');
    await app.waitFor('deleted channel alpha');
    expect((await deps.channels.list()).map((channel) => channel.name)).toEqual(['openai-main', 'backup']);
  } finally {
    app.unmount();
  }
}, 40_000);

test('keys: the list shows owner, quota, expiry and limits; create shows the full key once; validation errors under their field', async () => {
  await deps.tokens.create({ name: 'ci', user: 'alice', quotaUsd: '5', expires: '2099-01-01', models: ['gpt-4o'], allowIps: ['10.0.0.0/8'] });
  const app = renderApp(source, { screen: 'keys' });
  try {
    let frame = await app.waitFor(/ci\s+alice/);
    expect(frame).toMatch(/ci\s+alice\s+enabled\s+\$5\s+2099-01-01\s+gpt-4o; 1 IP rule/);
    expectFits(frame);
    await app.press('n');
    await app.waitFor('Create an API key');
    await app.type('tablet');
    await app.press(keys.down);
    await app.type('nobody');
    await app.press(keys.enter);
    await app.waitFor(/owner .*\n\s+✗ --user: no user "nobody"/);
    await app.press(keys.backspace, keys.backspace, keys.backspace, keys.backspace, keys.backspace, keys.backspace);
    await app.press(keys.down);
    await app.type('abc');
    await app.press(keys.enter);
    await app.waitFor(/quota USD .*\n\s+✗ --quota must be an amount in USD/);
    await app.press(keys.backspace, keys.backspace, keys.backspace);
    await app.type('2.5');
    await app.press(keys.enter);
    frame = await app.waitFor('shown only once');
    const key = /sk-[A-Za-z0-9]{48}/.exec(frame)?.[0];
    expect(key).toBeDefined();
    await app.press(keys.enter);
    expect(await app.waitFor('tablet')).not.toContain(key as string);
    expect((await deps.tokens.verify(key as string))?.token.name).toBe('tablet');
  } finally {
    app.unmount();
  }
}, 30_000);

test('users and codes: create, top up and disable a user; create redemption codes', async () => {
  const app = renderApp(source, { screen: 'users' });
  try {
    await app.waitFor('alice');
    await app.press('n');
    await app.waitFor('Create a user');
    await app.type('bad name');
    await app.press(keys.enter);
    await app.waitFor(/username .*\n\s+✗ username "bad name" must be 1-32 characters/);
    await app.press('\u0015');
    await app.type('bob');
    await app.press(keys.enter);
    await app.waitFor('the generated password');
    await app.press(keys.escape);
    await app.waitFor('bob');
    await app.press(keys.down);
    await app.press('+');
    await app.waitFor('Top up bob');
    await app.type('12.5');
    await app.press(keys.enter);
    await app.waitFor('balance is now $12.5');
    await app.press('s');
    await app.waitFor(/bob\s+user\s+disabled/);
    expect((await deps.users.get('bob')).status).toBe('disabled');
  } finally {
    app.unmount();
  }
  const codes = renderApp(source, { screen: 'codes' });
  try {
    await codes.waitFor('No redemption codes');
    await codes.press('n');
    await codes.waitFor('Create redemption codes');
    await codes.type('5');
    await codes.press(keys.down);
    await codes.type('5');
    await codes.press(keys.enter);
    await codes.waitFor('Created 5 codes worth $5 each');
    expect(await deps.redemptions.list()).toHaveLength(5);
  } finally {
    codes.unmount();
  }
}, 30_000);

test('logs: the latest rows, new rows on top as they are written, filters, and a request in full with its retry chain', async () => {
  await write([
    logEntry({
      createdAt: Date.now() - 500,
      type: 5,
      status: 502,
      modelName: 'gpt-4o',
      tokenName: 'laptop',
      userId: 2,
      username: 'alice',
      channelId: 2,
      channelName: 'backup',
      errorCode: 'upstream_error',
      promptTokens: 0,
      completionTokens: 0,
      cost: 0,
      other: {
        attempts: [
          { channelId: 1, channelName: 'main', keyPosition: 0, upstreamModel: 'gpt-4o', status: 429, errorCode: 'rate_limited', retryable: true, durationMs: 12 },
          { channelId: 2, channelName: 'backup', keyPosition: 1, upstreamModel: 'gpt-4o-2024', status: 502, errorCode: 'upstream_error', retryable: true, durationMs: 40 },
        ],
      },
    }),
  ]);
  const app = renderApp(source, { screen: 'logs' });
  try {
    let frame = await app.waitFor('gpt-4o-mini');
    // The rows the local source shows on the same database (root sees every row through the API).
    const shown = Number(/● live · all requests · (\d+) shown/.exec(frame)?.[1]);
    const local = await createLocalSource(deps).logs.tail({}, { limit: 200 });
    expect(shown).toBe(local.views.length);
    expect((await source.logs.tail({}, { limit: 200 })).views).toEqual(local.views.map((view) => ({ ...view, other: {}, content: view.content })));
    await write([logEntry({ createdAt: Date.now(), modelName: 'claude-new', tokenName: 'laptop' })]);
    frame = await app.waitFor('claude-new');
    expect(frame.indexOf('claude-new')).toBeLessThan(frame.indexOf('gpt-4o-mini'));
    // At least the new row more: rows of requests made by earlier tests may still be reaching the log.
    expect(Number(/● live · all requests · (\d+) shown/.exec(frame)?.[1])).toBeGreaterThan(shown);
    expectFits(frame);

    await app.press('/');
    await app.waitFor('Filter the live log');
    await app.type('nobody');
    await app.press(keys.enter);
    await app.waitFor(/user .*\n\s+✗ --user: /);
    await app.press('\u0015');
    await app.type('alice');
    await app.press(keys.enter);
    frame = await app.waitFor('user=alice · 1 shown');
    expect(frame).toContain('backup');
    expect(frame).not.toContain('gpt-4o-mini');

    await app.press(keys.enter);
    frame = await app.waitFor('RETRY CHAIN (2 attempts)');
    expect(frame).toContain('user alice (#2)');
    expect(frame).toMatch(/1\. main #1 key #0 gpt-4o 429 rate_limited \(retryable\) 12 ms/);
    expect(frame).toMatch(/2\. backup #2 key #1 gpt-4o-2024 502 upstream_error/);
    expect(frame).toMatch(/error\s+upstream_error/);
    expectFits(frame);
    await app.press(keys.escape);
    await app.waitFor('● live');
  } finally {
    app.unmount();
  }
}, 30_000);

test('a token revoked while the screen is open: the screen shows the gateway\'s error', async () => {
  const session = await accessTokenFor('root', 'test-root-password');
  const app = renderApp(createRemoteSource(createApiClient({ server: server.url, token: session.token })), { screen: 'channels' });
  try {
    await app.waitFor('openai-main');
    const revoked = await fetch(`${server.url}/api/user/access-tokens/${session.id}`, { method: 'DELETE', headers: { cookie: session.cookie, 'x-requested-with': 'test' } });
    expect(revoked.status).toBe(200);
    const frame = await app.waitFor(/access token|sign in|unauthori[sz]ed/i, 8000);
    expect(frame).not.toContain(session.token);
  } finally {
    app.unmount();
  }
}, 20_000);

test('gateway tui --server refuses a wrong token and a non-administrator\'s token in one line, before the screen opens', async () => {
  const wrong = 'gpat_wrongtoken0123456789abcdef';
  const refused = await runCli(['tui', '--server', server.url, '--token', wrong]);
  expect(refused.exitCode).not.toBe(0);
  expect(refused.stdout).toBe('');
  expect(refused.stderr.trim().split('\n')).toHaveLength(1);
  expect(refused.stderr).toStartWith('error: ');
  expect(refused.stderr).not.toContain(wrong);

  const user = await runCli(['tui'], { GATEWAY_SERVER: server.url, GATEWAY_TOKEN: userToken });
  expect(user.exitCode).not.toBe(0);
  expect(user.stderr.trim().split('\n')).toEqual([expect.stringContaining("gateway tui needs an administrator's access token")]);
  expect(user.stderr).not.toContain(userToken);

  // The right token gets past the check; without a terminal it stops there, as locally.
  const right = await runCli(['tui'], { GATEWAY_SERVER: server.url, GATEWAY_TOKEN: rootToken });
  expect(right.exitCode).toBe(2);
  expect(right.stderr).toContain('gateway tui needs an interactive terminal');
}, 30_000);
