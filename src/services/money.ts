/**
 * Money is an integer number of micro-USD (1 USD = 1 000 000). New API's quota unit is 500 000 per USD, so one
 * quota unit is exactly 2 micro-USD. Decimal input is parsed exactly, never through floating point.
 */
import { invalidArgument } from '../errors/gateway-error.ts';

export const MICROS_PER_USD = 1_000_000;
export const MICROS_PER_NEW_API_QUOTA = 2;

/** Parses a non-negative decimal USD amount ("5", "0.25", "$1.5") into micro-USD. */
export function parseUsd(text: string, field: string): number {
  const value = text.trim().replace(/^\$/, '');
  const match = /^(\d{1,12})(?:\.(\d{1,6}))?$/.exec(value);
  if (match === null) {
    if (/^-/.test(value)) throw invalidArgument(field, `${field} must not be negative (got "${text}")`);
    throw invalidArgument(field, `${field} must be an amount in USD with at most 6 decimals, like 5 or 0.25 (got "${text}")`);
  }
  const whole = Number(match[1]);
  const fraction = Number((match[2] ?? '').padEnd(6, '0'));
  return whole * MICROS_PER_USD + fraction;
}

/** Formats micro-USD as a plain decimal string without trailing zeros: 1500000 → "1.5". */
export function formatUsd(micros: number): string {
  const sign = micros < 0 ? '-' : '';
  const absolute = Math.abs(micros);
  const whole = Math.floor(absolute / MICROS_PER_USD);
  const fraction = String(absolute % MICROS_PER_USD).padStart(6, '0').replace(/0+$/, '');
  return `${sign}${whole}${fraction === '' ? '' : `.${fraction}`}`;
}
