/** Flag value parsers shared by the commands. */
import { invalidArgument } from '../src/errors/gateway-error.ts';

/** Comma-separated values; empty entries are dropped, so '' is an empty list (which clears a restriction). */
export function parseListFlag(text: string): string[] {
  return text
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
}

/** Strict whole number: "10", "-5"; never "1.5", "1e3", "0x10" or "abc". */
export function parseIntegerFlag(text: string, flag: string): number {
  const value = text.trim();
  if (!/^-?\d{1,15}$/.test(value)) throw invalidArgument(flag, `${flag} must be a whole number like 10 or -5 (got "${text}")`);
  return Number(value);
}
