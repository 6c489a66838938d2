/**
 * Remote mode (`gateway --server URL --token PAT …`): the real CLI against a real `gateway serve`, compared
 * with the same command in local mode on the same data directory — stdout (`--json` and tables), stderr and
 * exit codes must be equal. One server for the whole file.
 */
import { afterAll, beforeAll, describe, expect, test as bunTest } from 'bun:test';
import { eq, sql } from 'drizzle-orm';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { systemClock } from '../../src/clock.ts';
import { loadConfig } from '../../src/config/load.ts';
import { createDeps } from '../../src/deps.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { createLogWriter, type RequestLogEntry } from '../../src/services/logs.ts';
import { type CliResult, expectOneLineError, runCli } from '../helpers/cli.ts';
import { logEntry } from '../helpers/log-entries.ts';
import { temporaryDirectory } from '../helpers/postgres.ts';
import { type ServeProcess, startServeProcess } from '../helpers/serve-process.ts';

const ROOT_PASSWORD = 'remote-root-password';
let dataDir: string;
let server: ServeProcess;
let local: Record<string, string>;
let remote: Record<string, string>;
let rootToken: string;
let userToken: string;

/** Each test runs the CLI many times; more room than Bun's default 5 s on a busy 2-core machine. */
const test = (name: string, body: () => Promise<void>) => bunTest(name, body, 60_000);

async function accessTokenFor(username: string, password: string): Promise<string> {
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
    body: JSON.stringify({ name: `cli-${username}` }),
  });
  expect(created.status).toBe(201);
  return ((await created.json()) as { data: { token: string } }).data.token;
}

/** The same command both ways; both must succeed (or fail) identically. */
async function both(args: readonly string[], options: { stdin?: string } = {}): Promise<{ local: CliResult; remote: CliResult }> {
  const [localResult, remoteResult] = [await runCli(args, local, options), await runCli(args, remote, options)];
  expect({ stdout: remoteResult.stdout, stderr: remoteResult.stderr, exitCode: remoteResult.exitCode }).toEqual({
    stdout: localResult.stdout,
    stderr: localResult.stderr,
    exitCode: localResult.exitCode,
  });
  return { local: localResult, remote: remoteResult };
}

/** A remote change, then the local view of the object must be what the remote command printed. */
async function remoteChange(args: readonly string[], localShow: readonly string[]): Promise<CliResult> {
  const changed = await runCli([...args, '--json'], remote);
  expect(changed.stderr).toBe('');
  expect(changed.exitCode).toBe(0);
  const shown = await runCli([...localShow, '--json'], local);
  expect(shown.exitCode).toBe(0);
  expect(changed.stdout).toBe(shown.stdout);
  return changed;
}

/** Moves a user's balance without a ledger row (a problem for `gateway ledger check` to find), or back. */
async function shiftBalance(username: string, microUsd: number): Promise<void> {
  const deps = await createDeps(loadConfig({ env: local, flags: {} }));
  try {
    const { users } = deps.store.tables;
    await deps.store.write((db) => db.update(users).set({ balance: sql`${users.balance} + ${microUsd}` }).where(eq(users.username, username)).returning({ id: users.id }));
  } finally {
    await deps.close();
  }
}

/** Request log rows written into the served database the way the relay writes them (its log writer). */
async function seedLogs(entries: readonly RequestLogEntry[]): Promise<void> {
  const deps = await createDeps(loadConfig({ env: local, flags: {} }));
  try {
    const writer = createLogWriter({ store: deps.store, clock: systemClock, logger: silentLogger, nodeName: 'remote-test' });
    for (const item of entries) writer.enqueue(item);
    await writer.close();
  } finally {
    await deps.close();
  }
}

async function readUntil(reader: { read(): Promise<{ done: boolean; value?: Uint8Array }> }, state: { text: string }, done: (text: string) => boolean, timeoutMs: number): Promise<void> {
  const decoder = new TextDecoder();
  const deadline = Date.now() + timeoutMs;
  while (!done(state.text)) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) throw new Error(`timed out; stdout so far:\n${state.text}`);
    const chunk = await Promise.race([reader.read(), Bun.sleep(remaining).then(() => undefined)]);
    if (chunk === undefined) continue;
    if (chunk.done) throw new Error(`stdout ended; stdout so far:\n${state.text}`);
    state.text += decoder.decode(chunk.value, { stream: true });
  }
}

beforeAll(async () => {
  dataDir = temporaryDirectory();
  local = { GATEWAY_DATA_DIR: dataDir, GATEWAY_ROOT_PASSWORD: ROOT_PASSWORD };
  server = await startServeProcess({ env: local });
  rootToken = await accessTokenFor('root', ROOT_PASSWORD);
  const bob = await runCli(['user', 'create', 'bob', '--password', 'bob-password-1', '--json'], local);
  expect(bob.exitCode).toBe(0);
  userToken = await accessTokenFor('bob', 'bob-password-1');
  remote = { GATEWAY_SERVER: server.url, GATEWAY_TOKEN: rootToken, GATEWAY_DATA_DIR: `${dataDir}/not-used` };
}, 30_000);

afterAll(async () => {
  server?.child.kill('SIGTERM');
  await server?.finished;
  rmSync(dataDir, { recursive: true, force: true });
});

describe('gateway --server URL --token PAT', () => {
  test('channels: add remotely, then list, show, update, disable and rm print what local mode prints', async () => {
    const added = await runCli(
      ['channel', 'add', '--name', 'remote-main', '--type', 'openai', '--key', 'sk-remote-key-123456', '--models', 'gpt-4o,gpt-4o-mini', '--tag', 'r', '--json'],
      remote,
    );
    expect(added.exitCode).toBe(0);
    expect(added.json<{ name: string; keys: unknown[] }>()).toMatchObject({ name: 'remote-main', keys: [{ position: 0, hint: '3456', status: 'enabled' }] });
    await remoteChange(['channel', 'update', 'remote-main', '--priority', '5', '--model-map', 'gpt-4o=gpt-4o-2024-11-20'], ['channel', 'show', 'remote-main']);
    await remoteChange(['channel', 'disable', String(added.json<{ id: number }>().id)], ['channel', 'show', 'remote-main']);
    await both(['channel', 'list', '--json']);
    await both(['channel', 'list', '--tag', 'r']);
    await both(['channel', 'show', 'remote-main']);
    // Errors: the same message and exit code as the local service's.
    await both(['channel', 'show', 'no-such-channel']);
    await both(['channel', 'add', '--name', 'remote-main', '--type', 'openai', '--key', 'sk-x-123456789', '--models', 'm']);
    expect((await runCli(['channel', 'rm', 'remote-main', '--yes'], remote)).stdout).toBe(`Removed channel remote-main (id ${added.json<{ id: number }>().id}).\n`);
  });

  test('API keys, users, top-ups and 2FA reset', async () => {
    const created = await runCli(['token', 'create', '--name', 'remote-key', '--quota', '5', '--models', 'gpt-4o', '--json'], remote);
    expect(created.exitCode).toBe(0);
    expect(created.json<{ key: string }>().key).toStartWith('sk-');
    await remoteChange(['token', 'update', 'remote-key', '--quota', '7.5', '--allow-ips', '203.0.113.0/24'], ['token', 'show', 'remote-key']);
    await both(['token', 'list', '--json']);
    await both(['token', 'list', '--user', 'root']);
    await both(['token', 'show', 'remote-key', '--user', 'bob']);
    await both(['token', 'create', '--name', 'bad', '--quota', 'lots']);

    const alice = await runCli(['user', 'create', 'alice', '--password', 'alice-password', '--quota', '2', '--json'], remote);
    expect(alice.exitCode).toBe(0);
    const topup = await runCli(['user', 'topup', 'alice', '1.25'], remote);
    expect(topup.stdout).toBe('Added $1.25 to alice; balance is now $3.25.\n');
    await remoteChange(['user', 'update', 'alice', '--display-name', 'Alice A.'], ['user', 'show', 'alice']);
    await both(['user', 'show', 'alice']);
    // root is not below root, so the API does not list it: compare the users below.
    await both(['user', 'list', '--role', 'user', '--json']);
    const reset = await runCli(['user', '2fa-reset', 'alice'], remote);
    expect(reset).toMatchObject({ exitCode: 0, stdout: 'User alice (id 3) did not have two-factor sign-in on; nothing changed.\n' });
    await both(['user', 'topup', 'nobody', '1']);
    const removed = await runCli(['user', 'rm', 'alice', '--yes', '--json'], remote);
    expect(removed.json<{ username: string; tokensDisabled: number }>()).toMatchObject({ username: 'alice', tokensDisabled: 0 });
  });

  test('settings, prices, groups, model aliases and redemption codes', async () => {
    const set = await runCli(['setting', 'set', 'retry_times', '4', '--json'], remote);
    expect(set.json()).toMatchObject({ name: 'retry_times', value: 4, isDefault: false });
    await both(['setting', 'list']);
    await both(['setting', 'list', '--json']);
    await both(['setting', 'set', 'retry_times', '99']);
    expect((await runCli(['setting', 'reset', 'retry_times'], remote)).stdout).toBe('retry_times = 2 (default)\n');

    const priced = await runCli(['price', 'set', 'remote-model', '--input', '1.5', '--output', '6', '--max-output-tokens', '8192', '--json'], remote);
    expect(priced.json()).toMatchObject({ model: 'remote-model', inputUsdPerMillion: '1.5', maxOutputTokens: 8192 });
    await both(['price', 'list', '--json']);
    await both(['price', 'list']);
    await both(['price', 'list', '--model', 'gpt-4o-mini-high']);
    await both(['price', 'set', 'remote-model', '--input', '1', '--per-call', '2']);
    expect((await runCli(['price', 'rm', 'remote-model', '--yes'], remote)).stdout).toContain('Removed the price of remote-model');

    expect((await runCli(['group', 'set', 'vip', '--multiplier', '0.8', '--description', 'less'], remote)).stdout).toBe('Group vip now pays ×0.8.\n');
    await both(['group', 'list', '--json']);

    expect((await runCli(['model', 'alias', 'add', 'gpt4', 'gpt-4o'], remote)).stdout).toBe('Added alias gpt4 → gpt-4o.\n');
    await both(['model', 'alias', 'list', '--json']);
    await both(['model', 'alias', 'add', 'loop', 'loop']);
    expect((await runCli(['model', 'alias', 'rm', 'gpt4', '--yes'], remote)).stdout).toBe('Removed alias gpt4 (was → gpt-4o).\n');

    const codes = await runCli(['redeem', 'create', '--amount', '2', '--count', '2', '--name', 'remote', '--json'], remote);
    const { redemptions } = codes.json<{ redemptions: { id: number; prefix: string }[] }>();
    const first = redemptions[0] as { id: number; prefix: string };
    const disabled = await runCli(['redeem', 'disable', first.prefix.replace('…', ''), '--json'], remote);
    expect(disabled.json()).toMatchObject({ id: first.id, status: 'disabled' });
    await both(['redeem', 'list', '--json']);
    await both(['redeem', 'list', '--status', 'unused']);
    await both(['redeem', 'disable', 'ZZZZZZZZ']);
    expect((await runCli(['redeem', 'rm', String(first.id), '--yes'], remote)).stdout).toBe(`Deleted redemption code ${first.prefix} (id ${first.id}).\n`);
  });

  test('audit and usage read the same rows', async () => {
    await both(['audit', '--action', 'channel.*', '--json']);
    await both(['audit', '--actor', 'cli', '--limit', '5']);
    await both(['usage', '--json']);
    await both(['usage', '--by', 'nothing']);
  });

  test('logs: filters, --json and the table print what local mode prints; the recorded details (retry chain) too', async () => {
    const bob = (await runCli(['user', 'show', 'bob', '--json'], local)).json<{ id: number }>().id;
    const key = (await runCli(['token', 'create', '--name', 'bob-logs', '--user', 'bob', '--json'], local)).json<{ id: number }>().id;
    const asBob = { userId: bob, username: 'bob', tokenId: key, tokenName: 'bob-logs' };
    const now = Date.now();
    const attempts = [
      { channelId: 77, channelName: 'logs-backup', keyPosition: 1, upstreamModel: 'gpt-4o', status: 502, errorCode: 'bad_gateway', retryable: true, durationMs: 40 },
      { channelId: 78, channelName: 'logs-main', keyPosition: 0, upstreamModel: 'gpt-4o-2024-11-20', status: 200, errorCode: undefined, retryable: undefined, durationMs: 900 },
    ];
    await seedLogs([
      logEntry({ ...asBob, requestId: 'remote-old', createdAt: now - 3 * 3_600_000, channelId: 78, channelName: 'logs-main', cost: 1_500_000 }),
      logEntry({
        ...asBob,
        requestId: 'remote-retried',
        createdAt: now - 60_000,
        channelId: 78,
        channelName: 'logs-main',
        upstreamModel: 'gpt-4o-2024-11-20',
        other: { endpoint: 'chat-completions', end: 'completed', ledgerId: 'ledger-r', attempts, estimated: false, partial: true, clamped: false, hold: 5_000, imageInputTokens: 3 },
      }),
      logEntry({ requestId: 'remote-root', createdAt: now - 50_000, modelName: 'o4-mini', cost: 250 }),
      logEntry({ ...asBob, requestId: 'remote-error', createdAt: now - 30_000, type: 5, status: 502, errorCode: 'upstream_error', cost: 0, promptTokens: 0, completionTokens: 0 }),
    ]);
    const all = await both(['logs', '--json']);
    const retried = all.remote.json<{ requestId: string; other: { attempts: unknown[] } }[]>().find((row) => row.requestId === 'remote-retried');
    expect(retried?.other.attempts).toHaveLength(2);
    await both(['logs']);
    await both(['logs', '--user', 'bob', '--errors', '--json']);
    await both(['logs', '--token', 'bob-logs', '--since', '1h', '--limit', '2', '--json']);
    await both(['logs', '--channel', '78', '--model', 'gpt-4o']);
    await both(['logs', '--token', 'no-such-key']);
    await both(['logs', '--user', 'nobody']);
    await both(['logs', '--limit', '0']);
  });

  test('logs --follow polls the API: the recent rows, then a new row as it is written; SIGTERM exits 0', async () => {
    const expected = (await runCli(['logs', '--user', 'bob', '--limit', '2', '--json'], local)).json<{ requestId: string }[]>().reverse();
    expect(expected.length).toBe(2);
    const child = Bun.spawn(['bun', join(import.meta.dir, '..', '..', 'cli', 'main.ts'), 'logs', '--follow', '--json', '--user', 'bob', '--limit', '2'], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...remote },
      stdin: 'ignore',
      stdout: 'pipe',
      stderr: 'pipe',
    });
    try {
      const reader = child.stdout.getReader();
      const state = { text: '' };
      await readUntil(reader, state, (text) => text.split('\n').length > expected.length, 15_000);
      const bob = (await runCli(['user', 'show', 'bob', '--json'], local)).json<{ id: number }>().id;
      await seedLogs([logEntry({ requestId: 'remote-someone-else', createdAt: Date.now() }), logEntry({ userId: bob, username: 'bob', requestId: 'remote-followed', createdAt: Date.now() })]);
      await readUntil(reader, state, (text) => text.includes('remote-followed'), 10_000);
      const lines = state.text.trimEnd().split('\n');
      expect(lines.slice(0, expected.length)).toEqual(expected.map((row) => JSON.stringify(row)));
      expect(lines.slice(expected.length).map((line) => (JSON.parse(line) as { requestId: string }).requestId)).toEqual(['remote-followed']);
      child.kill('SIGTERM');
      expect(await child.exited).toBe(0);
      reader.releaseLock();
    } finally {
      child.kill('SIGKILL');
    }
  });

  test('model list and user redeem USER CODE', async () => {
    expect((await runCli(['channel', 'add', '--name', 'models-main', '--type', 'openai', '--key', 'sk-models-key-123456', '--models', 'gpt-4o,o4-mini'], local)).exitCode).toBe(0);
    expect((await runCli(['model', 'alias', 'add', 'four', 'gpt-4o'], local)).exitCode).toBe(0);
    const listed = await both(['model', 'list', '--json']);
    expect(listed.remote.json<{ model: string }[]>().map((model) => model.model)).toEqual(expect.arrayContaining(['gpt-4o', 'o4-mini']));
    await both(['model', 'list']);

    const codes = (await runCli(['redeem', 'create', '--amount', '2', '--count', '3', '--name', 'to-redeem', '--json'], local)).json<{ codes: string[] }>().codes;
    const [forLocal, forRemote, spare] = codes as [string, string, string];
    const before = (await runCli(['user', 'show', 'bob', '--json'], local)).json<{ balanceUsd: string }>().balanceUsd;
    const byLocal = (await runCli(['user', 'redeem', 'bob', forLocal, '--json'], local)).json<Record<string, unknown>>();
    const redeemed = await runCli(['user', 'redeem', 'bob', '-', '--json'], remote, { stdin: `${forRemote}\n` });
    expect(redeemed.stderr).toBe('');
    expect(redeemed.exitCode).toBe(0);
    const byRemote = redeemed.json<{ redemption: { id: number; prefix: string; status: string }; user: { balanceUsd: string }; amountUsd: string }>();
    // The same shape (keys in the same order) as local mode's, and the wallet credited once more.
    const shape = (value: unknown): unknown =>
      value !== null && typeof value === 'object' ? Object.fromEntries(Object.entries(value).map(([name, entry]) => [name, shape(entry)])) : typeof value;
    expect(JSON.stringify(shape(byRemote))).toBe(JSON.stringify(shape(byLocal)));
    expect(byRemote).toMatchObject({ amountUsd: '2', redemption: { status: 'used', prefix: `${forRemote.slice(0, 8)}…` } });
    expect(Number(byRemote.user.balanceUsd)).toBe(Number(before) + 4);
    const shown = await runCli(['user', 'show', 'bob', '--json'], local);
    expect(JSON.stringify(byRemote.user)).toBe(JSON.stringify(JSON.parse(shown.stdout)));
    const listedCodes = (await runCli(['redeem', 'list', '--json'], local)).json<{ id: number }[]>();
    expect(JSON.stringify(listedCodes.find((code) => code.id === byRemote.redemption.id))).toBe(JSON.stringify(byRemote.redemption));
    const text = await runCli(['user', 'redeem', 'bob', spare], remote);
    expect(text.stdout).toMatch(/^Redeemed code [0-9A-Za-z]{8}… for bob: added \$2; balance is now \$[0-9.]+\.\n$/);
    // Errors: the same message and exit code as the local service's.
    await both(['user', 'redeem', 'bob', forRemote]);
    await both(['user', 'redeem', 'nobody', forLocal]);
    await both(['user', 'redeem', 'bob', 'not-a-code']);
  });

  test('the flags work as well as the environment; --token after logs stays the key filter', async () => {
    const byFlags = await runCli(['--server', server.url, '--token', rootToken, 'setting', 'list', '--json'], { GATEWAY_DATA_DIR: dataDir });
    const localList = await runCli(['setting', 'list', '--json'], local);
    expect(byFlags.stdout).toBe(localList.stdout);
    const after = await runCli(['setting', 'list', '--json', `--server=${server.url}`, `--token=${rootToken}`], { GATEWAY_DATA_DIR: dataDir });
    expect(after.stdout).toBe(localList.stdout);
    const logs = await runCli(['logs', '--token', 'no-such-key'], local);
    expectOneLineError(logs, 'no key named "no-such-key"');
  });

  test('ledger check: the same report and exit code, 0 when it balances, 1 with each problem; root only', async () => {
    expect((await both(['ledger', 'check'])).remote.exitCode).toBe(0);
    await both(['ledger', 'check', '--json']);
    await shiftBalance('bob', 1);
    try {
      const { remote: found } = await both(['ledger', 'check']);
      expect(found.exitCode).toBe(1);
      expect(found.stdout).toContain('(bob): balance');
      await both(['ledger', 'check', '--json']);
    } finally {
      await shiftBalance('bob', -1);
    }
    const refused = await runCli(['ledger', 'check'], { ...remote, GATEWAY_TOKEN: userToken });
    expect(refused.exitCode).toBe(2);
  });
});

describe('remote mode refuses what it cannot do, in one line', () => {
  test('a wrong or revoked access token is 401: exit 2, the gateway\'s message', async () => {
    const result = await runCli(['channel', 'list'], { ...remote, GATEWAY_TOKEN: 'gpat_wrongwrongwrongwrongwrongwrong12' });
    expectOneLineError(result, 'the access token is unknown, expired or revoked');
  });

  test("an ordinary user's token on an admin command is 403: exit 2", async () => {
    const result = await runCli(['channel', 'list'], { ...remote, GATEWAY_TOKEN: userToken });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toStartWith('error: ');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  test('an API key (sk-…) is refused before anything is sent, and the token is never printed', async () => {
    const result = await runCli(['--token', 'sk-abcdefghijklmnop', 'channel', 'list'], { GATEWAY_SERVER: server.url });
    expectOneLineError(result, 'not an API key (sk-…)');
    expect(result.stderr).not.toContain('abcdefghijklmnop');
    expectOneLineError(await runCli(['channel', 'list'], { GATEWAY_SERVER: server.url }), '--server needs a personal access token');
    expectOneLineError(await runCli(['channel', 'list'], { GATEWAY_TOKEN: rootToken }), '--token is for remote mode');
    expectOneLineError(await runCli(['--server', 'ftp://example.com', 'channel', 'list'], { GATEWAY_TOKEN: rootToken }), '--server must be an http:// or https://');
  });

  test('an unreachable gateway is an operational failure: exit 1, one line naming --server', async () => {
    const result = await runCli(['channel', 'list'], { GATEWAY_SERVER: 'http://127.0.0.1:9', GATEWAY_TOKEN: rootToken });
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toStartWith('error: cannot reach the gateway at http://127.0.0.1:9/api/channels');
    expect(result.stderr).not.toContain(rootToken);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  test('commands that only make sense on the gateway host refuse --server (exit 2)', async () => {
    for (const [args, fragment] of [
      [['serve'], 'gateway serve runs the gateway on this machine'],
      [['migrate', '--status'], "gateway migrate changes this machine's database"],
      [['config'], "gateway config shows this machine's configuration"],
    ] as const) {
      expectOneLineError(await runCli(args, remote), fragment);
    }
  });
});
