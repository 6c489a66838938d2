/**
 * The audit log (reliability.md 2.7.5, G11): who did what to which object, when and from where — every admin
 * action through the API and the CLI, every key reveal, and the security events of sign-in (success and
 * failure, sign-out, password changes). A row records *names* of the fields a request changed, never their
 * values, so no password, key or token can end up here; the few extra facts a route keeps (a count, an
 * amount, a test result) are short plain values, and anything shaped like a key is redacted all the same.
 *
 * Who reads it: root reads every row; an admin reads the rows of accounts below root (its own, other
 * admins', users'), not root's, the CLI's (the operator) or anonymous sign-in failures.
 */
import { type AuditRow, type AuditRowFilter, insertAuditRow, pageAuditRows } from '../db/repos/audit.ts';
import { ROLE_NUMBERS } from '../db/repos/users.ts';
import { invalidArgument } from '../errors/gateway-error.ts';
import { redact } from '../security/redact.ts';
import type { Actor } from './actor.ts';
import type { ServiceContext } from './context.ts';

/** Who acted: a signed-in user, the operator's CLI, or somebody not signed in (a failed sign-in). */
export type AuditActor = { readonly userId: number; readonly username: string } | 'cli' | 'anonymous' | 'system';

/** The object acted on: `channel` 3, `user` 12, `channel_tag` "eu"… `id` null for the collection itself. */
export interface AuditTarget {
  readonly type: string;
  readonly id?: string | number | null;
}

/** Small, non-secret facts about an action (a count, a model, an amount, a result); undefined ones are left out. */
export type AuditFacts = Readonly<Record<string, string | number | boolean | null | undefined>>;

export interface AuditEntry {
  readonly actor: AuditActor;
  /** `<resource>.<verb>`, lower case: `channel.update`, `user.topup`, `auth.login.failed`. */
  readonly action: string;
  readonly target: AuditTarget;
  /** The client's address (through the trusted-proxy resolver). */
  readonly ip?: string | undefined;
  readonly requestId?: string | undefined;
  /** Names of the fields the action changed; never their values. */
  readonly fields?: readonly string[];
  readonly facts?: AuditFacts;
}

export interface AuditView {
  id: number;
  createdAt: string;
  /** The username at the time, `cli`, `anonymous` or `system`. */
  actor: string;
  actorUserId: number | null;
  action: string;
  targetType: string;
  targetId: string | null;
  ip: string | null;
  requestId: string | null;
  fields: string[];
  facts: Record<string, string | number | boolean | null>;
}

export interface AuditFilter {
  /** A username, `cli`, `anonymous`, or a user id (all digits). */
  actor?: string;
  /** An exact action, or a prefix ending in `.*` (`channel.*`, `auth.login.*`). */
  action?: string;
  targetType?: string;
  targetId?: string;
  since?: number;
  until?: number;
}

export interface AuditService {
  record(entry: AuditEntry): Promise<AuditView>;
  /** Newest first. With a viewer, only the rows it may read (see the top of this file). */
  page(filter: AuditFilter, window: { limit: number; offset: number }, viewer?: Actor): Promise<{ entries: AuditView[]; total: number }>;
}

export const AUDIT_QUERY_LIMITS = { defaultLimit: 100, maxLimit: 1000 } as const;

const NAME = /^[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)*$/;
const FIELD = /^[A-Za-z0-9_.-]{1,64}$/;
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
const MAX_FIELDS = 64;
const MAX_FACTS = 16;
const FACT_TEXT_LENGTH = 200;

/** Printable text of at most `max` characters, or null when nothing is left. */
function cleanText(value: string | undefined | null, max: number): string | null {
  if (value === undefined || value === null) return null;
  const text = value.replace(CONTROL, '').trim().slice(0, max);
  return text === '' ? null : text;
}

/** Action and target type names are code, not input: a malformed one is a bug in the caller. */
function checkName(name: string, what: string): string {
  if (name.length > 64 || !NAME.test(name)) throw new Error(`audit ${what} "${name}" must be lower-case words joined by dots, e.g. channel.update`);
  return name;
}

function cleanFacts(facts: AuditFacts | undefined): Record<string, string | number | boolean | null> {
  const result: Record<string, string | number | boolean | null> = {};
  for (const [name, value] of Object.entries(facts ?? {}).slice(0, MAX_FACTS)) {
    if (!FIELD.test(name)) continue;
    if (typeof value === 'string') result[name] = redact(cleanText(value, FACT_TEXT_LENGTH) ?? '');
    else if (typeof value === 'number') result[name] = Number.isFinite(value) ? value : null;
    else if (typeof value === 'boolean' || value === null) result[name] = value;
  }
  return result;
}

interface StoredDetail {
  request_id?: string;
  fields?: string[];
  facts?: Record<string, string | number | boolean | null>;
}

function readDetail(text: string): StoredDetail {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as StoredDetail) : {};
  } catch {
    return {};
  }
}

export function toAuditView(row: AuditRow): AuditView {
  const detail = readDetail(row.detail);
  const facts: Record<string, string | number | boolean | null> = {};
  for (const [name, value] of Object.entries(detail.facts ?? {})) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' || value === null) facts[name] = value;
  }
  return {
    id: row.id,
    createdAt: new Date(row.createdAt).toISOString(),
    actor: row.actor,
    actorUserId: row.actorUserId,
    action: row.action,
    targetType: row.targetType,
    targetId: row.targetId,
    ip: row.ip,
    requestId: typeof detail.request_id === 'string' ? detail.request_id : null,
    fields: Array.isArray(detail.fields) ? detail.fields.filter((field): field is string => typeof field === 'string') : [],
    facts,
  };
}

/** The repository filter for the operator's or the API's filter text. */
function rowFilter(filter: AuditFilter): AuditRowFilter {
  const result: AuditRowFilter = { since: filter.since, until: filter.until };
  const actor = filter.actor?.trim();
  if (actor !== undefined && actor !== '') {
    if (/^\d{1,15}$/.test(actor)) result.actorUserId = Number(actor);
    else result.actorName = actor.slice(0, 64);
  }
  const action = filter.action?.trim();
  if (action !== undefined && action !== '') {
    if (action === '*') {
      // Every action.
    } else if (action.endsWith('.*')) {
      const prefix = action.slice(0, -1);
      if (!NAME.test(prefix.slice(0, -1))) throw invalidArgument('action', `the action "${action}" must be an action name such as channel.update, or a prefix such as channel.*`);
      result.actionPrefix = prefix;
    } else {
      if (action.length > 64 || !NAME.test(action)) throw invalidArgument('action', `the action "${action}" must be an action name such as channel.update, or a prefix such as channel.*`);
      result.action = action;
    }
  }
  const targetType = filter.targetType?.trim();
  if (targetType !== undefined && targetType !== '') {
    if (targetType.length > 64 || !NAME.test(targetType)) throw invalidArgument('target_type', `the target type "${targetType}" must be a word such as channel, user or token`);
    result.targetType = targetType;
  }
  const targetId = cleanText(filter.targetId, 128);
  if (targetId !== null) result.targetId = targetId;
  if (filter.since !== undefined && filter.until !== undefined && filter.until < filter.since) {
    throw invalidArgument('until', 'until is before since; the window would be empty');
  }
  return result;
}

export function createAuditService(context: Pick<ServiceContext, 'store' | 'clock'>): AuditService {
  const { store, clock } = context;
  return {
    async record(entry) {
      const action = checkName(entry.action, 'action');
      const targetType = checkName(entry.target.type, 'target type');
      const fields = [...new Set(entry.fields ?? [])].filter((field) => FIELD.test(field)).slice(0, MAX_FIELDS);
      const facts = cleanFacts(entry.facts);
      const requestId = cleanText(entry.requestId, 64);
      const detail: StoredDetail = {
        ...(requestId === null ? {} : { request_id: requestId }),
        ...(fields.length === 0 ? {} : { fields }),
        ...(Object.keys(facts).length === 0 ? {} : { facts }),
      };
      const actor = entry.actor;
      const targetId = entry.target.id === undefined || entry.target.id === null ? null : cleanText(String(entry.target.id), 128);
      const row = await insertAuditRow(store, {
        createdAt: clock.now(),
        actorUserId: typeof actor === 'string' ? null : actor.userId,
        actor: typeof actor === 'string' ? actor : (cleanText(actor.username, 64) ?? `#${actor.userId}`),
        action,
        targetType,
        targetId: targetId === null ? null : redact(targetId),
        ip: cleanText(entry.ip, 64),
        detail: JSON.stringify(detail),
      });
      return toAuditView(row);
    },

    async page(filter, window, viewer) {
      const repoFilter = rowFilter(filter);
      if (viewer?.role === 'admin') repoFilter.actorRoleBelow = ROLE_NUMBERS.root;
      if (viewer?.role === 'user') repoFilter.onlyUserId = viewer.userId;
      const { rows, total } = await pageAuditRows(store, repoFilter, window);
      return { entries: rows.map(toAuditView), total };
    },
  };
}
