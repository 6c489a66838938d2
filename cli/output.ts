/**
 * CLI output: human tables on stdout, or JSON only with --json; errors as one line on stderr with a
 * non-zero exit code. Data shown to humans is stripped of control characters and escape sequences.
 */
import { CommanderError } from 'commander';
import { isGatewayError } from '../src/errors/gateway-error.ts';
import { stripTerminalEscapes } from '../src/security/terminal-text.ts';

/** Exit codes scripts can rely on. */
export const exitCodes = {
  ok: 0,
  /** Operational failure: database unreachable, internal error. */
  failure: 1,
  /** Bad input: unknown flag, malformed value, duplicate name, unknown reference. */
  invalidInput: 2,
} as const;

export function sanitize(text: string): string {
  return stripTerminalEscapes(text);
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export type Cell = string | number | boolean | null | undefined;

/** A plain text table; every cell is sanitized. */
export function renderTable(headers: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const text = rows.map((row) => row.map((cell) => (cell === null || cell === undefined ? '-' : sanitize(String(cell)))));
  const widths = headers.map((header, index) => Math.max(header.length, ...text.map((row) => (row[index] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, index) => cell.padEnd(widths[index] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(headers), ...text.map(line)].join('\n');
}

/** At most `limit` entries, then "(+N)", so a row with 200 models stays readable; `empty` stands for none. */
export function shortList(entries: readonly string[], empty = '-', limit = 3): string {
  if (entries.length === 0) return empty;
  if (entries.length <= limit) return entries.join(',');
  return `${entries.slice(0, limit).join(',')} (+${entries.length - limit})`;
}

/** Key/value lines for one object (the human form of `show`). */
export function renderRecord(record: Readonly<Record<string, Cell | readonly string[]>>): string {
  const width = Math.max(...Object.keys(record).map((key) => key.length));
  return Object.entries(record)
    .map(([key, value]) => {
      const shown = Array.isArray(value) ? (value.length === 0 ? '-' : value.join(', ')) : value;
      return `${key.padEnd(width)}  ${shown === null || shown === undefined || shown === '' ? '-' : sanitize(String(shown))}`;
    })
    .join('\n');
}

/** Prints data as JSON with --json, else the human rendering. */
export function output(json: boolean | undefined, data: unknown, human: () => string): void {
  if (json === true) printJson(data);
  else process.stdout.write(`${human()}\n`);
}

/** One line on stderr, and the exit code for the kind of failure. */
export function reportError(error: unknown): number {
  if (error instanceof CommanderError) {
    // commander already printed its own message (unknown option, missing argument).
    return error.exitCode === 0 ? exitCodes.ok : exitCodes.invalidInput;
  }
  if (isGatewayError(error)) {
    process.stderr.write(`error: ${sanitize(error.message)}\n`);
    // shutting_down: a remote gateway that is draining (503), as unavailable as an unreachable database.
    const operational = error.code === 'database_unavailable' || error.code === 'internal_error' || error.code === 'shutting_down';
    return operational ? exitCodes.failure : exitCodes.invalidInput;
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`error: ${sanitize(message)}\n`);
  return exitCodes.failure;
}
