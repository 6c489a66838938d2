/**
 * Channels through /api on both dialects, against the mock upstream (reached through its per-channel
 * allow-private exception, so the production outbound guard runs): create, read, list with filters, literal
 * search and pages, change, enable and disable, delete; tests of one and of all channels; the upstream's
 * model list for a saved channel and for a form; multi-key management; batch changes by tag. Every change
 * writes its audit row, with field names and never a key.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { type Caller, forEachAdminDialect } from '../helpers/admin-api.ts';
import { type MockUpstream, startMockUpstream } from '../helpers/mock-upstream.ts';

const KEY_A = 'sk-admin-channels-key-AAAA-0001';
const KEY_B = 'sk-admin-channels-key-BBBB-0002';
const KEY_C = 'sk-admin-channels-key-CCCC-0003';

forEachAdminDialect('admin API channels', (harness) => {
  let mock: MockUpstream;
  let allowPrivate: string;
  const callers = {} as Record<'root' | 'adam' | 'alice', Caller>;

  beforeAll(async () => {
    mock = await startMockUpstream({ models: ['gpt-4o', 'gpt-4o-mini', 'text-embedding-3-small'] });
    allowPrivate = `127.0.0.1:${mock.port}`;
    for (const name of ['root', 'adam', 'alice'] as const) callers[name] = await harness().signIn(name);
  });
  afterAll(async () => {
    await mock.stop();
  });

  const onMock = () => ({ type: 'openai', base_url: mock.url, allow_private: allowPrivate });
  const auditRows = async (action: string) =>
    (await harness().call('GET', `/api/audit?action=${encodeURIComponent(action)}&per_page=100`, { caller: callers.root })).body.data as {
      action: string;
      actor: string;
      target_type: string;
      target_id: string | null;
      fields: string[];
      facts: Record<string, unknown>;
    }[];

  test('create, read, list with filters and literal search, change, enable, disable and delete; each change is audited', async () => {
    const h = harness();
    const created = await h.call('POST', '/api/channels', {
      caller: callers.adam,
      body: { name: 'mock-main', ...onMock(), keys: [KEY_A, KEY_B], models: ['gpt-4o', 'gpt-4o-mini'], groups: ['default', 'vip'], tag: 'eu', priority: 2, model_mapping: { 'gpt-4o': 'gpt-4o-2024-11-20' }, status_code_mapping: { '429': 503 }, settings: { organization: 'org-1' } },
    });
    expect(created.status).toBe(201);
    const channel = created.body.data;
    expect(channel).toMatchObject({
      name: 'mock-main',
      type: 'openai',
      base_url: mock.url,
      status: 'enabled',
      priority: 2,
      weight: 1,
      groups: ['default', 'vip'],
      model_mapping: { 'gpt-4o': 'gpt-4o-2024-11-20' },
      status_code_mapping: { '429': '503' },
      tag: 'eu',
      allow_private: allowPrivate,
      settings: { organization: 'org-1' },
      keys: [
        { position: 0, hint: '0001', status: 'enabled' },
        { position: 1, hint: '0002', status: 'enabled' },
      ],
    });
    await h.call('POST', '/api/channels', { caller: callers.adam, body: { name: '50%_off', type: 'deepseek', keys: ['sk-deepseek-key-000001'], models: ['deepseek-chat'], remark: 'cheap' } });

    expect((await h.call('GET', `/api/channels/${channel.id}`, { caller: callers.adam })).body.data.name).toBe('mock-main');
    const byFilter = async (query: string) => (await h.call('GET', `/api/channels?${query}`, { caller: callers.adam })).body.data.map((item: { name: string }) => item.name);
    expect(await byFilter('type=deepseek')).toEqual(['50%_off']);
    expect(await byFilter('tag=eu')).toEqual(['mock-main']);
    expect(await byFilter('group=vip')).toEqual(['mock-main']);
    expect(await byFilter('model=deepseek-chat')).toEqual(['50%_off']);
    expect(await byFilter(`search=${encodeURIComponent('%_')}`)).toEqual(['50%_off']);
    expect(await byFilter('search=*')).toEqual([]);
    expect(await byFilter('search=CHEAP')).toEqual(['50%_off']);
    const page = await h.call('GET', '/api/channels?per_page=1&page=2', { caller: callers.adam });
    expect({ names: page.body.data.map((item: { name: string }) => item.name), page: page.body.page }).toEqual({ names: ['50%_off'], page: { page: 2, per_page: 1, total: 2 } });

    const changed = await h.call('PATCH', `/api/channels/${channel.id}`, { caller: callers.adam, body: { priority: 7, tag: '', models: ['gpt-4o', 'text-embedding-3-small'], settings: { organization: '' } } });
    expect(changed.body.data).toMatchObject({ priority: 7, tag: null, models: ['gpt-4o', 'text-embedding-3-small'], settings: {} });
    expect((await h.call('POST', `/api/channels/${channel.id}/disable`, { caller: callers.adam })).body.data.status).toBe('disabled');
    expect(await byFilter('status=disabled')).toEqual(['mock-main']);
    expect((await h.call('POST', `/api/channels/${channel.id}/enable`, { caller: callers.adam })).body.data.status).toBe('enabled');

    const other = (await h.call('GET', '/api/channels?type=deepseek', { caller: callers.adam })).body.data[0];
    const removed = await h.call('DELETE', `/api/channels/${other.id}`, { caller: callers.adam });
    expect(removed.body.data.name).toBe('50%_off');
    expect((await h.call('GET', `/api/channels/${other.id}`, { caller: callers.adam })).status).toBe(404);

    const [update] = await auditRows('channel.update');
    expect(update).toMatchObject({ actor: 'adam', target_type: 'channel', target_id: String(channel.id), fields: ['priority', 'tag', 'models', 'settings'] });
    const [create] = (await auditRows('channel.create')).filter((row) => row.target_id === String(channel.id));
    expect(create?.fields).toEqual(['name', 'type', 'base_url', 'allow_private', 'keys', 'models', 'groups', 'tag', 'priority', 'model_mapping', 'status_code_mapping', 'settings']);
    expect((await auditRows('channel.delete'))[0]).toMatchObject({ target_id: String(other.id), facts: { name: '50%_off' } });
    expect((await auditRows('channel.disable'))[0]?.target_id).toBe(String(channel.id));
    expect((await auditRows('channel.enable'))[0]?.target_id).toBe(String(channel.id));
  });

  test('input errors name the API field; a private base URL needs allow_private', async () => {
    const h = harness();
    const base = { name: 'bad', type: 'openai', keys: ['sk-bad-key-0000001'], models: ['gpt-4o'] };
    const cases: [unknown, number, string][] = [
      [{ ...base, type: 'nope' }, 400, 'type'],
      [{ ...base, keys: [] }, 400, 'keys'],
      [{ ...base, keys: ['a', 'a'] }, 400, 'keys'],
      [{ ...base, keys: ['line\nbreak'] }, 400, 'keys'],
      [{ ...base, models: [' ', ''] }, 400, 'models'],
      [{ ...base, groups: [] }, 400, 'groups'],
      [{ ...base, model_mapping: { a: 'b', b: 'a' } }, 400, 'model_mapping'],
      [{ ...base, status_code_mapping: { '429': '200' } }, 400, 'status_code_mapping'],
      [{ ...base, settings: { organization: 'sk-looks-like-a-key-123456' } }, 400, 'settings'],
      [{ ...base, settings: { nope: 1 } }, 400, 'settings'],
      [{ ...base, base_url: 'http://127.0.0.1:8080' }, 400, 'base_url'],
      [{ ...base, base_url: 'http://169.254.169.254/latest' }, 400, 'base_url'],
      [{ ...base, base_url: 'https://user:pass@example.com' }, 400, 'base_url'],
      [{ ...base, name: '12345' }, 400, 'name'],
      [{ ...base, extra: 1 }, 400, 'extra'],
      [{ ...base, weight: -1 }, 400, 'weight'],
      [{ ...base, type: 'azure' }, 400, 'base_url'],
    ];
    for (const [body, status, field] of cases) {
      const answer = await h.call('POST', '/api/channels', { caller: callers.adam, body });
      expect({ body, status: answer.status, field: answer.body.error?.field }).toEqual({ body, status, field });
    }
    const blocked = await h.call('POST', '/api/channels', { caller: callers.adam, body: { ...base, base_url: 'http://127.0.0.1:8080' } });
    expect(blocked.body.error.code).toBe('blocked_destination');
    const allowed = await h.call('POST', '/api/channels', { caller: callers.adam, body: { ...base, name: 'lan', base_url: 'http://127.0.0.1:8080', allow_private: '127.0.0.1:8080' } });
    expect(allowed.status).toBe(201);
    const duplicate = await h.call('POST', '/api/channels', { caller: callers.adam, body: { ...base, name: 'lan' } });
    expect({ status: duplicate.status, field: duplicate.body.error.field }).toEqual({ status: 409, field: 'name' });
    expect((await h.call('PATCH', `/api/channels/${allowed.body.data.id}`, { caller: callers.adam, body: {} })).status).toBe(400);
    expect((await h.call('PATCH', `/api/channels/${allowed.body.data.id}`, { caller: callers.adam, body: { allow_private: '' } })).body.error.field).toBe('base_url');
    expect((await h.call('GET', '/api/channels?status=sleeping', { caller: callers.adam })).body.error.field).toBe('status');
    expect((await h.call('GET', '/api/channels/abc', { caller: callers.adam })).body.error.field).toBe('id');
    expect((await h.call('DELETE', '/api/channels/999999', { caller: callers.adam })).status).toBe(404);
    // A refused change leaves no audit row.
    expect((await auditRows('channel.create')).some((row) => row.facts.name === 'bad')).toBe(false);
    await h.call('DELETE', `/api/channels/${allowed.body.data.id}`, { caller: callers.adam });
  });

  test('test one channel (a key, every key, a model) and all channels, through the mock; the latency is recorded', async () => {
    const h = harness();
    mock.reset();
    const channel = (await h.call('GET', '/api/channels?search=mock-main', { caller: callers.adam })).body.data[0];
    const one = await h.call('POST', `/api/channels/${channel.id}/test`, { caller: callers.adam, body: {} });
    expect(one.status).toBe(200);
    expect(one.body.data).toEqual([
      {
        channel_id: channel.id,
        channel_name: 'mock-main',
        model: 'gpt-4o',
        upstream_model: 'gpt-4o-2024-11-20',
        endpoint: 'chat-completions',
        key_position: 0,
        ok: true,
        latency_ms: expect.any(Number),
        status: 200,
        error_code: null,
        message: null,
        re_enabled: false,
      },
    ]);
    expect(mock.requests.at(-1)?.headers.authorization).toBe(`Bearer ${KEY_A}`);
    const embedding = await h.call('POST', `/api/channels/${channel.id}/test`, { caller: callers.adam, body: { model: 'text-embedding-3-small', key_position: 1 } });
    expect(embedding.body.data[0]).toMatchObject({ ok: true, endpoint: 'embeddings', key_position: 1 });
    const allKeys = await h.call('POST', `/api/channels/${channel.id}/test`, { caller: callers.adam, body: { all_keys: true } });
    expect(allKeys.body.data.map((result: { key_position: number; ok: boolean }) => [result.key_position, result.ok])).toEqual([
      [0, true],
      [1, true],
    ]);
    const shown = (await h.call('GET', `/api/channels/${channel.id}`, { caller: callers.adam })).body.data;
    expect(shown.response_time_ms).toEqual(expect.any(Number));
    expect(shown.tested_at).not.toBeNull();
    expect((await h.call('POST', `/api/channels/${channel.id}/test`, { caller: callers.adam, body: { key_position: 9 } })).body.error.field).toBe('key_position');
    expect((await h.call('POST', `/api/channels/${channel.id}/test`, { caller: callers.adam, body: { key_position: 0, all_keys: true } })).status).toBe(400);

    mock.setDefaults({ echoKeyIn401: true });
    try {
      const failed = await h.call('POST', `/api/channels/${channel.id}/test`, { caller: callers.adam, body: {} });
      expect(failed.body.data[0]).toMatchObject({ ok: false, status: 401 });
      expect(JSON.stringify(failed.body)).not.toContain(KEY_A);
    } finally {
      mock.setDefaults({});
    }

    const offline = (await h.call('POST', '/api/channels', { caller: callers.adam, body: { name: 'offline', type: 'openai', base_url: 'https://upstream.invalid', keys: ['sk-offline-key-00001'], models: ['gpt-4o'] } })).body.data;
    const disabled = (await h.call('POST', '/api/channels', { caller: callers.adam, body: { name: 'parked', ...onMock(), keys: ['sk-parked-key-00001'], models: ['gpt-4o'] } })).body.data;
    await h.call('POST', `/api/channels/${disabled.id}/disable`, { caller: callers.adam });
    const all = await h.call('POST', '/api/channels/test', { caller: callers.adam });
    expect(all.body.data.map((result: { channel_name: string; ok: boolean; error_code: string | null }) => [result.channel_name, result.ok, result.error_code])).toEqual([
      ['mock-main', true, null],
      ['offline', false, 'connection_failed'],
    ]);
    const [testAll] = await auditRows('channel.test_all');
    expect(testAll?.facts).toEqual({ passed: 1, failed: 1 });
    expect((await auditRows('channel.test')).length).toBeGreaterThanOrEqual(4);
    for (const id of [offline.id, disabled.id]) await h.call('DELETE', `/api/channels/${id}`, { caller: callers.adam });
  });

  test("the upstream's model list: a saved channel with its own key, and a form that is not saved", async () => {
    const h = harness();
    mock.reset();
    const channel = (await h.call('GET', '/api/channels?search=mock-main', { caller: callers.adam })).body.data[0];
    const saved = await h.call('GET', `/api/channels/${channel.id}/upstream-models`, { caller: callers.adam });
    expect(saved.body.data).toEqual({ ok: true, models: ['gpt-4o', 'gpt-4o-mini', 'text-embedding-3-small'], status: 200, error_code: null, message: null, latency_ms: expect.any(Number) });
    expect(mock.requests.at(-1)).toMatchObject({ method: 'GET', path: '/v1/models' });
    expect(mock.requests.at(-1)?.headers.authorization).toBe(`Bearer ${KEY_A}`);
    await h.call('GET', `/api/channels/${channel.id}/upstream-models?key_position=1`, { caller: callers.adam });
    expect(mock.requests.at(-1)?.headers.authorization).toBe(`Bearer ${KEY_B}`);

    const probeKey = 'sk-probe-key-never-stored-0001';
    const probe = await h.call('POST', '/api/channels/upstream-models', { caller: callers.adam, body: { type: 'openai-compatible', base_url: `${mock.url}/v1`, allow_private: allowPrivate, key: probeKey } });
    expect(probe.body.data.models).toEqual(['gpt-4o', 'gpt-4o-mini', 'text-embedding-3-small']);
    expect(mock.requests.at(-1)).toMatchObject({ method: 'GET', path: '/v1/models' });
    expect(mock.requests.at(-1)?.headers.authorization).toBe(`Bearer ${probeKey}`);
    expect((await h.call('GET', '/api/channels?search=probe', { caller: callers.adam })).body.page.total).toBe(0);

    mock.setDefaults({ echoKeyIn401: true });
    try {
      const rejected = await h.call('POST', '/api/channels/upstream-models', { caller: callers.adam, body: { type: 'openai', base_url: mock.url, allow_private: allowPrivate, key: probeKey } });
      expect(rejected.body.data).toMatchObject({ ok: false, models: [], status: 401 });
      expect(JSON.stringify(rejected.body)).not.toContain(probeKey);
    } finally {
      mock.setDefaults({});
    }
    const azure = await h.call('POST', '/api/channels/upstream-models', { caller: callers.adam, body: { type: 'azure', base_url: 'https://res.openai.azure.com', key: probeKey } });
    expect({ status: azure.status, field: azure.body.error.field }).toEqual({ status: 400, field: 'type' });
    expect((await h.call('POST', '/api/channels/upstream-models', { caller: callers.adam, body: { type: 'openai', key: '' } })).body.error.field).toBe('key');

    const [row] = await auditRows('channel.upstream_models');
    expect(row).toMatchObject({ fields: ['type', 'base_url', 'allow_private', 'key'], facts: { type: 'openai', host: `127.0.0.1:${mock.port}`, ok: false } });
    expect(JSON.stringify(await auditRows('channel.*'))).not.toContain(probeKey);
  });

  test('multi-key: list hints, add, disable and enable one, remove one; the relay-facing positions stay contiguous', async () => {
    const h = harness();
    const channel = (await h.call('GET', '/api/channels?search=mock-main', { caller: callers.adam })).body.data[0];
    const listed = await h.call('GET', `/api/channels/${channel.id}/keys`, { caller: callers.adam });
    expect(listed.body.data).toEqual([
      { position: 0, hint: '0001', status: 'enabled' },
      { position: 1, hint: '0002', status: 'enabled' },
    ]);
    const added = await h.call('POST', `/api/channels/${channel.id}/keys`, { caller: callers.adam, body: { keys: [KEY_C] } });
    expect(added.body.data.keys.map((key: { hint: string }) => key.hint)).toEqual(['0001', '0002', '0003']);
    const again = await h.call('POST', `/api/channels/${channel.id}/keys`, { caller: callers.adam, body: { keys: [KEY_A] } });
    expect({ status: again.status, field: again.body.error.field }).toEqual({ status: 400, field: 'keys' });
    expect(JSON.stringify(again.body)).not.toContain(KEY_A);

    expect((await h.call('POST', `/api/channels/${channel.id}/keys/0/disable`, { caller: callers.adam })).body.data.keys[0].status).toBe('disabled');
    mock.reset();
    await h.call('POST', `/api/channels/${channel.id}/test`, { caller: callers.adam, body: {} });
    // The first enabled key is tested: key 0 is disabled.
    expect(mock.requests.at(-1)?.headers.authorization).toBe(`Bearer ${KEY_B}`);
    expect((await h.call('POST', `/api/channels/${channel.id}/keys/0/enable`, { caller: callers.adam })).body.data.keys[0].status).toBe('enabled');
    const removed = await h.call('DELETE', `/api/channels/${channel.id}/keys/1`, { caller: callers.adam });
    expect(removed.body.data.keys).toEqual([
      { position: 0, hint: '0001', status: 'enabled' },
      { position: 1, hint: '0003', status: 'enabled' },
    ]);
    expect(await h.deps.channels.decryptKeys(channel.id)).toEqual([KEY_A, KEY_C]);
    expect((await h.call('DELETE', `/api/channels/${channel.id}/keys/5`, { caller: callers.adam })).status).toBe(404);
    expect((await h.call('POST', `/api/channels/${channel.id}/keys/x/enable`, { caller: callers.adam })).body.error.field).toBe('position');

    expect((await auditRows('channel.key.add'))[0]).toMatchObject({ target_id: String(channel.id), fields: ['keys'], facts: { count: 1 } });
    expect((await auditRows('channel.key.delete'))[0]).toMatchObject({ target_id: String(channel.id), facts: { position: 1 } });
    expect((await auditRows('channel.key.disable'))[0]?.facts).toEqual({ position: 0 });
    const text = JSON.stringify(await auditRows('channel.*'));
    for (const key of [KEY_A, KEY_B, KEY_C]) expect(text).not.toContain(key);
  });

  test('batch by tag: disable, enable, set priority and weight, delete every channel with the tag', async () => {
    const h = harness();
    for (const name of ['tagged-1', 'tagged-2']) {
      await h.call('POST', '/api/channels', { caller: callers.adam, body: { name, ...onMock(), keys: [`sk-${name}-key-000001`], models: ['gpt-4o'], tag: 'batch tag' } });
    }
    const path = `/api/channels/tags/${encodeURIComponent('batch tag')}`;
    const disabled = await h.call('POST', `${path}/disable`, { caller: callers.adam });
    expect(disabled.body.data).toEqual({ tag: 'batch tag', count: 2, channel_ids: expect.any(Array) });
    const ids = disabled.body.data.channel_ids as number[];
    const statuses = async () => Promise.all(ids.map(async (id) => (await h.call('GET', `/api/channels/${id}`, { caller: callers.adam })).body.data.status));
    expect(await statuses()).toEqual(['disabled', 'disabled']);
    await h.call('POST', `${path}/enable`, { caller: callers.adam });
    expect(await statuses()).toEqual(['enabled', 'enabled']);
    const patched = await h.call('PATCH', path, { caller: callers.adam, body: { priority: 9, weight: 4 } });
    expect(patched.body.data.count).toBe(2);
    const shown = (await h.call('GET', `/api/channels/${ids[0]}`, { caller: callers.adam })).body.data;
    expect([shown.priority, shown.weight]).toEqual([9, 4]);
    expect((await h.call('PATCH', path, { caller: callers.adam, body: { weight: -2 } })).body.error.field).toBe('weight');
    expect((await h.call('PATCH', path, { caller: callers.adam, body: {} })).status).toBe(400);
    expect((await h.call('POST', '/api/channels/tags/nobody/disable', { caller: callers.adam })).status).toBe(404);
    const removed = await h.call('DELETE', path, { caller: callers.adam });
    expect(removed.body.data.count).toBe(2);
    expect((await h.call('GET', `/api/channels/${ids[0]}`, { caller: callers.adam })).status).toBe(404);
    expect((await auditRows('channel.tag.*')).map((row) => [row.action, row.target_type, row.target_id, row.facts.count])).toEqual([
      ['channel.tag.delete', 'channel_tag', 'batch tag', 2],
      ['channel.tag.update', 'channel_tag', 'batch tag', 2],
      ['channel.tag.enable', 'channel_tag', 'batch tag', 2],
      ['channel.tag.disable', 'channel_tag', 'batch tag', 2],
    ]);
  });
});
