/**
 * Runtime settings through /api: administrators read every setting (value, default, kind, description); root
 * changes several at once, checked exactly as `gateway setting set` checks them, all or none; errors name the
 * setting; no secret is ever in an answer; on both dialects.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect, test } from 'bun:test';
import { defaultSettings, settingNames } from '../../src/services/settings.ts';
import { type Caller, forEachAdminDialect, ROOT_PASSWORD } from '../helpers/admin-api.ts';

const SETTING_KEYS = 'default,description,is_default,kind,maximum,minimum,name,value';

forEachAdminDialect('admin API settings', (harness) => {
  const callers = {} as Record<'root' | 'adam' | 'alice', Caller>;
  beforeAll(async () => {
    for (const name of ['root', 'adam', 'alice'] as const) callers[name] = await harness().signIn(name);
  });

  test('an administrator reads every setting with its value, default, kind and description', async () => {
    const h = harness();
    const answer = await h.call('GET', '/api/settings', { caller: callers.adam });
    expect(answer.status).toBe(200);
    expect(answer.body.data.map((setting: { name: string }) => setting.name)).toEqual(settingNames);
    for (const setting of answer.body.data) expect(Object.keys(setting).sort().join(',')).toBe(SETTING_KEYS);
    const retry = answer.body.data.find((setting: { name: string }) => setting.name === 'retry_times');
    expect(retry).toMatchObject({ value: 2, default: 2, is_default: true, kind: 'integer', minimum: 0, maximum: 10 });
    const codes = answer.body.data.find((setting: { name: string }) => setting.name === 'auto_disable_error_codes');
    expect(codes).toMatchObject({ kind: 'list', minimum: null, value: defaultSettings().auto_disable_error_codes });
    expect((await h.call('GET', '/api/settings', { caller: callers.alice })).status).toBe(403);
  });

  test('root changes several settings at once; null restores a default; values take the forms gateway setting set takes', async () => {
    const h = harness();
    const answer = await h.call('PATCH', '/api/settings', {
      caller: callers.root,
      body: {
        retry_times: 4,
        retry_status_codes: '429, 500-503',
        auto_disable_enabled: true,
        auto_disable_error_codes: ['invalid_api_key', 'billing_error'],
        log_bodies_enabled: 'on',
        quota_alert_threshold_usd: '2.50',
      },
    });
    expect(answer.status).toBe(200);
    const byName = Object.fromEntries(answer.body.data.map((setting: { name: string; value: unknown; is_default: boolean }) => [setting.name, setting]));
    expect(byName.retry_times).toMatchObject({ value: 4, is_default: false });
    expect(byName.retry_status_codes.value).toBe('429,500-503');
    expect(byName.auto_disable_enabled.value).toBe(true);
    expect(byName.auto_disable_error_codes.value).toEqual(['invalid_api_key', 'billing_error']);
    expect(byName.log_bodies_enabled.value).toBe(true);
    expect(byName.quota_alert_threshold_usd.value).toBe('2.5');
    const current = await h.deps.settings.current();
    expect(current.retry_times).toBe(4);
    expect(current.auto_disable_error_codes).toEqual(['invalid_api_key', 'billing_error']);

    const reset = await h.call('PATCH', '/api/settings', { caller: callers.root, body: { retry_times: null, log_bodies_enabled: false } });
    const retry = reset.body.data.find((setting: { name: string }) => setting.name === 'retry_times');
    expect(retry).toMatchObject({ value: 2, is_default: true });
    expect((await h.deps.settings.current()).log_bodies_enabled).toBe(false);
  });

  test('one invalid value changes nothing and names its setting (all or none)', async () => {
    const h = harness();
    const before = await h.deps.settings.current();
    const cases: [Record<string, unknown>, string][] = [
      [{ retry_times: 5, log_retention_days: -1 }, 'log_retention_days'],
      [{ auto_enable_enabled: true, retry_times: 11 }, 'retry_times'],
      [{ retry_times: 3, retry_status_codes: '600' }, 'retry_status_codes'],
      [{ auto_enable_enabled: true, allow_unpriced_models: 'maybe' }, 'allow_unpriced_models'],
      [{ retry_times: 3, quota_alert_threshold_usd: 'lots' }, 'quota_alert_threshold_usd'],
      [{ retry_times: 2.5 }, 'retry_times'],
      [{ retry_times: 3, no_such_setting: 1 }, 'no_such_setting'],
      [{ retry_times: { value: 3 } }, 'retry_times'],
    ];
    for (const [body, field] of cases) {
      const answer = await h.call('PATCH', '/api/settings', { caller: callers.root, body });
      expect({ body, status: answer.status, code: answer.body.error?.code, field: answer.body.error?.field }).toEqual({ body, status: 400, code: 'invalid_argument', field });
      expect(answer.body.error.message).toContain(field);
    }
    expect(await h.deps.settings.current()).toEqual(before);
    expect((await h.call('PATCH', '/api/settings', { caller: callers.root, body: {} })).status).toBe(400);
  });

  test('only root changes settings; the change is audited by name, never by value', async () => {
    const h = harness();
    for (const caller of [callers.adam, callers.alice]) {
      const answer = await h.call('PATCH', '/api/settings', { caller, body: { log_bodies_enabled: true } });
      expect(answer.status).toBe(403);
    }
    expect((await h.call('PATCH', '/api/settings', { body: { log_bodies_enabled: true } })).status).toBe(401);
    expect((await h.deps.settings.current()).log_bodies_enabled).toBe(false);
    await h.call('PATCH', '/api/settings', { caller: callers.root, body: { log_retention_days: 45 } });
    const audit = await h.call('GET', '/api/audit?action=setting.update', { caller: callers.root });
    const entry = audit.body.data.find((row: { fields: string[] }) => row.fields.includes('log_retention_days'));
    expect(entry).toMatchObject({ actor: 'root', fields: ['log_retention_days'] });
    // What the row records of the change holds no value (its id, time and request id are other text).
    expect(JSON.stringify({ fields: entry.fields, facts: entry.facts })).not.toContain('45');
  });

  test('no secret is in a settings answer', async () => {
    const h = harness();
    const text = JSON.stringify((await h.call('GET', '/api/settings', { caller: callers.root })).body);
    const dataDir = h.environment.dataDir;
    for (const file of ['master.key', 'session.key']) {
      let secret: string | undefined;
      try {
        secret = readFileSync(join(dataDir, file), 'utf8').trim();
      } catch {
        continue;
      }
      expect(secret.length).toBeGreaterThan(16);
      expect(text).not.toContain(secret);
    }
    expect(text).not.toContain(ROOT_PASSWORD);
  });
});
