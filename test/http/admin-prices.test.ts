/**
 * Prices and group multipliers through /api: list and literal search, lookup (exact and as billed), set in each
 * of the three forms with `gateway price set`'s checks, remove, reset to the built-in table, New API import,
 * groups; errors name the body field; only administrators get in; on both dialects.
 */
import { beforeAll, expect, test } from 'bun:test';
import { type Caller, forEachAdminDialect } from '../helpers/admin-api.ts';

const PRICE_KEYS = [
  'audio_input_usd_per_million',
  'audio_output_usd_per_million',
  'cache_write_usd_per_million',
  'cached_usd_per_million',
  'image_input_usd_per_million',
  'input_usd_per_million',
  'is_default',
  'max_output_tokens',
  'mode',
  'model',
  'output_usd_per_million',
  'per_call_usd',
  'updated_at',
].join(',');

forEachAdminDialect('admin API prices and groups', (harness) => {
  const callers = {} as Record<'root' | 'adam' | 'alice', Caller>;
  beforeAll(async () => {
    for (const name of ['root', 'adam', 'alice'] as const) callers[name] = await harness().signIn(name);
  });

  test('set creates and replaces a price in each form; lookup finds it exactly or as billed; list pages and searches literally', async () => {
    const h = harness();
    const tokens = await h.call('PUT', '/api/prices', {
      caller: callers.adam,
      body: { model: 'acme/chat-100%', input_usd_per_million: '2.5', output_usd_per_million: '10', cached_usd_per_million: '1.25', max_output_tokens: 8192, cache_write_usd_per_million: null },
    });
    expect(tokens.status).toBe(200);
    expect(Object.keys(tokens.body.data).sort().join(',')).toBe(PRICE_KEYS);
    expect(tokens.body.data).toMatchObject({
      model: 'acme/chat-100%',
      mode: 'tokens',
      input_usd_per_million: '2.5',
      output_usd_per_million: '10',
      cached_usd_per_million: '1.25',
      cache_write_usd_per_million: null,
      per_call_usd: null,
      max_output_tokens: 8192,
      is_default: false,
    });
    // Replacing: the per-call form drops the token rates.
    const perCall = await h.call('PUT', '/api/prices', { caller: callers.adam, body: { model: 'acme/chat-100%', per_call_usd: '0.04' } });
    expect(perCall.body.data).toMatchObject({ mode: 'per-call', per_call_usd: '0.04', input_usd_per_million: null, max_output_tokens: null });
    const ratio = await h.call('PUT', '/api/prices', { caller: callers.adam, body: { model: 'acme-ratio-*', ratio: 1.25, completion_ratio: '4' } });
    expect(ratio.body.data).toMatchObject({ model: 'acme-ratio-*', input_usd_per_million: '2.5', output_usd_per_million: '10' });

    const exact = await h.call('GET', `/api/prices/lookup?model=${encodeURIComponent('acme/chat-100%')}`, { caller: callers.adam });
    expect(exact.body.data.per_call_usd).toBe('0.04');
    expect((await h.call('GET', '/api/prices/lookup?model=acme-ratio-large', { caller: callers.adam })).status).toBe(404);
    const billed = await h.call('GET', '/api/prices/lookup?model=acme-ratio-large&billed=true', { caller: callers.adam });
    expect(billed.body.data.model).toBe('acme-ratio-*');
    const reasoning = await h.call('GET', '/api/prices/lookup?model=gpt-4o-high&billed=true', { caller: callers.adam });
    expect(reasoning.body.data).toMatchObject({ model: 'gpt-4o', is_default: true });
    expect((await h.call('GET', '/api/prices/lookup?model=nothing-bills-me&billed=true', { caller: callers.adam })).status).toBe(404);

    const search = await h.call('GET', `/api/prices?search=${encodeURIComponent('%')}`, { caller: callers.adam });
    expect(search.body.data.map((price: { model: string }) => price.model)).toEqual(['acme/chat-100%']);
    expect((await h.call('GET', '/api/prices?search=_', { caller: callers.adam })).body.data).toEqual([]);
    expect((await h.call('GET', '/api/prices?search=ACME-RATIO', { caller: callers.adam })).body.data.map((price: { model: string }) => price.model)).toEqual([
      'acme-ratio-*',
    ]);
    const all = await h.call('GET', '/api/prices?per_page=3&page=2', { caller: callers.adam });
    expect(all.body.data).toHaveLength(3);
    expect(all.body.page.total).toBe((await h.deps.prices.list()).length);
    const sorted = (await h.deps.prices.list()).map((price) => price.model).slice(3, 6);
    expect(all.body.data.map((price: { model: string }) => price.model)).toEqual(sorted);
  });

  test('input errors name the body field and change nothing; the rules are those of gateway price set', async () => {
    const h = harness();
    const cases: [unknown, string][] = [
      [{ model: 'x', input_usd_per_million: '1' }, 'output_usd_per_million'],
      [{ model: 'x', input_usd_per_million: 'cheap', output_usd_per_million: '1' }, 'input_usd_per_million'],
      [{ model: 'x', input_usd_per_million: '-1', output_usd_per_million: '1' }, 'input_usd_per_million'],
      [{ model: 'x', per_call_usd: '0.1', input_usd_per_million: '1', output_usd_per_million: '1' }, 'per_call_usd'],
      [{ model: 'x', ratio: 1, input_usd_per_million: '1', output_usd_per_million: '1' }, 'ratio'],
      [{ model: 'x', completion_ratio: 2 }, 'ratio'],
      [{ model: 'x' }, 'input_usd_per_million'],
      [{ model: 'a*b', input_usd_per_million: '1', output_usd_per_million: '1' }, 'model'],
      [{ model: 'x\u0007', input_usd_per_million: '1', output_usd_per_million: '1' }, 'model'],
      [{ model: 'x', input_usd_per_million: '1', output_usd_per_million: '1', surcharge: '1' }, 'surcharge'],
      [{ input_usd_per_million: '1', output_usd_per_million: '1' }, 'model'],
    ];
    for (const [body, field] of cases) {
      const answer = await h.call('PUT', '/api/prices', { caller: callers.adam, body });
      expect({ body, status: answer.status, code: answer.body.error?.code, field: answer.body.error?.field }).toEqual({ body, status: 400, code: 'invalid_argument', field });
    }
    expect((await h.call('GET', '/api/prices/lookup?model=x', { caller: callers.adam })).status).toBe(404);
    expect((await h.call('DELETE', '/api/prices?model=never-priced', { caller: callers.adam })).status).toBe(404);
    expect((await h.call('DELETE', '/api/prices', { caller: callers.adam })).body.error.field).toBe('model');
    expect((await h.call('POST', '/api/prices/reset?model=my-own-model', { caller: callers.adam })).status).toBe(404);
  });

  test('remove, and reset brings back the built-in prices without touching others', async () => {
    const h = harness();
    await h.call('PUT', '/api/prices', { caller: callers.adam, body: { model: 'gpt-4o', input_usd_per_million: '99', output_usd_per_million: '99' } });
    const removed = await h.call('DELETE', '/api/prices?model=gpt-4o-mini', { caller: callers.adam });
    expect(removed.body.data.model).toBe('gpt-4o-mini');
    await h.call('PUT', '/api/prices', { caller: callers.adam, body: { model: 'kept-custom', per_call_usd: '1' } });
    const reset = await h.call('POST', '/api/prices/reset', { caller: callers.adam });
    expect(reset.body.data.added).toContain('gpt-4o-mini');
    expect(reset.body.data.updated).toContain('gpt-4o');
    expect(reset.body.data.unchanged).toBeGreaterThan(10);
    expect((await h.call('GET', '/api/prices/lookup?model=gpt-4o', { caller: callers.adam })).body.data).toMatchObject({ input_usd_per_million: '2.5', is_default: true });
    expect((await h.call('GET', '/api/prices/lookup?model=kept-custom', { caller: callers.adam })).status).toBe(200);
    const again = await h.call('POST', '/api/prices/reset?model=gpt-4o', { caller: callers.adam });
    expect(again.body.data).toEqual({ added: [], updated: [], unchanged: 1 });
  });

  test('New API import: ratios, per-call prices and group ratios; bad options name the option', async () => {
    const h = harness();
    const imported = await h.call('POST', '/api/prices/import', {
      caller: callers.adam,
      body: {
        ModelRatio: JSON.stringify({ 'imported-model': 1.25 }),
        CompletionRatio: { 'imported-model': 4 },
        ModelPrice: JSON.stringify({ 'imported-image': 0.04 }),
        GroupRatio: JSON.stringify({ 'imported-vip': 0.8 }),
        QuotaPerUnit: '500000',
      },
    });
    expect(imported.status).toBe(200);
    expect(imported.body.data.ignored_options).toEqual(['QuotaPerUnit']);
    const byModel = Object.fromEntries(imported.body.data.prices.map((price: { model: string }) => [price.model, price]));
    expect(byModel['imported-model']).toMatchObject({ input_usd_per_million: '2.5', output_usd_per_million: '10' });
    expect(byModel['imported-image']).toMatchObject({ mode: 'per-call', per_call_usd: '0.04' });
    expect(imported.body.data.groups).toEqual([expect.objectContaining({ name: 'imported-vip', multiplier: '0.8' })]);
    const broken = await h.call('POST', '/api/prices/import', { caller: callers.adam, body: { ModelRatio: '{"a": -1}' } });
    expect({ status: broken.status, field: broken.body.error?.field }).toEqual({ status: 400, field: 'ModelRatio' });
    expect((await h.call('POST', '/api/prices/import', { caller: callers.adam, body: {} })).status).toBe(400);
    expect((await h.call('POST', '/api/prices/import', { caller: callers.adam, body: { ModelRatio: 5 } })).body.error.field).toBe('ModelRatio');
  });

  test('groups: set, list, change the description, remove; errors name the field', async () => {
    const h = harness();
    const set = await h.call('PUT', '/api/groups', { caller: callers.adam, body: { name: 'gold', multiplier: '1.5', description: 'Gold tier' } });
    expect(set.body.data).toEqual({ name: 'gold', multiplier: '1.5', description: 'Gold tier', updated_at: expect.any(String) });
    const kept = await h.call('PUT', '/api/groups', { caller: callers.adam, body: { name: 'gold', multiplier: '0' } });
    expect(kept.body.data).toMatchObject({ multiplier: '0', description: 'Gold tier' });
    const listed = await h.call('GET', '/api/groups', { caller: callers.adam });
    expect(listed.body.data.find((group: { name: string }) => group.name === 'gold')).toMatchObject({ multiplier: '0' });
    expect((await h.call('PUT', '/api/groups', { caller: callers.adam, body: { name: 'gold', multiplier: '1001' } })).body.error.field).toBe('multiplier');
    expect((await h.call('PUT', '/api/groups', { caller: callers.adam, body: { name: 'bad name', multiplier: '1' } })).body.error.field).toBe('name');
    expect((await h.call('DELETE', '/api/groups?name=gold', { caller: callers.adam })).body.data.name).toBe('gold');
    expect((await h.call('DELETE', '/api/groups?name=gold', { caller: callers.adam })).status).toBe(404);
  });

  test('a user cannot read or change prices or groups; a change is audited', async () => {
    const h = harness();
    for (const [method, path, body] of [
      ['GET', '/api/prices'],
      ['GET', '/api/prices/lookup?model=gpt-4o'],
      ['PUT', '/api/prices', { model: 'free-for-me', per_call_usd: '0' }],
      ['DELETE', '/api/prices?model=gpt-4o'],
      ['POST', '/api/prices/reset'],
      ['POST', '/api/prices/import', { ModelRatio: '{"gpt-4o": 0}' }],
      ['GET', '/api/groups'],
      ['PUT', '/api/groups', { name: 'default', multiplier: '0' }],
      ['DELETE', '/api/groups?name=default'],
    ] as [string, string, unknown?][]) {
      const answer = await h.call(method, path, { caller: callers.alice, body });
      expect({ method, path, status: answer.status }).toEqual({ method, path, status: 403 });
    }
    expect((await h.call('GET', '/api/prices/lookup?model=free-for-me', { caller: callers.adam })).status).toBe(404);
    await h.call('PUT', '/api/prices', { caller: callers.adam, body: { model: 'audited-model', per_call_usd: '0.5' } });
    const audit = await h.call('GET', '/api/audit?action=price.set', { caller: callers.root });
    expect(audit.body.data.find((entry: { target_id: string }) => entry.target_id === 'audited-model')).toMatchObject({
      actor: 'adam',
      target_type: 'price',
      fields: ['model', 'per_call_usd'],
    });
  });
});
