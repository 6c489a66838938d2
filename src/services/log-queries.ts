/**
 * Reading the request log through the admin API: pages of rows of every type with exact filters (each served by
 * an index of the log, see src/db/repos/logs.ts), one row with its details, and the rule for who reaches which
 * rows. `gateway logs` reads request rows through ./logs.ts (queryLogs); both show rows as `LogView`.
 */
import type { Store } from '../db/client.ts';
import {
  findLogRow,
  LOG_TYPE_ERROR,
  REQUEST_LOG_TYPES,
  type LogRow,
  pageLogRows,
  selectChannelIdsByName,
  selectTokenIdsByName,
  selectUserIdsByName,
} from '../db/repos/logs.ts';
import type { PageWindow } from '../db/repos/search.ts';
import { findUserRole, ROLE_NUMBERS } from '../db/repos/users.ts';
import { invalidArgument, notFound } from '../errors/gateway-error.ts';
import type { Actor } from './actor.ts';
import { LOG_TYPE_NAMES, type LogView, logTypeNames, resolveRef, toLogView } from './logs.ts';

function parseLogType(text: string, field: string): number {
  const entry = Object.entries(LOG_TYPE_NAMES).find(([, name]) => name === text.trim().toLowerCase());
  if (entry === undefined) throw invalidArgument(field, `${field} must be one of ${logTypeNames.join(', ')} (got "${text}")`);
  return Number(entry[0]);
}

export interface LogSearch {
  /** A user id or username. */
  user?: string;
  /** A key id or name. */
  token?: string;
  /** The model the client asked for, exactly. */
  model?: string;
  /** A channel id or name. */
  channel?: string;
  /** A log type name (LOG_TYPE_NAMES); every type when absent. */
  type?: string;
  requestId?: string;
  /** created_at ≥ since and < until, epoch ms. */
  since?: number;
  until?: number;
  /** Only failed requests. */
  errorsOnly?: boolean;
  /** Only requests (consume and error rows), as `gateway logs` shows. */
  requestsOnly?: boolean;
  /** Only rows with a larger id, oldest first: the cursor of `gateway logs --follow`. */
  afterId?: number;
}

/**
 * Whose rows a reader reaches. `actor` (an administrator): its own, those of users below its role, and rows of
 * no user (system notices), like the API keys it reaches. `ownerId` (a user reading their own log): only that
 * user's rows, and the user and channel filters are refused. Either way a key name resolves among the keys the
 * reader reaches, so a name tells nothing about other accounts' keys. Neither (the CLI): every row.
 */
export interface LogScope {
  actor?: Actor;
  ownerId?: number;
}

/** One page of log rows of any type, newest first, with the number that match. */
export async function pageLogs(store: Store, search: LogSearch, window: PageWindow, scope: LogScope = {}): Promise<{ logs: LogView[]; total: number }> {
  const { ownerId, actor } = scope;
  const visibleTo = actor === undefined || ownerId !== undefined ? undefined : { userId: actor.userId, roleBelow: ROLE_NUMBERS[actor.role] };
  if (ownerId !== undefined && search.user !== undefined) throw invalidArgument('user', 'user: your own log shows only your requests; leave the filter out');
  if (ownerId !== undefined && search.channel !== undefined) throw invalidArgument('channel', 'channel: channels are not shown in your own log; leave the filter out');
  let types = search.type === undefined ? undefined : [parseLogType(search.type, 'type')];
  if (search.requestsOnly === true) types = (types ?? [...REQUEST_LOG_TYPES]).filter((type) => (REQUEST_LOG_TYPES as readonly number[]).includes(type));
  if (search.errorsOnly === true) types = (types ?? [LOG_TYPE_ERROR]).filter((type) => type === LOG_TYPE_ERROR);
  if (types !== undefined && types.length === 0) return { logs: [], total: 0 };
  const userIds =
    ownerId !== undefined
      ? [ownerId]
      : search.user === undefined
        ? undefined
        : await resolveRef(search.user, { field: '--user', noun: 'user', listCommand: 'gateway user list' }, (name) => selectUserIdsByName(store, name));
  const tokenIds =
    search.token === undefined
      ? undefined
      : await resolveRef(search.token, { field: '--token', noun: 'key', listCommand: 'gateway token list' }, (name) =>
          selectTokenIdsByName(store, name, ownerId !== undefined ? { userId: ownerId } : visibleTo),
        );
  const channelIds =
    search.channel === undefined
      ? undefined
      : await resolveRef(search.channel, { field: '--channel', noun: 'channel', listCommand: 'gateway channel list' }, (name) =>
          selectChannelIdsByName(store, name),
        );
  const { rows, total } = await pageLogRows(
    store,
    {
      userIds,
      tokenIds,
      channelIds,
      modelName: search.model,
      requestId: search.requestId,
      since: search.since,
      until: search.until,
      types,
      visibleTo,
      afterId: search.afterId,
    },
    window,
  );
  return { logs: rows.map(toLogView), total };
}

/** One log row the scope reaches; any other id answers as a missing one. */
export async function getLog(store: Store, id: number, scope: LogScope = {}): Promise<LogView> {
  const row = await findLogRow(store, id);
  const reaches = async (found: LogRow): Promise<boolean> => {
    if (scope.ownerId !== undefined) return found.userId === scope.ownerId;
    const { actor } = scope;
    if (actor === undefined || found.userId === null || found.userId === actor.userId) return true;
    const role = await findUserRole(store, store.db, found.userId);
    return role !== undefined && role < ROLE_NUMBERS[actor.role];
  };
  if (row === undefined || !(await reaches(row))) throw notFound(`no log row with id ${id}; list rows with: gateway logs`);
  return toLogView(row);
}

/**
 * What a reader may see of a row's text: for requests it is the logged request body, shown only with `bodies`
 * (an administrator, while log_bodies_enabled is on); top-up and system rows carry a notice, always shown.
 */
export function shownContent(view: LogView, bodies: boolean): string | null {
  if (view.type !== 'consume' && view.type !== 'error') return view.content;
  return bodies && view.content !== '' ? view.content : null;
}

/** The log reads of the admin API, on one store. */
export interface LogQueryService {
  page(search: LogSearch, window: PageWindow, scope: LogScope): Promise<{ logs: LogView[]; total: number }>;
  get(id: number, scope: LogScope): Promise<LogView>;
}

export function createLogQueryService(store: Store): LogQueryService {
  return { page: (search, window, scope) => pageLogs(store, search, window, scope), get: (id, scope) => getLog(store, id, scope) };
}

/** What a request row's `other` JSON says besides the columns, read defensively (older rows may lack fields). */
export interface LogDetails {
  endpoint: string | null;
  /** How the response ended: completed, upstream_error, client_gone, shutdown, failed_before_output. */
  end: string | null;
  estimated: boolean;
  partial: boolean;
  clamped: boolean;
  imageInputTokens: number;
  audioInputTokens: number;
  audioOutputTokens: number;
  /** Operator details: the ledger's id for the request, the hold and any overrun (micro-USD), unpriced. */
  ledgerId: string | null;
  hold: number | null;
  overrun: number | null;
  unpriced: boolean;
}

/** One upstream attempt of a request (the retry chain), as the relay recorded it. */
export interface LogAttempt {
  channelId: number | null;
  channelName: string | null;
  keyPosition: number | null;
  upstreamModel: string | null;
  status: number | null;
  errorCode: string | null;
  retryable: boolean | null;
  durationMs: number | null;
  passthrough: boolean;
}

const textOf = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const countOf = (value: unknown): number | null => (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : null);

export function logDetails(other: Record<string, unknown>): LogDetails {
  return {
    endpoint: textOf(other.endpoint),
    end: textOf(other.end),
    estimated: other.estimated === true,
    partial: other.partial === true,
    clamped: other.clamped === true,
    imageInputTokens: countOf(other.imageInputTokens) ?? 0,
    audioInputTokens: countOf(other.audioInputTokens) ?? 0,
    audioOutputTokens: countOf(other.audioOutputTokens) ?? 0,
    ledgerId: textOf(other.ledgerId),
    hold: countOf(other.hold),
    overrun: countOf(other.overrun),
    unpriced: other.unpriced === true,
  };
}

export function logAttempts(other: Record<string, unknown>): LogAttempt[] {
  if (!Array.isArray(other.attempts)) return [];
  return other.attempts
    .filter((attempt): attempt is Record<string, unknown> => attempt !== null && typeof attempt === 'object' && !Array.isArray(attempt))
    .map((attempt) => ({
      channelId: countOf(attempt.channelId),
      channelName: textOf(attempt.channelName),
      keyPosition: countOf(attempt.keyPosition),
      upstreamModel: textOf(attempt.upstreamModel),
      status: countOf(attempt.status),
      errorCode: textOf(attempt.errorCode),
      retryable: typeof attempt.retryable === 'boolean' ? attempt.retryable : null,
      durationMs: countOf(attempt.durationMs),
      passthrough: attempt.passthrough === true,
    }));
}
