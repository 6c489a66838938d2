/**
 * The remote CLI's view mappings (cli/remote/views.ts) are the exact inverse of the admin API's allowlists
 * (src/http/admin/views.ts): a service view sent through the API and mapped back is the same object, with its
 * keys in the same order (so `--json` prints the same text).
 */
import { describe, expect, test } from 'bun:test';
import {
  auditEntryFromApi,
  channelFromApi,
  channelTestResultFromApi,
  groupFromApi,
  modelAliasFromApi,
  priceFromApi,
  redemptionFromApi,
  settingFromApi,
  tokenFromApi,
  userFromApi,
} from '../../cli/remote/views.ts';
import { modelAliasView } from '../../src/http/admin/routes/model-aliases.ts';
import { auditEntryView, channelTestResultView, channelView, groupView, priceView, redemptionView, settingView, tokenView, userView } from '../../src/http/admin/views.ts';
import type { ChannelTestResult } from '../../src/relay/channel-test.ts';
import type { ChannelView } from '../../src/services/channels.ts';
import { settingSpecs } from '../../src/services/settings.ts';
import type { TokenView } from '../../src/services/tokens.ts';
import type { UserView } from '../../src/services/users.ts';

/** Equal, and JSON-equal, so the key order matches too. */
function expectSame<T>(back: T, original: T): void {
  expect(back).toEqual(original);
  expect(JSON.stringify(back)).toBe(JSON.stringify(original));
}

const at = '2026-01-31T12:00:00.000Z';

describe('remote views map the API back to the service views', () => {
  test('user and API key', () => {
    const user: UserView = {
      id: 2, username: 'alice', displayName: 'Alice', email: null, role: 'admin', status: 'enabled', group: 'vip',
      balanceUsd: '1.5', usedUsd: '0', requestCount: 3, createdAt: at, lastLoginAt: null, twoFactorEnabled: true,
    };
    expectSame(userFromApi(userView(user)), user);
    const token: TokenView = {
      id: 7, name: 'ci', userId: 2, username: 'alice', keyPrefix: 'sk-abc', status: 'exhausted', unlimited: false, quotaUsd: '0',
      usedUsd: '5', requestCount: 9, models: ['gpt-4o'], allowIps: ['10.0.0.0/8'], group: null, expiresAt: null, createdAt: at, accessedAt: at,
    };
    expectSame(tokenFromApi(tokenView(token)), token);
  });

  test('channel and channel test result', () => {
    const channel: ChannelView = {
      id: 3, name: 'main', type: 'openai', baseUrl: 'https://api.openai.com', status: 'auto-disabled', disabledReason: 'invalid_api_key',
      priority: -1, weight: 0, models: ['gpt-4o'], groups: ['default'], modelMapping: { a: 'b' }, statusCodeMapping: { '429': '503' },
      testModel: null, tag: 't', keyMode: 'round-robin', allowPrivate: 'localhost:11434', remark: '', settings: { organization: 'org' },
      keys: [{ position: 0, hint: 'abcd', status: 'enabled' }], usedUsd: '0.000001', requestCount: 0, responseTimeMs: null,
      testedAt: null, createdAt: at, updatedAt: at,
    };
    expectSame(channelFromApi(channelView(channel)), channel);
    const result: ChannelTestResult = {
      channelId: 3, channelName: 'main', model: 'gpt-4o', upstreamModel: 'gpt-4o-2024', endpoint: 'chat-completions', keyPosition: 0,
      ok: false, latencyMs: 12, status: 401, errorCode: 'invalid_api_key', message: 'bad key', reEnabled: false,
    };
    expectSame(channelTestResultFromApi(channelTestResultView(result)), result);
  });

  test('redemption code, price, group, setting, audit row and model alias', () => {
    const redemption = {
      id: 1, name: 'batch', prefix: 'AbCd1234…', status: 'used' as const, amountUsd: '5', createdBy: null, usedBy: 2,
      createdAt: at, redeemedAt: at, expiresAt: null,
    };
    expectSame(redemptionFromApi(redemptionView(redemption)), redemption);
    const price = {
      model: 'gpt-4o', mode: 'tokens' as const, inputUsdPerMillion: '2.5', outputUsdPerMillion: '10', cachedUsdPerMillion: '1.25',
      cacheWriteUsdPerMillion: null, imageInputUsdPerMillion: null, audioInputUsdPerMillion: null, audioOutputUsdPerMillion: null,
      perCallUsd: null, maxOutputTokens: 16384, isDefault: true, updatedAt: at,
    };
    expectSame(priceFromApi(priceView(price)), price);
    const group = { name: 'vip', multiplier: '0.875', multiplierPpm: 875_000, description: 'less', updatedAt: at };
    expectSame(groupFromApi(groupView(group)), group);
    const setting = {
      name: 'retry_times' as const, value: 4, isDefault: false, description: settingSpecs.retry_times.description,
      defaultValue: 2, kind: settingSpecs.retry_times.kind,
    };
    expectSame(settingFromApi(settingView(setting)), setting);
    const entry = {
      id: 9, createdAt: at, actor: 'cli', actorUserId: null, action: 'channel.update', targetType: 'channel', targetId: '3',
      ip: null, requestId: null, fields: ['priority'], facts: { count: 2, ok: true, note: null },
    };
    expectSame(auditEntryFromApi(auditEntryView(entry)), entry);
    const alias = { alias: 'gpt4', target: 'gpt-4o', createdAt: at };
    expectSame(modelAliasFromApi(modelAliasView(alias)), alias);
  });
});
