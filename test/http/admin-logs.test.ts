/**
 * The request log through /api: an administrator's list and detail (filters, pages newest first, the rows it
 * may read: its own, users below it, system notices — never root's or another admin's), a user's own log with
 * the user allowlist (no channel, upstream model or retry chain), logged bodies only for administrators while
 * body logging is on, exact (never wildcard) filters, errors naming the field; on both dialects.
 */
import { beforeAll, expect, test } from 'bun:test';
import { insertSystemLog } from '../../src/db/repos/ledger.ts';
import { type AdminApiHarness, type Caller, forEachAdminDialect } from '../helpers/admin-api.ts';
import { logEntry } from '../helpers/log-entries.ts';
import { writeLogRows } from '../helpers/log-rows.ts';

const OWN_KEYS = [
  'cache_write_tokens', 'cached_tokens', 'completion_tokens', 'content', 'cost_usd', 'created_at', 'error_code', 'first_token_ms', 'group', 'id', 'ip',
  'is_stream', 'latency_ms', 'model_name', 'prompt_tokens', 'reasoning_tokens', 'request_id', 'status', 'token_id', 'token_name', 'type',
];
/** `other` (the row's recorded details and retry chain, what `gateway logs --json` prints) is the operator's too. */
const OPERATOR_KEYS = ['channel_id', 'channel_name', 'other', 'upstream_model', 'user_id', 'username'];
const keysOf = (object: object) => Object.keys(object).sort();
const BODY = '{"model":"gpt-4o","messages":[{"role":"user","content":"private words"}]}';

interface Seeded {
  aliceConsume: number;
  aliceError: number;
  aliceOld: number;
  bob: number;
  adam: number;
  ada: number;
  root: number;
  channelId: number;
  aliceKey: number;
  bobKey: number;
  now: number;
}

async function seed(h: AdminApiHarness): Promise<Seeded> {
  const now = Date.now();
  const ids = Object.fromEntries(await Promise.all(['alice', 'bob', 'adam', 'ada', 'root'].map(async (name) => [name, await h.userId(name)] as const)));
  const channel = await h.deps.channels.add({ name: 'logs-main', type: 'openai', keys: ['sk-logs-test-key-0001'], models: ['gpt-4o'] });
  const aliceKey = (await h.deps.tokens.create({ name: 'alice-key', user: 'alice' })).token;
  const bobKey = (await h.deps.tokens.create({ name: 'alice-key', user: 'bob' })).token;
  const of = (name: string, key?: { id: number; name: string }) => ({
    userId: ids[name] as number,
    username: name,
    tokenId: key?.id ?? 0,
    tokenName: key?.name ?? 'k',
    channelId: channel.id,
    channelName: channel.name,
    upstreamModel: 'gpt-4o-2024-11-20',
  });
  const attempts = [
    { channelId: 999, channelName: 'logs-backup', keyPosition: 0, upstreamModel: 'gpt-4o', status: 502, errorCode: 'bad_gateway', retryable: true, durationMs: 40 },
    { channelId: channel.id, channelName: channel.name, keyPosition: 0, upstreamModel: 'gpt-4o-2024-11-20', status: 200, errorCode: undefined, retryable: undefined, durationMs: 900 },
  ];
  const [aliceConsume, aliceError, aliceOld, bob, adam, ada, root] = await writeLogRows(h.deps.store, [
    logEntry({
      ...of('alice', aliceKey),
      createdAt: now - 60_000,
      requestId: 'req-alice-1%',
      promptTokens: 120,
      completionTokens: 30,
      cachedTokens: 100,
      reasoningTokens: 7,
      cost: 1_250,
      isStream: true,
      firstTokenMs: 300,
      content: BODY,
      other: { endpoint: 'chat-completions', end: 'completed', ledgerId: 'ledger-1', attempts, estimated: false, partial: false, clamped: false, hold: 5_000, imageInputTokens: 12 },
    }),
    logEntry({ ...of('alice', aliceKey), createdAt: now - 120_000, requestId: 'req-alice-2', type: 5, status: 502, errorCode: 'upstream_error', cost: 0, modelName: 'o4-mini' }),
    logEntry({ ...of('alice', aliceKey), createdAt: now - 3 * 86_400_000, requestId: 'req-alice-old' }),
    logEntry({ ...of('bob', bobKey), createdAt: now - 30_000, requestId: 'req-bob' }),
    logEntry({ ...of('adam'), createdAt: now - 40_000, requestId: 'req-adam' }),
    logEntry({ ...of('ada'), createdAt: now - 45_000, requestId: 'req-ada' }),
    logEntry({ ...of('root'), createdAt: now - 50_000, requestId: 'req-root', content: BODY }),
  ]);
  await h.deps.users.topup('alice', '5');
  await h.deps.store.transaction((db) =>
    insertSystemLog(h.deps.store, db, { now: now - 10_000, userId: null, tokenId: null, content: 'request log: 3 row(s) dropped', other: { alert: 'log_dropped' } }),
  );
  return {
    aliceConsume: aliceConsume as number,
    aliceError: aliceError as number,
    aliceOld: aliceOld as number,
    bob: bob as number,
    adam: adam as number,
    ada: ada as number,
    root: root as number,
    channelId: channel.id,
    aliceKey: aliceKey.id,
    bobKey: bobKey.id,
    now,
  };
}

forEachAdminDialect('admin API request log', (harness) => {
  const callers = {} as Record<'root' | 'adam' | 'alice' | 'bob', Caller>;
  let seeded: Seeded;
  beforeAll(async () => {
    for (const name of ['root', 'adam', 'alice', 'bob'] as const) callers[name] = await harness().signIn(name);
    seeded = await seed(harness());
  });

  const requestIds = (data: { request_id: string | null; type: string; content: string | null }[]) =>
    data.map((row) => row.request_id ?? `${row.type}:${row.content}`);

  test('an administrator reads its own rows, those of users and system notices, newest first — not root\'s or another admin\'s', async () => {
    const h = harness();
    const answer = await h.call('GET', '/api/logs?per_page=100', { caller: callers.adam });
    expect(answer.status).toBe(200);
    const ids = answer.body.data.map((row: { id: number }) => row.id);
    for (const visible of [seeded.aliceConsume, seeded.aliceError, seeded.aliceOld, seeded.bob, seeded.adam]) expect(ids).toContain(visible);
    for (const hidden of [seeded.root, seeded.ada]) expect(ids).not.toContain(hidden);
    expect(answer.body.data.some((row: { type: string; user_id: null }) => row.type === 'system' && row.user_id === null)).toBe(true);
    expect(answer.body.data.some((row: { type: string; username: string }) => row.type === 'topup' && row.username === 'alice')).toBe(true);
    const times = answer.body.data.map((row: { created_at: string }) => row.created_at);
    expect(times).toEqual([...times].sort().reverse());
    expect(answer.body.page.total).toBe(answer.body.data.length);
    for (const row of answer.body.data) expect(keysOf(row)).toEqual([...OWN_KEYS, ...OPERATOR_KEYS].sort());

    const asRoot = (await h.call('GET', '/api/logs?per_page=100', { caller: callers.root })).body.data.map((row: { id: number }) => row.id);
    for (const visible of [seeded.root, seeded.ada, seeded.adam, seeded.aliceConsume]) expect(asRoot).toContain(visible);
    expect((await h.call('GET', `/api/logs?user=root`, { caller: callers.adam })).body.data).toEqual([]);
    // Key names resolve among the keys the reader reaches: root's key name is unknown to an admin.
    await h.deps.tokens.create({ name: 'roots-secret-key', user: 'root' });
    expect((await h.call('GET', '/api/logs?token=roots-secret-key', { caller: callers.adam })).status).toBe(404);
    expect((await h.call('GET', '/api/logs?token=roots-secret-key', { caller: callers.root })).status).toBe(200);

    const paged = await h.call('GET', '/api/logs?per_page=2&page=2', { caller: callers.adam });
    expect(paged.body.data.map((row: { id: number }) => row.id)).toEqual(ids.slice(2, 4));
    expect(paged.body.page).toEqual({ page: 2, per_page: 2, total: ids.length });
  });

  test('filters: user, key, model, channel, type, errors only, request id, since and until — all exact', async () => {
    const h = harness();
    const get = async (query: string) => requestIds((await h.call('GET', `/api/logs?${query}`, { caller: callers.adam })).body.data);
    expect(await get('user=alice&type=consume')).toEqual(['req-alice-1%', 'req-alice-old']);
    expect(await get(`user=${await h.userId('alice')}&errors_only=true`)).toEqual(['req-alice-2']);
    expect(await get('type=error')).toEqual(['req-alice-2']);
    expect(await get('type=consume&errors_only=true')).toEqual([]);
    // A key name is every key of that name (alice's and bob's here); an id is one key.
    expect(await get('token=alice-key')).toEqual(['req-bob', 'req-alice-1%', 'req-alice-2', 'req-alice-old']);
    expect(await get(`token=${seeded.aliceKey}`)).toEqual(['req-alice-1%', 'req-alice-2', 'req-alice-old']);
    expect(await get('model=o4-mini')).toEqual(['req-alice-2']);
    expect(await get(`channel=logs-main&user=bob`)).toEqual(['req-bob']);
    expect(await get(`channel=${seeded.channelId}&since=1h&user=alice`)).toEqual(['req-alice-1%', 'req-alice-2']);
    expect(await get(`request_id=${encodeURIComponent('req-alice-1%')}`)).toEqual(['req-alice-1%']);
    expect(await get('user=alice&until=1d&type=consume')).toEqual(['req-alice-old']);
    const since = new Date(seeded.now - 90_000).toISOString();
    expect(await get(`user=alice&type=consume&since=${encodeURIComponent(since)}`)).toEqual(['req-alice-1%']);
    // No wildcards: % and * are plain characters.
    expect(await get('model=gpt-4%')).toEqual([]);
    expect(await get(`request_id=${encodeURIComponent('req-%')}`)).toEqual([]);
    expect(await get('model=*')).toEqual([]);
  });

  test('requests_only and the after_id cursor (gateway logs and its --follow): request rows, then oldest first after an id', async () => {
    const h = harness();
    const rows = async (query: string) => (await h.call('GET', `/api/logs?${query}`, { caller: callers.adam })).body.data as { id: number; type: string; request_id: string }[];
    const requests = await rows('requests_only=true&per_page=100');
    expect(requests.length).toBeGreaterThan(0);
    for (const row of requests) expect(['consume', 'error']).toContain(row.type);
    expect(await rows('requests_only=true&type=topup')).toEqual([]);
    expect((await rows('requests_only=true&errors_only=true')).map((row) => row.request_id)).toEqual(['req-alice-2']);
    const after = await rows(`user=alice&after_id=${seeded.aliceConsume - 1}&requests_only=true`);
    expect(after.map((row) => row.id)).toEqual([seeded.aliceConsume, seeded.aliceError, seeded.aliceOld].sort((a, b) => a - b));
    expect(await rows(`user=alice&after_id=${Math.max(seeded.aliceConsume, seeded.aliceError, seeded.aliceOld)}&requests_only=true`)).toEqual([]);
    expect((await h.call('GET', '/api/logs?after_id=-1', { caller: callers.adam })).body.error.field).toBe('after_id');
    // The user's own log has neither filter (nor the operator's `other`).
    expect((await h.call('GET', '/api/user/self/logs?after_id=1', { caller: callers.alice })).status).toBe(400);
  });

  test("an administrator's rows carry the recorded `other` (retry chain, usage flags) as gateway logs --json prints it; a user's never", async () => {
    const h = harness();
    const [row] = (await h.call('GET', `/api/logs?request_id=${encodeURIComponent('req-alice-1%')}`, { caller: callers.adam })).body.data;
    expect(row.other).toEqual({
      endpoint: 'chat-completions',
      end: 'completed',
      ledgerId: 'ledger-1',
      attempts: [
        { channelId: 999, channelName: 'logs-backup', keyPosition: 0, upstreamModel: 'gpt-4o', status: 502, errorCode: 'bad_gateway', retryable: true, durationMs: 40 },
        { channelId: seeded.channelId, channelName: 'logs-main', keyPosition: 0, upstreamModel: 'gpt-4o-2024-11-20', status: 200, durationMs: 900 },
      ],
      estimated: false,
      partial: false,
      clamped: false,
      hold: 5_000,
      imageInputTokens: 12,
    });
    expect((await h.call('GET', `/api/logs/${seeded.aliceConsume}`, { caller: callers.adam })).body.data.other).toEqual(row.other);
    const own = await h.call('GET', '/api/user/self/logs?per_page=100', { caller: callers.alice });
    expect(JSON.stringify(own.body)).not.toContain('ledger-1');
    expect(JSON.stringify(own.body)).not.toContain('logs-backup');
  });

  test('filter errors name the field', async () => {
    const h = harness();
    const cases: [string, number, string][] = [
      ['type=bogus', 400, 'type'],
      ['since=yesterday-ish', 400, 'since'],
      ['until=soon', 400, 'until'],
      ['per_page=101', 400, 'per_page'],
      ['errors_only=maybe', 400, 'errors_only'],
      ['search=x', 400, 'search'],
      [`model=${'m'.repeat(257)}`, 400, 'model'],
      ['user=nobody-by-that-name', 404, 'user'],
      ['channel=no-such-channel', 404, 'channel'],
    ];
    for (const [query, status, field] of cases) {
      const answer = await h.call('GET', `/api/logs?${query}`, { caller: callers.adam });
      expect({ query, status: answer.status }).toEqual({ query, status });
      if (status === 400) expect({ query, field: answer.body.error.field }).toEqual({ query, field });
      else expect(answer.body.error.message).toContain(field);
    }
  });

  test('one row with its details: tokens by kind, cost, latency, the retry chain; root\'s row and unknown ids answer 404', async () => {
    const h = harness();
    const answer = await h.call('GET', `/api/logs/${seeded.aliceConsume}`, { caller: callers.adam });
    expect(answer.status).toBe(200);
    expect(answer.body.data).toMatchObject({
      id: seeded.aliceConsume,
      type: 'consume',
      username: 'alice',
      channel_name: 'logs-main',
      upstream_model: 'gpt-4o-2024-11-20',
      prompt_tokens: 120,
      completion_tokens: 30,
      cached_tokens: 100,
      reasoning_tokens: 7,
      cost_usd: '0.00125',
      is_stream: true,
      first_token_ms: 300,
      details: { endpoint: 'chat-completions', end: 'completed', estimated: false, image_input_tokens: 12, ledger_id: 'ledger-1', hold_usd: '0.005', overrun_usd: null },
    });
    expect(answer.body.data.attempts).toEqual([
      expect.objectContaining({ channel_name: 'logs-backup', status: 502, error_code: 'bad_gateway', retryable: true }),
      expect.objectContaining({ channel_id: seeded.channelId, status: 200, error_code: null, duration_ms: 900 }),
    ]);
    const failed = await h.call('GET', `/api/logs/${seeded.aliceError}`, { caller: callers.adam });
    expect(failed.body.data).toMatchObject({ type: 'error', status: 502, error_code: 'upstream_error', attempts: [] });
    for (const id of [seeded.root, seeded.ada, 999_999_999]) {
      const hidden = await h.call('GET', `/api/logs/${id}`, { caller: callers.adam });
      expect({ id, status: hidden.status }).toEqual({ id, status: 404 });
    }
    expect((await h.call('GET', `/api/logs/${seeded.root}`, { caller: callers.root })).status).toBe(200);
    expect((await h.call('GET', `/api/logs/${seeded.aliceConsume}`, { caller: callers.alice })).status).toBe(403);
  });

  test('logged request bodies: administrators only, and only while log_bodies_enabled is on', async () => {
    const h = harness();
    const contentOf = async (caller: Caller, path: string) => (await h.call('GET', path, { caller })).body.data.content;
    expect(await contentOf(callers.adam, `/api/logs/${seeded.aliceConsume}`)).toBeNull();
    await h.deps.settings.set('log_bodies_enabled', 'true');
    try {
      expect(await contentOf(callers.adam, `/api/logs/${seeded.aliceConsume}`)).toBe(BODY);
      const list = await h.call('GET', '/api/logs?request_id=req-alice-1%25', { caller: callers.adam });
      expect(list.body.data[0].content).toBe(BODY);
      expect(await contentOf(callers.alice, `/api/user/self/logs/${seeded.aliceConsume}`)).toBeNull();
      expect(JSON.stringify((await h.call('GET', '/api/user/self/logs', { caller: callers.alice })).body)).not.toContain('private words');
    } finally {
      await h.deps.settings.set('log_bodies_enabled', 'false');
    }
    // Notices are not bodies: a top-up's text is shown to its user.
    const topup = (await h.call('GET', '/api/user/self/logs?type=topup', { caller: callers.alice })).body.data[0];
    expect(topup.content).toContain('$5');
  });

  test('a user reads only their own rows, without channel, upstream or retry details', async () => {
    const h = harness();
    const answer = await h.call('GET', '/api/user/self/logs?per_page=100', { caller: callers.alice });
    expect(answer.status).toBe(200);
    expect(answer.body.data.map((row: { id: number }) => row.id)).toEqual(expect.arrayContaining([seeded.aliceConsume, seeded.aliceError, seeded.aliceOld]));
    expect(answer.body.data).toHaveLength(4);
    for (const row of answer.body.data) expect(keysOf(row)).toEqual([...OWN_KEYS].sort());
    const text = JSON.stringify(answer.body);
    expect(text).not.toContain('logs-main');
    expect(text).not.toContain('gpt-4o-2024-11-20');

    const detail = await h.call('GET', `/api/user/self/logs/${seeded.aliceConsume}`, { caller: callers.alice });
    expect(keysOf(detail.body.data)).toEqual([...OWN_KEYS, 'details'].sort());
    expect(keysOf(detail.body.data.details)).toEqual(
      ['audio_input_tokens', 'audio_output_tokens', 'clamped', 'end', 'endpoint', 'estimated', 'image_input_tokens', 'partial'].sort(),
    );
    expect(JSON.stringify(detail.body)).not.toContain('logs-backup');
    expect(JSON.stringify(detail.body)).not.toContain('ledger-1');

    const get = async (query: string) => requestIds((await h.call('GET', `/api/user/self/logs?${query}`, { caller: callers.alice })).body.data);
    expect(await get('errors_only=true')).toEqual(['req-alice-2']);
    expect(await get('token=alice-key&type=consume')).toEqual(['req-alice-1%', 'req-alice-old']);
    expect(await get(`token=${seeded.bobKey}`)).toEqual([]);
    expect(await get('request_id=req-bob')).toEqual([]);
    for (const query of ['user=bob', `channel=${seeded.channelId}`]) {
      const refused = await h.call('GET', `/api/user/self/logs?${query}`, { caller: callers.alice });
      expect({ query, status: refused.status }).toEqual({ query, status: 400 });
    }
    for (const id of [seeded.bob, seeded.root, 999_999_999]) {
      const foreign = await h.call('GET', `/api/user/self/logs/${id}`, { caller: callers.alice });
      expect({ id, status: foreign.status, code: foreign.body.error?.code }).toEqual({ id, status: 404, code: 'not_found' });
    }
    // Bob's key shares alice's key name: a user's key names resolve among their own keys only.
    expect(await requestIds((await h.call('GET', '/api/user/self/logs?token=alice-key', { caller: callers.bob })).body.data)).toEqual(['req-bob']);
    expect((await h.call('GET', '/api/user/self/logs?token=roots-key', { caller: callers.bob })).status).toBe(404);
    expect((await h.call('GET', '/api/logs', { caller: callers.alice })).status).toBe(403);
  });
});
