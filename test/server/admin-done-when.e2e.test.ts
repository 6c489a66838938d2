/**
 * Issue 6's "Done when", walked as a new operator would, against a real `gateway serve` process on a fresh
 * data directory: root's password as printed at the first start, sign-in with the cookie, 2FA on, sign in again
 * with password and code, a user, a channel (the mock upstream) and a key through /api, one relayed request,
 * usage and logs through /api; then from "another machine" the real CLI with `--server … --token PAT`; and
 * finally an ordinary user who sees and changes only their own keys and logs.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { rmSync } from 'node:fs';
import { base32Decode, hotp, totpStep } from '../../src/security/totp.ts';
import { runCli } from '../helpers/cli.ts';
import { type MockUpstream, startMockUpstream } from '../helpers/mock-upstream.ts';
import { temporaryDirectory } from '../helpers/postgres.ts';
import { type ServeProcess, startServeProcess } from '../helpers/serve-process.ts';

let dataDir: string;
let server: ServeProcess;
let mock: MockUpstream;
let printedPassword: string;

interface Answer {
  status: number;
  body: any;
  headers: Headers;
}

/** One /api call; a cookie caller sends the CSRF header its changes need. */
async function api(method: string, path: string, options: { cookie?: string; body?: unknown } = {}): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.cookie !== undefined) Object.assign(headers, { cookie: options.cookie, 'x-requested-with': 'e2e' });
  const response = await fetch(`${server.url}${path}`, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text), headers: response.headers };
}

const cookieOf = (answer: Answer) => (answer.headers.get('set-cookie') ?? '').split(';')[0] ?? '';

async function signIn(username: string, password: string, totp?: string): Promise<string> {
  const answer = await api('POST', '/api/auth/login', { body: { username, password, ...(totp === undefined ? {} : { totp_code: totp }) } });
  expect(answer.status).toBe(200);
  expect(answer.body.data.user.username).toBe(username);
  return cookieOf(answer);
}

/**
 * One chat completion through the relay with an API key; answers the request id the client got. A channel
 * added through /api reaches the running relay within a second (its change polling), so a refusal for want of
 * a channel is tried again for a few seconds.
 */
async function relay(key: string): Promise<string> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const response = await fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }] }),
    });
    const text = await response.text();
    if (response.status === 503 && text.includes('model_not_available') && Date.now() < deadline) {
      await Bun.sleep(100);
      continue;
    }
    if (response.status !== 200) throw new Error(`relay answered ${response.status}: ${text}`);
    expect((JSON.parse(text) as { choices: unknown[] }).choices.length).toBeGreaterThan(0);
    return response.headers.get('x-request-id') ?? '';
  }
}

/** Polls an /api read until `done` holds (log rows and aggregates are written a moment after the reply). */
async function until(read: () => Promise<Answer>, done: (answer: Answer) => boolean): Promise<Answer> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const answer = await read();
    if (done(answer) || Date.now() > deadline) return answer;
    await Bun.sleep(100);
  }
}

/** Reads the serve process's stderr until the first-start banner has printed root's password. */
async function readPrintedPassword(stderr: ReadableStream<Uint8Array>): Promise<string> {
  const reader = stderr.getReader();
  const decoder = new TextDecoder();
  let text = '';
  try {
    const deadline = Date.now() + 10_000;
    while (!/password: (\S+)/.test(text)) {
      if (Date.now() > deadline) throw new Error(`no root password on stderr:\n${text}`);
      const chunk = await reader.read();
      if (chunk.done) throw new Error(`stderr ended without a password:\n${text}`);
      text += decoder.decode(chunk.value, { stream: true });
    }
  } finally {
    reader.releaseLock();
  }
  expect(text).toContain('username: root');
  return /password: (\S+)/.exec(text)?.[1] ?? '';
}

beforeAll(async () => {
  dataDir = temporaryDirectory();
  mock = await startMockUpstream();
  server = await startServeProcess({ env: { GATEWAY_DATA_DIR: dataDir } });
  printedPassword = await readPrintedPassword(server.child.stderr as ReadableStream<Uint8Array>);
}, 20_000);

afterAll(async () => {
  server?.child.kill('SIGTERM');
  // This test read stderr itself (root's password), so the helper's stderr read on exit cannot: the exit code counts.
  expect(await server?.finished.catch(() => server.child.exited)).toBe(0);
  await mock?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

test(
  'done when: root signs in with the printed password, turns on 2FA, sets up through /api and from another machine; a user sees only their own',
  async () => {
    // Sign in with the password printed at the first start; turn on 2FA with a code computed from the secret.
    let root = await signIn('root', printedPassword);
    const setup = await api('POST', '/api/user/self/2fa/setup', { cookie: root, body: { password: printedPassword } });
    expect(setup.status).toBe(200);
    const secret = base32Decode(setup.body.data.secret);
    const enabledStep = totpStep(Date.now()) - 1;
    const enabled = await api('POST', '/api/user/self/2fa/enable', { cookie: root, body: { code: hotp(secret, enabledStep) } });
    expect(enabled.status).toBe(200);
    expect(enabled.body.data.recovery_codes).toHaveLength(10);
    root = cookieOf(enabled);
    expect((await api('POST', '/api/auth/logout', { cookie: root })).status).toBe(200);
    expect((await api('GET', '/api/user/self', { cookie: root })).status).toBe(401);
    // Password alone is no longer enough; password and a fresh code (a used step is refused) sign in.
    const withoutCode = await api('POST', '/api/auth/login', { body: { username: 'root', password: printedPassword } });
    expect(withoutCode.status).toBe(401);
    expect(withoutCode.body.error.code).toBe('second_factor_required');
    root = await signIn('root', printedPassword, hotp(secret, Math.max(enabledStep + 1, totpStep(Date.now()) - 1)));
    expect((await api('GET', '/api/user/self/2fa', { cookie: root })).body.data.enabled).toBe(true);

    // A user, a channel pointing at the mock upstream, a price and a key, all through /api.
    const alice = await api('POST', '/api/users', { cookie: root, body: { username: 'alice', password: 'alice-password-1', quota_usd: '5' } });
    expect(alice.status).toBe(201);
    const aliceId: number = alice.body.data.user.id;
    expect((await api('POST', '/api/users', { cookie: root, body: { username: 'bob', password: 'bob-password-1', quota_usd: '5' } })).status).toBe(201);
    const channel = await api('POST', '/api/channels', {
      cookie: root,
      body: { name: 'mock', type: 'openai', base_url: mock.url, allow_private: `127.0.0.1:${mock.port}`, keys: ['sk-mock-upstream-key'], models: ['gpt-4o-mini'] },
    });
    expect(channel.status).toBe(201);
    expect(JSON.stringify(channel.body)).not.toContain('sk-mock-upstream-key');
    expect((await api('PUT', '/api/prices', { cookie: root, body: { model: 'gpt-4o-mini', input_usd_per_million: '0.15', output_usd_per_million: '0.6' } })).status).toBe(200);
    const aliceKey = await api('POST', '/api/tokens', { cookie: root, body: { name: 'alice-laptop', user_id: aliceId, quota_usd: '2' } });
    expect(aliceKey.status).toBe(201);
    expect(aliceKey.body.data.token.user_id).toBe(aliceId);

    // One relayed request; its usage and log row through /api.
    const aliceRequest = await relay(aliceKey.body.data.key);
    expect(mock.requests.length).toBe(1);
    const usage = await until(
      () => api('GET', '/api/usage/totals?by=user&since=1h', { cookie: root }),
      (answer) => answer.body.data.rows.some((row: { key: string; prompt_tokens: number }) => row.key === 'alice' && row.prompt_tokens > 0),
    );
    const aliceUsage = usage.body.data.rows.find((row: { key: string }) => row.key === 'alice');
    expect(aliceUsage.prompt_tokens).toBeGreaterThan(0);
    expect(aliceUsage.cost_usd).not.toBe('0');
    const logs = await until(
      () => api('GET', '/api/logs?per_page=20', { cookie: root }),
      (answer) => answer.body.data.some((row: { request_id: string }) => row.request_id === aliceRequest),
    );
    expect(logs.body.data.find((row: { request_id: string }) => row.request_id === aliceRequest)).toMatchObject({ username: 'alice', channel_name: 'mock', model_name: 'gpt-4o-mini', status: 200 });

    // From another machine: a personal access token and the real CLI with --server/--token, no data directory.
    const pat = await api('POST', '/api/user/access-tokens', { cookie: root, body: { name: 'laptop' } });
    expect(pat.status).toBe(201);
    const remote = ['--server', server.url, '--token', pat.body.data.token];
    const channels = await runCli([...remote, 'channel', 'list', '--json']);
    expect(channels.stderr).toBe('');
    expect(channels.json<{ name: string }[]>().map((row) => row.name)).toEqual(['mock']);
    const cliKey = await runCli([...remote, 'token', 'create', '--name', 'alice-ci', '--user', 'alice', '--json']);
    expect(cliKey.exitCode).toBe(0);
    expect(cliKey.json<{ key: string }>().key).toStartWith('sk-');
    const cliLogs = await runCli([...remote, 'logs', '--user', 'alice', '--json']);
    expect(cliLogs.exitCode).toBe(0);
    expect(cliLogs.stdout).toContain(aliceRequest);

    // Bob, an ordinary user, signs in, makes a key of his own and one request with it.
    const bob = await signIn('bob', 'bob-password-1');
    const bobKey = await api('POST', '/api/tokens', { cookie: bob, body: { name: 'bob-key' } });
    expect(bobKey.status).toBe(201);
    const bobKeyId: number = bobKey.body.data.token.id;
    const bobRequest = await relay(bobKey.body.data.key);

    // Alice sees and changes only her own keys and logs; Bob's key id answers 404 as if it did not exist.
    const aliceCookie = await signIn('alice', 'alice-password-1');
    const keys = await api('GET', '/api/tokens', { cookie: aliceCookie });
    expect(keys.body.data.map((row: { name: string }) => row.name).sort()).toEqual(['alice-ci', 'alice-laptop']);
    expect((await api('PATCH', `/api/tokens/${aliceKey.body.data.token.id}`, { cookie: aliceCookie, body: { name: 'alice-renamed' } })).status).toBe(200);
    expect((await api('GET', `/api/tokens/${bobKeyId}`, { cookie: aliceCookie })).status).toBe(404);
    expect((await api('PATCH', `/api/tokens/${bobKeyId}`, { cookie: aliceCookie, body: { name: 'pwned' } })).status).toBe(404);
    expect((await api('DELETE', `/api/tokens/${bobKeyId}`, { cookie: aliceCookie })).status).toBe(404);
    expect((await api('GET', `/api/tokens/${bobKeyId}`, { cookie: bob })).body.data.name).toBe('bob-key');

    const bobLogs = await until(
      () => api('GET', '/api/user/self/logs', { cookie: bob }),
      (answer) => answer.body.data.some((row: { request_id: string }) => row.request_id === bobRequest),
    );
    const bobLogId: number = bobLogs.body.data.find((row: { request_id: string }) => row.request_id === bobRequest).id;
    const own = await api('GET', '/api/user/self/logs', { cookie: aliceCookie });
    expect(own.status).toBe(200);
    expect(own.body.data.map((row: { request_id: string | null }) => row.request_id)).toContain(aliceRequest);
    expect(own.body.data.map((row: { request_id: string | null }) => row.request_id)).not.toContain(bobRequest);
    const aliceKeyIds = new Set(keys.body.data.map((row: { id: number }) => row.id));
    for (const row of own.body.data as { token_id: number | null; type: string }[]) if (row.token_id !== null) expect(aliceKeyIds.has(row.token_id)).toBe(true);
    expect((await api('GET', `/api/user/self/logs/${bobLogId}`, { cookie: aliceCookie })).status).toBe(404);
    expect((await api('GET', '/api/logs', { cookie: aliceCookie })).status).toBe(403);
  },
  20_000,
);
