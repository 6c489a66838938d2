/**
 * Field allowlists (reliability.md G5, G11, Y7, A7): the JSON keys of every admin answer, per endpoint, equal
 * the golden lists below, and no answer ever carries a password hash, a key or token digest, a session id or
 * its digest, or a key shown earlier (except the one answer that creates it).
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { createHash } from 'node:crypto';
import { type AdminApiHarness, createAdminApiHarness, type Caller } from '../helpers/admin-api.ts';

const USER = 'balance_usd,created_at,display_name,email,group,id,last_login_at,request_count,role,status,two_factor_enabled,used_usd,username';
const TOKEN = 'accessed_at,allow_ips,created_at,expires_at,group,id,key_prefix,models,name,quota_usd,request_count,status,unlimited,used_usd,user_id,username';
const SESSION = 'created_at,current,expires_at,id,ip,last_seen_at,user_agent';
const ACCESS_TOKEN = 'created_at,expires_at,id,last_used_at,name,prefix,status';
const REDEMPTION = 'amount_usd,created_at,created_by,expires_at,id,name,prefix,redeemed_at,status,used_by';

const golden: Record<string, Record<string, string>> = {
  'POST /api/auth/login': { '': 'session,user', user: USER, session: 'expires_at,id' },
  'GET /api/user/self': { '': USER },
  'GET /api/auth/sessions': { '[]': SESSION },
  'POST /api/user/access-tokens': { '': 'access_token,token', access_token: ACCESS_TOKEN },
  'GET /api/user/access-tokens': { '[]': ACCESS_TOKEN },
  'POST /api/tokens': { '': 'key,token', token: TOKEN },
  'GET /api/tokens': { '[]': TOKEN },
  'GET /api/tokens/:id': { '': TOKEN },
  'PATCH /api/tokens/:id': { '': TOKEN },
  'DELETE /api/tokens/:id': { '': TOKEN },
  'GET /api/users': { '[]': USER },
  'POST /api/users': { '': 'password,user', user: USER },
  'GET /api/users/:id': { '': USER },
  'PATCH /api/users/:id': { '': USER },
  'POST /api/users/:id/topup': { '': 'amount_usd,user', user: USER },
  'POST /api/users/:id/redeem': { '': 'amount_usd,redemption,user', redemption: REDEMPTION, user: USER },
  'GET /api/models': { '[]': 'aliases,channels,groups,model' },
  'DELETE /api/users/:id': { '': 'tokens_disabled,user', user: USER },
};

/** The key sets of `data`: top level ('' or '[]' for arrays of objects) and each nested object. */
function keySets(data: unknown): Record<string, string> {
  const sets: Record<string, string> = {};
  const item = Array.isArray(data) ? data[0] : data;
  const top = Array.isArray(data) ? '[]' : '';
  if (item === null || typeof item !== 'object') return sets;
  sets[top] = Object.keys(item).sort().join(',');
  for (const [key, value] of Object.entries(item)) {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) sets[key] = Object.keys(value).sort().join(',');
  }
  return sets;
}

let harness: AdminApiHarness & { close(): Promise<void> };
let root: Caller;
const answers: { key: string; text: string }[] = [];

beforeAll(async () => {
  harness = await createAdminApiHarness('sqlite');
  root = await harness.signIn('root');
});
afterAll(() => harness.close());

async function record(key: string, method: string, path: string, body?: unknown): Promise<unknown> {
  const answer = await harness.call(method, path, { caller: root, body });
  expect({ key, status: answer.status }).toEqual({ key, status: method === 'POST' && !path.includes('/topup') && !path.includes('/redeem') ? 201 : 200 });
  answers.push({ key, text: JSON.stringify(answer.body) });
  return answer.body.data;
}

test('every answer has exactly the allowlisted fields, and no secret appears in any answer', async () => {
  const login = await harness.call('POST', '/api/auth/login', { body: { username: 'alice', password: 'alice-password' } });
  answers.push({ key: 'POST /api/auth/login', text: JSON.stringify(login.body) });
  const observed: Record<string, Record<string, string>> = { 'POST /api/auth/login': keySets(login.body.data) };
  const pat = (await record('POST /api/user/access-tokens', 'POST', '/api/user/access-tokens', { name: 'ci' })) as { token: string };
  observed['POST /api/user/access-tokens'] = keySets(pat);
  const created = (await record('POST /api/tokens', 'POST', '/api/tokens', { name: 'k' })) as { key: string; token: { id: number } };
  observed['POST /api/tokens'] = keySets(created);
  const user = (await record('POST /api/users', 'POST', '/api/users', { username: 'golden' })) as { user: { id: number }; password: string };
  observed['POST /api/users'] = keySets(user);
  const code = (await harness.deps.redemptions.create({ amountUsd: '0.5', name: 'golden' })).codes[0] as string;
  await harness.deps.channels.add({ name: 'golden-channel', type: 'openai', keys: ['sk-golden-key-000001'], models: ['gpt-4o'] });
  const plan: [string, string, string, unknown?][] = [
    ['GET /api/user/self', 'GET', '/api/user/self'],
    ['GET /api/auth/sessions', 'GET', '/api/auth/sessions'],
    ['GET /api/user/access-tokens', 'GET', '/api/user/access-tokens'],
    ['GET /api/tokens', 'GET', '/api/tokens'],
    ['GET /api/tokens/:id', 'GET', `/api/tokens/${created.token.id}`],
    ['PATCH /api/tokens/:id', 'PATCH', `/api/tokens/${created.token.id}`, { name: 'k2' }],
    ['GET /api/users', 'GET', '/api/users'],
    ['GET /api/users/:id', 'GET', `/api/users/${user.user.id}`],
    ['PATCH /api/users/:id', 'PATCH', `/api/users/${user.user.id}`, { display_name: 'G' }],
    ['POST /api/users/:id/topup', 'POST', `/api/users/${user.user.id}/topup`, { amount_usd: '1' }],
    ['POST /api/users/:id/redeem', 'POST', `/api/users/${user.user.id}/redeem`, { code }],
    ['GET /api/models', 'GET', '/api/models'],
    ['DELETE /api/tokens/:id', 'DELETE', `/api/tokens/${created.token.id}`],
    ['DELETE /api/users/:id', 'DELETE', `/api/users/${user.user.id}`],
  ];
  for (const [key, method, path, body] of plan) observed[key] = keySets(await record(key, method, path, body));
  expect(observed).toEqual(golden);

  const { store } = harness.deps;
  const secrets: string[] = [];
  for (const row of await store.db.select().from(store.tables.users)) secrets.push(row.passwordHash);
  for (const row of await store.db.select().from(store.tables.tokens)) secrets.push(row.keyHash);
  for (const row of await store.db.select().from(store.tables.sessions)) secrets.push(row.id);
  for (const row of await store.db.select().from(store.tables.accessTokens)) secrets.push(row.tokenHash);
  const cookieIds = [root.cookie ?? ''].map((cookie) => cookie.split('=')[1]?.split('.')[0] ?? '');
  for (const id of cookieIds) secrets.push(id, createHash('sha256').update(id).digest('hex'));
  for (const { key, text } of answers) {
    for (const secret of secrets) expect({ key, leaked: text.includes(secret) }).toEqual({ key, leaked: false });
    expect(text).not.toContain('$argon2');
    if (key !== 'POST /api/tokens') expect(text).not.toContain(created.key.slice(3));
    if (key !== 'POST /api/user/access-tokens') expect(text).not.toContain(pat.token.slice(5));
    if (key !== 'POST /api/users') expect(text).not.toContain(user.password);
    expect(text).not.toContain(code);
    expect(text).not.toContain('sk-golden-key');
  }
});
