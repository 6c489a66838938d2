/**
 * Channels through /api, the security cases (reliability.md G5, G6, G11; A7): only root reveals a key, with its
 * password again, never cached, with one audit row (and none of the key in it) — a failed attempt recorded too,
 * and no key answered when the row cannot be written; an admin is refused. The upstream model list reaches no
 * private address unless the channel's allow-private names it, whether the address is typed or a name resolves
 * to it. Every channel answer has exactly its allowlisted fields and no key, except the reveal.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { createDispatcher } from '../../src/relay/dispatch.ts';
import type { AuditService } from '../../src/services/audit.ts';
import { type AdminApiHarness, type Caller, createAdminApiHarness, forEachAdminDialect, ROOT_PASSWORD } from '../helpers/admin-api.ts';
import { type MockUpstream, startMockUpstream } from '../helpers/mock-upstream.ts';
import { type Canary, startCanary } from '../relay/dispatch-harness.ts';

const KEY_A = 'sk-security-canary-key-AAAA-0001';
const KEY_B = 'sk-security-canary-key-BBBB-0002';

/** A resolver where `evil.test` answers loopback (a public-looking name for a private address) and nothing else exists. */
function rebindingDispatcher() {
  return createDispatcher({
    resolver: async (hostname) => {
      if (hostname === 'evil.test') return ['127.0.0.1'];
      throw Object.assign(new Error(`${hostname}: no such host in tests`), { code: 'ENOTFOUND' });
    },
  });
}

forEachAdminDialect(
  'admin API channels, security',
  (harness) => {
    let mock: MockUpstream;
    let canary: Canary;
    let channelId: number;
    const callers = {} as Record<'root' | 'adam' | 'alice' | 'rootToken', Caller>;

    beforeAll(async () => {
      mock = await startMockUpstream();
      canary = await startCanary('127.0.0.1');
      const h = harness();
      for (const name of ['root', 'adam', 'alice'] as const) callers[name] = await h.signIn(name);
      callers.rootToken = await h.withToken('root');
      const created = await h.call('POST', '/api/channels', {
        caller: callers.adam,
        body: { name: 'secret-holder', type: 'openai', base_url: mock.url, allow_private: `127.0.0.1:${mock.port}`, keys: [KEY_A, KEY_B], models: ['gpt-4o'] },
      });
      channelId = created.body.data.id;
    });
    afterAll(async () => {
      await mock.stop();
      await canary.close();
    });

    const revealPath = () => `/api/channels/${channelId}/keys/reveal`;
    const auditOf = async (action: string) => (await harness().call('GET', `/api/audit?action=${action}`, { caller: callers.root })).body.data;

    test('an ordinary user reaches no channel route; an admin cannot reveal a key', async () => {
      const h = harness();
      for (const [method, path, body] of [
        ['GET', '/api/channels'],
        ['GET', `/api/channels/${channelId}`],
        ['GET', `/api/channels/${channelId}/keys`],
        ['POST', `/api/channels/${channelId}/test`, {}],
        ['POST', '/api/channels/upstream-models', { type: 'openai', key: 'sk-x-00000000000' }],
        ['GET', '/api/audit'],
      ] as const) {
        const answer = await h.call(method, path, { caller: callers.alice, body });
        expect({ path, status: answer.status }).toEqual({ path, status: 403 });
      }
      const refused = await h.call('POST', revealPath(), { caller: callers.adam, body: { password: 'adam-password' } });
      expect({ status: refused.status, code: refused.body.error.code }).toEqual({ status: 403, code: 'forbidden' });
      expect(JSON.stringify(refused.body)).not.toContain(KEY_A);
    });

    test('root reveals with its password again: no-store, one audit row without the key; a wrong password is refused and recorded', async () => {
      const h = harness();
      const before = (await auditOf('channel.key.reveal')).length;
      const wrong = await h.call('POST', revealPath(), { caller: callers.root, body: { password: 'not-the-password' } });
      expect({ status: wrong.status, code: wrong.body.error.code, field: wrong.body.error.field }).toEqual({ status: 403, code: 'forbidden', field: 'password' });
      expect(JSON.stringify(wrong.body)).not.toContain(KEY_A);
      const [failed] = await auditOf('channel.key.reveal.failed');
      expect(failed).toMatchObject({ actor: 'root', target_type: 'channel', target_id: String(channelId), fields: [], facts: { error: 'forbidden' } });

      const revealed = await h.call('POST', revealPath(), { caller: callers.root, body: { password: ROOT_PASSWORD } });
      expect(revealed.status).toBe(200);
      expect(revealed.headers.get('cache-control')).toBe('no-store');
      expect(revealed.body.data).toEqual({
        channel_id: channelId,
        channel_name: 'secret-holder',
        keys: [
          { position: 0, hint: '0001', status: 'enabled', key: KEY_A },
          { position: 1, hint: '0002', status: 'enabled', key: KEY_B },
        ],
      });
      const one = await h.call('POST', revealPath(), { caller: callers.rootToken, body: { password: ROOT_PASSWORD, position: 1 } });
      expect(one.body.data.keys.map((key: { key: string }) => key.key)).toEqual([KEY_B]);

      const rows = await auditOf('channel.key.reveal');
      expect(rows.length).toBe(before + 2);
      expect(rows[0]).toMatchObject({ actor: 'root', action: 'channel.key.reveal', target_id: String(channelId), fields: [], facts: { position: 1, count: 1 } });
      expect(rows[0].request_id).toEqual(expect.any(String));
      expect(rows[1].facts).toEqual({ position: null, count: 2 });

      // Nothing in the audit table, in any column, holds a key or a password that was typed.
      const { store } = h.deps;
      const text = JSON.stringify(await store.db.select().from(store.tables.auditLogs));
      for (const secret of [KEY_A, KEY_B, KEY_A.slice(-12), ROOT_PASSWORD, 'not-the-password']) expect({ secret, found: text.includes(secret) }).toEqual({ secret, found: false });
    });

    test('no audit row, no key: a reveal whose row cannot be written is withheld; another change still answers', async () => {
      const h = harness();
      const services = h.admin.services as { audit: AuditService };
      const working = services.audit;
      services.audit = { ...working, record: async () => Promise.reject(new Error('disk full')) };
      try {
        const withheld = await h.call('POST', revealPath(), { caller: callers.root, body: { password: ROOT_PASSWORD } });
        expect({ status: withheld.status, code: withheld.body.error.code }).toEqual({ status: 500, code: 'internal_error' });
        expect(JSON.stringify(withheld.body)).not.toContain(KEY_A);
        const changed = await h.call('PATCH', `/api/channels/${channelId}`, { caller: callers.adam, body: { remark: 'still answered' } });
        expect(changed.body.data.remark).toBe('still answered');
      } finally {
        services.audit = working;
      }
    });

    test('the model list of a form reaches no private address unless allow_private names it', async () => {
      const h = harness();
      const key = 'sk-ssrf-probe-key-000000001';
      for (const base_url of [`http://127.0.0.1:${canary.port}`, `http://[::ffff:127.0.0.1]:${canary.port}`, 'http://169.254.169.254/latest', `http://0x7f.1:${canary.port}`, 'http://localhost:11434']) {
        const answer = await h.call('POST', '/api/channels/upstream-models', { caller: callers.adam, body: { type: 'openai', base_url, key } });
        expect({ base_url, status: answer.status, code: answer.body.error?.code }).toEqual({ base_url, status: 400, code: 'blocked_destination' });
      }
      // A private exception for another port does not open this one.
      const otherPort = await h.call('POST', '/api/channels/upstream-models', {
        caller: callers.adam,
        body: { type: 'openai', base_url: `http://127.0.0.1:${canary.port}`, allow_private: '127.0.0.1:1', key },
      });
      expect(otherPort.status).toBe(400);
      expect(canary.accepts()).toBe(0);
      const allowed = await h.call('POST', '/api/channels/upstream-models', {
        caller: callers.adam,
        body: { type: 'openai', base_url: mock.url, allow_private: `127.0.0.1:${mock.port}`, key },
      });
      expect(allowed.body.data.ok).toBe(true);
    });
  },
);

test('a name that resolves to a private address is refused at connect time, for a form and for a saved channel', async () => {
  const h: AdminApiHarness & { close(): Promise<void> } = await createAdminApiHarness('sqlite', { dispatcher: rebindingDispatcher() });
  const canary = await startCanary('127.0.0.1');
  try {
    const admin = await h.signIn('adam');
    const key = 'sk-rebinding-probe-key-00000001';
    const form = await h.call('POST', '/api/channels/upstream-models', { caller: admin, body: { type: 'openai', base_url: `http://evil.test:${canary.port}`, key } });
    expect(form.status).toBe(200);
    expect(form.body.data).toMatchObject({ ok: false, status: 0, error_code: 'blocked_destination' });
    expect(form.body.data.message).toContain('allow-private');
    const saved = await h.call('POST', '/api/channels', { caller: admin, body: { name: 'rebinder', type: 'openai', base_url: `http://evil.test:${canary.port}`, keys: [key], models: ['gpt-4o'] } });
    expect(saved.status).toBe(201);
    const listed = await h.call('GET', `/api/channels/${saved.body.data.id}/upstream-models`, { caller: admin });
    expect(listed.body.data).toMatchObject({ ok: false, error_code: 'blocked_destination' });
    const tested = await h.call('POST', `/api/channels/${saved.body.data.id}/test`, { caller: admin, body: {} });
    expect(tested.body.data[0]).toMatchObject({ ok: false, error_code: 'blocked_destination' });
    expect(canary.accepts()).toBe(0);
    // With the exception for exactly that host and port, the call is made.
    await h.call('PATCH', `/api/channels/${saved.body.data.id}`, { caller: admin, body: { allow_private: `evil.test:${canary.port}` } });
    await h.call('GET', `/api/channels/${saved.body.data.id}/upstream-models`, { caller: admin });
    expect(canary.accepts()).toBe(1);
  } finally {
    await canary.close();
    await h.close();
  }
});

const CHANNEL =
  'allow_private,base_url,created_at,disabled_reason,groups,id,key_mode,keys,model_mapping,models,name,priority,remark,request_count,response_time_ms,settings,status,status_code_mapping,tag,test_model,tested_at,type,updated_at,used_usd,weight';
const KEY = 'hint,position,status';
const TEST_RESULT = 'channel_id,channel_name,endpoint,error_code,key_position,latency_ms,message,model,ok,re_enabled,status,upstream_model';
const MODELS = 'error_code,latency_ms,message,models,ok,status';
const BATCH = 'channel_ids,count,tag';
const AUDIT = 'action,actor,actor_user_id,created_at,facts,fields,id,ip,request_id,target_id,target_type';

const golden: Record<string, Record<string, string>> = {
  'POST /api/channels': { '': CHANNEL, 'keys[]': KEY },
  'GET /api/channels': { '[]': CHANNEL, 'keys[]': KEY },
  'GET /api/channels/:id': { '': CHANNEL, 'keys[]': KEY },
  'PATCH /api/channels/:id': { '': CHANNEL, 'keys[]': KEY },
  'POST /api/channels/:id/enable': { '': CHANNEL, 'keys[]': KEY },
  'POST /api/channels/:id/disable': { '': CHANNEL, 'keys[]': KEY },
  'GET /api/channels/:id/keys': { '[]': KEY },
  'POST /api/channels/:id/keys': { '': CHANNEL, 'keys[]': KEY },
  'POST /api/channels/:id/keys/:position/disable': { '': CHANNEL, 'keys[]': KEY },
  'POST /api/channels/:id/keys/:position/enable': { '': CHANNEL, 'keys[]': KEY },
  'DELETE /api/channels/:id/keys/:position': { '': CHANNEL, 'keys[]': KEY },
  'POST /api/channels/:id/test': { '[]': TEST_RESULT },
  'POST /api/channels/test': { '[]': TEST_RESULT },
  'GET /api/channels/:id/upstream-models': { '': MODELS },
  'POST /api/channels/upstream-models': { '': MODELS },
  'POST /api/channels/tags/:tag/disable': { '': BATCH },
  'POST /api/channels/tags/:tag/enable': { '': BATCH },
  'PATCH /api/channels/tags/:tag': { '': BATCH },
  'GET /api/audit': { '[]': AUDIT },
  'POST /api/channels/:id/keys/reveal': { '': 'channel_id,channel_name,keys', 'keys[]': 'hint,key,position,status' },
  'DELETE /api/channels/tags/:tag': { '': BATCH },
  'DELETE /api/channels/:id': { '': CHANNEL, 'keys[]': KEY },
};

/** The key sets of `data`: top level ('' or '[]'), and the first element of each array of objects ('name[]'). */
function keySets(data: unknown): Record<string, string> {
  const sets: Record<string, string> = {};
  const item = Array.isArray(data) ? data[0] : data;
  if (item === null || typeof item !== 'object') return sets;
  sets[Array.isArray(data) ? '[]' : ''] = Object.keys(item).sort().join(',');
  for (const [key, value] of Object.entries(item)) {
    if (Array.isArray(value) && value[0] !== null && typeof value[0] === 'object') sets[`${key}[]`] = Object.keys(value[0]).sort().join(',');
  }
  return sets;
}

test('every channel answer has exactly its allowlisted fields; no answer but the reveal carries a key', async () => {
  const h = await createAdminApiHarness('sqlite');
  const mock = await startMockUpstream();
  try {
    const root = await h.signIn('root');
    const answers: { key: string; text: string }[] = [];
    const observed: Record<string, Record<string, string>> = {};
    const call = async (key: string, method: string, path: string, body?: unknown) => {
      const answer = await h.call(method, path, { caller: root, body });
      expect({ key, status: answer.status }).toEqual({ key, status: key === 'POST /api/channels' ? 201 : 200 });
      answers.push({ key, text: JSON.stringify(answer.body) });
      observed[key] = keySets(answer.body.data);
      return answer.body.data;
    };
    const onMock = { base_url: mock.url, allow_private: `127.0.0.1:${mock.port}` };
    const created = await call('POST /api/channels', 'POST', '/api/channels', { name: 'golden', type: 'openai', ...onMock, keys: [KEY_A], models: ['gpt-4o'], tag: 'gold' });
    const id = created.id as number;
    await call('GET /api/channels', 'GET', '/api/channels');
    await call('GET /api/channels/:id', 'GET', `/api/channels/${id}`);
    await call('PATCH /api/channels/:id', 'PATCH', `/api/channels/${id}`, { remark: 'r' });
    await call('POST /api/channels/:id/disable', 'POST', `/api/channels/${id}/disable`);
    await call('POST /api/channels/:id/enable', 'POST', `/api/channels/${id}/enable`);
    await call('POST /api/channels/:id/keys', 'POST', `/api/channels/${id}/keys`, { keys: [KEY_B] });
    await call('GET /api/channels/:id/keys', 'GET', `/api/channels/${id}/keys`);
    await call('POST /api/channels/:id/keys/:position/disable', 'POST', `/api/channels/${id}/keys/1/disable`);
    await call('POST /api/channels/:id/keys/:position/enable', 'POST', `/api/channels/${id}/keys/1/enable`);
    await call('POST /api/channels/:id/test', 'POST', `/api/channels/${id}/test`, {});
    await call('POST /api/channels/test', 'POST', '/api/channels/test');
    await call('GET /api/channels/:id/upstream-models', 'GET', `/api/channels/${id}/upstream-models`);
    await call('POST /api/channels/upstream-models', 'POST', '/api/channels/upstream-models', { type: 'openai', ...onMock, key: KEY_A });
    await call('POST /api/channels/tags/:tag/disable', 'POST', '/api/channels/tags/gold/disable');
    await call('POST /api/channels/tags/:tag/enable', 'POST', '/api/channels/tags/gold/enable');
    await call('PATCH /api/channels/tags/:tag', 'PATCH', '/api/channels/tags/gold', { weight: 2 });
    await call('POST /api/channels/:id/keys/reveal', 'POST', `/api/channels/${id}/keys/reveal`, { password: ROOT_PASSWORD });
    await call('GET /api/audit', 'GET', '/api/audit');
    await call('DELETE /api/channels/:id/keys/:position', 'DELETE', `/api/channels/${id}/keys/0`);
    await call('DELETE /api/channels/tags/:tag', 'DELETE', '/api/channels/tags/gold');
    const second = await h.call('POST', '/api/channels', { caller: root, body: { name: 'golden-2', type: 'openai', ...onMock, keys: [KEY_A], models: ['gpt-4o'] } });
    await call('DELETE /api/channels/:id', 'DELETE', `/api/channels/${second.body.data.id}`);
    expect(observed).toEqual(golden);

    const { store } = h.deps;
    const ciphertexts = (await store.db.select().from(store.tables.channelKeys)).map((row) => row.keyCiphertext);
    for (const { key, text } of answers) {
      for (const ciphertext of ciphertexts) expect(text).not.toContain(ciphertext);
      if (key === 'POST /api/channels/:id/keys/reveal') continue;
      for (const secret of [KEY_A, KEY_B, KEY_A.slice(3, 20), KEY_B.slice(-10)]) expect({ key, secret, leaked: text.includes(secret) }).toEqual({ key, secret, leaked: false });
    }
  } finally {
    await mock.stop();
    await h.close();
  }
});
