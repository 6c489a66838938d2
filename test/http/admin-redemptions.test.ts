/**
 * Redemption codes through /api: an administrator makes a batch (the codes appear once, in that answer), lists
 * (prefixes only, status filter, literal search, newest first), disables and deletes; a user redeems into
 * their wallet, failed codes are limited per user, and 50 concurrent redeems of one code over HTTP credit it
 * exactly once (reliability.md G3, Y4); on both dialects.
 */
import { beforeAll, expect, test } from 'bun:test';
import type { AdminApiHarness } from '../helpers/admin-api.ts';
import { type Caller, forEachAdminDialect } from '../helpers/admin-api.ts';
import { insertUser } from '../../src/db/repos/users.ts';
import { SESSION_COOKIE } from '../../src/http/admin/session-cookie.ts';
import { checkLedger } from '../../src/services/ledger-check.ts';

const REDEMPTION_KEYS = 'amount_usd,created_at,created_by,expires_at,id,name,prefix,redeemed_at,status,used_by';

/** Users straight into the table, each with a sign-in of its own: fifty password hashes would only slow the test. */
async function signedInUsers(harness: AdminApiHarness, prefix: string, count: number): Promise<{ id: number; caller: Caller }[]> {
  const { store, clock } = harness.deps;
  const users: { id: number; caller: Caller }[] = [];
  for (let index = 0; index < count; index++) {
    const now = clock.now();
    const row = await store.write((db) => insertUser(store, db, { username: `${prefix}${index}`, passwordHash: 'not-a-hash', createdAt: now, updatedAt: now }));
    if (row === undefined) throw new Error('user not inserted');
    const started = await harness.admin.services.sessions.start(row.id, { ip: undefined, userAgent: undefined });
    users.push({ id: row.id, caller: { cookie: `${SESSION_COOKIE}=${started.token}` } });
  }
  return users;
}

async function creditsOf(harness: AdminApiHarness, redemptionId: number): Promise<number> {
  const { ledgerEntries } = harness.deps.store.tables;
  const rows = await harness.deps.store.db.select().from(ledgerEntries);
  return rows.filter((row) => row.kind === 'credit' && row.externalId === `redeem:${redemptionId}`).length;
}

forEachAdminDialect('admin API redemption codes', (harness) => {
  const callers = {} as Record<'root' | 'adam' | 'alice' | 'bob', Caller>;
  beforeAll(async () => {
    for (const name of ['root', 'adam', 'alice', 'bob'] as const) callers[name] = await harness().signIn(name);
  });

  test('create shows the codes once; the list shows prefixes only, filters by status, searches the name literally, newest first', async () => {
    const h = harness();
    const created = await h.call('POST', '/api/redemptions', { caller: callers.adam, body: { amount_usd: '2.5', count: 3, name: 'spring_100%', expires: '30d' } });
    expect(created.status).toBe(201);
    expect(created.body.data.codes).toHaveLength(3);
    for (const code of created.body.data.codes) expect(code).toMatch(/^[0-9A-Za-z]{32}$/);
    const first = created.body.data.redemptions[0];
    expect(Object.keys(first).sort().join(',')).toBe(REDEMPTION_KEYS);
    expect(first).toMatchObject({ name: 'spring_100%', status: 'unused', amount_usd: '2.5', created_by: await h.userId('adam'), used_by: null });
    expect(first.prefix).toBe(`${created.body.data.codes[0].slice(0, 8)}…`);
    await h.call('POST', '/api/redemptions', { caller: callers.adam, body: { amount_usd: '1', name: 'plain' } });

    const listed = await h.call('GET', '/api/redemptions?per_page=2', { caller: callers.adam });
    expect(listed.body.page).toMatchObject({ page: 1, per_page: 2 });
    expect(listed.body.data[0].name).toBe('plain');
    const everything = JSON.stringify((await h.call('GET', '/api/redemptions?per_page=100', { caller: callers.adam })).body);
    for (const code of created.body.data.codes) expect(everything).not.toContain(code);

    for (const search of ['%', '_', '_100%']) {
      const found = await h.call('GET', `/api/redemptions?search=${encodeURIComponent(search)}`, { caller: callers.adam });
      expect({ search, names: [...new Set(found.body.data.map((row: { name: string }) => row.name))] }).toEqual({ search, names: ['spring_100%'] });
    }
    expect((await h.call('GET', '/api/redemptions?search=*', { caller: callers.adam })).body.data).toEqual([]);

    const disabled = await h.call('POST', `/api/redemptions/${first.id}/disable`, { caller: callers.adam });
    expect(disabled.body.data.status).toBe('disabled');
    const onlyDisabled = await h.call('GET', '/api/redemptions?status=disabled', { caller: callers.adam });
    expect(onlyDisabled.body.data.map((row: { id: number }) => row.id)).toEqual([first.id]);
    expect((await h.call('GET', '/api/redemptions?status=gone', { caller: callers.adam })).body.error.field).toBe('status');
    const deleted = await h.call('DELETE', `/api/redemptions/${first.id}`, { caller: callers.adam });
    expect(deleted.body.data.id).toBe(first.id);
    expect((await h.call('DELETE', `/api/redemptions/${first.id}`, { caller: callers.adam })).status).toBe(404);
    expect((await h.call('POST', '/api/redemptions/999999999/disable', { caller: callers.adam })).status).toBe(404);
  });

  test('create errors name the body field', async () => {
    const h = harness();
    const cases: [unknown, string][] = [
      [{ amount_usd: '0' }, 'amount_usd'],
      [{ amount_usd: '-1' }, 'amount_usd'],
      [{ amount_usd: 'ten' }, 'amount_usd'],
      [{ amount_usd: '1', count: 101 }, 'count'],
      [{ amount_usd: '1', count: 0 }, 'count'],
      [{ amount_usd: '1', expires: 'someday' }, 'expires'],
      [{ amount_usd: '1', name: 'bell\u0007' }, 'name'],
      [{ amount_usd: '1', code: 'mine' }, 'code'],
      [{}, 'amount_usd'],
    ];
    for (const [body, field] of cases) {
      const answer = await h.call('POST', '/api/redemptions', { caller: callers.adam, body });
      expect({ body, status: answer.status, field: answer.body.error?.field }).toEqual({ body, status: 400, field });
    }
  });

  test('a user redeems a code into their wallet once; used, disabled and unknown codes get one answer; redeemed codes stay', async () => {
    const h = harness();
    const before = (await h.call('GET', '/api/user/self', { caller: callers.bob })).body.data.balance_usd;
    expect(before).toBe('0');
    const [code, other] = (await h.deps.redemptions.create({ amountUsd: '1.25', count: 2 })).codes as [string, string];
    const redeemed = await h.call('POST', '/api/user/self/redeem', { caller: callers.bob, body: { code } });
    expect(redeemed.status).toBe(200);
    expect(redeemed.body.data).toMatchObject({ amount_usd: '1.25', user: { username: 'bob', balance_usd: '1.25' } });
    const again = await h.call('POST', '/api/user/self/redeem', { caller: callers.alice, body: { code } });
    expect({ status: again.status, field: again.body.error?.field }).toEqual({ status: 400, field: 'code' });
    await h.deps.redemptions.disable(other.slice(0, 8));
    const disabled = await h.call('POST', '/api/user/self/redeem', { caller: callers.alice, body: { code: other } });
    const unknown = await h.call('POST', '/api/user/self/redeem', { caller: callers.alice, body: { code: 'A'.repeat(32) } });
    expect(disabled.body.error.message).toBe(again.body.error.message);
    expect(unknown.body.error.message).toBe(again.body.error.message);
    expect((await h.call('POST', '/api/user/self/redeem', { caller: callers.alice, body: { code: 'short' } })).body.error.field).toBe('code');

    const row = (await h.call('GET', '/api/redemptions?status=used', { caller: callers.adam })).body.data[0];
    expect(row).toMatchObject({ status: 'used', used_by: await h.userId('bob') });
    expect((await h.call('DELETE', `/api/redemptions/${row.id}`, { caller: callers.adam })).status).toBe(409);
    expect((await h.call('POST', `/api/redemptions/${row.id}/disable`, { caller: callers.adam })).status).toBe(409);
    const topups = (await h.call('GET', '/api/user/self/logs?type=topup', { caller: callers.bob })).body.data;
    expect(topups[0].content).toContain('for $1.25');
    const audit = await h.call('GET', '/api/audit?action=redemption.*', { caller: callers.root });
    const actions = audit.body.data.map((entry: { action: string }) => entry.action);
    expect(actions).toContain('redemption.redeem');
    expect(actions).toContain('redemption.redeem.failed');
    expect(JSON.stringify(audit.body)).not.toContain(code);
  });

  test('failed codes are limited per user: the 11th try in 15 minutes gets 429 with Retry-After, even with a good code', async () => {
    const h = harness();
    const [guesser] = await signedInUsers(h, 'guesser', 1);
    if (guesser === undefined) throw new Error('no user');
    for (let attempt = 0; attempt < 10; attempt++) {
      const answer = await h.call('POST', '/api/user/self/redeem', { caller: guesser.caller, body: { code: `${attempt}`.padStart(32, 'Z') } });
      expect(answer.status).toBe(400);
    }
    const [good] = (await h.deps.redemptions.create({ amountUsd: '1' })).codes as [string];
    const locked = await h.call('POST', '/api/user/self/redeem', { caller: guesser.caller, body: { code: good } });
    expect(locked.status).toBe(429);
    expect(locked.body.error.code).toBe('rate_limited');
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another user is not affected, and the code was not spent by the refused try.
    expect((await h.call('POST', '/api/user/self/redeem', { caller: callers.alice, body: { code: good } })).status).toBe(200);
  });

  test('50 users redeem one code at once over HTTP: exactly one credit, 49 refusals, the ledger balances', async () => {
    const h = harness();
    const racers = await signedInUsers(h, 'racer', 50);
    const created = await h.deps.redemptions.create({ amountUsd: '3' });
    const code = created.codes[0] as string;
    const id = created.redemptions[0]?.id as number;
    const answers = await Promise.all(racers.map((racer) => h.call('POST', '/api/user/self/redeem', { caller: racer.caller, body: { code } })));
    const statuses = answers.map((answer) => answer.status).sort();
    expect(statuses.filter((status) => status === 200)).toHaveLength(1);
    expect(statuses.filter((status) => status === 400)).toHaveLength(49);
    expect(await creditsOf(h, id)).toBe(1);
    const winner = answers.find((answer) => answer.status === 200)?.body.data.user;
    expect(winner.balance_usd).toBe('3');
    const balances = await Promise.all(racers.map(async (racer) => (await h.deps.users.get(String(racer.id))).balanceUsd));
    expect(balances.filter((balance) => balance !== '0')).toEqual(['3']);
    expect((await checkLedger(h.deps.store, h.deps.clock.now())).problems).toEqual([]);
  });

  test('50 redeems of one code by one user at once: one credit', async () => {
    const h = harness();
    const [single] = await signedInUsers(h, 'eager', 1);
    if (single === undefined) throw new Error('no user');
    const created = await h.deps.redemptions.create({ amountUsd: '2' });
    const code = created.codes[0] as string;
    const answers = await Promise.all(Array.from({ length: 50 }, () => h.call('POST', '/api/user/self/redeem', { caller: single.caller, body: { code } })));
    expect(answers.filter((answer) => answer.status === 200)).toHaveLength(1);
    // The rest are refused as used, or (once ten refusals are counted) as rate limited.
    expect(answers.every((answer) => answer.status === 200 || answer.status === 400 || answer.status === 429)).toBe(true);
    expect(await creditsOf(h, created.redemptions[0]?.id as number)).toBe(1);
    expect((await h.deps.users.get(String(single.id))).balanceUsd).toBe('2');
  });

  test('only administrators manage codes', async () => {
    const h = harness();
    const id = (await h.deps.redemptions.create({ amountUsd: '1' })).redemptions[0]?.id;
    for (const [method, path, body] of [
      ['GET', '/api/redemptions'],
      ['POST', '/api/redemptions', { amount_usd: '100' }],
      ['POST', `/api/redemptions/${id}/disable`],
      ['DELETE', `/api/redemptions/${id}`],
    ] as [string, string, unknown?][]) {
      const answer = await h.call(method, path, { caller: callers.alice, body });
      expect({ method, path, status: answer.status }).toEqual({ method, path, status: 403 });
    }
    expect((await h.call('POST', '/api/user/self/redeem', { body: { code: 'A'.repeat(32) } })).status).toBe(401);
  });
});
