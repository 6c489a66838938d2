/**
 * Expiry input for keys: a relative duration (`12h`, `30d`, `2w`), a calendar date (`2026-12-31`, valid until
 * the end of that day in UTC) or `never`. Relative values count from the injected clock, so tests can move it.
 */
import { invalidArgument } from '../errors/gateway-error.ts';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const UNIT_MS = { h: HOUR_MS, d: DAY_MS, w: 7 * DAY_MS } as const;
/** About 100 years; beyond that, `never` says what is meant. */
const MAX_RELATIVE_MS = 36_500 * DAY_MS;

const RELATIVE = /^(\d{1,6})\s*([hdw])$/i;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

const usage = 'use a duration like 12h, 30d or 2w, a date YYYY-MM-DD, or never';

/**
 * Returns the expiry as epoch milliseconds, or null for `never`. `field` names the option in error messages
 * (for example `--expires`).
 */
export function parseExpiry(text: string, now: number, field = '--expires'): number | null {
  const value = text.trim();
  if (value.toLowerCase() === 'never') return null;

  const relative = RELATIVE.exec(value);
  if (relative !== null) {
    const amount = Number(relative[1]);
    const unit = (relative[2] as string).toLowerCase() as keyof typeof UNIT_MS;
    const duration = amount * UNIT_MS[unit];
    if (amount === 0) throw invalidArgument(field, `${field} must be in the future (got "${text}"); ${usage}`);
    if (duration > MAX_RELATIVE_MS) throw invalidArgument(field, `${field} is too far away (got "${text}"); for a key that never expires use: ${field} never`);
    return now + duration;
  }

  const date = DATE.exec(value);
  if (date !== null) {
    const [year, month, day] = [Number(date[1]), Number(date[2]), Number(date[3])];
    const startOfDay = Date.UTC(year, month - 1, day);
    const check = new Date(startOfDay);
    // Date.UTC rolls 2026-02-30 over to March; a date that does not round-trip does not exist.
    if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) {
      throw invalidArgument(field, `${field} has no such date "${text}"; ${usage}`);
    }
    const endOfDay = startOfDay + DAY_MS - 1;
    if (endOfDay <= now) {
      throw invalidArgument(field, `${field} ${value} is in the past (today is ${new Date(now).toISOString().slice(0, 10)} UTC); ${usage}`);
    }
    return endOfDay;
  }

  throw invalidArgument(field, `${field} cannot read "${text}"; ${usage}`);
}

/** ISO 8601 text for an epoch-milliseconds value, or null. */
export function isoOrNull(milliseconds: number | null): string | null {
  return milliseconds === null ? null : new Date(milliseconds).toISOString();
}
