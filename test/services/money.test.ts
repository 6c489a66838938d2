import { describe, expect, test } from 'bun:test';
import { formatUsd, MICROS_PER_NEW_API_QUOTA, MICROS_PER_USD, parseUsd } from '../../src/services/money.ts';

describe('money', () => {
  test('USD text parses exactly into micro-USD', () => {
    expect(parseUsd('5', '--quota')).toBe(5_000_000);
    expect(parseUsd('0.1', '--quota') + parseUsd('0.2', '--quota')).toBe(parseUsd('0.3', '--quota'));
    expect(parseUsd('$1.5', '--quota')).toBe(1_500_000);
    expect(parseUsd('0.000001', '--quota')).toBe(1);
    expect(parseUsd('0', '--quota')).toBe(0);
  });

  test('bad amounts name the field', () => {
    expect(() => parseUsd('-1', '--quota')).toThrow(/--quota must not be negative/);
    expect(() => parseUsd('1.0000001', '--quota')).toThrow(/at most 6 decimals/);
    expect(() => parseUsd('ten', '--quota')).toThrow(/--quota/);
    expect(() => parseUsd('1e3', '--quota')).toThrow(/--quota/);
  });

  test('formatting drops trailing zeros and keeps exactness', () => {
    expect(formatUsd(1_500_000)).toBe('1.5');
    expect(formatUsd(1)).toBe('0.000001');
    expect(formatUsd(0)).toBe('0');
    expect(formatUsd(-2_250_000)).toBe('-2.25');
  });

  test("New API's quota unit is exactly 2 micro-USD (500 000 per dollar)", () => {
    expect(500_000 * MICROS_PER_NEW_API_QUOTA).toBe(MICROS_PER_USD);
  });
});
