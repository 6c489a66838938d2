/**
 * The admin API's views (src/http/admin/views.ts, snake_case allowlists) turned back into the services' views
 * (camelCase), one explicit function per view and field by field, in the order the services build them, so
 * `--json` and the tables print exactly what the local command prints. No generic case conversion: a field
 * added on either side fails to compile here (or the remote parity tests) instead of drifting silently.
 *
 * Answers are typed by the API's schemas without being checked again: the gateway checks every answer against
 * its declared schema before it sends it (src/http/admin/plugin.ts), and the versions are expected to match.
 */
import type { Static } from 'elysia';
import type {
  auditEntrySchema,
  channelKeySchema,
  channelSchema,
  channelTestResultSchema,
  groupSchema,
  logDetailSchema,
  logSchema,
  minuteActivitySchema,
  priceSchema,
  redemptionSchema,
  settingSchema,
  tokenSchema,
  userSchema,
} from '../../src/http/admin/views.ts';
import type { ChannelTestResult } from '../../src/relay/channel-test.ts';
import type { AuditView } from '../../src/services/audit.ts';
import type { ChannelKeyView, ChannelView } from '../../src/services/channels.ts';
import type { LogView, MinuteActivity } from '../../src/services/logs.ts';
import type { ModelAliasView } from '../../src/services/model-aliases.ts';
import { parseUsd } from '../../src/services/money.ts';
import type { GroupView, PriceView } from '../../src/services/prices.ts';
import type { RedemptionView } from '../../src/services/redemptions.ts';
import { type SettingView, settingSpecs, requireSettingName } from '../../src/services/settings.ts';
import type { TokenView } from '../../src/services/tokens.ts';
import type { UserView } from '../../src/services/users.ts';

export type ApiUser = Static<typeof userSchema>;
export type ApiToken = Static<typeof tokenSchema>;
export type ApiChannel = Static<typeof channelSchema>;
export type ApiChannelKey = Static<typeof channelKeySchema>;
export type ApiChannelTestResult = Static<typeof channelTestResultSchema>;
export type ApiRedemption = Static<typeof redemptionSchema>;
export type ApiPrice = Static<typeof priceSchema>;
export type ApiGroup = Static<typeof groupSchema>;
export type ApiSetting = Static<typeof settingSchema>;
export type ApiAuditEntry = Static<typeof auditEntrySchema>;
export type ApiLog = Static<typeof logSchema>;
export type ApiLogDetail = Static<typeof logDetailSchema>;
export type ApiMinuteActivity = Static<typeof minuteActivitySchema>;
/** The model alias routes' view (src/http/admin/routes/model-aliases.ts). */
export interface ApiModelAlias {
  alias: string;
  target: string;
  created_at: string;
}

export function userFromApi(user: ApiUser): UserView {
  return {
    id: user.id,
    username: user.username,
    displayName: user.display_name,
    email: user.email,
    role: user.role,
    status: user.status,
    group: user.group,
    balanceUsd: user.balance_usd,
    usedUsd: user.used_usd,
    requestCount: user.request_count,
    createdAt: user.created_at,
    lastLoginAt: user.last_login_at,
    twoFactorEnabled: user.two_factor_enabled,
  };
}

export function tokenFromApi(token: ApiToken): TokenView {
  return {
    id: token.id,
    name: token.name,
    userId: token.user_id,
    username: token.username,
    keyPrefix: token.key_prefix,
    status: token.status,
    unlimited: token.unlimited,
    quotaUsd: token.quota_usd,
    usedUsd: token.used_usd,
    requestCount: token.request_count,
    models: token.models,
    allowIps: token.allow_ips,
    group: token.group,
    expiresAt: token.expires_at,
    createdAt: token.created_at,
    accessedAt: token.accessed_at,
  };
}

export function channelKeyFromApi(key: ApiChannelKey): ChannelKeyView {
  return { position: key.position, hint: key.hint, status: key.status };
}

export function channelFromApi(channel: ApiChannel): ChannelView {
  return {
    id: channel.id,
    name: channel.name,
    type: channel.type,
    baseUrl: channel.base_url,
    status: channel.status,
    disabledReason: channel.disabled_reason,
    priority: channel.priority,
    weight: channel.weight,
    models: channel.models,
    groups: channel.groups,
    modelMapping: channel.model_mapping,
    statusCodeMapping: channel.status_code_mapping,
    testModel: channel.test_model,
    tag: channel.tag,
    keyMode: channel.key_mode,
    allowPrivate: channel.allow_private,
    remark: channel.remark,
    settings: channel.settings,
    keys: channel.keys.map(channelKeyFromApi),
    usedUsd: channel.used_usd,
    requestCount: channel.request_count,
    responseTimeMs: channel.response_time_ms,
    testedAt: channel.tested_at,
    createdAt: channel.created_at,
    updatedAt: channel.updated_at,
  };
}

export function channelTestResultFromApi(result: ApiChannelTestResult): ChannelTestResult {
  return {
    channelId: result.channel_id,
    channelName: result.channel_name,
    model: result.model,
    upstreamModel: result.upstream_model,
    endpoint: result.endpoint,
    keyPosition: result.key_position,
    ok: result.ok,
    latencyMs: result.latency_ms,
    status: result.status,
    errorCode: result.error_code,
    message: result.message,
    reEnabled: result.re_enabled,
  };
}

export function redemptionFromApi(redemption: ApiRedemption): RedemptionView {
  return {
    id: redemption.id,
    name: redemption.name,
    prefix: redemption.prefix,
    status: redemption.status,
    amountUsd: redemption.amount_usd,
    createdBy: redemption.created_by,
    usedBy: redemption.used_by,
    createdAt: redemption.created_at,
    redeemedAt: redemption.redeemed_at,
    expiresAt: redemption.expires_at,
  };
}

export function priceFromApi(price: ApiPrice): PriceView {
  return {
    model: price.model,
    mode: price.mode,
    inputUsdPerMillion: price.input_usd_per_million,
    outputUsdPerMillion: price.output_usd_per_million,
    cachedUsdPerMillion: price.cached_usd_per_million,
    cacheWriteUsdPerMillion: price.cache_write_usd_per_million,
    imageInputUsdPerMillion: price.image_input_usd_per_million,
    audioInputUsdPerMillion: price.audio_input_usd_per_million,
    audioOutputUsdPerMillion: price.audio_output_usd_per_million,
    perCallUsd: price.per_call_usd,
    maxOutputTokens: price.max_output_tokens,
    isDefault: price.is_default,
    updatedAt: price.updated_at,
  };
}

export function groupFromApi(group: ApiGroup): GroupView {
  return {
    name: group.name,
    multiplier: group.multiplier,
    // The API shows the exact decimal only; parts per million are the same digits (6 decimals), parsed exactly.
    multiplierPpm: parseUsd(group.multiplier, 'multiplier'),
    description: group.description,
    updatedAt: group.updated_at,
  };
}

export function settingFromApi(setting: ApiSetting): SettingView {
  const name = requireSettingName(setting.name);
  return {
    name,
    value: setting.value,
    isDefault: setting.is_default,
    description: setting.description,
    defaultValue: setting.default,
    // The API flattens the kind to its type and range; the spec of the same name holds it whole.
    kind: settingSpecs[name].kind,
  };
}

export function auditEntryFromApi(entry: ApiAuditEntry): AuditView {
  return {
    id: entry.id,
    createdAt: entry.created_at,
    actor: entry.actor,
    actorUserId: entry.actor_user_id,
    action: entry.action,
    targetType: entry.target_type,
    targetId: entry.target_id,
    ip: entry.ip,
    requestId: entry.request_id,
    fields: entry.fields,
    facts: entry.facts,
  };
}

export function modelAliasFromApi(alias: ApiModelAlias): ModelAliasView {
  return { alias: alias.alias, target: alias.target, createdAt: alias.created_at };
}

/**
 * A log row. The list route leaves out the row's raw `other`; with `detail` (GET /api/logs/{id}) it is rebuilt
 * from the details and the retry chain under the names the relay records (src/services/log-queries.ts reads
 * them back), so a detail view shows what it shows locally. `content` is null when the body is not shown.
 */
export function logFromApi(log: ApiLog, detail?: ApiLogDetail): LogView {
  return {
    id: log.id,
    createdAt: log.created_at,
    type: log.type,
    requestId: log.request_id,
    userId: log.user_id,
    username: log.username,
    tokenId: log.token_id,
    tokenName: log.token_name,
    channelId: log.channel_id,
    channelName: log.channel_name,
    group: log.group,
    modelName: log.model_name,
    upstreamModel: log.upstream_model,
    isStream: log.is_stream,
    status: log.status,
    promptTokens: log.prompt_tokens,
    completionTokens: log.completion_tokens,
    cachedTokens: log.cached_tokens,
    cacheWriteTokens: log.cache_write_tokens,
    reasoningTokens: log.reasoning_tokens,
    costUsd: log.cost_usd,
    latencyMs: log.latency_ms,
    firstTokenMs: log.first_token_ms,
    errorCode: log.error_code,
    content: log.content ?? '',
    ip: log.ip,
    other: detail === undefined ? {} : logOtherFromApi(detail),
  };
}

function logOtherFromApi(detail: ApiLogDetail): Record<string, unknown> {
  const { details } = detail;
  return {
    endpoint: details.endpoint,
    end: details.end,
    estimated: details.estimated,
    partial: details.partial,
    clamped: details.clamped,
    imageInputTokens: details.image_input_tokens,
    audioInputTokens: details.audio_input_tokens,
    audioOutputTokens: details.audio_output_tokens,
    ledgerId: details.ledger_id,
    hold: details.hold_usd === null ? null : parseUsd(details.hold_usd, 'hold_usd'),
    overrun: details.overrun_usd === null ? null : parseUsd(details.overrun_usd, 'overrun_usd'),
    unpriced: details.unpriced,
    attempts: detail.attempts.map((attempt) => ({
      channelId: attempt.channel_id,
      channelName: attempt.channel_name,
      keyPosition: attempt.key_position,
      upstreamModel: attempt.upstream_model,
      status: attempt.status,
      errorCode: attempt.error_code,
      retryable: attempt.retryable,
      durationMs: attempt.duration_ms,
      passthrough: attempt.passthrough,
    })),
  };
}

export function minuteActivityFromApi(activity: ApiMinuteActivity): MinuteActivity {
  return {
    minute: Date.parse(activity.minute),
    requests: activity.requests,
    errors: activity.errors,
    tokens: activity.tokens,
    cost: parseUsd(activity.cost_usd, 'cost_usd'),
  };
}
