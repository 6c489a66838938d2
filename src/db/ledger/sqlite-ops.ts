/**
 * The ledger's statements on SQLite, as SQL compiled once per connection and run with bun:sqlite directly. Every
 * relayed request runs eight of them (three to reserve, four to settle, one log row); through drizzle each paid
 * for mapping its placeholders and rows on the only JavaScript thread. The SQL is what drizzle builds for the
 * same statements on PostgreSQL (./drizzle-ops.ts, src/db/repos/ledger.ts), and the billing and request-log
 * tests run the same scenarios on both databases.
 */
import type { Database, Statement } from 'bun:sqlite';
import { LOG_TYPE_SYSTEM, USER_ENABLED } from '../codes.ts';
import type { NewLogRow } from '../repos/logs.ts';
import type { ChannelUsageDelta, UsageDelta } from '../repos/usage.ts';
import type { AccountMove, HoldFigures, LedgerOps, SystemLogRow } from './jobs.ts';

const SQL = {
  holdOnUser: `UPDATE users SET held = held + $amount
    WHERE id = $userId AND status = ${USER_ENABLED} AND deleted_at IS NULL AND balance - held >= $amount RETURNING id`,
  holdOnToken: `UPDATE tokens SET held = held + $amount
    WHERE id = $tokenId AND deleted_at IS NULL AND (unlimited = 1 OR balance - held >= $amount) RETURNING id`,
  insertHold: `INSERT INTO holds (request_id, user_id, token_id, amount, state, created_at, expires_at)
    VALUES ($requestId, $userId, $tokenId, $amount, 'open', $now, $expiresAt) ON CONFLICT DO NOTHING RETURNING id`,
  resolveHold: `UPDATE holds SET state = $state, resolved_at = $now WHERE request_id = $requestId AND state = 'open'
    RETURNING user_id AS userId, token_id AS tokenId, amount`,
  chargeUser: `UPDATE users SET balance = balance - $charge, held = held - $hold, used_amount = used_amount + $charge,
    request_count = request_count + $requests, updated_at = $now WHERE id = $userId RETURNING balance`,
  chargeUserExtra: `UPDATE users SET balance = balance - $charge, held = held - $hold, used_amount = used_amount + $charge,
    request_count = request_count + $requests, updated_at = $now WHERE id = $userId AND balance - held >= $extra RETURNING balance`,
  chargeToken: `UPDATE tokens SET balance = CASE WHEN unlimited = 1 THEN balance ELSE balance - $charge END, held = held - $hold,
    used_amount = used_amount + $charge, request_count = request_count + $requests, accessed_at = $now
    WHERE id = $tokenId RETURNING balance, unlimited`,
  chargeTokenExtra: `UPDATE tokens SET balance = CASE WHEN unlimited = 1 THEN balance ELSE balance - $charge END, held = held - $hold,
    used_amount = used_amount + $charge, request_count = request_count + $requests, accessed_at = $now
    WHERE id = $tokenId AND (unlimited = 1 OR balance - held >= $extra) RETURNING balance, unlimited`,
  insertLedgerEntry: `INSERT INTO ledger_entries (kind, external_id, user_id, token_id, amount, note, created_at)
    VALUES ($kind, $externalId, $userId, $tokenId, $amount, $note, $now) ON CONFLICT DO NOTHING RETURNING id`,
  insertSystemLog: `INSERT INTO logs (created_at, type, user_id, token_id, content, other)
    VALUES ($now, ${LOG_TYPE_SYSTEM}, $userId, $tokenId, $content, $other)`,
  insertLogRow: `INSERT INTO logs (created_at, type, request_id, user_id, username, token_id, token_name, channel_id,
    channel_name, "group", model_name, upstream_model, is_stream, status, prompt_tokens, completion_tokens, cached_tokens,
    cache_write_tokens, reasoning_tokens, cost, latency_ms, first_token_ms, error_code, content, ip, other)
    VALUES ($createdAt, $type, $requestId, $userId, $username, $tokenId, $tokenName, $channelId, $channelName, $group,
    $modelName, $upstreamModel, $isStream, $status, $promptTokens, $completionTokens, $cachedTokens, $cacheWriteTokens,
    $reasoningTokens, $cost, $latencyMs, $firstTokenMs, $errorCode, $content, $ip, $other)`,
  addUsageDelta: `INSERT INTO usage_hourly (hour, user_id, token_id, channel_id, model_name, "group", node_name, request_count,
    error_count, prompt_tokens, completion_tokens, cost)
    VALUES ($hour, $userId, $tokenId, $channelId, $modelName, $group, $nodeName, $requestCount, $errorCount, $promptTokens,
    $completionTokens, $cost)
    ON CONFLICT (hour, user_id, token_id, channel_id, model_name, "group", node_name) DO UPDATE SET
    request_count = request_count + excluded.request_count, error_count = error_count + excluded.error_count,
    prompt_tokens = prompt_tokens + excluded.prompt_tokens, completion_tokens = completion_tokens + excluded.completion_tokens,
    cost = cost + excluded.cost`,
  addChannelUsage: `UPDATE channels SET used_amount = used_amount + $usedAmount, request_count = request_count + $requestCount
    WHERE id = $channelId`,
} as const;

type Bindings = Record<string, string | number | bigint | boolean | null>;

/** The columns of a request-log row, in the statement's order (undefined binds as NULL). */
const LOG_ROW_FIELDS = [
  'createdAt', 'type', 'requestId', 'userId', 'username', 'tokenId', 'tokenName', 'channelId', 'channelName', 'group',
  'modelName', 'upstreamModel', 'isStream', 'status', 'promptTokens', 'completionTokens', 'cachedTokens',
  'cacheWriteTokens', 'reasoningTokens', 'cost', 'latencyMs', 'firstTokenMs', 'errorCode', 'content', 'ip', 'other',
] as const satisfies readonly (keyof NewLogRow)[];

/** The ledger's statements on one SQLite connection (opened with `strict: true`, so `$name` binds `name`). */
export function sqliteLedgerOps(connection: Database): LedgerOps {
  const compiled = new Map<keyof typeof SQL, Statement>();
  const statement = (name: keyof typeof SQL): Statement => {
    let found = compiled.get(name);
    if (found === undefined) {
      found = connection.prepare(SQL[name]);
      compiled.set(name, found);
    }
    return found;
  };
  const get = <Row>(name: keyof typeof SQL, bindings: Bindings): Row | undefined => (statement(name).get(bindings) ?? undefined) as Row | undefined;
  const run = (name: keyof typeof SQL, bindings: Bindings): void => {
    statement(name).run(bindings);
  };
  const moveBindings = (move: AccountMove, now: number): Bindings => {
    const extra = move.charge - move.hold;
    return { hold: move.hold, charge: move.charge, requests: move.requests, now, ...(extra > 0 ? { extra } : {}) };
  };

  return {
    holdOnUser: (userId, amount) => get('holdOnUser', { userId, amount }) !== undefined,
    holdOnToken: (tokenId, amount) => get('holdOnToken', { tokenId, amount }) !== undefined,
    insertHold: (hold) =>
      get('insertHold', { requestId: hold.requestId, userId: hold.userId, tokenId: hold.tokenId, amount: hold.amount, now: hold.now, expiresAt: hold.expiresAt }) !==
      undefined,
    resolveHold: (requestId, state, now) => get<HoldFigures>('resolveHold', { requestId, state, now }),
    chargeUser: (move, now) =>
      get<{ balance: number }>(move.charge > move.hold ? 'chargeUserExtra' : 'chargeUser', { userId: move.userId, ...moveBindings(move, now) }),
    chargeToken: (move, now) => {
      const row = get<{ balance: number; unlimited: number }>(move.charge > move.hold ? 'chargeTokenExtra' : 'chargeToken', {
        tokenId: move.tokenId,
        ...moveBindings(move, now),
      });
      return row === undefined ? undefined : { balance: row.unlimited === 1 ? null : row.balance };
    },
    insertLedgerEntry: (entry) =>
      get('insertLedgerEntry', {
        kind: entry.kind,
        externalId: entry.externalId,
        userId: entry.userId,
        tokenId: entry.tokenId,
        amount: entry.amount,
        note: entry.note,
        now: entry.now,
      }) !== undefined,
    insertSystemLog: (row: SystemLogRow) =>
      run('insertSystemLog', { now: row.now, userId: row.userId, tokenId: row.tokenId, content: row.content, other: JSON.stringify(row.other) }),
    insertLogRows: (rows) => {
      for (const row of rows) {
        const bindings: Bindings = {};
        for (const field of LOG_ROW_FIELDS) {
          const value = row[field];
          bindings[field] = field === 'isStream' ? (value === true ? 1 : 0) : ((value ?? null) as Bindings[string]);
        }
        run('insertLogRow', bindings);
      }
    },
    addUsageDeltas: (deltas: readonly UsageDelta[]) => {
      for (const delta of deltas) run('addUsageDelta', { ...delta });
    },
    addChannelUsage: (deltas: readonly ChannelUsageDelta[]) => {
      for (const delta of [...deltas].sort((left, right) => left.channelId - right.channelId)) run('addChannelUsage', { ...delta });
    },
  };
}
