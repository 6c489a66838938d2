/**
 * Numeric codes stored in rows, New API's numbers: shared by the repositories (query builder) and the ledger's
 * compiled SQLite statements (src/db/ledger/sqlite-ops.ts).
 */

/** `users.status` of an account that may sign in and spend. */
export const USER_ENABLED = 1;
export const USER_DISABLED = 2;
/** `logs.type` of a system row (quota alerts, dropped-log notices). */
export const LOG_TYPE_SYSTEM = 4;
