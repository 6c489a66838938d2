/**
 * PostgreSQL schema. Its twin is ./sqlite.ts: same tables, same column names, same meaning; the parity test
 * (test/db/schema-parity.test.ts) fails when they drift. Conventions:
 * - timestamps are epoch milliseconds (integer), never the database's clock;
 * - money is an integer number of micro-USD (1 USD = 1 000 000; New API's quota unit is 2 micro-USD);
 * - JSON is text; booleans are integers 0/1 (drizzle's boolean mode);
 * - secrets are never stored in the clear: gateway keys as SHA-256 hex plus a display prefix, channel keys as
 *   AES-256-GCM envelopes (src/security/crypto.ts).
 */
import { sql } from 'drizzle-orm';
import { bigint, boolean, check, index, integer, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core';

export const users = pgTable(
  'users',
  {
    id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
    username: text('username').notNull(),
    displayName: text('display_name').notNull().default(''),
    email: text('email'),
    passwordHash: text('password_hash').notNull(),
    /** 1 common user, 10 admin, 100 root (New API's numbers). */
    role: integer('role').notNull().default(1),
    /** 1 enabled, 2 disabled. */
    status: integer('status').notNull().default(1),
    group: text('group').notNull().default('default'),
    /** Wallet in micro-USD; `held` is reserved by requests in flight. */
    balance: bigint('balance', { mode: 'number' }).notNull().default(0),
    held: bigint('held', { mode: 'number' }).notNull().default(0),
    usedAmount: bigint('used_amount', { mode: 'number' }).notNull().default(0),
    requestCount: bigint('request_count', { mode: 'number' }).notNull().default(0),
    settings: text('settings').notNull().default('{}'),
    remark: text('remark').notNull().default(''),
    /** Bumped on password change, demotion or disable so that sign-ins made before are revoked. */
    authVersion: integer('auth_version').notNull().default(1),
    /**
     * TOTP second factor (src/services/two-factor.ts): the shared secret as an AES-256-GCM envelope bound to
     * (users, id, totp_secret), and when it was confirmed; sign-in asks for a code once `totp_enabled_at` is set.
     * `totp_last_step` is the last 30-second step whose code was accepted: a code is never accepted twice.
     */
    totpSecret: text('totp_secret'),
    totpEnabledAt: bigint('totp_enabled_at', { mode: 'number' }),
    totpLastStep: integer('totp_last_step'),
    createdAt: bigint('created_at', { mode: 'number' }).notNull(),
    updatedAt: bigint('updated_at', { mode: 'number' }).notNull(),
    lastLoginAt: bigint('last_login_at', { mode: 'number' }),
    deletedAt: bigint('deleted_at', { mode: 'number' }),
  },
  (table) => [
    uniqueIndex('users_username_unique').on(table.username),
    check('users_held_range', sql`${table.held} >= 0 AND ${table.held} <= ${table.balance}`),
  ],
);

export const tokens = pgTable(
  'tokens',
  {
    id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id),
    name: text('name').notNull(),
    /** SHA-256 (hex) of the 48 random characters after `sk-`. */
    keyHash: text('key_hash').notNull(),
    /** First characters of the key, for display (`sk-abcd…`). */
    keyPrefix: text('key_prefix').notNull(),
    /** 1 enabled, 2 disabled, 3 expired, 4 exhausted (New API's numbers). */
    status: integer('status').notNull().default(1),
    unlimited: boolean('unlimited').notNull().default(false),
    /** Remaining budget in micro-USD (ignored when unlimited), and the part of it held by requests in flight. */
    balance: bigint('balance', { mode: 'number' }).notNull().default(0),
    held: bigint('held', { mode: 'number' }).notNull().default(0),
    usedAmount: bigint('used_amount', { mode: 'number' }).notNull().default(0),
    requestCount: bigint('request_count', { mode: 'number' }).notNull().default(0),
    /** JSON array of allowed model names; empty array = every model. */
    models: text('models').notNull().default('[]'),
    /** JSON array of IPs / CIDRs; empty array = any address. */
    allowIps: text('allow_ips').notNull().default('[]'),
    /** Overrides the owner's group when set. */
    group: text('group'),
    crossGroupRetry: boolean('cross_group_retry').notNull().default(false),
    expiresAt: bigint('expires_at', { mode: 'number' }),
    createdAt: bigint('created_at', { mode: 'number' }).notNull(),
    updatedAt: bigint('updated_at', { mode: 'number' }).notNull(),
    accessedAt: bigint('accessed_at', { mode: 'number' }),
    deletedAt: bigint('deleted_at', { mode: 'number' }),
  },
  (table) => [
    uniqueIndex('tokens_key_hash_unique').on(table.keyHash),
    uniqueIndex('tokens_user_name_unique').on(table.userId, table.name),
    index('tokens_user_idx').on(table.userId),
    check('tokens_held_range', sql`${table.held} >= 0 AND (${table.unlimited} OR ${table.held} <= ${table.balance})`),
  ],
);

export const channels = pgTable(
  'channels',
  {
    id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
    name: text('name').notNull(),
    /** Channel kind as text (`openai`, `azure`, …); New API's integer type is kept in `legacy_type` by the importer. */
    type: text('type').notNull(),
    legacyType: integer('legacy_type'),
    baseUrl: text('base_url').notNull(),
    /** 1 enabled, 2 manually disabled, 3 auto-disabled (New API's numbers). */
    status: integer('status').notNull().default(1),
    priority: integer('priority').notNull().default(0),
    weight: integer('weight').notNull().default(1),
    /** JSON arrays. */
    models: text('models').notNull().default('[]'),
    groups: text('groups').notNull().default('["default"]'),
    /** JSON objects: requested model → upstream model; upstream status → reported status. */
    modelMapping: text('model_mapping').notNull().default('{}'),
    statusCodeMapping: text('status_code_mapping').notNull().default('{}'),
    testModel: text('test_model'),
    tag: text('tag'),
    /** `random` or `round-robin` choice among the channel's keys. */
    keyMode: text('key_mode').notNull().default('random'),
    autoBan: boolean('auto_ban').notNull().default(true),
    /** Exact host:port of a private upstream this channel may reach despite the outbound guard. */
    allowPrivate: text('allow_private'),
    /** Provider settings (api_version, region, …), header and parameter overrides, as JSON. */
    settings: text('settings').notNull().default('{}'),
    remark: text('remark').notNull().default(''),
    balanceUsd: text('balance_usd'),
    balanceUpdatedAt: bigint('balance_updated_at', { mode: 'number' }),
    usedAmount: bigint('used_amount', { mode: 'number' }).notNull().default(0),
    requestCount: bigint('request_count', { mode: 'number' }).notNull().default(0),
    responseTimeMs: integer('response_time_ms'),
    testedAt: bigint('tested_at', { mode: 'number' }),
    disabledReason: text('disabled_reason'),
    disabledAt: bigint('disabled_at', { mode: 'number' }),
    createdAt: bigint('created_at', { mode: 'number' }).notNull(),
    updatedAt: bigint('updated_at', { mode: 'number' }).notNull(),
  },
  (table) => [uniqueIndex('channels_name_unique').on(table.name), index('channels_tag_idx').on(table.tag)],
);

/** Provider keys of a channel, one row each, so a failing key is disabled alone. */
export const channelKeys = pgTable(
  'channel_keys',
  {
    id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
    channelId: integer('channel_id')
      .notNull()
      .references(() => channels.id, { onDelete: 'cascade' }),
    position: integer('position').notNull(),
    /** AES-256-GCM envelope bound to (channel_keys, channel id, position). */
    keyCiphertext: text('key_ciphertext').notNull(),
    /** Last four characters, for display only. */
    keyHint: text('key_hint').notNull(),
    status: integer('status').notNull().default(1),
    disabledReason: text('disabled_reason'),
    disabledAt: bigint('disabled_at', { mode: 'number' }),
    usedAmount: bigint('used_amount', { mode: 'number' }).notNull().default(0),
    requestCount: bigint('request_count', { mode: 'number' }).notNull().default(0),
    createdAt: bigint('created_at', { mode: 'number' }).notNull(),
  },
  (table) => [uniqueIndex('channel_keys_channel_position_unique').on(table.channelId, table.position)],
);

/** The routing index: one row per (group, model, channel), rebuilt whenever a channel is saved. */
export const abilities = pgTable(
  'abilities',
  {
    group: text('group').notNull(),
    model: text('model').notNull(),
    channelId: integer('channel_id')
      .notNull()
      .references(() => channels.id, { onDelete: 'cascade' }),
    enabled: boolean('enabled').notNull().default(true),
    priority: integer('priority').notNull().default(0),
    weight: integer('weight').notNull().default(1),
    tag: text('tag'),
  },
  (table) => [
    primaryKey({ columns: [table.group, table.model, table.channelId] }),
    index('abilities_channel_idx').on(table.channelId),
  ],
);

/** Global model aliases: a name clients send → the model it means on every channel. */
export const modelAliases = pgTable('model_aliases', {
  alias: text('alias').primaryKey(),
  target: text('target').notNull(),
  createdAt: bigint('created_at', { mode: 'number' }).notNull(),
});

/** Prices per model, in micro-USD per 1M tokens, or per call. */
export const prices = pgTable('prices', {
  model: text('model').primaryKey(),
  inputPerMillion: bigint('input_per_million', { mode: 'number' }),
  outputPerMillion: bigint('output_per_million', { mode: 'number' }),
  cachedInputPerMillion: bigint('cached_input_per_million', { mode: 'number' }),
  cacheWritePerMillion: bigint('cache_write_per_million', { mode: 'number' }),
  perCall: bigint('per_call', { mode: 'number' }),
  /** JSON for image, audio and other token classes. */
  extra: text('extra').notNull().default('{}'),
  updatedAt: bigint('updated_at', { mode: 'number' }).notNull(),
});

export const groups = pgTable('groups', {
  name: text('name').primaryKey(),
  /** Price multiplier in parts per million (1.0 = 1 000 000), exact in integer arithmetic. */
  multiplierPpm: bigint('multiplier_ppm', { mode: 'number' }).notNull().default(1_000_000),
  description: text('description').notNull().default(''),
  updatedAt: bigint('updated_at', { mode: 'number' }).notNull(),
});

/** Runtime settings edited by operators (retry, auto-disable, timeouts, …); values are JSON text. */
export const settings = pgTable('settings', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
  updatedAt: bigint('updated_at', { mode: 'number' }).notNull(),
});

/** Change counters: writers bump a scope, the daemon polls them and reloads what changed. */
export const revisions = pgTable('revisions', {
  scope: text('scope').primaryKey(),
  version: integer('version').notNull().default(0),
  updatedAt: bigint('updated_at', { mode: 'number' }).notNull(),
});

export const redemptions = pgTable(
  'redemptions',
  {
    id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
    name: text('name').notNull().default(''),
    codeHash: text('code_hash').notNull(),
    codePrefix: text('code_prefix').notNull(),
    /** 1 unused, 2 disabled, 3 used (New API's numbers). */
    status: integer('status').notNull().default(1),
    amount: bigint('amount', { mode: 'number' }).notNull(),
    createdBy: integer('created_by'),
    usedBy: integer('used_by'),
    createdAt: bigint('created_at', { mode: 'number' }).notNull(),
    redeemedAt: bigint('redeemed_at', { mode: 'number' }),
    expiresAt: bigint('expires_at', { mode: 'number' }),
  },
  (table) => [uniqueIndex('redemptions_code_hash_unique').on(table.codeHash)],
);

/** Ledger: a hold per request, resolved exactly once (settled, released or expired). */
export const holds = pgTable(
  'holds',
  {
    id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
    requestId: text('request_id').notNull(),
    userId: integer('user_id').notNull(),
    tokenId: integer('token_id'),
    amount: bigint('amount', { mode: 'number' }).notNull(),
    /** open, settled, released, expired. */
    state: text('state').notNull().default('open'),
    createdAt: bigint('created_at', { mode: 'number' }).notNull(),
    expiresAt: bigint('expires_at', { mode: 'number' }).notNull(),
    resolvedAt: bigint('resolved_at', { mode: 'number' }),
  },
  (table) => [uniqueIndex('holds_request_id_unique').on(table.requestId), index('holds_state_expires_idx').on(table.state, table.expiresAt)],
);

/** Ledger: every movement of money (debit, credit, overrun), each keyed by a unique external id. */
export const ledgerEntries = pgTable(
  'ledger_entries',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    /** debit, credit, overrun, adjustment. */
    kind: text('kind').notNull(),
    /** Request id for debits, `provider:external id` for credits, redemption or admin top-up ids. */
    externalId: text('external_id').notNull(),
    userId: integer('user_id').notNull(),
    tokenId: integer('token_id'),
    amount: bigint('amount', { mode: 'number' }).notNull(),
    note: text('note').notNull().default(''),
    createdAt: bigint('created_at', { mode: 'number' }).notNull(),
  },
  (table) => [
    uniqueIndex('ledger_entries_kind_external_unique').on(table.kind, table.externalId),
    index('ledger_entries_user_idx').on(table.userId, table.createdAt),
  ],
);

export const logs = pgTable(
  'logs',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    createdAt: bigint('created_at', { mode: 'number' }).notNull(),
    /** New API's log types: 1 top-up, 2 consume, 3 manage, 4 system, 5 error, 6 refund, 7 login. */
    type: integer('type').notNull(),
    requestId: text('request_id'),
    userId: integer('user_id'),
    username: text('username'),
    tokenId: integer('token_id'),
    tokenName: text('token_name'),
    channelId: integer('channel_id'),
    channelName: text('channel_name'),
    group: text('group'),
    modelName: text('model_name'),
    upstreamModel: text('upstream_model'),
    isStream: boolean('is_stream').notNull().default(false),
    status: integer('status'),
    promptTokens: bigint('prompt_tokens', { mode: 'number' }).notNull().default(0),
    completionTokens: bigint('completion_tokens', { mode: 'number' }).notNull().default(0),
    cachedTokens: bigint('cached_tokens', { mode: 'number' }).notNull().default(0),
    cacheWriteTokens: bigint('cache_write_tokens', { mode: 'number' }).notNull().default(0),
    reasoningTokens: bigint('reasoning_tokens', { mode: 'number' }).notNull().default(0),
    cost: bigint('cost', { mode: 'number' }).notNull().default(0),
    latencyMs: integer('latency_ms'),
    firstTokenMs: integer('first_token_ms'),
    errorCode: text('error_code'),
    content: text('content').notNull().default(''),
    ip: text('ip'),
    /** JSON: retry chain, usage flags (estimated, partial, clamped), pricing details. */
    other: text('other').notNull().default('{}'),
  },
  (table) => [
    index('logs_created_idx').on(table.createdAt),
    index('logs_user_created_idx').on(table.userId, table.createdAt),
    index('logs_token_created_idx').on(table.tokenId, table.createdAt),
    index('logs_channel_created_idx').on(table.channelId, table.createdAt),
    index('logs_model_created_idx').on(table.modelName, table.createdAt),
    index('logs_request_id_idx').on(table.requestId),
    index('logs_type_created_idx').on(table.type, table.createdAt),
  ],
);

/** Hourly usage aggregates for charts and `gateway usage`. */
export const usageHourly = pgTable(
  'usage_hourly',
  {
    id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
    hour: bigint('hour', { mode: 'number' }).notNull(),
    userId: integer('user_id').notNull(),
    tokenId: integer('token_id').notNull(),
    channelId: integer('channel_id').notNull(),
    modelName: text('model_name').notNull(),
    group: text('group').notNull(),
    nodeName: text('node_name').notNull(),
    requestCount: bigint('request_count', { mode: 'number' }).notNull().default(0),
    errorCount: bigint('error_count', { mode: 'number' }).notNull().default(0),
    promptTokens: bigint('prompt_tokens', { mode: 'number' }).notNull().default(0),
    completionTokens: bigint('completion_tokens', { mode: 'number' }).notNull().default(0),
    cost: bigint('cost', { mode: 'number' }).notNull().default(0),
  },
  (table) => [
    uniqueIndex('usage_hourly_bucket_unique').on(
      table.hour,
      table.userId,
      table.tokenId,
      table.channelId,
      table.modelName,
      table.group,
      table.nodeName,
    ),
    index('usage_hourly_hour_idx').on(table.hour),
  ],
);

/** Console sign-ins, on the server so they can be revoked. */
export const sessions = pgTable(
  'sessions',
  {
    id: text('id').primaryKey(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    authVersion: integer('auth_version').notNull(),
    ip: text('ip'),
    userAgent: text('user_agent'),
    createdAt: bigint('created_at', { mode: 'number' }).notNull(),
    lastSeenAt: bigint('last_seen_at', { mode: 'number' }).notNull(),
    expiresAt: bigint('expires_at', { mode: 'number' }).notNull(),
  },
  (table) => [index('sessions_user_idx').on(table.userId)],
);

/** Personal access tokens for the admin API and the remote CLI (hashed like gateway keys). */
export const accessTokens = pgTable(
  'access_tokens',
  {
    id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    tokenHash: text('token_hash').notNull(),
    tokenPrefix: text('token_prefix').notNull(),
    /** The owner's auth_version when created: a password change, role change or ban revokes the token too. */
    authVersion: integer('auth_version').notNull().default(1),
    createdAt: bigint('created_at', { mode: 'number' }).notNull(),
    lastUsedAt: bigint('last_used_at', { mode: 'number' }),
    expiresAt: bigint('expires_at', { mode: 'number' }),
    revokedAt: bigint('revoked_at', { mode: 'number' }),
  },
  (table) => [uniqueIndex('access_tokens_hash_unique').on(table.tokenHash), index('access_tokens_user_idx').on(table.userId)],
);

/**
 * One-time recovery codes of the TOTP second factor, stored as SHA-256 (80-bit codes, shown once). Using one
 * sets `used_at` with one conditional UPDATE whose row count decides, so a code signs in once.
 */
export const recoveryCodes = pgTable(
  'recovery_codes',
  {
    id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    codeHash: text('code_hash').notNull(),
    createdAt: bigint('created_at', { mode: 'number' }).notNull(),
    usedAt: bigint('used_at', { mode: 'number' }),
  },
  (table) => [uniqueIndex('recovery_codes_user_hash_unique').on(table.userId, table.codeHash)],
);

export const auditLogs = pgTable(
  'audit_logs',
  {
    id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
    createdAt: bigint('created_at', { mode: 'number' }).notNull(),
    actorUserId: integer('actor_user_id'),
    /** Who acted: `cli`, `api`, `system`, or a user name. */
    actor: text('actor').notNull(),
    action: text('action').notNull(),
    targetType: text('target_type').notNull(),
    targetId: text('target_id'),
    ip: text('ip'),
    detail: text('detail').notNull().default('{}'),
  },
  (table) => [index('audit_logs_created_idx').on(table.createdAt)],
);

/** Key/value facts about the installation (schema check value for the master key, first-start marker). */
export const systemInfo = pgTable('system_info', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
  updatedAt: bigint('updated_at', { mode: 'number' }).notNull(),
});
