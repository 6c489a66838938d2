/**
 * `gateway audit` and the CLI's own rows: channel, user and API-key changes made with the command line are
 * recorded as actor `cli` with field names (never a key or password); the command prints them as a table or
 * as JSON, filtered by actor, action (or prefix), target, time and count, and refuses bad filters with exit 2.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { createAuditService } from '../../src/services/audit.ts';
import { expectOneLineError, runCli } from '../helpers/cli.ts';
import { createTestEnvironment, openDeps, type TestEnvironment } from '../helpers/stores.ts';

const CHANNEL_KEY = 'sk-cli-audit-channel-key-0001';

let environment: TestEnvironment;
let channelId: number;
let apiKey: string;

interface Row {
  actor: string;
  actorUserId: number | null;
  action: string;
  targetType: string;
  targetId: string | null;
  fields: string[];
  facts: Record<string, unknown>;
}

async function audit(...args: string[]): Promise<Row[]> {
  const result = await runCli(['audit', '--json', ...args], environment.env);
  expect({ args, exitCode: result.exitCode, stderr: result.stderr }).toEqual({ args, exitCode: 0, stderr: '' });
  return result.json<Row[]>();
}

beforeAll(async () => {
  environment = await createTestEnvironment('sqlite');
  const add = await runCli(['channel', 'add', '--name', 'cli-audited', '--type', 'openai', '--key', '-', '--models', 'gpt-4o', '--json'], environment.env, { stdin: CHANNEL_KEY });
  expect(add.exitCode).toBe(0);
  channelId = add.json<{ id: number }>().id;
  for (const args of [
    ['channel', 'update', 'cli-audited', '--priority', '3', '--tag', 'eu'],
    ['channel', 'disable', 'cli-audited'],
    ['user', 'create', 'carol', '--password', 'carol-password-1'],
    ['user', 'topup', 'carol', '2.5'],
  ]) {
    const result = await runCli(args, environment.env);
    expect({ args, exitCode: result.exitCode, stderr: result.stderr }).toEqual({ args, exitCode: 0, stderr: '' });
  }
  const token = await runCli(['token', 'create', '--name', 'cli-key', '--user', 'carol', '--json'], environment.env);
  apiKey = token.json<{ key: string }>().key;
  expect((await runCli(['token', 'disable', 'cli-key', '--user', 'carol'], environment.env)).exitCode).toBe(0);
  // A refused change is no change: nothing recorded.
  expect((await runCli(['channel', 'update', 'cli-audited', '--weight', '-4'], environment.env)).exitCode).toBe(2);

  // A row from the API with hostile text, to check what the table prints.
  const deps = await openDeps(environment);
  try {
    await createAuditService(deps).record({ actor: { userId: 1, username: 'root' }, action: 'user.update', target: { type: 'user', id: 'x\u001b]0;owned\u0007y' }, ip: '192.0.2.7', facts: { note: 'a\u001b[31mred' } });
  } finally {
    await deps.close();
  }
});

afterAll(async () => {
  await environment.cleanup();
});

test('CLI changes are recorded as cli, with field names and without a key or password', async () => {
  const rows = await audit('--actor', 'cli');
  expect(rows.map((row) => [row.action, row.targetType, row.fields.join(',')])).toEqual([
    ['token.update', 'token', 'status'],
    ['token.create', 'token', 'name,user'],
    ['user.topup', 'user', 'amount_usd'],
    ['user.create', 'user', 'username,password'],
    ['channel.disable', 'channel', ''],
    ['channel.update', 'channel', 'priority,tag'],
    ['channel.create', 'channel', 'name,type,keys,models'],
  ]);
  expect(rows.every((row) => row.actor === 'cli' && row.actorUserId === null)).toBe(true);
  expect(rows.find((row) => row.action === 'user.topup')?.facts).toEqual({ amount_usd: '2.5' });
  const text = JSON.stringify(rows);
  for (const secret of [CHANNEL_KEY, apiKey, 'carol-password-1']) expect(text).not.toContain(secret);
});

test('filters: action and prefix, target, limit, since and until', async () => {
  expect((await audit('--action', 'channel.*')).map((row) => row.action)).toEqual(['channel.disable', 'channel.update', 'channel.create']);
  expect((await audit('--target', `channel:${channelId}`, '--limit', '2')).map((row) => row.action)).toEqual(['channel.disable', 'channel.update']);
  // Control characters were dropped when the row was written.
  expect((await audit('--target', 'user', '--actor', 'root')).map((row) => row.targetId)).toEqual(['x]0;ownedy']);
  expect((await audit('--since', '1h')).length).toBe(8);
  expect(await audit('--until', '2000-01-01')).toEqual([]);
  expect(await audit('--action', 'price.set')).toEqual([]);
});

test('the table: one line per row, newest first, text from the database stripped of escape sequences', async () => {
  const result = await runCli(['audit', '--limit', '3'], environment.env);
  expect(result.exitCode).toBe(0);
  const lines = result.stdout.trimEnd().split('\n');
  expect(lines[0]).toMatch(/^TIME \(UTC\)\s+ACTOR\s+ACTION\s+TARGET\s+IP\s+FIELDS\s+DETAIL$/);
  expect(lines).toHaveLength(4);
  expect(lines[1]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\s+root \(#1\)\s+user\.update\s+user:x.*y\s+192\.0\.2\.7\s+-\s+note=a\[31mred$/);
  expect(result.stdout).not.toContain('\u001b');
  expect(result.stdout).not.toContain('\u0007');
  expect(lines[2]).toContain('token.update');
  expect(lines[2]).toContain('status');
  const empty = await runCli(['audit', '--action', 'price.set'], environment.env);
  expect(empty.stdout.trim()).toBe('No audit log rows match.');
});

test('bad filters exit 2 with one line naming the fix', async () => {
  expectOneLineError(await runCli(['audit', '--limit', '0'], environment.env), '--limit must be from 1 to 1000');
  expectOneLineError(await runCli(['audit', '--action', 'Channel Update'], environment.env), 'channel.update');
  expectOneLineError(await runCli(['audit', '--target', 'channel:'], environment.env), 'TYPE:ID');
  expectOneLineError(await runCli(['audit', '--since', 'yesterday'], environment.env), '--since');
  expectOneLineError(await runCli(['audit', '--since', '1h', '--until', '2h'], environment.env), 'until is before since');
});
