/**
 * The route table (reliability.md 2.7.4, G11): every declared admin route must have a row here with the role
 * it needs and a valid sample request; a declared route without a row fails the suite. For each row the test
 * calls the route without credentials (401 unless public), with the role just below the one it needs (403),
 * and with that role (success). Rows of routes taking an `:id` also name another user's object, which must
 * answer 404 (or 403 for accounts at or above the caller's role).
 */
import { beforeAll, expect, test } from 'bun:test';
import type { RouteRole } from '../../src/http/admin/define.ts';
import { adminRoutes } from '../../src/http/admin/registry.ts';
import { base32Decode, hotp, totpStep } from '../../src/security/totp.ts';
import { createModelAliasService } from '../../src/services/model-aliases.ts';
import { type AdminApiHarness, type Caller, cookieOf, forEachAdminDialect } from '../helpers/admin-api.ts';
import { logEntry } from '../helpers/log-entries.ts';
import { writeLogRows } from '../helpers/log-rows.ts';

interface Sample {
  path: string;
  body?: unknown;
}

interface Callers {
  root: Caller;
  admin: Caller;
  user: Caller;
}

interface Row {
  role: RouteRole;
  /** A request the right role may make; called anew for each use (it may create what it deletes). */
  sample: (harness: AdminApiHarness, callers: Callers) => Promise<Sample>;
  /** A caller of its own for the success case, for routes that end the caller's sign-in. */
  ownCaller?: (harness: AdminApiHarness) => Promise<Caller>;
  /** For `:id` routes: the same request aimed at another user's object, and the status that must answer. */
  foreign?: { as: keyof Callers; status: 403 | 404; sample: (harness: AdminApiHarness, callers: Callers) => Promise<Sample> };
}

let sequence = 0;
const unique = (prefix: string) => `${prefix}${++sequence}`;

async function keyOf(harness: AdminApiHarness, caller: Caller): Promise<number> {
  const answer = await harness.call('POST', '/api/tokens', { caller, body: { name: unique('k') } });
  return answer.body.data.token.id;
}

async function accessTokenOf(harness: AdminApiHarness, caller: Caller): Promise<number> {
  const answer = await harness.call('POST', '/api/user/access-tokens', { caller, body: { name: unique('pat') } });
  return answer.body.data.access_token.id;
}

async function sessionOf(harness: AdminApiHarness, username: string): Promise<string> {
  const caller = await harness.signIn(username);
  const answer = await harness.call('GET', '/api/auth/sessions', { caller });
  return answer.body.data.find((session: { current: boolean }) => session.current).id;
}

/** A fresh redemption code: its id and the code itself. */
async function codeOf(harness: AdminApiHarness): Promise<{ id: number; code: string }> {
  const created = await harness.deps.redemptions.create({ amountUsd: '0.5', name: unique('batch') });
  return { id: created.redemptions[0]?.id ?? 0, code: created.codes[0] ?? '' };
}

/** A request log row of that user. */
async function logRowOf(harness: AdminApiHarness, username: string): Promise<number> {
  const userId = await harness.userId(username);
  const [id] = await writeLogRows(harness.deps.store, [logEntry({ userId, username, requestId: unique('table-request-') })]);
  return id ?? 0;
}

/** A price that exists now, for the routes that remove one. */
async function priceOf(harness: AdminApiHarness): Promise<string> {
  const model = unique('table-model-');
  await harness.deps.prices.set(model, { input: '1', output: '2' });
  return model;
}

async function newUser(harness: AdminApiHarness): Promise<number> {
  return (await harness.deps.users.create({ username: unique('target'), password: 'target-password' })).user.id;
}

/** The user made by the last `twoFactorCaller`, for the sample of the same row. */
let twoFactorUser: { id: number; password: string; secret: string; recoveryCodes: string[] } | undefined;

/** The code of the current 30-second step for the last two-factor user (a placeholder before there is one). */
function currentCode(): string {
  return twoFactorUser === undefined ? '000000' : hotp(base32Decode(twoFactorUser.secret), totpStep(Date.now()));
}

/** A new user with 2FA set up (and, with `enabled`, turned on with the previous step's code), signed in. */
async function twoFactorCaller(harness: AdminApiHarness, enabled: boolean): Promise<Caller> {
  const username = unique('tfa');
  const password = `${username}-password`;
  const { user } = await harness.deps.users.create({ username, password });
  const { twoFactor } = harness.admin.services;
  const { secret } = await twoFactor.setup(user.id, { password });
  const recoveryCodes = enabled ? (await twoFactor.enable(user.id, { code: hotp(base32Decode(secret), totpStep(Date.now()) - 1) })).recoveryCodes : [];
  twoFactorUser = { id: user.id, password, secret, recoveryCodes };
  if (!enabled) return harness.signIn(username, password);
  const answer = await harness.call('POST', '/api/auth/login', { body: { username, password, recovery_code: recoveryCodes.pop() } });
  return { cookie: cookieOf(answer.headers) };
}

/** No DNS answers for this name in tests (offlineDispatcher): channel tests and model lists fail at once, offline. */
const OFFLINE_UPSTREAM = 'https://upstream.invalid';

/** A channel with two keys on the offline upstream (and, when given, a tag). */
async function channelOf(harness: AdminApiHarness, tag?: string): Promise<number> {
  const keys = [`sk-route-table-${unique('a')}-0001`, `sk-route-table-${unique('b')}-0002`];
  return (await harness.deps.channels.add({ name: unique('ch'), type: 'openai', baseUrl: OFFLINE_UPSTREAM, keys, models: ['gpt-4o'], tag })).id;
}

/** Channels belong to no user: the `:id` case is an unknown channel, 404 to an admin. */
function missingChannel(suffix: string, body?: unknown): Row['foreign'] {
  return { as: 'admin', status: 404, sample: async () => ({ path: `/api/channels/999999999${suffix}`, body }) };
}

/** A tag only the channel made now carries. */
async function taggedChannel(harness: AdminApiHarness): Promise<string> {
  const tag = unique('tag ');
  await channelOf(harness, tag);
  return encodeURIComponent(tag);
}

const missingTag: Row['foreign'] = { as: 'admin', status: 404, sample: async () => ({ path: '/api/channels/tags/no-such-tag/enable' }) };

const table: Record<string, Row> = {
  'POST /api/auth/login': { role: 'public', sample: async () => ({ path: '/api/auth/login', body: { username: 'alice', password: 'alice-password' } }) },
  'POST /api/auth/logout': { role: 'user', sample: async () => ({ path: '/api/auth/logout' }), ownCaller: (harness) => harness.signIn('bob') },
  'GET /api/auth/sessions': { role: 'user', sample: async () => ({ path: '/api/auth/sessions' }) },
  'DELETE /api/auth/sessions/:id': {
    role: 'user',
    sample: async (harness) => ({ path: `/api/auth/sessions/${await sessionOf(harness, 'alice')}` }),
    foreign: { as: 'user', status: 404, sample: async (harness) => ({ path: `/api/auth/sessions/${await sessionOf(harness, 'bob')}` }) },
  },
  'GET /api/user/self': { role: 'user', sample: async () => ({ path: '/api/user/self' }) },
  'POST /api/user/self/password': {
    role: 'user',
    sample: async () => ({ path: '/api/user/self/password', body: { current_password: 'bob-password', new_password: 'bob-password' } }),
    ownCaller: (harness) => harness.signIn('bob'),
  },
  'POST /api/auth/register': {
    role: 'public',
    sample: async (harness) => {
      await harness.deps.settings.set('registration_enabled', 'true');
      return { path: '/api/auth/register', body: { username: unique('reg'), password: 'registered-password' } };
    },
  },
  'GET /api/user/self/2fa': { role: 'user', sample: async () => ({ path: '/api/user/self/2fa' }) },
  'POST /api/user/self/2fa/setup': { role: 'user', sample: async () => ({ path: '/api/user/self/2fa/setup', body: { password: 'alice-password' } }) },
  'POST /api/user/self/2fa/enable': {
    role: 'user',
    sample: async () => ({ path: '/api/user/self/2fa/enable', body: { code: currentCode() } }),
    ownCaller: (harness) => twoFactorCaller(harness, false),
  },
  'POST /api/user/self/2fa/disable': {
    role: 'user',
    sample: async () => ({ path: '/api/user/self/2fa/disable', body: { password: twoFactorUser?.password ?? 'x', recovery_code: twoFactorUser?.recoveryCodes[0] ?? 'x' } }),
    ownCaller: (harness) => twoFactorCaller(harness, true),
  },
  'POST /api/user/self/2fa/recovery-codes': {
    role: 'user',
    sample: async () => ({ path: '/api/user/self/2fa/recovery-codes', body: { password: twoFactorUser?.password ?? 'x', code: currentCode() } }),
    ownCaller: (harness) => twoFactorCaller(harness, true),
  },
  'POST /api/users/:id/2fa/reset': {
    role: 'admin',
    sample: async (harness) => ({ path: `/api/users/${await newUser(harness)}/2fa/reset` }),
    foreign: { as: 'admin', status: 403, sample: async (harness) => ({ path: `/api/users/${await harness.userId('ada')}/2fa/reset` }) },
  },
  'GET /api/user/access-tokens': { role: 'user', sample: async () => ({ path: '/api/user/access-tokens' }) },
  'POST /api/user/access-tokens': { role: 'user', sample: async () => ({ path: '/api/user/access-tokens', body: { name: unique('pat') } }) },
  'DELETE /api/user/access-tokens/:id': {
    role: 'user',
    sample: async (harness, callers) => ({ path: `/api/user/access-tokens/${await accessTokenOf(harness, callers.user)}` }),
    foreign: { as: 'user', status: 404, sample: async (harness, callers) => ({ path: `/api/user/access-tokens/${await accessTokenOf(harness, callers.admin)}` }) },
  },
  'GET /api/tokens': { role: 'user', sample: async () => ({ path: '/api/tokens' }) },
  'POST /api/tokens': { role: 'user', sample: async () => ({ path: '/api/tokens', body: { name: unique('key') } }) },
  'GET /api/tokens/:id': {
    role: 'user',
    sample: async (harness, callers) => ({ path: `/api/tokens/${await keyOf(harness, callers.user)}` }),
    foreign: { as: 'user', status: 404, sample: async (harness, callers) => ({ path: `/api/tokens/${await keyOf(harness, callers.admin)}` }) },
  },
  'PATCH /api/tokens/:id': {
    role: 'user',
    sample: async (harness, callers) => ({ path: `/api/tokens/${await keyOf(harness, callers.user)}`, body: { name: unique('renamed') } }),
    foreign: { as: 'admin', status: 404, sample: async (harness, callers) => ({ path: `/api/tokens/${await keyOf(harness, callers.root)}`, body: { name: unique('x') } }) },
  },
  'DELETE /api/tokens/:id': {
    role: 'user',
    sample: async (harness, callers) => ({ path: `/api/tokens/${await keyOf(harness, callers.user)}` }),
    foreign: { as: 'user', status: 404, sample: async (harness, callers) => ({ path: `/api/tokens/${await keyOf(harness, callers.root)}` }) },
  },
  'GET /api/users': { role: 'admin', sample: async () => ({ path: '/api/users' }) },
  'POST /api/users': { role: 'admin', sample: async () => ({ path: '/api/users', body: { username: unique('made') } }) },
  'GET /api/users/:id': {
    role: 'admin',
    sample: async (harness) => ({ path: `/api/users/${await newUser(harness)}` }),
    foreign: { as: 'admin', status: 403, sample: async (harness) => ({ path: `/api/users/${await harness.userId('ada')}` }) },
  },
  'PATCH /api/users/:id': {
    role: 'admin',
    sample: async (harness) => ({ path: `/api/users/${await newUser(harness)}`, body: { display_name: 'Changed' } }),
    foreign: { as: 'admin', status: 403, sample: async (harness) => ({ path: `/api/users/${await harness.userId('root')}`, body: { display_name: 'Pwned' } }) },
  },
  'POST /api/users/:id/enable': {
    role: 'admin',
    sample: async (harness) => ({ path: `/api/users/${await newUser(harness)}/enable` }),
    foreign: { as: 'admin', status: 403, sample: async (harness) => ({ path: `/api/users/${await harness.userId('ada')}/enable` }) },
  },
  'POST /api/users/:id/disable': {
    role: 'admin',
    sample: async (harness) => ({ path: `/api/users/${await newUser(harness)}/disable` }),
    foreign: { as: 'admin', status: 403, sample: async (harness) => ({ path: `/api/users/${await harness.userId('root')}/disable` }) },
  },
  'POST /api/users/:id/topup': {
    role: 'admin',
    sample: async (harness) => ({ path: `/api/users/${await newUser(harness)}/topup`, body: { amount_usd: '1.5' } }),
    foreign: { as: 'admin', status: 403, sample: async (harness) => ({ path: `/api/users/${await harness.userId('ada')}/topup`, body: { amount_usd: '1' } }) },
  },
  'DELETE /api/users/:id': {
    role: 'admin',
    sample: async (harness) => ({ path: `/api/users/${await newUser(harness)}` }),
    foreign: { as: 'admin', status: 403, sample: async (harness) => ({ path: `/api/users/${await harness.userId('root')}` }) },
  },
  'GET /api/openapi.json': { role: 'public', sample: async () => ({ path: '/api/openapi.json' }) },
  'GET /api/docs': { role: 'public', sample: async () => ({ path: '/api/docs' }) },
  'GET /api/channels': { role: 'admin', sample: async () => ({ path: '/api/channels?type=openai' }) },
  'POST /api/channels': {
    role: 'admin',
    sample: async () => ({ path: '/api/channels', body: { name: unique('made-ch'), type: 'openai', base_url: OFFLINE_UPSTREAM, keys: ['sk-route-table-made-0001'], models: ['gpt-4o'] } }),
  },
  'GET /api/channels/:id': { role: 'admin', sample: async (harness) => ({ path: `/api/channels/${await channelOf(harness)}` }), foreign: missingChannel('') },
  'PATCH /api/channels/:id': {
    role: 'admin',
    sample: async (harness) => ({ path: `/api/channels/${await channelOf(harness)}`, body: { priority: 3 } }),
    foreign: missingChannel('', { priority: 3 }),
  },
  'DELETE /api/channels/:id': { role: 'admin', sample: async (harness) => ({ path: `/api/channels/${await channelOf(harness)}` }), foreign: missingChannel('') },
  'POST /api/channels/:id/enable': { role: 'admin', sample: async (harness) => ({ path: `/api/channels/${await channelOf(harness)}/enable` }), foreign: missingChannel('/enable') },
  'POST /api/channels/:id/disable': { role: 'admin', sample: async (harness) => ({ path: `/api/channels/${await channelOf(harness)}/disable` }), foreign: missingChannel('/disable') },
  'GET /api/channels/:id/keys': { role: 'admin', sample: async (harness) => ({ path: `/api/channels/${await channelOf(harness)}/keys` }), foreign: missingChannel('/keys') },
  'POST /api/channels/:id/keys': {
    role: 'admin',
    sample: async (harness) => ({ path: `/api/channels/${await channelOf(harness)}/keys`, body: { keys: ['sk-route-table-added-0003'] } }),
    foreign: missingChannel('/keys', { keys: ['sk-route-table-added-0003'] }),
  },
  'POST /api/channels/:id/keys/:position/enable': {
    role: 'admin',
    sample: async (harness) => ({ path: `/api/channels/${await channelOf(harness)}/keys/1/enable` }),
    foreign: missingChannel('/keys/1/enable'),
  },
  'POST /api/channels/:id/keys/:position/disable': {
    role: 'admin',
    sample: async (harness) => ({ path: `/api/channels/${await channelOf(harness)}/keys/1/disable` }),
    foreign: missingChannel('/keys/1/disable'),
  },
  'DELETE /api/channels/:id/keys/:position': {
    role: 'admin',
    sample: async (harness) => ({ path: `/api/channels/${await channelOf(harness)}/keys/0` }),
    foreign: missingChannel('/keys/0'),
  },
  'POST /api/channels/:id/keys/reveal': {
    role: 'root',
    sample: async (harness) => ({ path: `/api/channels/${await channelOf(harness)}/keys/reveal`, body: { password: 'test-root-password' } }),
    foreign: { as: 'root', status: 404, sample: async () => ({ path: '/api/channels/999999999/keys/reveal', body: { password: 'test-root-password' } }) },
  },
  'POST /api/channels/:id/test': {
    role: 'admin',
    sample: async (harness) => ({ path: `/api/channels/${await channelOf(harness)}/test`, body: {} }),
    foreign: missingChannel('/test', {}),
  },
  'POST /api/channels/test': { role: 'admin', sample: async () => ({ path: '/api/channels/test' }) },
  'GET /api/channels/:id/upstream-models': {
    role: 'admin',
    sample: async (harness) => ({ path: `/api/channels/${await channelOf(harness)}/upstream-models` }),
    foreign: missingChannel('/upstream-models'),
  },
  'POST /api/channels/upstream-models': {
    role: 'admin',
    sample: async () => ({ path: '/api/channels/upstream-models', body: { type: 'openai', base_url: OFFLINE_UPSTREAM, key: 'sk-route-table-probe-0001' } }),
  },
  'POST /api/channels/tags/:tag/enable': {
    role: 'admin',
    sample: async (harness) => ({ path: `/api/channels/tags/${await taggedChannel(harness)}/enable` }),
    foreign: missingTag,
  },
  'POST /api/channels/tags/:tag/disable': {
    role: 'admin',
    sample: async (harness) => ({ path: `/api/channels/tags/${await taggedChannel(harness)}/disable` }),
    foreign: missingTag,
  },
  'PATCH /api/channels/tags/:tag': {
    role: 'admin',
    sample: async (harness) => ({ path: `/api/channels/tags/${await taggedChannel(harness)}`, body: { weight: 5 } }),
    foreign: { as: 'admin', status: 404, sample: async () => ({ path: '/api/channels/tags/no-such-tag', body: { weight: 5 } }) },
  },
  'DELETE /api/channels/tags/:tag': {
    role: 'admin',
    sample: async (harness) => ({ path: `/api/channels/tags/${await taggedChannel(harness)}` }),
    foreign: { as: 'admin', status: 404, sample: async () => ({ path: '/api/channels/tags/no-such-tag' }) },
  },
  'GET /api/audit': { role: 'admin', sample: async () => ({ path: '/api/audit?action=channel.*&since=1h' }) },
  'GET /api/prices': { role: 'admin', sample: async () => ({ path: '/api/prices?search=gpt-4o&per_page=5' }) },
  'GET /api/prices/lookup': { role: 'admin', sample: async () => ({ path: '/api/prices/lookup?model=gpt-4o-mini-high&billed=true' }) },
  'PUT /api/prices': {
    role: 'admin',
    sample: async () => ({ path: '/api/prices', body: { model: unique('table-set-'), input_usd_per_million: '1', output_usd_per_million: '4' } }),
  },
  'DELETE /api/prices': { role: 'admin', sample: async (harness) => ({ path: `/api/prices?model=${await priceOf(harness)}` }) },
  'POST /api/prices/reset': { role: 'admin', sample: async () => ({ path: '/api/prices/reset?model=gpt-4o' }) },
  'POST /api/prices/import': { role: 'admin', sample: async () => ({ path: '/api/prices/import', body: { ModelRatio: `{"${unique('table-imported-')}": 1}` } }) },
  'GET /api/groups': { role: 'admin', sample: async () => ({ path: '/api/groups' }) },
  'PUT /api/groups': { role: 'admin', sample: async () => ({ path: '/api/groups', body: { name: unique('table-group-'), multiplier: '1.5' } }) },
  'DELETE /api/groups': {
    role: 'admin',
    sample: async (harness) => {
      const name = unique('table-group-');
      await harness.deps.prices.setGroup(name, { multiplier: '2' });
      return { path: `/api/groups?name=${name}` };
    },
  },
  'GET /api/redemptions': { role: 'admin', sample: async () => ({ path: '/api/redemptions?status=unused&search=batch' }) },
  'POST /api/redemptions': { role: 'admin', sample: async () => ({ path: '/api/redemptions', body: { amount_usd: '1', count: 2, name: unique('batch') } }) },
  // Codes belong to no user: the `:id` case is an unknown code, 404 to an admin.
  'POST /api/redemptions/:id/disable': {
    role: 'admin',
    sample: async (harness) => ({ path: `/api/redemptions/${(await codeOf(harness)).id}/disable` }),
    foreign: { as: 'admin', status: 404, sample: async () => ({ path: '/api/redemptions/999999999/disable' }) },
  },
  'DELETE /api/redemptions/:id': {
    role: 'admin',
    sample: async (harness) => ({ path: `/api/redemptions/${(await codeOf(harness)).id}` }),
    foreign: { as: 'admin', status: 404, sample: async () => ({ path: '/api/redemptions/999999999' }) },
  },
  'POST /api/user/self/redeem': { role: 'user', sample: async (harness) => ({ path: '/api/user/self/redeem', body: { code: (await codeOf(harness)).code } }) },
  'POST /api/users/:id/redeem': {
    role: 'admin',
    sample: async (harness) => ({ path: `/api/users/${await newUser(harness)}/redeem`, body: { code: (await codeOf(harness)).code } }),
    foreign: { as: 'admin', status: 403, sample: async (harness) => ({ path: `/api/users/${await harness.userId('ada')}/redeem`, body: { code: (await codeOf(harness)).code } }) },
  },
  'GET /api/settings': { role: 'admin', sample: async () => ({ path: '/api/settings' }) },
  'PATCH /api/settings': { role: 'root', sample: async () => ({ path: '/api/settings', body: { retry_times: 2, log_retention_days: null } }) },
  'GET /api/logs': { role: 'admin', sample: async () => ({ path: '/api/logs?since=7d&type=consume' }) },
  'GET /api/logs/:id': {
    role: 'admin',
    sample: async (harness) => ({ path: `/api/logs/${await logRowOf(harness, 'alice')}` }),
    foreign: { as: 'admin', status: 404, sample: async (harness) => ({ path: `/api/logs/${await logRowOf(harness, 'root')}` }) },
  },
  'GET /api/user/self/logs': { role: 'user', sample: async () => ({ path: '/api/user/self/logs?errors_only=false' }) },
  'GET /api/user/self/logs/:id': {
    role: 'user',
    sample: async (harness) => ({ path: `/api/user/self/logs/${await logRowOf(harness, 'alice')}` }),
    foreign: { as: 'user', status: 404, sample: async (harness) => ({ path: `/api/user/self/logs/${await logRowOf(harness, 'bob')}` }) },
  },
  'GET /api/usage': { role: 'admin', sample: async () => ({ path: '/api/usage?group_by=day&by=model&since=7d' }) },
  'GET /api/usage/totals': { role: 'admin', sample: async () => ({ path: '/api/usage/totals?by=channel&since=1d' }) },
  'GET /api/activity': { role: 'admin', sample: async () => ({ path: '/api/activity?minutes=60' }) },
  'GET /api/ledger/check': { role: 'root', sample: async () => ({ path: '/api/ledger/check' }) },
  'GET /api/model-aliases': { role: 'admin', sample: async () => ({ path: '/api/model-aliases?per_page=5' }) },
  'GET /api/models': { role: 'admin', sample: async () => ({ path: '/api/models?per_page=5' }) },
  'POST /api/model-aliases': { role: 'admin', sample: async () => ({ path: '/api/model-aliases', body: { alias: unique('table-alias-'), target: 'gpt-4o' } }) },
  'DELETE /api/model-aliases': {
    role: 'admin',
    sample: async (harness) => {
      const alias = unique('table-alias-');
      await createModelAliasService(harness.deps).add(alias, 'gpt-4o');
      return { path: `/api/model-aliases?alias=${alias}` };
    },
  },
  'GET /api/user/self/usage': { role: 'user', sample: async () => ({ path: '/api/user/self/usage?by=token' }) },
};

const below: Record<RouteRole, keyof Callers | undefined> = { public: undefined, user: undefined, admin: 'user', root: 'admin' };
const exactly: Record<RouteRole, keyof Callers | undefined> = { public: undefined, user: 'user', admin: 'admin', root: 'root' };

test('every declared route has a row in the table, with the role it declares and an id case when it takes an id', () => {
  const declared = adminRoutes.map((route) => `${route.method} ${route.path}`);
  expect(declared.filter((key) => table[key] === undefined)).toEqual([]);
  expect(Object.keys(table).filter((key) => !declared.includes(key))).toEqual([]);
  for (const route of adminRoutes) {
    const row = table[`${route.method} ${route.path}`] as Row;
    expect({ route: `${route.method} ${route.path}`, role: route.role }).toEqual({ route: `${route.method} ${route.path}`, role: row.role });
    if (route.path.includes('/:')) expect({ route: route.path, foreign: row.foreign !== undefined }).toEqual({ route: route.path, foreign: true });
  }
});

forEachAdminDialect('route table', (harness) => {
  const callers = {} as Callers;
  beforeAll(async () => {
    callers.root = await harness().signIn('root');
    callers.admin = await harness().signIn('adam');
    callers.user = await harness().signIn('alice');
  });

  for (const [key, row] of Object.entries(table)) {
    const [method, routePath] = key.split(' ') as [string, string];
    test(`${key} (${row.role})`, async () => {
      const h = harness();
      const anonymous = await h.call(method, (await row.sample(h, callers)).path, { body: (await row.sample(h, callers)).body });
      if (row.role === 'public') expect(anonymous.status).toBeLessThan(300);
      else expect({ key, status: anonymous.status, code: anonymous.body.error?.code }).toEqual({ key, status: 401, code: 'unauthorized' });

      const lower = below[row.role];
      if (lower !== undefined) {
        const sample = await row.sample(h, callers);
        const refused = await h.call(method, sample.path, { caller: callers[lower], body: sample.body });
        expect({ key, status: refused.status, code: refused.body.error?.code }).toEqual({ key, status: 403, code: 'forbidden' });
      }

      const right = exactly[row.role];
      const caller = row.ownCaller !== undefined ? await row.ownCaller(h) : right === undefined ? undefined : callers[right];
      const sample = await row.sample(h, callers);
      const allowed = await h.call(method, sample.path, { caller, body: sample.body });
      expect({ key, status: allowed.status, body: allowed.status < 300 ? 'ok' : allowed.body }).toEqual({
        key,
        status: method === 'POST' && ['/api/tokens', '/api/users', '/api/user/access-tokens', '/api/auth/register', '/api/channels', '/api/redemptions', '/api/model-aliases'].includes(routePath) ? 201 : 200,
        body: 'ok',
      });

      if (row.foreign !== undefined) {
        const foreign = await row.foreign.sample(h, callers);
        const answer = await h.call(method, foreign.path, { caller: callers[row.foreign.as], body: foreign.body });
        expect({ key, status: answer.status }).toEqual({ key, status: row.foreign.status });
      }
    });
  }
});
