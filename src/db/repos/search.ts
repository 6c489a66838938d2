/**
 * Search and paging building blocks for list queries. Search input is matched literally: `%`, `_` and `\`
 * are escaped (`ESCAPE '\'`) and `*` has no meaning in LIKE, so a user cannot turn a search into a pattern,
 * and the input is capped (reliability.md 2.2.7: strings of `%` pinned New API's database, CVE-2026-25591).
 * Matching ignores case the same way on both dialects (`lower(column) LIKE lower(input)`).
 */
import { or, type SQL, sql } from 'drizzle-orm';
import type { AnyColumn } from 'drizzle-orm';

export const MAX_SEARCH_LENGTH = 256;

export interface PageWindow {
  limit: number;
  offset: number;
}

/** Escapes LIKE's wildcards and its escape character. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (character) => `\\${character}`);
}

/** `column` contains `text`, ignoring case, with every character of `text` literal. */
export function containsText(column: AnyColumn, text: string): SQL {
  const pattern = `%${escapeLike(text.slice(0, MAX_SEARCH_LENGTH).toLowerCase())}%`;
  return sql`lower(${column}) LIKE ${pattern} ESCAPE '\\'`;
}

/** Any of `columns` contains `text` (see containsText). */
export function anyContainsText(columns: readonly AnyColumn[], text: string): SQL {
  const conditions = columns.map((column) => containsText(column, text));
  // Never undefined: `columns` is not empty, and `or` of defined conditions is defined.
  return (conditions.length === 1 ? conditions[0] : or(...conditions)) as SQL;
}
