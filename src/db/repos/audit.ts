/**
 * The audit log (`audit_logs`): one row per admin action or security event, written after the action
 * succeeded (or, for a failed sign-in or password check, after it failed). Rows are only ever inserted; the
 * service (src/services/audit.ts) decides what goes in them.
 */
import { and, count, desc, eq, gte, inArray, lt, lte, type SQL, sql } from 'drizzle-orm';
import type { Store, Tables } from '../client.ts';
import { escapeLike, type PageWindow } from './search.ts';

export type AuditRow = Tables['auditLogs']['$inferSelect'];
export type NewAuditRow = Omit<Tables['auditLogs']['$inferInsert'], 'id'>;

export interface AuditRowFilter {
  /** Rows of this acting user id. */
  actorUserId?: number;
  /** Rows whose `actor` is this name, ignoring case (`cli`, `anonymous`, a username). */
  actorName?: string;
  /** Exact action, or every action that starts with `actionPrefix`. */
  action?: string;
  actionPrefix?: string;
  targetType?: string;
  targetId?: string;
  /** Inclusive lower and upper bounds on `created_at` (epoch ms). */
  since?: number;
  until?: number;
  /** Only rows of users whose current role number is below this (what an admin may read). */
  actorRoleBelow?: number;
  /** Only the rows this user id acted in (what an ordinary user may read of its own). */
  onlyUserId?: number;
}

export async function insertAuditRow(store: Store, values: NewAuditRow): Promise<AuditRow> {
  const rows = await store.write((db) => db.insert(store.tables.auditLogs).values(values).returning());
  return rows[0] as AuditRow;
}

function conditionsOf(store: Store, filter: AuditRowFilter): SQL | undefined {
  const { auditLogs, users } = store.tables;
  const conditions: SQL[] = [];
  if (filter.actorUserId !== undefined) conditions.push(eq(auditLogs.actorUserId, filter.actorUserId));
  if (filter.actorName !== undefined) conditions.push(sql`lower(${auditLogs.actor}) = ${filter.actorName.toLowerCase()}`);
  if (filter.action !== undefined) conditions.push(eq(auditLogs.action, filter.action));
  if (filter.actionPrefix !== undefined) conditions.push(sql`${auditLogs.action} LIKE ${`${escapeLike(filter.actionPrefix)}%`} ESCAPE '\\'`);
  if (filter.targetType !== undefined) conditions.push(eq(auditLogs.targetType, filter.targetType));
  if (filter.targetId !== undefined) conditions.push(eq(auditLogs.targetId, filter.targetId));
  if (filter.since !== undefined) conditions.push(gte(auditLogs.createdAt, filter.since));
  if (filter.until !== undefined) conditions.push(lte(auditLogs.createdAt, filter.until));
  if (filter.actorRoleBelow !== undefined) {
    const below = store.db.select({ id: users.id }).from(users).where(lt(users.role, filter.actorRoleBelow));
    conditions.push(inArray(auditLogs.actorUserId, below));
  }
  if (filter.onlyUserId !== undefined) conditions.push(eq(auditLogs.actorUserId, filter.onlyUserId));
  return conditions.length === 0 ? undefined : and(...conditions);
}

/** One page of rows, newest first, and how many match in all. */
export async function pageAuditRows(store: Store, filter: AuditRowFilter, window: PageWindow): Promise<{ rows: AuditRow[]; total: number }> {
  const { auditLogs } = store.tables;
  const where = conditionsOf(store, filter);
  const [rows, totals] = await Promise.all([
    store.db.select().from(auditLogs).where(where).orderBy(desc(auditLogs.createdAt), desc(auditLogs.id)).limit(window.limit).offset(window.offset),
    store.db.select({ total: count() }).from(auditLogs).where(where),
  ]);
  return { rows, total: totals[0]?.total ?? 0 };
}
