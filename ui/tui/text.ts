/** Text shaping for the screen: untrusted text made safe, cells cut to width, times and money made short. */
import { stripTerminalEscapes } from '../../src/security/terminal-text.ts';

/** Database and upstream text on one line, with escape sequences and controls removed (they could rewrite the screen). */
export function clean(text: string | number | null | undefined, empty = '-'): string {
  if (text === null || text === undefined || text === '') return empty;
  return stripTerminalEscapes(String(text)).replace(/[\t\n]+/g, ' ');
}

/** Cut to `width` with "…", or padded to it. */
export function fit(text: string, width: number, align: 'left' | 'right' = 'left'): string {
  if (width <= 0) return '';
  const shown = text.length > width ? `${text.slice(0, Math.max(0, width - 1))}…` : text;
  return align === 'right' ? shown.padStart(width) : shown.padEnd(width);
}

/** "12:34:56" in UTC, the log's time of day. */
export function clockTime(iso: string): string {
  return iso.slice(11, 19);
}

/** "2026-01-31 12:34" (UTC) or "never". */
export function shortDate(iso: string | null, never = 'never'): string {
  return iso === null ? never : iso.slice(0, 16).replace('T', ' ');
}

/** "3s ago", "5m ago", "2h ago", "4d ago". */
export function ago(iso: string | null, now: number): string {
  if (iso === null) return 'never';
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (seconds < 60) return `${seconds}s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)}h ago`;
  return `${Math.floor(seconds / 86_400)}d ago`;
}

/** "$1.5", and micro-amounts kept readable: "$0.000123". */
export function usd(decimal: string): string {
  return `$${decimal}`;
}

/** 1234 → "1.2k", 2_500_000 → "2.5M". */
export function compact(value: number): string {
  const absolute = Math.abs(value);
  if (absolute < 1000) return String(Math.round(value * 10) / 10);
  if (absolute < 1_000_000) return `${(value / 1000).toFixed(absolute < 10_000 ? 1 : 0)}k`;
  return `${(value / 1_000_000).toFixed(absolute < 10_000_000 ? 1 : 0)}M`;
}

/** A comma list cut to `limit` entries then "+N"; `empty` for none. */
export function shortList(entries: readonly string[], empty = '-', limit = 2): string {
  if (entries.length === 0) return empty;
  if (entries.length <= limit) return entries.map((entry) => clean(entry)).join(',');
  return `${entries.slice(0, limit).map((entry) => clean(entry)).join(',')} +${entries.length - limit}`;
}
