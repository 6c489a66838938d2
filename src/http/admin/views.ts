/**
 * What the admin API shows of each object: one schema and one mapping function per view, each naming its
 * fields one by one (reliability.md G11: responses are built from allowlists, never by spreading a row and
 * deleting fields). Password hashes, key and token digests, session ids, TOTP secrets and channel keys have
 * no field here (the one exception: `revealedKeySchema`, answered only by root's password-checked, audited key
 * reveal), and the response schemas refuse unknown fields, so adding one takes a deliberate edit here and in
 * the allowlist snapshot tests (test/http/admin-allowlist.test.ts, test/http/admin-channels.security.test.ts).
 */
import { type Static, t } from 'elysia';
import type { AccessTokenView } from '../../services/access-tokens.ts';
import type { AuditView } from '../../services/audit.ts';
import type { RevealedKey } from '../../services/channel-keys.ts';
import type { ChannelKeyView, ChannelView } from '../../services/channels.ts';
import type { UpstreamModelsResult } from '../../services/upstream-models.ts';
import type { ChannelTestResult } from '../../relay/channel-test.ts';
import type { SessionView } from '../../services/sessions.ts';
import type { TokenView } from '../../services/tokens.ts';
import type { TwoFactorStatus } from '../../services/two-factor.ts';
import type { UserView } from '../../services/users.ts';
import { type LogDetails, logAttempts, logDetails, shownContent } from '../../services/log-queries.ts';
import { type LogView, logTypeNames, type MinuteActivity } from '../../services/logs.ts';
import { formatUsd } from '../../services/money.ts';
import type { GroupView, PriceView } from '../../services/prices.ts';
import type { RedemptionView } from '../../services/redemptions.ts';
import type { LedgerReport } from '../../services/ledger-check.ts';
import type { SettingView } from '../../services/settings.ts';
import type { UsageReport, UsageSeriesReport, UsageTotals } from '../../services/usage.ts';

const timestamp = (description: string) => t.String({ format: 'date-time', description });
const nullableTimestamp = (description: string) => t.Union([t.String({ format: 'date-time' }), t.Null()], { description });
const usd = (description: string) => t.String({ description: `${description} Decimal US dollars, exact (up to 6 decimals).` });

export const roleSchema = t.Union([t.Literal('user'), t.Literal('admin'), t.Literal('root')]);
export const enabledStatusSchema = t.Union([t.Literal('enabled'), t.Literal('disabled')]);

export const userSchema = t.Object(
  {
    id: t.Integer(),
    username: t.String(),
    display_name: t.String(),
    email: t.Union([t.String(), t.Null()]),
    role: roleSchema,
    status: enabledStatusSchema,
    group: t.String({ description: 'Pricing group.' }),
    balance_usd: usd('Wallet balance.'),
    used_usd: usd('Spent so far.'),
    request_count: t.Integer(),
    created_at: timestamp('When the account was made.'),
    last_login_at: nullableTimestamp('Last successful sign-in.'),
    two_factor_enabled: t.Boolean({ description: 'Sign-in asks for a TOTP code (or a recovery code).' }),
  },
  { additionalProperties: false },
);

export function userView(user: UserView): Static<typeof userSchema> {
  return {
    id: user.id,
    username: user.username,
    display_name: user.displayName,
    email: user.email,
    role: user.role,
    status: user.status,
    group: user.group,
    balance_usd: user.balanceUsd,
    used_usd: user.usedUsd,
    request_count: user.requestCount,
    created_at: user.createdAt,
    last_login_at: user.lastLoginAt,
    two_factor_enabled: user.twoFactorEnabled,
  };
}

export const tokenSchema = t.Object(
  {
    id: t.Integer(),
    name: t.String(),
    user_id: t.Integer(),
    username: t.String(),
    key_prefix: t.String({ description: 'The first characters of the key; the key itself is shown only once, at creation.' }),
    status: t.Union([t.Literal('enabled'), t.Literal('disabled'), t.Literal('expired'), t.Literal('exhausted')]),
    unlimited: t.Boolean(),
    quota_usd: t.Union([usd('Remaining budget.'), t.Null()], { description: 'Remaining budget; null when unlimited.' }),
    used_usd: usd('Spent with this key.'),
    request_count: t.Integer(),
    models: t.Array(t.String(), { description: 'Allowed models; empty means every model.' }),
    allow_ips: t.Array(t.String(), { description: 'Allowed client IPs and CIDRs; empty means any address.' }),
    group: t.Union([t.String(), t.Null()], { description: "Overrides the owner's group when set." }),
    expires_at: nullableTimestamp('Expiry; null means never.'),
    created_at: timestamp('When the key was made.'),
    accessed_at: nullableTimestamp('Last use.'),
  },
  { additionalProperties: false },
);

export function tokenView(token: TokenView): Static<typeof tokenSchema> {
  return {
    id: token.id,
    name: token.name,
    user_id: token.userId,
    username: token.username,
    key_prefix: token.keyPrefix,
    status: token.status,
    unlimited: token.unlimited,
    quota_usd: token.quotaUsd,
    used_usd: token.usedUsd,
    request_count: token.requestCount,
    models: token.models,
    allow_ips: token.allowIps,
    group: token.group,
    expires_at: token.expiresAt,
    created_at: token.createdAt,
    accessed_at: token.accessedAt,
  };
}

export const sessionSchema = t.Object(
  {
    id: t.String({ description: 'Handle for DELETE /api/auth/sessions/{id}; not the cookie.' }),
    created_at: timestamp('Sign-in time.'),
    last_seen_at: timestamp('Last request (updated at most once a minute).'),
    expires_at: timestamp('The sign-in ends then at the latest.'),
    ip: t.Union([t.String(), t.Null()]),
    user_agent: t.Union([t.String(), t.Null()]),
    current: t.Boolean({ description: 'The sign-in this request came with.' }),
  },
  { additionalProperties: false },
);

export function sessionView(session: SessionView): Static<typeof sessionSchema> {
  return {
    id: session.id,
    created_at: session.createdAt,
    last_seen_at: session.lastSeenAt,
    expires_at: session.expiresAt,
    ip: session.ip,
    user_agent: session.userAgent,
    current: session.current,
  };
}

export const accessTokenSchema = t.Object(
  {
    id: t.Integer(),
    name: t.String(),
    prefix: t.String({ description: 'gpat_ and the first characters; the token itself is shown only once, at creation.' }),
    status: t.Union([t.Literal('active'), t.Literal('expired')]),
    created_at: timestamp('When the token was made.'),
    last_used_at: nullableTimestamp('Last use (updated at most once a minute).'),
    expires_at: nullableTimestamp('Expiry; null means never.'),
  },
  { additionalProperties: false },
);

export function accessTokenView(token: AccessTokenView): Static<typeof accessTokenSchema> {
  return {
    id: token.id,
    name: token.name,
    prefix: token.prefix,
    status: token.status,
    created_at: token.createdAt,
    last_used_at: token.lastUsedAt,
    expires_at: token.expiresAt,
  };
}

export const idParams = t.Object({ id: t.Integer({ minimum: 1, maximum: 999_999_999_999_999 }) }, { additionalProperties: false });

export const twoFactorStatusSchema = t.Object(
  {
    enabled: t.Boolean({ description: 'Sign-in asks for a code.' }),
    enabled_at: nullableTimestamp('When it was turned on.'),
    pending_setup: t.Boolean({ description: 'A secret from /setup waits for its first code (POST /api/user/self/2fa/enable).' }),
    recovery_codes_left: t.Integer({ description: 'Unused recovery codes.' }),
  },
  { additionalProperties: false },
);

export function twoFactorStatusView(status: TwoFactorStatus): Static<typeof twoFactorStatusSchema> {
  return {
    enabled: status.enabled,
    enabled_at: status.enabledAt,
    pending_setup: status.pendingSetup,
    recovery_codes_left: status.recoveryCodesLeft,
  };
}

const channelStatusSchema = t.Union([t.Literal('enabled'), t.Literal('disabled'), t.Literal('auto-disabled')], {
  description: 'auto-disabled: taken out by the gateway after an account error; a passing test may bring it back.',
});

export const channelKeySchema = t.Object(
  {
    position: t.Integer({ description: 'From 0; the handle of the key in /keys/{position} routes.' }),
    hint: t.String({ description: 'The last four characters (empty for keys shorter than 8); the key itself is never shown here.' }),
    status: channelStatusSchema,
  },
  { additionalProperties: false },
);

export function channelKeyView(key: ChannelKeyView): Static<typeof channelKeySchema> {
  return { position: key.position, hint: key.hint, status: key.status };
}

export const channelSchema = t.Object(
  {
    id: t.Integer(),
    name: t.String(),
    type: t.String({ description: 'Channel type: openai, azure, anthropic, gemini, openai-compatible, deepseek, ollama, …' }),
    base_url: t.String(),
    status: channelStatusSchema,
    disabled_reason: t.Union([t.String(), t.Null()], { description: 'Why the gateway disabled it (redacted upstream error).' }),
    priority: t.Integer(),
    weight: t.Integer(),
    models: t.Array(t.String()),
    groups: t.Array(t.String()),
    model_mapping: t.Record(t.String(), t.String(), { description: 'Requested model → model sent upstream.' }),
    status_code_mapping: t.Record(t.String(), t.String(), { description: 'Upstream status → status used for retries and the client.' }),
    test_model: t.Union([t.String(), t.Null()]),
    tag: t.Union([t.String(), t.Null()]),
    key_mode: t.Union([t.Literal('random'), t.Literal('round-robin')]),
    allow_private: t.Union([t.String(), t.Null()], { description: 'The one private host:port this channel may reach.' }),
    remark: t.String(),
    settings: t.Record(t.String(), t.Unknown(), { description: 'Provider settings (api_version, chat_api, …); never secret.' }),
    keys: t.Array(channelKeySchema, { description: 'Hints only; a key is shown in full only by POST /api/channels/{id}/keys/reveal (root).' }),
    used_usd: usd('Billed through this channel.'),
    request_count: t.Integer(),
    response_time_ms: t.Union([t.Integer(), t.Null()], { description: 'Latency of the last passing test.' }),
    tested_at: nullableTimestamp('Last test.'),
    created_at: timestamp('When the channel was added.'),
    updated_at: timestamp('Last change.'),
  },
  { additionalProperties: false },
);

export function channelView(channel: ChannelView): Static<typeof channelSchema> {
  return {
    id: channel.id,
    name: channel.name,
    type: channel.type,
    base_url: channel.baseUrl,
    status: channel.status,
    disabled_reason: channel.disabledReason,
    priority: channel.priority,
    weight: channel.weight,
    models: channel.models,
    groups: channel.groups,
    model_mapping: channel.modelMapping,
    status_code_mapping: channel.statusCodeMapping,
    test_model: channel.testModel,
    tag: channel.tag,
    key_mode: channel.keyMode,
    allow_private: channel.allowPrivate,
    remark: channel.remark,
    settings: channel.settings,
    keys: channel.keys.map(channelKeyView),
    used_usd: channel.usedUsd,
    request_count: channel.requestCount,
    response_time_ms: channel.responseTimeMs,
    tested_at: channel.testedAt,
    created_at: channel.createdAt,
    updated_at: channel.updatedAt,
  };
}

export const revealedKeySchema = t.Object(
  { position: t.Integer(), hint: t.String(), status: channelStatusSchema, key: t.String({ description: 'The provider key in full.' }) },
  { additionalProperties: false },
);

export function revealedKeyView(key: RevealedKey): Static<typeof revealedKeySchema> {
  return { position: key.position, hint: key.hint, status: key.status, key: key.key };
}

export const channelTestResultSchema = t.Object(
  {
    channel_id: t.Integer(),
    channel_name: t.String(),
    model: t.String({ description: 'The model tested (its mapping gives upstream_model).' }),
    upstream_model: t.String(),
    endpoint: t.Union([t.Literal('chat-completions'), t.Literal('embeddings')]),
    key_position: t.Union([t.Integer(), t.Null()], { description: 'The key tested; null when the channel has none.' }),
    ok: t.Boolean(),
    latency_ms: t.Union([t.Integer(), t.Null()], { description: 'Null when nothing was sent.' }),
    status: t.Integer({ description: "The upstream's HTTP status; 0 when no answer came." }),
    error_code: t.Union([t.String(), t.Null()]),
    message: t.Union([t.String(), t.Null()], { description: 'Why it failed, with the key redacted.' }),
    re_enabled: t.Boolean({ description: 'The pass brought an auto-disabled channel or key back (auto_enable_enabled).' }),
  },
  { additionalProperties: false },
);

export function channelTestResultView(result: ChannelTestResult): Static<typeof channelTestResultSchema> {
  return {
    channel_id: result.channelId,
    channel_name: result.channelName,
    model: result.model,
    upstream_model: result.upstreamModel,
    endpoint: result.endpoint,
    key_position: result.keyPosition,
    ok: result.ok,
    latency_ms: result.latencyMs,
    status: result.status,
    error_code: result.errorCode,
    message: result.message,
    re_enabled: result.reEnabled,
  };
}

export const upstreamModelsSchema = t.Object(
  {
    ok: t.Boolean(),
    models: t.Array(t.String(), { description: 'Model ids the upstream lists, sorted; empty when the request failed.' }),
    status: t.Integer({ description: "The upstream's HTTP status; 0 when no answer came." }),
    error_code: t.Union([t.String(), t.Null()]),
    message: t.Union([t.String(), t.Null()], { description: 'Why it failed, with the key redacted.' }),
    latency_ms: t.Union([t.Integer(), t.Null()]),
  },
  { additionalProperties: false },
);

export function upstreamModelsView(result: UpstreamModelsResult): Static<typeof upstreamModelsSchema> {
  return {
    ok: result.ok,
    models: result.models,
    status: result.status,
    error_code: result.errorCode,
    message: result.message,
    latency_ms: result.latencyMs,
  };
}

export const auditEntrySchema = t.Object(
  {
    id: t.Integer(),
    created_at: timestamp('When it happened.'),
    actor: t.String({ description: 'The username at the time; cli for the operator\'s command line; anonymous for a failed sign-in.' }),
    actor_user_id: t.Union([t.Integer(), t.Null()]),
    action: t.String({ description: '<resource>.<verb>, e.g. channel.update, user.topup, auth.login.failed.' }),
    target_type: t.String(),
    target_id: t.Union([t.String(), t.Null()]),
    ip: t.Union([t.String(), t.Null()], { description: 'Client address (X-Forwarded-For only from TRUSTED_PROXIES).' }),
    request_id: t.Union([t.String(), t.Null()]),
    fields: t.Array(t.String(), { description: 'Names of the fields changed; never their values.' }),
    facts: t.Record(t.String(), t.Union([t.String(), t.Number(), t.Boolean(), t.Null()]), { description: 'A few non-secret facts (a count, an amount, an error code).' }),
  },
  { additionalProperties: false },
);

export function auditEntryView(entry: AuditView): Static<typeof auditEntrySchema> {
  return {
    id: entry.id,
    created_at: entry.createdAt,
    actor: entry.actor,
    actor_user_id: entry.actorUserId,
    action: entry.action,
    target_type: entry.targetType,
    target_id: entry.targetId,
    ip: entry.ip,
    request_id: entry.requestId,
    fields: entry.fields,
    facts: entry.facts,
  };
}

export const priceSchema = t.Object(
  {
    model: t.String({ description: 'A model name, or a prefix ending in * that prices every name starting with it.' }),
    mode: t.Union([t.Literal('tokens'), t.Literal('per-call')]),
    input_usd_per_million: t.Union([usd('Input tokens, per 1M.'), t.Null()]),
    output_usd_per_million: t.Union([usd('Output tokens (reasoning included), per 1M.'), t.Null()]),
    cached_usd_per_million: t.Union([usd('Cache reads, per 1M; null: the input rate.'), t.Null()]),
    cache_write_usd_per_million: t.Union([usd('Cache writes, per 1M; null: the input rate.'), t.Null()]),
    image_input_usd_per_million: t.Union([usd('Image input tokens, per 1M; null: the input rate.'), t.Null()]),
    audio_input_usd_per_million: t.Union([usd('Audio input tokens, per 1M; null: the input rate.'), t.Null()]),
    audio_output_usd_per_million: t.Union([usd('Audio output tokens, per 1M; null: the output rate.'), t.Null()]),
    per_call_usd: t.Union([usd('Per call (per-call mode).'), t.Null()]),
    max_output_tokens: t.Union([t.Integer(), t.Null()], { description: 'Reserved when a request sets no max_tokens.' }),
    is_default: t.Boolean({ description: 'Equal to the built-in price of this model.' }),
    updated_at: timestamp('Last change.'),
  },
  { additionalProperties: false },
);

export function priceView(price: PriceView): Static<typeof priceSchema> {
  return {
    model: price.model,
    mode: price.mode,
    input_usd_per_million: price.inputUsdPerMillion,
    output_usd_per_million: price.outputUsdPerMillion,
    cached_usd_per_million: price.cachedUsdPerMillion,
    cache_write_usd_per_million: price.cacheWriteUsdPerMillion,
    image_input_usd_per_million: price.imageInputUsdPerMillion,
    audio_input_usd_per_million: price.audioInputUsdPerMillion,
    audio_output_usd_per_million: price.audioOutputUsdPerMillion,
    per_call_usd: price.perCallUsd,
    max_output_tokens: price.maxOutputTokens,
    is_default: price.isDefault,
    updated_at: price.updatedAt,
  };
}

export const groupSchema = t.Object(
  {
    name: t.String(),
    multiplier: t.String({ description: 'Exact decimal: "1.5" bills 1.5×, "0" is free.' }),
    description: t.String(),
    updated_at: timestamp('Last change.'),
  },
  { additionalProperties: false },
);

export function groupView(group: GroupView): Static<typeof groupSchema> {
  return { name: group.name, multiplier: group.multiplier, description: group.description, updated_at: group.updatedAt };
}

export const redemptionSchema = t.Object(
  {
    id: t.Integer(),
    name: t.String({ description: 'The batch label.' }),
    prefix: t.String({ description: 'The first characters and "…"; the code itself is shown only once, when it is created.' }),
    status: t.Union([t.Literal('unused'), t.Literal('disabled'), t.Literal('used'), t.Literal('expired')]),
    amount_usd: usd('What the code credits.'),
    created_by: t.Union([t.Integer(), t.Null()], { description: 'User id of the creator; null when made with the CLI.' }),
    used_by: t.Union([t.Integer(), t.Null()], { description: 'User id of whoever redeemed it.' }),
    created_at: timestamp('When it was made.'),
    redeemed_at: nullableTimestamp('When it was redeemed.'),
    expires_at: nullableTimestamp('Expiry; null means never.'),
  },
  { additionalProperties: false },
);

export function redemptionView(redemption: RedemptionView): Static<typeof redemptionSchema> {
  return {
    id: redemption.id,
    name: redemption.name,
    prefix: redemption.prefix,
    status: redemption.status,
    amount_usd: redemption.amountUsd,
    created_by: redemption.createdBy,
    used_by: redemption.usedBy,
    created_at: redemption.createdAt,
    redeemed_at: redemption.redeemedAt,
    expires_at: redemption.expiresAt,
  };
}

export const settingValueSchema = t.Union([t.Integer(), t.Boolean(), t.String(), t.Array(t.String())]);

export const settingSchema = t.Object(
  {
    name: t.String(),
    value: settingValueSchema,
    default: settingValueSchema,
    is_default: t.Boolean({ description: 'No value is stored: the default applies.' }),
    description: t.String(),
    kind: t.String({ description: 'integer, boolean, status-ranges (like 429,500-503), list (comma separated), usd (decimal dollars), domains, …' }),
    minimum: t.Union([t.Integer(), t.Null()], { description: 'For integers.' }),
    maximum: t.Union([t.Integer(), t.Null()], { description: 'For integers.' }),
  },
  { additionalProperties: false },
);

export function settingView(setting: SettingView): Static<typeof settingSchema> {
  const range = setting.kind.type === 'integer' ? setting.kind : undefined;
  return {
    name: setting.name,
    value: setting.value,
    default: setting.defaultValue,
    is_default: setting.isDefault,
    description: setting.description,
    kind: setting.kind.type,
    minimum: range?.min ?? null,
    maximum: range?.max ?? null,
  };
}

const logTypeSchema = t.Union([...logTypeNames.map((name) => t.Literal(name)), t.Literal('unknown')], {
  description: 'consume and error are requests; topup a credit (top-up or redemption code); system a notice (quota alert, dropped rows).',
});

/** The fields every reader of a log row may see (a user reading their own rows sees only these). */
const ownLogFields = {
  id: t.Integer(),
  created_at: timestamp('When the request ended.'),
  type: logTypeSchema,
  request_id: t.Union([t.String(), t.Null()], { description: 'The X-Request-Id the client got.' }),
  token_id: t.Union([t.Integer(), t.Null()]),
  token_name: t.Union([t.String(), t.Null()]),
  group: t.Union([t.String(), t.Null()]),
  model_name: t.Union([t.String(), t.Null()], { description: 'The model the client asked for (billed by it).' }),
  is_stream: t.Boolean(),
  status: t.Union([t.Integer(), t.Null()], { description: 'The HTTP status the client got.' }),
  prompt_tokens: t.Integer(),
  completion_tokens: t.Integer(),
  cached_tokens: t.Integer(),
  cache_write_tokens: t.Integer(),
  reasoning_tokens: t.Integer(),
  cost_usd: usd('Charged.'),
  latency_ms: t.Union([t.Integer(), t.Null()]),
  first_token_ms: t.Union([t.Integer(), t.Null()]),
  error_code: t.Union([t.String(), t.Null()]),
  ip: t.Union([t.String(), t.Null()], { description: 'The client address.' }),
  content: t.Union([t.String(), t.Null()], {
    description: 'A top-up or system notice; for requests the logged body, shown only to administrators while log_bodies_enabled is on.',
  }),
};

/** Operator fields: who, which channel and which upstream model. */
const operatorLogFields = {
  user_id: t.Union([t.Integer(), t.Null()]),
  username: t.Union([t.String(), t.Null()]),
  channel_id: t.Union([t.Integer(), t.Null()]),
  channel_name: t.Union([t.String(), t.Null()]),
  upstream_model: t.Union([t.String(), t.Null()]),
  other: t.Record(t.String(), t.Unknown(), {
    description:
      'The row\'s structured details as recorded (endpoint, how it ended, usage flags, ledger id, hold, the retry chain; a notice\'s figures): what gateway logs --json prints. No keys or bodies.',
  }),
};

export const ownLogSchema = t.Object(ownLogFields, { additionalProperties: false });
export const logSchema = t.Object({ ...ownLogFields, ...operatorLogFields }, { additionalProperties: false });

const ownLogDetailFields = {
  endpoint: t.Union([t.String(), t.Null()]),
  end: t.Union([t.String(), t.Null()], { description: 'completed, upstream_error, client_gone, shutdown or failed_before_output.' }),
  estimated: t.Boolean({ description: 'The upstream reported no usage: tokens were counted locally.' }),
  partial: t.Boolean({ description: 'The stream ended early: only what reached the client was charged.' }),
  clamped: t.Boolean({ description: 'Implausible upstream usage was capped.' }),
  image_input_tokens: t.Integer(),
  audio_input_tokens: t.Integer(),
  audio_output_tokens: t.Integer(),
};
const attemptSchema = t.Object(
  {
    channel_id: t.Union([t.Integer(), t.Null()]),
    channel_name: t.Union([t.String(), t.Null()]),
    key_position: t.Union([t.Integer(), t.Null()]),
    upstream_model: t.Union([t.String(), t.Null()]),
    status: t.Union([t.Integer(), t.Null()], { description: '0 when no answer came.' }),
    error_code: t.Union([t.String(), t.Null()]),
    retryable: t.Union([t.Boolean(), t.Null()]),
    duration_ms: t.Union([t.Integer(), t.Null()]),
    passthrough: t.Boolean(),
  },
  { additionalProperties: false },
);

export const ownLogDetailSchema = t.Object(
  { ...ownLogFields, details: t.Object(ownLogDetailFields, { additionalProperties: false }) },
  { additionalProperties: false },
);
export const logDetailSchema = t.Object(
  {
    ...ownLogFields,
    ...operatorLogFields,
    details: t.Object(
      {
        ...ownLogDetailFields,
        ledger_id: t.Union([t.String(), t.Null()]),
        hold_usd: t.Union([usd('Reserved before the request.'), t.Null()]),
        overrun_usd: t.Union([usd('Cost above what the payer had, written off.'), t.Null()]),
        unpriced: t.Boolean(),
      },
      { additionalProperties: false },
    ),
    attempts: t.Array(attemptSchema, { description: 'The retry chain, in order.' }),
  },
  { additionalProperties: false },
);

/** `bodies`: the reader may see logged request bodies (an administrator, while log_bodies_enabled is on). */
export function ownLogView(log: LogView, bodies = false): Static<typeof ownLogSchema> {
  return {
    id: log.id,
    created_at: log.createdAt,
    type: log.type,
    request_id: log.requestId,
    token_id: log.tokenId,
    token_name: log.tokenName,
    group: log.group,
    model_name: log.modelName,
    is_stream: log.isStream,
    status: log.status,
    prompt_tokens: log.promptTokens,
    completion_tokens: log.completionTokens,
    cached_tokens: log.cachedTokens,
    cache_write_tokens: log.cacheWriteTokens,
    reasoning_tokens: log.reasoningTokens,
    cost_usd: log.costUsd,
    latency_ms: log.latencyMs,
    first_token_ms: log.firstTokenMs,
    error_code: log.errorCode,
    ip: log.ip,
    content: shownContent(log, bodies),
  };
}

export function logView(log: LogView, bodies: boolean): Static<typeof logSchema> {
  return {
    ...ownLogView(log, bodies),
    user_id: log.userId,
    username: log.username,
    channel_id: log.channelId,
    channel_name: log.channelName,
    upstream_model: log.upstreamModel,
    other: log.other,
  };
}

function ownDetailsOf(details: LogDetails): Static<typeof ownLogDetailSchema>['details'] {
  return {
    endpoint: details.endpoint,
    end: details.end,
    estimated: details.estimated,
    partial: details.partial,
    clamped: details.clamped,
    image_input_tokens: details.imageInputTokens,
    audio_input_tokens: details.audioInputTokens,
    audio_output_tokens: details.audioOutputTokens,
  };
}

export function ownLogDetailView(log: LogView): Static<typeof ownLogDetailSchema> {
  return { ...ownLogView(log), details: ownDetailsOf(logDetails(log.other)) };
}

export function logDetailView(log: LogView, bodies: boolean): Static<typeof logDetailSchema> {
  const details = logDetails(log.other);
  return {
    ...logView(log, bodies),
    details: {
      ...ownDetailsOf(details),
      ledger_id: details.ledgerId,
      hold_usd: details.hold === null ? null : formatUsd(details.hold),
      overrun_usd: details.overrun === null ? null : formatUsd(details.overrun),
      unpriced: details.unpriced,
    },
    attempts: logAttempts(log.other).map((attempt) => ({
      channel_id: attempt.channelId,
      channel_name: attempt.channelName,
      key_position: attempt.keyPosition,
      upstream_model: attempt.upstreamModel,
      status: attempt.status,
      error_code: attempt.errorCode,
      retryable: attempt.retryable,
      duration_ms: attempt.durationMs,
      passthrough: attempt.passthrough,
    })),
  };
}

const usageFigures = {
  requests: t.Integer(),
  errors: t.Integer(),
  prompt_tokens: t.Integer(),
  completion_tokens: t.Integer(),
  cost_usd: usd('Charged.'),
};
const usageTotalsSchema = t.Object(usageFigures, { additionalProperties: false });

export const usageSeriesSchema = t.Object(
  {
    group_by: t.Union([t.Literal('hour'), t.Literal('day')]),
    by: t.Union([t.Literal('model'), t.Literal('user'), t.Literal('token'), t.Literal('channel'), t.Null()]),
    since: timestamp('The first bucket\'s start (whole UTC hours or days).'),
    until: timestamp('The end, exclusive.'),
    series: t.Array(
      t.Object(
        {
          key: t.String({ description: 'Model, username, key name or channel name; "#id" when it was removed, "(none)" for no channel, "total" without by.' }),
          id: t.Union([t.Integer(), t.Null()], { description: 'User, key or channel id; null per model.' }),
          totals: usageTotalsSchema,
          points: t.Array(t.Object({ bucket: timestamp('The bucket\'s start.'), ...usageFigures }, { additionalProperties: false }), {
            description: 'One per bucket of the window, oldest first; zeros where nothing ran.',
          }),
        },
        { additionalProperties: false },
      ),
      { description: 'The most expensive first, at most `limit`.' },
    ),
    totals: t.Object(usageFigures, { additionalProperties: false, description: 'The whole window, series left out by limit included.' }),
  },
  { additionalProperties: false },
);

function usageFiguresView(totals: UsageTotals): Static<typeof usageTotalsSchema> {
  return {
    requests: totals.requests,
    errors: totals.errors,
    prompt_tokens: totals.promptTokens,
    completion_tokens: totals.completionTokens,
    cost_usd: totals.costUsd,
  };
}

export function usageSeriesView(report: UsageSeriesReport): Static<typeof usageSeriesSchema> {
  return {
    group_by: report.granularity,
    by: report.by,
    since: new Date(report.since).toISOString(),
    until: new Date(report.until).toISOString(),
    series: report.series.map((series) => ({
      key: series.key,
      id: series.id,
      totals: usageFiguresView(series.totals),
      points: series.points.map((point) => ({ bucket: new Date(point.bucket).toISOString(), ...usageFiguresView(point) })),
    })),
    totals: usageFiguresView(report.totals),
  };
}

const usageDimensionSchema = t.Union([t.Literal('model'), t.Literal('user'), t.Literal('token'), t.Literal('channel')]);

export const usageReportSchema = t.Object(
  {
    by: usageDimensionSchema,
    since: timestamp('The first hour included (whole UTC hours).'),
    until: nullableTimestamp('The end, exclusive; null: up to now.'),
    rows: t.Array(
      t.Object(
        {
          key: t.String({ description: 'Model, username, key name or channel name; "#id" when it was removed, "(none)" for no channel.' }),
          id: t.Union([t.Integer(), t.Null()], { description: 'User, key or channel id; null per model.' }),
          ...usageFigures,
        },
        { additionalProperties: false },
      ),
      { description: 'Every row of the window, the most expensive first (as gateway usage prints them).' },
    ),
    totals: usageTotalsSchema,
  },
  { additionalProperties: false },
);

export function usageReportView(report: UsageReport): Static<typeof usageReportSchema> {
  return {
    by: report.by,
    since: report.since,
    until: report.until,
    rows: report.rows.map((row) => ({ key: row.key, id: row.id, ...usageFiguresView(row) })),
    totals: usageFiguresView(report.totals),
  };
}

/** One minute of request activity (the terminal UI's dashboard): sums over the whole gateway, never single requests. */
export const minuteActivitySchema = t.Object(
  {
    minute: timestamp('The start of the minute.'),
    requests: t.Integer(),
    errors: t.Integer(),
    tokens: t.Integer({ description: 'Prompt and completion tokens.' }),
    cost_usd: usd('Charged.'),
  },
  { additionalProperties: false },
);

export function minuteActivityView(activity: MinuteActivity): Static<typeof minuteActivitySchema> {
  return {
    minute: new Date(activity.minute).toISOString(),
    requests: activity.requests,
    errors: activity.errors,
    tokens: activity.tokens,
    cost_usd: formatUsd(activity.cost),
  };
}

/** `gateway ledger check`'s report (src/services/ledger-check.ts): counts and problem lines, no amounts of anyone's secrets. */
export const ledgerReportSchema = t.Object(
  {
    ok: t.Boolean({ description: 'Whether every balance is explained by its ledger rows and no hold is past its deadline.' }),
    problems: t.Array(t.String(), { description: 'One line per problem found (empty when ok).' }),
    users: t.Integer({ description: 'Accounts checked.' }),
    keys: t.Integer({ description: 'API keys checked.' }),
    expired_open_holds: t.Integer({ description: 'Open holds past their deadline (recovery releases them while the gateway runs).' }),
  },
  { additionalProperties: false },
);

export function ledgerReportView(report: LedgerReport): Static<typeof ledgerReportSchema> {
  return { ok: report.ok, problems: report.problems, users: report.users, keys: report.keys, expired_open_holds: report.expiredOpenHolds };
}
