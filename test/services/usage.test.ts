import { expect, test } from 'bun:test';
import { createLogger, memorySink } from '../../src/log/logger.ts';
import { createLogWriter } from '../../src/services/logs.ts';
import { parseUsageDimension, queryUsage } from '../../src/services/usage.ts';
import { logEntry } from '../helpers/log-entries.ts';
import { forEachDialect, manualClock } from '../helpers/stores.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2026, 0, 10, 12);

forEachDialect('usage statistics', (context) => {
  test('sums per model, user, key and channel, most expensive first, with names and totals', async () => {
    const { store, users, tokens, channels } = context();
    const carol = (await users.create({ username: 'usage-carol', password: 'carol-password' })).user;
    const dave = (await users.create({ username: 'usage-dave', password: 'dave-password' })).user;
    const carolKey = (await tokens.create({ name: 'carol-key', user: 'usage-carol' })).token;
    const daveKey = (await tokens.create({ name: 'dave-key', user: 'usage-dave' })).token;
    const main = await channels.add({ name: 'usage-main', type: 'openai', keys: ['sk-usage-key-0001'], models: ['gpt-4o'] });
    const doomed = await channels.add({ name: 'usage-doomed', type: 'openai', keys: ['sk-usage-key-0002'], models: ['gpt-4o'] });
    const carolRequest = { userId: carol.id, username: carol.username, tokenId: carolKey.id, tokenName: carolKey.name };
    const daveRequest = { userId: dave.id, username: dave.username, tokenId: daveKey.id, tokenName: daveKey.name };

    const writer = createLogWriter({ store, clock: manualClock(T0), logger: createLogger({ sink: memorySink() }), nodeName: 'node-a' });
    // Outside the window: 8 days ago.
    writer.enqueue(logEntry({ ...carolRequest, createdAt: T0 - 8 * DAY, channelId: main.id, cost: 1_000_000 }));
    writer.enqueue(logEntry({ ...carolRequest, createdAt: T0, channelId: main.id, modelName: 'gpt-4o', promptTokens: 100, completionTokens: 50, cost: 5_000 }));
    writer.enqueue(logEntry({ ...carolRequest, createdAt: T0 + HOUR, channelId: main.id, modelName: 'gpt-4o', promptTokens: 10, completionTokens: 5, cost: 500 }));
    writer.enqueue(logEntry({ ...daveRequest, createdAt: T0, channelId: doomed.id, modelName: 'o4-mini', promptTokens: 1_000, completionTokens: 1_000, cost: 20_000 }));
    writer.enqueue(logEntry({ ...daveRequest, createdAt: T0, channelId: undefined, modelName: 'o4-mini', type: 5, status: 401, promptTokens: 0, completionTokens: 0, cost: 0 }));
    writer.enqueue(logEntry({ ...daveRequest, createdAt: T0 + 2 * HOUR, channelId: main.id, modelName: 'gpt-4o', type: 5, status: 502, promptTokens: 0, completionTokens: 0, cost: 0 }));
    await writer.close();
    await channels.remove('usage-doomed');

    const since = T0 - 7 * DAY;
    const byModel = await queryUsage(store, { by: 'model', since });
    expect(byModel.rows).toEqual([
      { key: 'o4-mini', id: null, requests: 2, errors: 1, promptTokens: 1_000, completionTokens: 1_000, cost: 20_000, costUsd: '0.02' },
      { key: 'gpt-4o', id: null, requests: 3, errors: 1, promptTokens: 110, completionTokens: 55, cost: 5_500, costUsd: '0.0055' },
    ]);
    expect(byModel.totals).toEqual({ requests: 5, errors: 2, promptTokens: 1_110, completionTokens: 1_055, cost: 25_500, costUsd: '0.0255' });
    expect(byModel.since).toBe(new Date(since).toISOString());
    expect(byModel.until).toBeNull();

    const byUser = await queryUsage(store, { by: 'user', since });
    expect(byUser.rows.map((row) => [row.key, row.id, row.requests, row.errors, row.cost])).toEqual([
      ['usage-dave', dave.id, 3, 2, 20_000],
      ['usage-carol', carol.id, 2, 0, 5_500],
    ]);

    const byToken = await queryUsage(store, { by: 'token', since });
    expect(byToken.rows.map((row) => [row.key, row.requests])).toEqual([
      ['dave-key', 3],
      ['carol-key', 2],
    ]);

    // A deleted channel shows as #id; requests that never reached a channel as (none).
    const byChannel = await queryUsage(store, { by: 'channel', since });
    expect(byChannel.rows.map((row) => [row.key, row.id, row.requests, row.errors, row.cost])).toEqual([
      [`#${doomed.id}`, doomed.id, 1, 0, 20_000],
      ['usage-main', main.id, 3, 1, 5_500],
      ['(none)', 0, 1, 1, 0],
    ]);
    expect(byChannel.totals).toEqual(byModel.totals);

    // Whole hours: a window starting mid-hour keeps that hour; an `until` on the hour excludes that hour.
    const window = await queryUsage(store, { by: 'model', since: T0 + HOUR + 1_000, until: T0 + 2 * HOUR });
    expect(window.rows.map((row) => [row.key, row.requests])).toEqual([['gpt-4o', 1]]);
    expect(window.since).toBe(new Date(T0 + HOUR).toISOString());
    expect(window.until).toBe(new Date(T0 + 2 * HOUR).toISOString());

    const empty = await queryUsage(store, { by: 'user', since: T0 + DAY });
    expect(empty.rows).toEqual([]);
    expect(empty.totals).toEqual({ requests: 0, errors: 0, promptTokens: 0, completionTokens: 0, cost: 0, costUsd: '0' });
  });

  test('the dimension is validated', () => {
    expect(parseUsageDimension('Channel')).toBe('channel');
    expect(() => parseUsageDimension('group')).toThrow('--by must be one of model, user, token, channel');
  });
});
