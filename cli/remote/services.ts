/**
 * The CLI's services over a remote gateway's admin API (README "Admin API"): the same interface as the local
 * ones (../services.ts), so every command prints the same output in both modes. A command's `REF` (an id or a
 * name) becomes the id the API's routes take: digits go straight to `/{id}` (the gateway's own not-found
 * message then answers), a name is looked up with the list route's `search` and matched exactly, with the
 * message the local service gives when nothing matches.
 *
 * Remote mode acts as the access token's owner and sees what that account sees through the API: an
 * administrator manages accounts below its role only, so root's account is not in `user list` and an admin
 * does not see root's keys (the local CLI, run by the operator on the server, has no such limit).
 */
import { systemClock } from '../../src/clock.ts';
import { GatewayError, invalidArgument, notFound } from '../../src/errors/gateway-error.ts';
import type { ChannelTestResult } from '../../src/relay/channel-test.ts';
import { isPeriodicallyTested } from '../../src/relay/channel-tester.ts';
import type { AuditFilter, AuditView } from '../../src/services/audit.ts';
import type { ChannelFilter, ChannelPatch, ChannelView } from '../../src/services/channels.ts';
import { LOG_QUERY_LIMITS, type LogFilter, type LogView } from '../../src/services/logs.ts';
import { hashPresentedCode } from '../../src/security/redemption-codes.ts';
import { parseUsd } from '../../src/services/money.ts';
import type { PriceInput, PriceView } from '../../src/services/prices.ts';
import type { RedemptionView } from '../../src/services/redemptions.ts';
import { requireSettingName } from '../../src/services/settings.ts';
import type { TokenPatch, TokenView } from '../../src/services/tokens.ts';
import type { UsageTotals } from '../../src/services/usage.ts';
import type { UserPatch, UserView } from '../../src/services/users.ts';
import type { ChannelTestOptions, CliServices, LogReads } from '../services.ts';
import type { ApiClient, Query } from './client.ts';
import {
  type ApiAuditEntry,
  type ApiChannel,
  type ApiChannelTestResult,
  type ApiGroup,
  type ApiLog,
  type ApiModelAlias,
  type ApiPrice,
  type ApiRedemption,
  type ApiSetting,
  type ApiToken,
  type ApiUser,
  auditEntryFromApi,
  channelFromApi,
  channelTestResultFromApi,
  groupFromApi,
  logFromApi,
  modelAliasFromApi,
  priceFromApi,
  redemptionFromApi,
  settingFromApi,
  tokenFromApi,
  userFromApi,
} from './views.ts';

/** Each resource's API field names → the CLI's flags and arguments (the inverse of the routes' `fieldNames`). */
const channelFields = { keys: '--key', groups: '--group', model_mapping: '--model-map', status_code_mapping: '--status-code-map', settings: '--setting' };
const tokenFields = { quota_usd: '--quota', user_id: '--user' };
const userFields = { quota_usd: '--quota', amount_usd: 'USD', id: 'user' };
const redemptionFields = { amount_usd: '--amount', code: 'CODE', id: 'REF' };
const priceFields = {
  model: 'MODEL',
  input_usd_per_million: '--input',
  output_usd_per_million: '--output',
  cached_usd_per_million: '--cached',
  cache_write_usd_per_million: '--cache-write',
  image_input_usd_per_million: '--image-input',
  audio_input_usd_per_million: '--audio-input',
  audio_output_usd_per_million: '--audio-output',
  per_call_usd: '--per-call',
  name: 'NAME',
};
const aliasFields = { alias: 'ALIAS', target: 'TARGET' };
const settingFields = {};
const logFields = { user: '--user', token: '--token', model: '--model', channel: '--channel', since: '--since', errors_only: '--errors' };

const DIGITS = /^\d{1,15}$/;
/** `channel test` waits for a real upstream request per key; longer than an ordinary call. */
const CHANNEL_TEST_TIMEOUT_MS = 300_000;

// The gateway checks every answer against the route's declared schema before sending it, so the answers are
// typed by those schemas here (see ./views.ts).
const as = <T>(value: unknown): T => value as T;
const asList = <T>(values: unknown[]): T[] => values as T[];

/** `1700000000000` → the ISO time the API's `since`/`until` read exactly. */
const isoTime = (epoch: number | undefined): string | undefined => (epoch === undefined ? undefined : new Date(epoch).toISOString());

function withoutUndefined<T extends Record<string, unknown>>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>;
}

function channelBody(patch: ChannelPatch): Record<string, unknown> {
  return withoutUndefined({
    name: patch.name,
    type: patch.type,
    keys: patch.keys,
    models: patch.models,
    base_url: patch.baseUrl,
    groups: patch.groups,
    priority: patch.priority,
    weight: patch.weight,
    model_mapping: patch.modelMapping,
    status_code_mapping: patch.statusCodeMapping,
    test_model: patch.testModel,
    tag: patch.tag,
    key_mode: patch.keyMode,
    allow_private: patch.allowPrivate,
    remark: patch.remark,
    settings: patch.settings,
  });
}

function tokenBody(patch: TokenPatch): Record<string, unknown> {
  return withoutUndefined({
    name: patch.name,
    quota_usd: patch.quotaUsd,
    unlimited: patch.unlimited,
    expires: patch.expires,
    models: patch.models,
    allow_ips: patch.allowIps,
    group: patch.group,
  });
}

function userBody(patch: UserPatch): Record<string, unknown> {
  return withoutUndefined({
    username: patch.username,
    password: patch.password,
    role: patch.role,
    group: patch.group,
    email: patch.email,
    display_name: patch.displayName,
  });
}

function priceBody(model: string, input: PriceInput): Record<string, unknown> {
  // One of the service's three input forms; each field is sent when present and the service tells them apart.
  const fields = input as unknown as Partial<Record<string, string | number>>;
  const maxOutput = fields.maxOutputTokens;
  return withoutUndefined({
    model,
    input_usd_per_million: fields.input,
    output_usd_per_million: fields.output,
    cached_usd_per_million: fields.cached,
    cache_write_usd_per_million: fields.cacheWrite,
    image_input_usd_per_million: fields.imageInput,
    audio_input_usd_per_million: fields.audioInput,
    audio_output_usd_per_million: fields.audioOutput,
    per_call_usd: fields.perCall,
    // The flag's text; the API takes the whole number (anything else is refused by the price service as given).
    max_output_tokens: typeof maxOutput === 'string' && DIGITS.test(maxOutput.trim()) ? Number(maxOutput.trim()) : maxOutput,
    ratio: fields.ratio,
    completion_ratio: fields.completionRatio,
    cache_ratio: fields.cacheRatio,
    create_cache_ratio: fields.createCacheRatio,
  });
}

/** The usage totals route's figures, with the micro-USD amount the local report also carries (exact). */
function usageFigures(figures: { requests: number; errors: number; prompt_tokens: number; completion_tokens: number; cost_usd: string }): UsageTotals {
  return {
    requests: figures.requests,
    errors: figures.errors,
    promptTokens: figures.prompt_tokens,
    completionTokens: figures.completion_tokens,
    cost: parseUsd(figures.cost_usd, 'cost_usd'),
    costUsd: figures.cost_usd,
  };
}

interface ApiUsageReport {
  by: 'model' | 'user' | 'token' | 'channel';
  since: string;
  until: string | null;
  rows: ({ key: string; id: number | null; requests: number; errors: number; prompt_tokens: number; completion_tokens: number; cost_usd: string })[];
  totals: { requests: number; errors: number; prompt_tokens: number; completion_tokens: number; cost_usd: string };
}

/** `gateway logs` over GET /api/logs: request rows only, the `--follow` cursor as `after_id`. */
function remoteLogs(api: ApiClient): LogReads {
  const PAGE = 100;
  const query = (filter: LogFilter): Query => ({
    user: filter.user === undefined ? undefined : String(filter.user),
    token: filter.token === undefined ? undefined : String(filter.token),
    model: filter.model,
    channel: filter.channel === undefined ? undefined : String(filter.channel),
    since: isoTime(filter.since),
    errors_only: filter.errorsOnly === true ? true : undefined,
    requests_only: true,
  });
  // The list route's view carries the row's recorded `other` (administrators only), so `--json` prints it all.
  const viewOf = (row: ApiLog): LogView => ({ ...logFromApi(row), other: row.other });
  const page = async (extra: Query): Promise<ApiLog[]> => asList<ApiLog>((await api.call('GET', '/api/logs', { query: extra, fields: logFields })) as unknown[]);
  return {
    async query(filter) {
      const limit = filter.limit ?? LOG_QUERY_LIMITS.defaultLimit;
      const views: LogView[] = [];
      // The API's pages hold at most 100 rows; `gateway logs --limit` takes up to 1000.
      for (let number = 1; views.length < limit; number += 1) {
        const rows = await page({ ...query(filter), after_id: filter.afterId, page: number, per_page: PAGE });
        views.push(...rows.map(viewOf));
        if (rows.length < PAGE) break;
      }
      return views.slice(0, limit);
    },
    // The largest id the token's owner reaches (the local command takes the log's largest): from the newest
    // row by time, then along the cursor, since an id written later may carry an earlier time.
    async latestId() {
      let id = (await page({ page: 1, per_page: 1 }))[0]?.id ?? 0;
      for (;;) {
        const rows = await page({ after_id: id, page: 1, per_page: PAGE });
        id = rows[rows.length - 1]?.id ?? id;
        if (rows.length < PAGE) return id;
      }
    },
    async readAfter(filter, afterId) {
      const rows = await page({ ...query(filter), after_id: afterId, page: 1, per_page: PAGE });
      return { views: rows.map(viewOf), lastId: rows[rows.length - 1]?.id ?? afterId, more: rows.length === PAGE };
    },
  };
}

export function createRemoteServices(api: ApiClient): CliServices {
  // ---- references -------------------------------------------------------------------------------------------
  let self: ApiUser | undefined;
  const caller = async (): Promise<ApiUser> => {
    self ??= as<ApiUser>(await api.call('GET', '/api/user/self'));
    return self;
  };

  const channelId = async (ref: string): Promise<number> => {
    const value = ref.trim();
    if (DIGITS.test(value)) return Number(value);
    const found = asList<ApiChannel>(await api.all('/api/channels', { query: { search: value } })).find((channel) => channel.name === value);
    if (found === undefined) throw notFound(`no channel named "${value}"; list channels with: gateway channel list`);
    return found.id;
  };

  /** A user id for `--user` and `REF`: the caller itself (which the users routes do not list), else a user below it. */
  const userId = async (ref: string, field?: string): Promise<number> => {
    const value = ref.trim();
    if (DIGITS.test(value)) return Number(value);
    const me = await caller();
    if (me.username === value) return me.id;
    const found = asList<ApiUser>(await api.all('/api/users', { query: { search: value } })).find((user) => user.username === value);
    if (found !== undefined) return found.id;
    if (field === undefined) throw notFound(`no user "${ref}"; list users with: gateway user list`);
    throw new GatewayError({ code: 'not_found', field, message: `${field}: no user "${ref}"; list users with: gateway user list` });
  };

  const userOf = async (ref: string): Promise<ApiUser> => {
    const me = await caller();
    const id = await userId(ref);
    if (id === me.id) return me;
    return as<ApiUser>(await api.call('GET', `/api/users/${id}`, { fields: userFields }));
  };

  const tokenOf = async (ref: string, scope: { user?: string } = {}): Promise<ApiToken> => {
    const value = ref.trim();
    const ownerId = scope.user === undefined ? undefined : await userId(scope.user, '--user');
    const ofOwner = scope.user === undefined ? '' : ` of user "${scope.user.trim()}"`;
    if (DIGITS.test(value)) {
      const found = as<ApiToken>(await api.call('GET', `/api/tokens/${Number(value)}`, { fields: tokenFields }));
      if (ownerId !== undefined && found.user_id !== ownerId) throw notFound(`no key with id ${value}${ofOwner}; list keys with: gateway token list`);
      return found;
    }
    const matches = asList<ApiToken>(await api.all('/api/tokens', { query: { search: value, user_id: ownerId } })).filter((token) => token.name === value);
    const [first] = matches;
    if (first === undefined) throw notFound(`no key named "${value}"${ofOwner}; list keys with: gateway token list`);
    if (matches.length > 1) {
      const choices = matches.map((match) => `${match.id} (user ${match.username})`).join(', ');
      throw invalidArgument('--user', `several users have a key named "${value}": ids ${choices}; pass --user USER or use the id`);
    }
    return first;
  };

  const redemptions = async (status?: string): Promise<RedemptionView[]> =>
    // The API lists newest first; `gateway redeem list` prints oldest first.
    asList<ApiRedemption>(await api.all('/api/redemptions', { query: { status }, fields: redemptionFields })).map(redemptionFromApi).reverse();

  const redemptionOf = async (ref: string): Promise<RedemptionView> => {
    const value = ref.trim().replace(/(?:…|\.\.\.)$/, '');
    const all = await redemptions();
    if (DIGITS.test(value)) {
      const byId = all.find((redemption) => redemption.id === Number(value));
      if (byId !== undefined) return byId;
      if (value.length !== 8) throw notFound(`no redemption code with id ${value}; list codes with: gateway redeem list`);
    }
    if (!/^[0-9A-Za-z]{8}$/.test(value)) {
      throw invalidArgument('REF', `"${ref}" is not a code id or an 8-character code prefix; in remote mode a code is named by its id or prefix (list codes with: gateway redeem list)`);
    }
    const matches = all.filter((redemption) => redemption.prefix.replace(/…$/, '') === value);
    const [first] = matches;
    if (first === undefined) throw notFound(`no redemption code starting with ${value}; list codes with: gateway redeem list`);
    if (matches.length > 1) throw invalidArgument('REF', `several codes start with ${value}: ids ${matches.map((match) => match.id).join(', ')}; use the id`);
    return first;
  };

  // ---- services -------------------------------------------------------------------------------------------
  const channels: CliServices['channels'] = {
    add: async (input) => channelFromApi(as<ApiChannel>(await api.call('POST', '/api/channels', { body: channelBody(input), fields: channelFields }))),
    list: async (filter: ChannelFilter = {}) => {
      const query: Query = { type: filter.type, status: filter.status, tag: filter.tag, group: filter.group, model: filter.model };
      return asList<ApiChannel>(await api.all('/api/channels', { query, fields: channelFields })).map(channelFromApi);
    },
    get: async (ref) => channelFromApi(as<ApiChannel>(await api.call('GET', `/api/channels/${await channelId(ref)}`, { fields: channelFields }))),
    update: async (ref, patch) =>
      channelFromApi(as<ApiChannel>(await api.call('PATCH', `/api/channels/${await channelId(ref)}`, { body: channelBody(patch), fields: channelFields }))),
    setEnabled: async (ref, enabled) =>
      channelFromApi(as<ApiChannel>(await api.call('POST', `/api/channels/${await channelId(ref)}/${enabled ? 'enable' : 'disable'}`, { fields: channelFields }))),
    remove: async (ref) => channelFromApi(as<ApiChannel>(await api.call('DELETE', `/api/channels/${await channelId(ref)}`, { fields: channelFields }))),
  };

  const testChannel = async (id: number, options: ChannelTestOptions): Promise<ChannelTestResult[]> => {
    const body = withoutUndefined({ model: options.model, all_keys: options.allKeys === true ? true : undefined });
    const results = await api.call('POST', `/api/channels/${id}/test`, { body, fields: { ...channelFields, model: '--model' }, timeoutMs: CHANNEL_TEST_TIMEOUT_MS });
    return asList<ApiChannelTestResult>(results as unknown[]).map(channelTestResultFromApi);
  };

  const users: CliServices['users'] = {
    create: async (input) => {
      const body = withoutUndefined({ ...userBody(input), quota_usd: input.quotaUsd });
      const created = as<{ user: ApiUser; password?: string }>(await api.call('POST', '/api/users', { body, fields: userFields }));
      return created.password === undefined ? { user: userFromApi(created.user) } : { user: userFromApi(created.user), password: created.password };
    },
    list: async (filter = {}) =>
      asList<ApiUser>(await api.all('/api/users', { query: { role: filter.role, status: filter.status }, fields: userFields })).map(userFromApi),
    get: async (ref) => userFromApi(await userOf(ref)),
    update: async (ref, patch) =>
      userFromApi(as<ApiUser>(await api.call('PATCH', `/api/users/${await userId(ref)}`, { body: userBody(patch), fields: userFields }))),
    setEnabled: async (ref, enabled) =>
      userFromApi(as<ApiUser>(await api.call('POST', `/api/users/${await userId(ref)}/${enabled ? 'enable' : 'disable'}`, { fields: userFields }))),
    remove: async (ref) => {
      const removed = as<{ user: ApiUser; tokens_disabled: number }>(await api.call('DELETE', `/api/users/${await userId(ref)}`, { fields: userFields }));
      return { user: userFromApi(removed.user), tokensDisabled: removed.tokens_disabled };
    },
    topup: async (ref, usd) => {
      const result = as<{ user: ApiUser; amount_usd: string }>(
        await api.call('POST', `/api/users/${await userId(ref)}/topup`, { body: { amount_usd: usd }, fields: userFields }),
      );
      return { user: userFromApi(result.user), amountUsd: result.amount_usd };
    },
  };

  const tokens: CliServices['tokens'] = {
    create: async (input) => {
      const body = withoutUndefined({ ...tokenBody(input), user_id: input.user === undefined ? undefined : await userId(input.user, '--user') });
      const created = as<{ token: ApiToken; key: string }>(await api.call('POST', '/api/tokens', { body, fields: tokenFields }));
      return { token: tokenFromApi(created.token), key: created.key };
    },
    list: async (scope = {}) => {
      const ownerId = scope.user === undefined ? undefined : await userId(scope.user, '--user');
      return asList<ApiToken>(await api.all('/api/tokens', { query: { user_id: ownerId }, fields: tokenFields })).map(tokenFromApi);
    },
    get: async (ref, scope) => tokenFromApi(await tokenOf(ref, scope)),
    update: async (ref, patch, scope) => {
      const { id } = await tokenOf(ref, scope);
      return tokenFromApi(as<ApiToken>(await api.call('PATCH', `/api/tokens/${id}`, { body: tokenBody(patch), fields: tokenFields })));
    },
    setEnabled: async (ref, enabled, scope) => {
      const { id } = await tokenOf(ref, scope);
      return tokenFromApi(as<ApiToken>(await api.call('PATCH', `/api/tokens/${id}`, { body: { status: enabled ? 'enabled' : 'disabled' }, fields: tokenFields })));
    },
    remove: async (ref, scope) => {
      const { id } = await tokenOf(ref, scope);
      return tokenFromApi(as<ApiToken>(await api.call('DELETE', `/api/tokens/${id}`, { fields: tokenFields })));
    },
  };

  const settingNamed = async (name: string, value: string | null) => {
    const settingName = requireSettingName(name);
    const all = asList<ApiSetting>((await api.call('PATCH', '/api/settings', { body: { [settingName]: value }, fields: settingFields })) as unknown[]);
    const changed = all.find((setting) => setting.name === settingName);
    if (changed === undefined) throw notFound(`the gateway did not answer setting ${settingName}; is --server a gateway of the same version?`);
    return settingFromApi(changed);
  };

  const prices: CliServices['prices'] = {
    list: async () => asList<ApiPrice>(await api.all('/api/prices', { fields: priceFields })).map(priceFromApi),
    get: async (model) => priceFromApi(as<ApiPrice>(await api.call('GET', '/api/prices/lookup', { query: { model }, fields: priceFields }))),
    resolve: async (model): Promise<PriceView | undefined> => {
      try {
        return priceFromApi(as<ApiPrice>(await api.call('GET', '/api/prices/lookup', { query: { model, billed: true }, fields: priceFields })));
      } catch (error) {
        if (error instanceof Error && 'code' in error && error.code === 'not_found') return undefined;
        throw error;
      }
    },
    set: async (model, input) => priceFromApi(as<ApiPrice>(await api.call('PUT', '/api/prices', { body: priceBody(model, input), fields: priceFields }))),
    remove: async (model) => priceFromApi(as<ApiPrice>(await api.call('DELETE', '/api/prices', { query: { model }, fields: priceFields }))),
    reset: async (model) => {
      const result = as<{ added: string[]; updated: string[]; unchanged: number }>(await api.call('POST', '/api/prices/reset', { query: { model }, fields: priceFields }));
      return { added: result.added, updated: result.updated, unchanged: result.unchanged };
    },
    importNewApi: async (options) => {
      const result = as<{ prices: ApiPrice[]; groups: ApiGroup[]; ignored_options: string[]; unpriced: string[]; skipped: string[] }>(
        await api.call('POST', '/api/prices/import', { body: options, fields: priceFields }),
      );
      return {
        prices: result.prices.map(priceFromApi),
        groups: result.groups.map(groupFromApi),
        ignoredOptions: result.ignored_options,
        unpriced: result.unpriced,
        skipped: result.skipped,
      };
    },
    listGroups: async () => asList<ApiGroup>((await api.call('GET', '/api/groups', { fields: priceFields })) as unknown[]).map(groupFromApi),
    setGroup: async (name, input) =>
      groupFromApi(as<ApiGroup>(await api.call('PUT', '/api/groups', { body: withoutUndefined({ name, multiplier: input.multiplier, description: input.description }), fields: priceFields }))),
    removeGroup: async (name) => groupFromApi(as<ApiGroup>(await api.call('DELETE', '/api/groups', { query: { name }, fields: priceFields }))),
  };

  return {
    channels,
    channelTests: {
      test: async (ref, options) => testChannel(await channelId(ref), options),
      async testAll(options) {
        const tested: ChannelTestResult[] = [];
        for (const view of (await channels.list()).filter((channel: ChannelView) => isPeriodicallyTested(channel))) tested.push(...(await testChannel(view.id, options)));
        return tested;
      },
    },
    tokens,
    users,
    twoFactor: {
      reset: async (ref) => {
        const result = as<{ user: ApiUser; was_enabled: boolean }>(await api.call('POST', `/api/users/${await userId(ref)}/2fa/reset`, { fields: userFields }));
        return { user: userFromApi(result.user), wasEnabled: result.was_enabled };
      },
    },
    redemptions: {
      create: async (input) => {
        const body = withoutUndefined({ amount_usd: input.amountUsd, count: input.count, name: input.name, expires: input.expires });
        const created = as<{ codes: string[]; redemptions: ApiRedemption[] }>(await api.call('POST', '/api/redemptions', { body, fields: redemptionFields }));
        return { codes: created.codes, redemptions: created.redemptions.map(redemptionFromApi) };
      },
      list: async (filter = {}) => redemptions(filter.status),
      get: (ref) => redemptionOf(ref),
      disable: async (ref) =>
        redemptionFromApi(as<ApiRedemption>(await api.call('POST', `/api/redemptions/${(await redemptionOf(ref)).id}/disable`, { fields: redemptionFields }))),
      remove: async (ref) => redemptionFromApi(as<ApiRedemption>(await api.call('DELETE', `/api/redemptions/${(await redemptionOf(ref)).id}`, { fields: redemptionFields }))),
      redeem: async (userRef, code) => {
        // The local service checks the code's form before it looks the user up.
        if (hashPresentedCode(code) === undefined) throw invalidArgument('CODE', 'CODE must be the 32 letters and digits of a redemption code');
        const id = await userId(userRef, 'USER');
        const result = as<{ redemption: ApiRedemption; user: ApiUser; amount_usd: string }>(
          await api.call('POST', `/api/users/${id}/redeem`, { body: { code }, fields: { ...userFields, ...redemptionFields, id: 'USER' } }),
        );
        return { redemption: redemptionFromApi(result.redemption), user: userFromApi(result.user), amountUsd: result.amount_usd };
      },
    },
    settings: {
      list: async () => asList<ApiSetting>((await api.call('GET', '/api/settings')) as unknown[]).map(settingFromApi),
      set: (name, text) => settingNamed(name, text),
      reset: (name) => settingNamed(name, null),
    },
    prices,
    modelAliases: {
      add: async (alias, target) => modelAliasFromApi(as<ApiModelAlias>(await api.call('POST', '/api/model-aliases', { body: { alias, target }, fields: aliasFields }))),
      list: async () => asList<ApiModelAlias>(await api.all('/api/model-aliases')).map(modelAliasFromApi),
      remove: async (alias) => modelAliasFromApi(as<ApiModelAlias>(await api.call('DELETE', '/api/model-aliases', { query: { alias }, fields: aliasFields }))),
    },
    audit: {
      async page(filter: AuditFilter, window) {
        const query: Query = {
          actor: filter.actor,
          action: filter.action,
          target_type: filter.targetType,
          target_id: filter.targetId,
          since: isoTime(filter.since),
          until: isoTime(filter.until),
        };
        const entries: AuditView[] = [];
        let total = 0;
        // The API's pages hold at most 100 rows; `gateway audit --limit` takes up to 1000.
        for (let offset = window.offset; entries.length < window.limit; offset += 100) {
          const page = Math.floor(offset / 100) + 1;
          const rows = asList<ApiAuditEntry>((await api.call('GET', '/api/audit', { query: { ...query, page, per_page: 100 } })) as unknown[]);
          entries.push(...rows.map(auditEntryFromApi));
          total = entries.length;
          if (rows.length < 100) break;
        }
        return { entries: entries.slice(0, window.limit), total };
      },
    },
    usage: {
      async query(query) {
        const report = as<ApiUsageReport>(
          await api.call('GET', '/api/usage/totals', { query: { by: query.by, since: isoTime(query.since), until: isoTime(query.until) }, fields: { by: '--by', since: '--since' } }),
        );
        return {
          by: report.by,
          since: report.since,
          until: report.until,
          rows: report.rows.map((row) => ({ key: row.key, id: row.id, ...usageFigures(row) })),
          totals: usageFigures(report.totals),
        };
      },
    },
    logs: remoteLogs(api),
    servedModels: {
      list: async () =>
        asList<{ model: string; groups: string[]; channels: { id: number; name: string }[]; aliases: string[] }>(await api.all('/api/models')).map((model) => ({
          model: model.model,
          groups: model.groups,
          channels: model.channels.map((channel) => ({ id: channel.id, name: channel.name })),
          aliases: model.aliases,
        })),
    },
    ledger: {
      async check() {
        const report = as<{ ok: boolean; problems: string[]; users: number; keys: number; expired_open_holds: number }>(await api.call('GET', '/api/ledger/check'));
        return { ok: report.ok, problems: report.problems, users: report.users, keys: report.keys, expiredOpenHolds: report.expired_open_holds };
      },
    },
    clock: systemClock,
  };
}
