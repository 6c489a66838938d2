/**
 * Channel selection over plain routing rows (priority levels, weights, exclusion, multi-key, mapping, aliases,
 * unavailability, pinning, affinity), then over real databases: a disabled channel is never picked after the
 * reload (reliability.md R2). Randomness is injected, so every expectation is exact or a seeded proportion.
 */
import { describe, expect, test } from 'bun:test';
import { randomBytes } from 'node:crypto';
import type { RoutingAbilityRow, RoutingChannelRow, RoutingKeyRow, RoutingRows } from '../../src/db/repos/routing.ts';
import { createLogger, memorySink } from '../../src/log/logger.ts';
import { createCipher } from '../../src/security/crypto.ts';
import { createModelAliasService } from '../../src/services/model-aliases.ts';
import { affinityKeyOf, createAffinityCache } from '../../src/relay/affinity.ts';
import { createRouter } from '../../src/relay/router.ts';
import { createSelector, type Router, type SelectOptions } from '../../src/relay/select.ts';
import { seededRandom } from '../helpers/seeded-random.ts';
import { forEachDialect, manualClock } from '../helpers/stores.ts';

const cipher = createCipher(randomBytes(32));
const START = Date.UTC(2026, 0, 1);

const seeded = seededRandom;

interface ChannelSpec {
  id: number;
  priority?: number;
  weight?: number;
  models?: string[];
  groups?: string[];
  keys?: number;
  keyMode?: string;
  modelMapping?: Record<string, string>;
  type?: string;
  /** Positions of keys that are disabled (left out of the rows, as the repository does). */
  disabledKeys?: number[];
}

const plainKey = (channelId: number, position: number): string => `sk-upstream-${channelId}-${position}`;

function rowsOf(specs: readonly ChannelSpec[], aliases: Record<string, string> = {}): RoutingRows {
  const channels: RoutingChannelRow[] = [];
  const abilities: RoutingAbilityRow[] = [];
  const keys: RoutingKeyRow[] = [];
  for (const spec of specs) {
    channels.push({
      id: spec.id,
      name: `channel-${spec.id}`,
      type: spec.type ?? 'openai',
      baseUrl: `https://upstream-${spec.id}.test`,
      modelMapping: JSON.stringify(spec.modelMapping ?? {}),
      statusCodeMapping: spec.id === 1 ? '{"429":"503","abc":"1"}' : '{}',
      keyMode: spec.keyMode ?? 'random',
      allowPrivate: null,
      settings: '{"api_version":"2024-10-21"}',
    });
    for (const group of spec.groups ?? ['default']) {
      for (const model of spec.models ?? ['gpt-4o']) {
        abilities.push({ group, model, channelId: spec.id, channelName: `channel-${spec.id}`, priority: spec.priority ?? 0, weight: spec.weight ?? 1 });
      }
    }
    for (let position = 0; position < (spec.keys ?? 1); position++) {
      if (spec.disabledKeys?.includes(position)) continue;
      keys.push({ channelId: spec.id, position, keyCiphertext: cipher.encrypt(plainKey(spec.id, position), `channel_keys:${spec.id}:${position}`) });
    }
  }
  const aliasRows = Object.entries(aliases).map(([alias, target]) => ({ alias, target, createdAt: START }));
  return { channels, abilities, keys, aliases: aliasRows };
}

function routerOver(rows: RoutingRows, options: { random?: () => number; clock?: ReturnType<typeof manualClock> } = {}): Router {
  const clock = options.clock ?? manualClock(START);
  return createSelector({ source: { load: async () => rows }, cipher, now: clock.now, random: options.random ?? seeded(1) });
}

const none = (): { channelIds: Set<number>; keys: Set<string> } => ({ channelIds: new Set<number>(), keys: new Set<string>() });

function request(overrides: Partial<SelectOptions> = {}): SelectOptions {
  return { group: 'default', model: 'gpt-4o', exclude: none(), attempt: 0, ...overrides };
}

async function channelOf(router: Router, options: SelectOptions): Promise<number | undefined> {
  return (await router.select(options))?.target.channelId;
}

async function counts(router: Router, runs: number, options: () => SelectOptions = () => request()): Promise<Map<number, number>> {
  const result = new Map<number, number>();
  for (let run = 0; run < runs; run++) {
    const id = await channelOf(router, options());
    if (id !== undefined) result.set(id, (result.get(id) ?? 0) + 1);
  }
  return result;
}

test("a channel's status-code mapping reaches the target, without entries that are not statuses", async () => {
  const router = routerOver(rowsOf([{ id: 1 }]));
  expect((await router.select(request()))?.target.statusCodeMapping).toEqual({ '429': 503 });
});

describe('priority levels', () => {
  const rows = rowsOf([{ id: 1, priority: 10 }, { id: 2, priority: 10 }, { id: 3, priority: 0 }, { id: 4, priority: -5 }]);

  test('attempt n uses level min(n, levels − 1)', async () => {
    const router = routerOver(rows);
    expect([1, 2]).toContain((await channelOf(router, request({ attempt: 0 }))) as number);
    expect(await channelOf(router, request({ attempt: 1 }))).toBe(3);
    expect(await channelOf(router, request({ attempt: 2 }))).toBe(4);
    expect(await channelOf(router, request({ attempt: 7 }))).toBe(4);
  });

  test('an exhausted level steps down, and only then back up; never a channel already tried', async () => {
    const router = routerOver(rows);
    expect(await channelOf(router, request({ exclude: { channelIds: new Set([1, 2]), keys: new Set() } }))).toBe(3);
    expect(await channelOf(router, request({ attempt: 1, exclude: { channelIds: new Set([3]), keys: new Set() } }))).toBe(4);
    expect([1, 2]).toContain((await channelOf(router, request({ attempt: 2, exclude: { channelIds: new Set([3, 4]), keys: new Set() } }))) as number);
    expect(await router.select(request({ attempt: 3, exclude: { channelIds: new Set([1, 2, 3, 4]), keys: new Set() } }))).toBeUndefined();
  });

  test('a retry loop visits every channel once, highest priority first', async () => {
    const router = routerOver(rows);
    const exclude = none();
    const visited: number[] = [];
    for (let attempt = 0; attempt < 6; attempt++) {
      const selection = await router.select(request({ attempt, exclude }));
      if (selection === undefined) break;
      visited.push(selection.target.channelId);
      exclude.channelIds.add(selection.target.channelId);
      exclude.keys.add(`${selection.target.channelId}:${selection.target.keyPosition}`);
    }
    expect(visited).toHaveLength(4);
    expect(new Set(visited).size).toBe(4);
    expect(visited.slice(1)).toContain(3);
    expect([1, 2]).toContain(visited[0] as number);
  });

  test('nothing serves an unknown model or group', async () => {
    const router = routerOver(rows);
    expect(await router.select(request({ model: 'unknown-model' }))).toBeUndefined();
    expect(await router.select(request({ group: 'vip' }))).toBeUndefined();
  });
});

describe('weights', () => {
  test('weighted random inside a level follows the weights (seeded)', async () => {
    const router = routerOver(rowsOf([{ id: 1, weight: 30 }, { id: 2, weight: 10 }]), { random: seeded(42) });
    const result = await counts(router, 8000);
    const share = (result.get(1) ?? 0) / 8000;
    expect(share).toBeGreaterThan(0.72);
    expect(share).toBeLessThan(0.78);
  });

  test('all weights 0 count the same; a weight-0 channel waits while a weighted one remains', async () => {
    const even = await counts(routerOver(rowsOf([{ id: 1, weight: 0 }, { id: 2, weight: 0 }]), { random: seeded(7) }), 4000);
    expect((even.get(1) ?? 0) / 4000).toBeGreaterThan(0.46);
    expect((even.get(1) ?? 0) / 4000).toBeLessThan(0.54);
    const mixed = routerOver(rowsOf([{ id: 1, weight: 0 }, { id: 2, weight: 5 }]), { random: seeded(7) });
    expect((await counts(mixed, 500)).get(1)).toBeUndefined();
    expect(await channelOf(mixed, request({ exclude: { channelIds: new Set([2]), keys: new Set() } }))).toBe(1);
  });

  test('a random value at the top of the range still picks a weighted channel', async () => {
    const router = routerOver(rowsOf([{ id: 1, weight: 1 }, { id: 2, weight: 0 }]), { random: () => 0.999_999_999_999 });
    expect(await channelOf(router, request())).toBe(1);
  });
});

describe('multi-key channels', () => {
  test('random mode draws among enabled, untried keys and decrypts only the chosen one', async () => {
    const router = routerOver(rowsOf([{ id: 1, keys: 3, disabledKeys: [1] }]), { random: seeded(3) });
    const positions = new Set<number>();
    for (let run = 0; run < 200; run++) {
      const selection = await router.select(request());
      positions.add(selection?.target.keyPosition ?? -1);
      expect(selection?.target.key).toBe(plainKey(1, selection?.target.keyPosition ?? -1));
    }
    expect([...positions].sort()).toEqual([0, 2]);
    const onlyTwo = await router.select(request({ exclude: { channelIds: new Set(), keys: new Set(['1:0']) } }));
    expect(onlyTwo?.target.keyPosition).toBe(2);
    expect(await router.select(request({ exclude: { channelIds: new Set(), keys: new Set(['1:0', '1:2']) } }))).toBeUndefined();
  });

  test('round-robin hands out keys in turn and skips tried ones', async () => {
    const router = routerOver(rowsOf([{ id: 1, keys: 3, keyMode: 'round-robin' }]));
    const turn = async (keys: string[] = []): Promise<number | undefined> =>
      (await router.select(request({ exclude: { channelIds: new Set(), keys: new Set(keys) } })))?.target.keyPosition;
    expect([await turn(), await turn(), await turn(), await turn()]).toEqual([0, 1, 2, 0]);
    expect(await turn(['1:1'])).toBe(2);
    expect(await turn(['1:1'])).toBe(0);
  });

  test('a channel whose keys are all tried gives way to another channel', async () => {
    const router = routerOver(rowsOf([{ id: 1, keys: 2, priority: 5 }, { id: 2 }]));
    expect(await channelOf(router, request({ exclude: { channelIds: new Set(), keys: new Set(['1:0', '1:1']) } }))).toBe(2);
  });

  test('a key that fails to decrypt is skipped and logged without any key material', async () => {
    const rows = rowsOf([{ id: 1, keys: 2, keyMode: 'round-robin' }]);
    const first = rows.keys[0];
    if (first === undefined) throw new Error('no key row');
    rows.keys[0] = { ...first, keyCiphertext: cipher.encrypt('sk-moved-key', 'channel_keys:99:0') };
    const sink = memorySink();
    const router = createSelector({ source: { load: async () => rows }, cipher, now: () => START, random: seeded(1), logger: createLogger({ sink, level: 'debug', format: 'json' }) });
    for (let run = 0; run < 3; run++) expect((await router.select(request()))?.target.keyPosition).toBe(1);
    expect(sink.lines.filter((line) => line.includes('cannot be decrypted'))).toHaveLength(1);
    expect(sink.lines.join('\n')).not.toContain('sk-');
  });
});

describe('models', () => {
  test('channel mapping chains are followed, cycles stop, the requested name stays routed', async () => {
    const router = routerOver(
      rowsOf([
        { id: 1, models: ['a'], modelMapping: { a: 'b', b: 'c' } },
        { id: 2, models: ['x'], modelMapping: { x: 'y', y: 'x' } },
      ]),
    );
    const chained = await router.select(request({ model: 'a' }));
    expect(chained?.target.upstreamModel).toBe('c');
    expect(chained?.routedModel).toBe('a');
    expect((await router.select(request({ model: 'x' })))?.target.upstreamModel).toBe('y');
  });

  test('global aliases resolve before routing, then the channel mapping applies', async () => {
    const router = routerOver(rowsOf([{ id: 1, models: ['gpt-4o'], modelMapping: { 'gpt-4o': 'gpt-4o-2024-11-20' } }], { 'gpt-4': 'gpt-4-latest', 'gpt-4-latest': 'gpt-4o' }));
    await router.reload();
    expect(router.resolveAlias('gpt-4')).toBe('gpt-4o');
    expect(router.resolveAlias('gpt-4o')).toBe('gpt-4o');
    const selection = await router.select(request({ model: 'gpt-4' }));
    expect(selection?.routedModel).toBe('gpt-4o');
    expect(selection?.target.upstreamModel).toBe('gpt-4o-2024-11-20');
    expect(router.modelsFor('default')).toEqual(['gpt-4', 'gpt-4-latest', 'gpt-4o']);
    expect(router.modelsFor('vip')).toEqual([]);
  });

  test('the target carries the channel settings, never a key of another channel', async () => {
    const router = routerOver(rowsOf([{ id: 5, type: 'azure' }]));
    const selection = await router.select(request());
    expect(selection?.target).toEqual({
      channelId: 5,
      channelName: 'channel-5',
      type: 'azure',
      baseUrl: 'https://upstream-5.test',
      key: plainKey(5, 0),
      keyPosition: 0,
      upstreamModel: 'gpt-4o',
      settings: { api_version: '2024-10-21' },
      statusCodeMapping: {},
      allowPrivate: undefined,
    });
  });

  test('channels of an unknown type are left out', async () => {
    const router = routerOver(rowsOf([{ id: 1, type: 'mystery' }]));
    expect(await router.select(request())).toBeUndefined();
  });
});

describe('unavailable channels', () => {
  test('are never called before their time, even as the last candidate, and return when the time passes', async () => {
    const clock = manualClock(START);
    const router = routerOver(rowsOf([{ id: 1, priority: 5 }, { id: 2 }]), { clock });
    router.markUnavailable(1, START + 5000);
    expect((await counts(router, 50)).get(1)).toBeUndefined();
    expect(await channelOf(router, request({ exclude: { channelIds: new Set([2]), keys: new Set() } }))).toBeUndefined();
    expect(router.cooldownMs('default', 'gpt-4o')).toBe(5000);
    clock.advance(1000);
    expect(router.cooldownMs('default', 'gpt-4o')).toBe(4000);
    clock.advance(4000);
    expect(await channelOf(router, request())).toBe(1);
    expect(router.cooldownMs('default', 'gpt-4o')).toBeUndefined();
  });
});

describe('pinning', () => {
  test('a pinned channel is used outside its abilities; a disabled or tried one yields nothing', async () => {
    const router = routerOver(rowsOf([{ id: 1 }, { id: 2, models: ['other'], groups: ['vip'] }]));
    expect(await channelOf(router, request({ pinnedChannelId: 2 }))).toBe(2);
    expect(await router.select(request({ pinnedChannelId: 9 }))).toBeUndefined();
    expect(await router.select(request({ pinnedChannelId: 2, exclude: { channelIds: new Set([2]), keys: new Set() } }))).toBeUndefined();
  });
});

describe('session affinity', () => {
  test('affinityKeyOf reads each source in order and bounds long values', () => {
    const headers = new Headers({ 'X-Claude-Code-Session-Id': 'session-1' });
    expect(affinityKeyOf({ prompt_cache_key: 'pck', metadata: { user_id: 'u' } }, headers)).toBe('prompt_cache_key:pck');
    expect(affinityKeyOf({ metadata: { user_id: 'u' } }, headers)).toBe('metadata.user_id:u');
    expect(affinityKeyOf({}, headers)).toBe('claude_code_session:session-1');
    expect(affinityKeyOf({ previous_response_id: 'resp_1' }, new Headers())).toBe('previous_response_id:resp_1');
    expect(affinityKeyOf({ prompt_cache_key: '', metadata: 'text' }, new Headers())).toBeUndefined();
    expect(affinityKeyOf(null, new Headers())).toBeUndefined();
    const long = affinityKeyOf({ prompt_cache_key: 'x'.repeat(5000) }, new Headers());
    expect(long).toMatch(/^prompt_cache_key:[0-9a-f]{64}$/);
  });

  test('a remembered channel and key are reused while healthy and untried, per token and model', async () => {
    const clock = manualClock(START);
    const router = routerOver(rowsOf([{ id: 1, keys: 2 }, { id: 2, keys: 2 }]), { clock, random: seeded(9) });
    const session = { affinityKey: 'prompt_cache_key:abc', tokenId: 7 };
    router.rememberAffinity({ ...session, model: 'gpt-4o', target: { channelId: 2, keyPosition: 1 } });
    for (let run = 0; run < 20; run++) {
      const selection = await router.select(request(session));
      expect(selection?.fromAffinity).toBe(true);
      expect(selection?.target).toMatchObject({ channelId: 2, keyPosition: 1, key: plainKey(2, 1) });
    }
    const otherToken = await counts(router, 100, () => request({ ...session, tokenId: 8 }));
    expect(otherToken.get(1)).toBeGreaterThan(0);
    // Tried, unavailable or a tried key: the normal choice takes over.
    expect(await channelOf(router, request({ ...session, exclude: { channelIds: new Set([2]), keys: new Set() } }))).toBe(1);
    expect((await router.select(request({ ...session, exclude: { channelIds: new Set(), keys: new Set(['2:1']) } })))?.fromAffinity).toBe(false);
    router.markUnavailable(2, START + 1000);
    expect(await channelOf(router, request(session))).toBe(1);
    clock.advance(1000);
    expect((await router.select(request(session)))?.fromAffinity).toBe(true);
    clock.advance(3_600_000);
    expect((await router.select(request(session)))?.fromAffinity).toBe(false);
  });

  test('the affinity cache is a bounded LRU', () => {
    const cache = createAffinityCache({ clock: manualClock(START), maxEntries: 2 });
    cache.set('a', { channelId: 1, keyPosition: 0 });
    cache.set('b', { channelId: 2, keyPosition: 0 });
    expect(cache.get('a')).toEqual({ channelId: 1, keyPosition: 0 });
    cache.set('c', { channelId: 3, keyPosition: 0 });
    expect(cache.size).toBe(2);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBeDefined();
  });
});

forEachDialect('routing index from the database', (context) => {
  test('a disabled channel is never picked after the reload; aliases and key changes apply too (R2)', async () => {
    const deps = context();
    const first = await deps.channels.add({ name: 'r2-first', type: 'openai', keys: ['sk-r2-first-key'], models: ['gpt-4o'] });
    const second = await deps.channels.add({ name: 'r2-second', type: 'openai', keys: ['sk-r2-second-a', 'sk-r2-second-b'], models: ['gpt-4o'], priority: 0 });
    const router = createRouter({ store: deps.store, cipher: deps.cipher, now: deps.clock.now, random: seeded(11) });
    await router.reload();
    const before = await counts(router, 200);
    expect(before.get(first.id)).toBeGreaterThan(0);
    expect(before.get(second.id)).toBeGreaterThan(0);
    const keys = new Set<string>();
    for (let run = 0; run < 50; run++) keys.add((await router.select(request({ exclude: { channelIds: new Set([first.id]), keys: new Set() } })))?.target.key ?? '');
    expect([...keys].sort()).toEqual(['sk-r2-second-a', 'sk-r2-second-b']);

    await deps.channels.setEnabled('r2-first', false);
    await router.reload();
    const after = await counts(router, 300);
    expect(after.get(first.id)).toBeUndefined();
    expect(after.get(second.id)).toBe(300);
    expect(await router.select(request({ pinnedChannelId: first.id }))).toBeUndefined();

    await createModelAliasService(deps).add('r2-alias', 'gpt-4o');
    await router.reload();
    expect((await router.select(request({ model: 'r2-alias' })))?.target.channelId).toBe(second.id);
    await deps.channels.update('r2-second', { keys: ['sk-r2-replaced'] });
    await router.reload();
    expect((await router.select(request()))?.target).toMatchObject({ channelId: second.id, keyPosition: 0, key: 'sk-r2-replaced' });
    await deps.channels.setEnabled('r2-second', false);
    await router.reload();
    expect(await router.select(request({ model: 'r2-alias' }))).toBeUndefined();
    expect(router.modelsFor('default')).toEqual([]);
  });
});
