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
import { type AdminApiHarness, type Caller, forEachAdminDialect } from '../helpers/admin-api.ts';

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

async function newUser(harness: AdminApiHarness): Promise<number> {
  return (await harness.deps.users.create({ username: unique('target'), password: 'target-password' })).user.id;
}

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
        status: method === 'POST' && ['/api/tokens', '/api/users', '/api/user/access-tokens'].includes(routePath) ? 201 : 200,
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
