/**
 * A small structured logger: JSON lines for machines, one readable line per entry for people.
 * No dependency, so `gateway serve` starts fast and the compiled binary stays small.
 * Every field passes through `redact` before it is written: no log line may carry a secret (G5, A7).
 */
import { redact as redactSecrets } from '../security/redact.ts';
import { stripTerminalEscapes } from '../security/terminal-text.ts';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFormat = 'auto' | 'json' | 'pretty';

/** Plain values only; an `Error` is written as its name, message and stack. */
export type LogValue =
  | string
  | number
  | boolean
  | null
  | undefined
  | Error
  | readonly LogValue[]
  | { readonly [key: string]: LogValue };

export type LogFields = Readonly<Record<string, LogValue>>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  isEnabled(level: LogLevel): boolean;
  /** A logger that adds `fields` to every entry (for example the request id). */
  child(fields: LogFields): Logger;
  /** Resolves once everything written so far has left the process (before exit). */
  flush(): Promise<void>;
}

/** Where lines go. The default writes to stdout; tests collect lines in memory. */
export interface LogSink {
  write(line: string): void;
  flush(): Promise<void>;
}

export interface LoggerOptions {
  level?: LogLevel;
  format?: LogFormat;
  sink?: LogSink;
  /** Whether stdout is a terminal; decides `auto`. Default: `process.stdout.isTTY`. */
  isTerminal?: boolean;
  now?: () => number;
}

const levelOrder: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

const REDACTED = '[redacted]';

/**
 * Words that mark a field as secret wherever they appear in its name (`sessionSecret`, `x-api-key`,
 * `Proxy-Authorization`). `key` and `token` count only as the last word, because `keyPrefix`, `tokenName`
 * and `promptTokens` are safe to log and useful when reading logs.
 */
const secretWords = new Set(['authorization', 'password', 'passwd', 'secret', 'secrets', 'cookie', 'credential', 'credentials', 'apikey', 'dsn']);
const secretLastWords = new Set(['key', 'token']);

function words(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word !== '');
}

export function isSecretName(name: string): boolean {
  const parts = words(name);
  if (parts.some((word) => secretWords.has(word))) return true;
  if (parts.join('') === 'apikey') return true;
  const last = parts.at(-1);
  return last !== undefined && secretLastWords.has(last);
}

// Values that are secrets whatever their field is called (URL credentials, bearer tokens, key shapes) are
// masked by the one redaction function the adapters use too.
const redactText = (text: string): string => redactSecrets(text);

/** Returns `value` with secret fields replaced and secret-looking text masked; never mutates its input. */
export function redact(value: LogValue, name?: string, depth = 0): unknown {
  if (name !== undefined && isSecretName(name) && value !== undefined && value !== null) return REDACTED;
  if (typeof value === 'string') return redactText(value);
  if (value === null || value === undefined || typeof value === 'number' || typeof value === 'boolean') return value;
  // Deeply nested data is a bug in the caller, not something to walk forever.
  if (depth > 8) return '[too deep]';
  if (value instanceof Error) {
    return {
      name: value.name,
      message: redactText(value.message),
      ...(value.stack === undefined ? {} : { stack: redactText(value.stack) }),
    };
  }
  if (Array.isArray(value)) return value.map((item: LogValue) => redact(item, undefined, depth + 1));
  const result: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value as Record<string, LogValue>)) {
    result[key] = redact(item, key, depth + 1);
  }
  return result;
}


function oneLine(text: string): string {
  return stripTerminalEscapes(text).replace(/[\r\n\t]+/g, ' ');
}

function prettyValue(value: unknown): string {
  if (typeof value === 'string') {
    const clean = stripTerminalEscapes(value);
    return /^[^\s"=]+$/.test(clean) ? clean : JSON.stringify(clean);
  }
  if (value !== null && typeof value === 'object' && 'stack' in value && typeof value.stack === 'string') {
    // A stack trace reads best on its own lines.
    return `\n${stripTerminalEscapes(value.stack)}`;
  }
  const serialized = JSON.stringify(value);
  return serialized === undefined ? String(value) : stripTerminalEscapes(serialized);
}

function twoDigits(value: number, width = 2): string {
  return String(value).padStart(width, '0');
}

function clockTime(epochMs: number): string {
  const date = new Date(epochMs);
  return `${twoDigits(date.getHours())}:${twoDigits(date.getMinutes())}:${twoDigits(date.getSeconds())}.${twoDigits(date.getMilliseconds(), 3)}`;
}

export function formatJson(time: number, level: LogLevel, message: string, fields: Record<string, unknown>): string {
  // Reserved names stay first and cannot be overwritten by a field of the same name.
  const { time: _time, level: _level, msg: _msg, ...rest } = fields;
  return JSON.stringify({ time: new Date(time).toISOString(), level, msg: redactText(message), ...rest });
}

export function formatPretty(time: number, level: LogLevel, message: string, fields: Record<string, unknown>): string {
  const pairs = Object.entries(fields)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}=${prettyValue(value)}`);
  const head = `${clockTime(time)} ${level.toUpperCase().padEnd(5)} ${oneLine(redactText(message))}`;
  return pairs.length === 0 ? head : `${head} ${pairs.join(' ')}`;
}

/** Writes to stdout; `flush` waits until a pipe that pushed back has drained (bounded, so exit never hangs). */
export function stdoutSink(): LogSink {
  return {
    write: (line) => {
      process.stdout.write(`${line}\n`);
    },
    flush: async () => {
      if (!process.stdout.writableNeedDrain) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 2000);
        process.stdout.once('drain', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
  };
}

/** Collects lines in memory (tests, and the build check). */
export function memorySink(): LogSink & { readonly lines: string[] } {
  const lines: string[] = [];
  return { lines, write: (line) => lines.push(line), flush: async () => {} };
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const threshold = levelOrder[options.level ?? 'info'];
  const sink = options.sink ?? stdoutSink();
  const now = options.now ?? Date.now;
  const terminal = options.isTerminal ?? process.stdout.isTTY === true;
  const format = options.format ?? 'auto';
  const pretty = format === 'pretty' || (format === 'auto' && terminal);

  const build = (bindings: LogFields): Logger => {
    const write = (level: LogLevel, message: string, fields: LogFields | undefined): void => {
      if (levelOrder[level] < threshold) return;
      const merged = redact(fields === undefined ? bindings : { ...bindings, ...fields }) as Record<string, unknown>;
      const time = now();
      sink.write(pretty ? formatPretty(time, level, message, merged) : formatJson(time, level, message, merged));
    };
    return {
      debug: (message, fields) => write('debug', message, fields),
      info: (message, fields) => write('info', message, fields),
      warn: (message, fields) => write('warn', message, fields),
      error: (message, fields) => write('error', message, fields),
      isEnabled: (level) => levelOrder[level] >= threshold,
      child: (fields) => build({ ...bindings, ...fields }),
      flush: () => sink.flush(),
    };
  };
  return build({});
}

/** A logger that drops everything (the default for `createApp` in tests that do not look at logs). */
export const silentLogger: Logger = createLogger({ level: 'error', sink: { write: () => {}, flush: async () => {} } });
