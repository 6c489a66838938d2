/**
 * Usage series for charts through /api, on seeded log rows (written by the log writer, so the hourly aggregates
 * are the relay's): buckets by hour and UTC day, one series or one per model, user, key or channel, the most
 * expensive first, dense points, window totals; a user's own usage; errors naming the field; on both dialects.
 */
import { beforeAll, expect, test } from 'bun:test';
import { type Caller, forEachAdminDialect } from '../helpers/admin-api.ts';
import { logEntry } from '../helpers/log-entries.ts';
import { writeLogRows } from '../helpers/log-rows.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2026, 0, 10, 12);
const iso = (ms: number) => new Date(ms).toISOString();

interface Point {
  bucket: string;
  requests: number;
  errors: number;
  prompt_tokens: number;
  completion_tokens: number;
  cost_usd: string;
}

const zero = (bucket: number): Point => ({ bucket: iso(bucket), requests: 0, errors: 0, prompt_tokens: 0, completion_tokens: 0, cost_usd: '0' });

forEachAdminDialect('admin API usage series', (harness) => {
  const callers = {} as Record<'adam' | 'alice', Caller>;
  let ids: { alice: number; bob: number; aliceKey: number; bobKey: number; channel: number };
  beforeAll(async () => {
    const h = harness();
    for (const name of ['adam', 'alice'] as const) callers[name] = await h.signIn(name);
    const channel = await h.deps.channels.add({ name: 'usage-ch', type: 'openai', keys: ['sk-usage-series-0001'], models: ['gpt-4o'] });
    const aliceKey = (await h.deps.tokens.create({ name: 'alice-key', user: 'alice' })).token;
    const bobKey = (await h.deps.tokens.create({ name: 'bob-key', user: 'bob' })).token;
    ids = { alice: await h.userId('alice'), bob: await h.userId('bob'), aliceKey: aliceKey.id, bobKey: bobKey.id, channel: channel.id };
    const alice = { userId: ids.alice, username: 'alice', tokenId: aliceKey.id, tokenName: aliceKey.name, channelId: channel.id, channelName: channel.name };
    const bob = { userId: ids.bob, username: 'bob', tokenId: bobKey.id, tokenName: bobKey.name, channelId: channel.id, channelName: channel.name };
    await writeLogRows(h.deps.store, [
      logEntry({ ...alice, requestId: 'u1', createdAt: T0, modelName: 'gpt-4o', promptTokens: 100, completionTokens: 50, cost: 5_000 }),
      logEntry({ ...alice, requestId: 'u2', createdAt: T0 + 30 * 60_000, modelName: 'gpt-4o', promptTokens: 10, completionTokens: 5, cost: 500 }),
      logEntry({ ...alice, requestId: 'u3', createdAt: T0 + HOUR + 1, modelName: 'o4-mini', type: 5, status: 502, promptTokens: 0, completionTokens: 0, cost: 0 }),
      logEntry({ ...bob, requestId: 'u4', createdAt: T0 + 2 * HOUR, modelName: 'gpt-4o', promptTokens: 1_000, completionTokens: 1_000, cost: 20_000 }),
      logEntry({ ...bob, requestId: 'u5', createdAt: T0 + 25 * HOUR, modelName: 'o4-mini', promptTokens: 7, completionTokens: 3, cost: 1_000, channelId: undefined, channelName: undefined }),
    ]);
  });

  const get = async (caller: Caller, query: string) => {
    const answer = await harness().call('GET', query, { caller });
    expect({ query, status: answer.status, error: answer.body.error }).toEqual({ query, status: 200, error: undefined });
    return answer.body.data;
  };

  test('by the hour, one series: a point per hour of the window, zeros included', async () => {
    const data = await get(callers.adam, `/api/usage?group_by=hour&since=${iso(T0)}&until=${iso(T0 + 3 * HOUR)}`);
    expect(data).toMatchObject({ group_by: 'hour', by: null, since: iso(T0), until: iso(T0 + 3 * HOUR) });
    expect(data.series).toHaveLength(1);
    expect(data.series[0].key).toBe('total');
    expect(data.series[0].points).toEqual([
      { bucket: iso(T0), requests: 2, errors: 0, prompt_tokens: 110, completion_tokens: 55, cost_usd: '0.0055' },
      { bucket: iso(T0 + HOUR), requests: 1, errors: 1, prompt_tokens: 0, completion_tokens: 0, cost_usd: '0' },
      { bucket: iso(T0 + 2 * HOUR), requests: 1, errors: 0, prompt_tokens: 1_000, completion_tokens: 1_000, cost_usd: '0.02' },
    ]);
    expect(data.totals).toEqual({ requests: 4, errors: 1, prompt_tokens: 1_110, completion_tokens: 1_055, cost_usd: '0.0255' });
    expect(data.series[0].totals).toEqual(data.totals);
    // A window starting mid-hour includes that hour's bucket; the end rounds up to a whole hour.
    const rounded = await get(callers.adam, `/api/usage?since=${iso(T0 + 10 * 60_000)}&until=${iso(T0 + HOUR + 1)}`);
    expect(rounded.series[0].points.map((point: Point) => point.bucket)).toEqual([iso(T0), iso(T0 + HOUR)]);
  });

  test('per model, user, key and channel: the most expensive first, limit keeps the top series, totals keep everything', async () => {
    const window = `since=${iso(T0)}&until=${iso(T0 + 3 * HOUR)}`;
    const byModel = await get(callers.adam, `/api/usage?by=model&${window}`);
    expect(byModel.series.map((series: { key: string; id: null; totals: Point }) => [series.key, series.id, series.totals.requests, series.totals.cost_usd])).toEqual([
      ['gpt-4o', null, 3, '0.0255'],
      ['o4-mini', null, 1, '0'],
    ]);
    expect(byModel.series[1].points).toEqual([zero(T0), { ...zero(T0 + HOUR), requests: 1, errors: 1 }, zero(T0 + 2 * HOUR)]);

    const dayWindow = `since=${iso(Date.UTC(2026, 0, 10))}&until=${iso(Date.UTC(2026, 0, 12))}`;
    const byUser = await get(callers.adam, `/api/usage?group_by=day&by=user&${dayWindow}`);
    expect(byUser.series.map((series: { key: string; id: number }) => [series.key, series.id])).toEqual([
      ['bob', ids.bob],
      ['alice', ids.alice],
    ]);
    expect(byUser.series[0].points).toEqual([
      { bucket: iso(Date.UTC(2026, 0, 10)), requests: 1, errors: 0, prompt_tokens: 1_000, completion_tokens: 1_000, cost_usd: '0.02' },
      { bucket: iso(Date.UTC(2026, 0, 11)), requests: 1, errors: 0, prompt_tokens: 7, completion_tokens: 3, cost_usd: '0.001' },
    ]);
    expect(byUser.series[1].points.map((point: Point) => point.requests)).toEqual([3, 0]);

    const top = await get(callers.adam, `/api/usage?group_by=day&by=token&limit=1&${dayWindow}`);
    expect(top.series.map((series: { key: string; id: number }) => [series.key, series.id])).toEqual([['bob-key', ids.bobKey]]);
    expect(top.totals).toMatchObject({ requests: 5, cost_usd: '0.0265' });

    const byChannel = await get(callers.adam, `/api/usage?group_by=day&by=channel&${dayWindow}`);
    expect(byChannel.series.map((series: { key: string; totals: { requests: number } }) => [series.key, series.totals.requests])).toEqual([
      ['usage-ch', 4],
      ['(none)', 1],
    ]);
  });

  test('a user sees only their own usage, per model or per key', async () => {
    const dayWindow = `since=${iso(Date.UTC(2026, 0, 10))}&until=${iso(Date.UTC(2026, 0, 12))}`;
    const own = await get(callers.alice, `/api/user/self/usage?group_by=day&${dayWindow}`);
    expect(own.totals).toEqual({ requests: 3, errors: 1, prompt_tokens: 110, completion_tokens: 55, cost_usd: '0.0055' });
    const byKey = await get(callers.alice, `/api/user/self/usage?group_by=day&by=token&${dayWindow}`);
    expect(byKey.series.map((series: { key: string }) => series.key)).toEqual(['alice-key']);
    const byModel = await get(callers.alice, `/api/user/self/usage?by=model&${dayWindow}`);
    expect(byModel.series.map((series: { key: string }) => series.key)).toEqual(['gpt-4o', 'o4-mini']);
    expect(JSON.stringify(byModel)).not.toContain('bob');
    for (const by of ['user', 'channel']) {
      const refused = await harness().call('GET', `/api/user/self/usage?by=${by}`, { caller: callers.alice });
      expect({ by, status: refused.status, field: refused.body.error?.field }).toEqual({ by, status: 400, field: 'by' });
    }
    expect((await harness().call('GET', '/api/usage', { caller: callers.alice })).status).toBe(403);
  });

  test('the default window ends now: the last 24 hours by the hour, the last 30 days by the day', async () => {
    const h = harness();
    const now = Date.now();
    await writeLogRows(h.deps.store, [logEntry({ userId: ids.alice, username: 'alice', tokenId: ids.aliceKey, requestId: 'u-now', createdAt: now, cost: 2_000_000 })]);
    const hourly = await get(callers.adam, '/api/usage');
    expect(hourly.series[0].points).toHaveLength(24);
    expect(hourly.series[0].points.at(-1)).toMatchObject({ bucket: iso(Math.floor(now / HOUR) * HOUR), cost_usd: '2' });
    const daily = await get(callers.alice, '/api/user/self/usage?group_by=day');
    expect(daily.series[0].points).toHaveLength(30);
    expect(daily.series[0].points.at(-1)).toMatchObject({ bucket: iso(Math.floor(now / DAY) * DAY), cost_usd: '2' });
  });

  test('errors name the field', async () => {
    const cases: [string, string][] = [
      ['group_by=week', 'group_by'],
      ['by=group', 'by'],
      ['since=whenever', 'since'],
      ['until=later', 'until'],
      [`since=${iso(T0)}&until=${iso(T0 - HOUR)}`, 'since'],
      [`since=${iso(T0)}&until=${iso(T0 + 1001 * HOUR)}`, 'since'],
      ['limit=51', 'limit'],
      ['limit=0', 'limit'],
    ];
    for (const [query, field] of cases) {
      const answer = await harness().call('GET', `/api/usage?${query}`, { caller: callers.adam });
      expect({ query, status: answer.status, field: answer.body.error?.field }).toEqual({ query, status: 400, field });
    }
    const wide = await harness().call('GET', `/api/usage?since=${iso(T0)}&until=${iso(T0 + 1001 * HOUR)}`, { caller: callers.adam });
    expect(wide.body.error.message).toContain('group by day');
    expect((await harness().call('GET', `/api/usage?group_by=day&since=${iso(Date.UTC(2026, 0, 10))}&until=${iso(Date.UTC(2026, 0, 10) + 1000 * DAY)}`, { caller: callers.adam })).status).toBe(200);
  });
});
