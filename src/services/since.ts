/**
 * The start of a time window typed by an operator (`--since`): a duration back from the injected clock
 * (`30m`, `1h`, `7d`, `2w`, `90s`) or an ISO 8601 date or time (`2026-01-31`, midnight UTC;
 * `2026-01-31T12:00:00Z`). Expiry input (a point in the future) is src/services/duration.ts.
 */
import { invalidArgument } from '../errors/gateway-error.ts';

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
const RELATIVE = /^(\d{1,7})\s*([smhdw])$/i;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
/** Date, time and an explicit zone: local times would mean something else on every machine. */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:?\d{2})$/i;

const usage = 'use a duration like 30m, 1h or 7d, or an ISO date like 2026-01-31 or 2026-01-31T12:00:00Z';

/** Epoch milliseconds of the window's start; `field` names the option in error messages. */
export function parseSince(text: string, now: number, field = '--since'): number {
  const value = text.trim();
  const relative = RELATIVE.exec(value);
  if (relative !== null) {
    const unit = (relative[2] as string).toLowerCase() as keyof typeof UNIT_MS;
    return now - Number(relative[1]) * UNIT_MS[unit];
  }
  const date = DATE.exec(value);
  if (date !== null) {
    const [year, month, day] = [Number(date[1]), Number(date[2]), Number(date[3])];
    const start = Date.UTC(year, month - 1, day);
    const check = new Date(start);
    // Date.UTC rolls 2026-02-30 over to March; a date that does not round-trip does not exist.
    if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) {
      throw invalidArgument(field, `${field} has no such date "${text}"; ${usage}`);
    }
    return start;
  }
  if (DATE_TIME.test(value)) {
    const parsed = Date.parse(value.replace(' ', 'T'));
    if (Number.isFinite(parsed)) return parsed;
  }
  throw invalidArgument(field, `${field} cannot read "${text}"; ${usage}`);
}

/** A window typed by a client as `since` and `until` (each as parseSince reads it), in epoch ms; absent stays absent. */
export function parseWindow(window: { since?: string; until?: string }, now: number): { since?: number; until?: number } {
  return {
    since: window.since === undefined ? undefined : parseSince(window.since, now, 'since'),
    until: window.until === undefined ? undefined : parseSince(window.until, now, 'until'),
  };
}
