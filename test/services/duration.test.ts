import { describe, expect, test } from 'bun:test';
import { parseExpiry } from '../../src/services/duration.ts';

const now = Date.UTC(2026, 0, 15, 10, 30);
const hour = 3_600_000;
const day = 24 * hour;

describe('parseExpiry', () => {
  test('relative durations count from now', () => {
    expect(parseExpiry('12h', now)).toBe(now + 12 * hour);
    expect(parseExpiry('30d', now)).toBe(now + 30 * day);
    expect(parseExpiry('2w', now)).toBe(now + 14 * day);
    expect(parseExpiry(' 1D ', now)).toBe(now + day);
  });

  test('never means no expiry', () => {
    expect(parseExpiry('never', now)).toBeNull();
    expect(parseExpiry('Never', now)).toBeNull();
  });

  test('a date is valid until the end of that day in UTC', () => {
    expect(parseExpiry('2026-12-31', now)).toBe(Date.UTC(2026, 11, 31, 23, 59, 59, 999));
    expect(parseExpiry('2026-01-15', now)).toBe(Date.UTC(2026, 0, 15, 23, 59, 59, 999));
  });

  test('past dates, impossible dates and garbage are refused with the option name', () => {
    expect(() => parseExpiry('2026-01-14', now)).toThrow(/--expires 2026-01-14 is in the past \(today is 2026-01-15 UTC\)/);
    expect(() => parseExpiry('2026-02-30', now)).toThrow(/no such date/);
    expect(() => parseExpiry('2026-13-01', now)).toThrow(/no such date/);
    expect(() => parseExpiry('0d', now)).toThrow(/in the future/);
    expect(() => parseExpiry('-5d', now)).toThrow(/cannot read/);
    expect(() => parseExpiry('30 days', now)).toThrow(/30d/);
    expect(() => parseExpiry('', now)).toThrow(/cannot read/);
    expect(() => parseExpiry('999999w', now)).toThrow(/never/);
    expect(() => parseExpiry('soon', now, '--until')).toThrow(/^--until cannot read "soon"/);
  });

  test('errors carry the invalid_argument code and the field', () => {
    try {
      parseExpiry('yesterday', now);
      throw new Error('expected a failure');
    } catch (error) {
      expect(error).toMatchObject({ code: 'invalid_argument', field: '--expires' });
    }
  });
});
