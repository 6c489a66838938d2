import { describe, expect, test } from 'bun:test';
import { readRevisions } from '../../src/db/repos/revisions.ts';
import { defaultSettings, parseStatusRanges, statusInRanges } from '../../src/services/settings.ts';
import { forEachDialect } from '../helpers/stores.ts';

describe('status ranges', () => {
  test("New API's default retry ranges skip 400, 408, 504 and 524", () => {
    const ranges = parseStatusRanges(defaultSettings().retry_status_codes, 'retry_status_codes');
    for (const status of [429, 500, 502, 503, 401, 409]) expect(statusInRanges(status, ranges)).toBe(true);
    for (const status of [400, 408, 504, 524, 200]) expect(statusInRanges(status, ranges)).toBe(false);
  });

  test('malformed ranges name the setting', () => {
    expect(() => parseStatusRanges('500-400', 'retry_status_codes')).toThrow(/retry_status_codes: "500-400"/);
    expect(() => parseStatusRanges('abc', 'retry_status_codes')).toThrow(/between 100 and 599/);
    expect(() => parseStatusRanges('99', 'x')).toThrow();
  });
});

forEachDialect('settings service', (context) => {
  test('defaults until set; set and reset bump the settings counter', async () => {
    const { settings, store } = context();
    expect(await settings.current()).toEqual(defaultSettings());
    const before = (await readRevisions(store)).settings ?? 0;
    expect((await settings.set('retry_times', '4')).value).toBe(4);
    expect((await settings.set('auto_disable_enabled', 'on')).value).toBe(true);
    expect((await settings.set('auto_disable_error_codes', 'invalid_api_key, insufficient_quota')).value).toEqual([
      'invalid_api_key',
      'insufficient_quota',
    ]);
    const current = await settings.current();
    expect(current.retry_times).toBe(4);
    expect(current.auto_disable_enabled).toBe(true);
    expect((await readRevisions(store)).settings).toBe(before + 3);
    const reset = await settings.reset('retry_times');
    expect(reset).toMatchObject({ value: 2, isDefault: true });
  });

  test('bad names and values are refused, and nothing stored changes', async () => {
    const { settings } = context();
    await expect(settings.set('retry_tims', '1')).rejects.toThrow(/unknown setting "retry_tims"; known settings: retry_times/);
    await expect(settings.set('retry_times', '11')).rejects.toThrow(/from 0 to 10/);
    await expect(settings.set('retry_times', '-1')).rejects.toThrow(/whole number/);
    await expect(settings.set('auto_enable_enabled', 'maybe')).rejects.toThrow(/true or false/);
    await expect(settings.set('retry_status_codes', '429,600')).rejects.toThrow(/"600"/);
    expect((await settings.current()).retry_status_codes).toBe(defaultSettings().retry_status_codes);
  });
});
