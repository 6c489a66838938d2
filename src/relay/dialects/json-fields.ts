/**
 * Narrowing of parsed JSON for the dialect converters (style.md rule 4: parse `unknown` at the edge), and the
 * one way they report input they cannot use: a GatewayError `invalid_request` that names the field.
 */
import { GatewayError } from '../../errors/gateway-error.ts';
import { asRecord } from '../json-record.ts';

export { asRecord };

export function readString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** A finite number; NaN and the infinities never come out of JSON.parse, but a caller's object may hold them. */
export function readNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

export function readArray(value: unknown): readonly unknown[] | undefined {
  return Array.isArray(value) ? value : undefined;
}

/** The records of an array, skipping anything that is not an object (lenient reading of replies). */
export function readRecords(value: unknown): Record<string, unknown>[] {
  const records: Record<string, unknown>[] = [];
  for (const item of readArray(value) ?? []) {
    const record = asRecord(item);
    if (record !== undefined) records.push(record);
  }
  return records;
}

export function invalidRequest(field: string, message: string): GatewayError {
  return new GatewayError({ code: 'invalid_request', field, message: `${field}: ${message}` });
}

/** The record at `field`, or an `invalid_request` error naming it. */
export function requireRecord(value: unknown, field: string, what: string): Record<string, unknown> {
  const record = asRecord(value);
  if (record === undefined) throw invalidRequest(field, `must be ${what}`);
  return record;
}

/**
 * Copies the numbers named by `renames` ([from, to], in order: a later pair writing the same target wins) from
 * `source` to `target`. Absent and null are skipped — absent is not zero (style.md rule 5) — and anything else
 * is an `invalid_request` naming `${prefix}${from}`.
 */
export function copyNumbers(source: Record<string, unknown>, target: Record<string, unknown>, renames: readonly (readonly [string, string])[], prefix = ''): void {
  for (const [from, to] of renames) {
    const raw = source[from];
    if (raw === undefined || raw === null) continue;
    const number = readNumber(raw);
    if (number === undefined) throw invalidRequest(`${prefix}${from}`, `must be a number, not ${JSON.stringify(raw)}`);
    target[to] = number;
  }
}

/** Parses tool-call arguments; a non-object or unparsable text is kept whole under `raw_arguments`. */
export function parseToolArguments(text: string): Record<string, unknown> {
  if (text.trim() === '') return {};
  try {
    const parsed: unknown = JSON.parse(text);
    const record = asRecord(parsed);
    if (record !== undefined) return record;
  } catch {
    // Falls through: models sometimes emit truncated JSON (max_tokens hit inside a tool call).
  }
  return { raw_arguments: text };
}
