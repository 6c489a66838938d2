/**
 * The fault vocabulary of reliability.md 3.2. Each control can be given as an `x-mock-<name>` request
 * header, or inside the model name — `mock/<script>` picks a named script, `mock/<name>=<value>,…` spells
 * controls out, and both mix (`mock/rate-limited,retry-after=9`) — because the gateway strips client
 * headers but passes the model through. Values may be URI-encoded (`body=%7B%7D`).
 */

export type Framing = 'chunked' | 'close' | 'content-length';
export type UsageFault = 'normal' | 'absent' | 'negative' | 'huge' | 'fractional';
export type LineEnding = 'lf' | 'crlf' | 'cr';

export interface MockControls {
  /** Answer with this status (an OpenAI error body for 4xx/5xx unless `body` is given). */
  status?: number;
  /** Raw body for `status` (JSON when it parses, else text/plain). */
  body?: string;
  /** Error `code` for `status` (`insufficient_quota` also sets OpenAI's type and message for it). */
  code?: string;
  chunkDelayMs?: number;
  /** Delay before the status line. */
  firstByteDelayMs?: number;
  /** Number of content chunks (words) of a generated answer. */
  chunks?: number;
  /** RST after this many body parts (SSE events). */
  resetAfterChunks?: number;
  /** FIN after this many body parts (no terminating chunk, short of `content-length`). */
  finAfterChunks?: number;
  /**
   * Wait this long (default 250 ms, enough for 1 000 concurrent streams in one process) after the last write before the RST or FIN. When a body ends in error
   * (RST, or FIN inside a chunked or sized body) Bun's fetch drops the bytes it has received but the reader
   * has not taken yet, so without a grace the parts "sent" may never be seen by the gateway.
   */
  cutGraceMs?: number;
  /** Go silent (connection open) after this many body parts; 0 = headers, then nothing. */
  stallAfterChunks?: number;
  /**
   * Anthropic, Gemini and Responses streams: after this many body parts (SSE events), send the provider's in-band
   * error event instead of the rest and end the body normally — Anthropic `event: error` with an
   * `overloaded_error` (or the `code` control's type), Gemini `data: {"error":{"code":503,…}}`, Responses an
   * `error` event and `response.failed` with `server_error` (or the `code` control's code). The reply is recorded
   * with ending `error-event`, not as completed. Chat and completions endpoints ignore it.
   */
  errorEventAfterChunks?: number;
  framing?: Framing;
  /** Never answer: no status line, the connection stays open until the client leaves. */
  hang?: boolean;
  /** Make one `data:` line (the first content event) exactly this many bytes; non-stream: the body. */
  lineBytes?: number;
  usage?: UsageFault;
  promptTokens?: number;
  completionTokens?: number;
  cachedTokens?: number;
  /** Prompt tokens reported as written to the cache (Anthropic's `cache_creation_input_tokens`). */
  cacheWriteTokens?: number;
  reasoningTokens?: number;
  /** `Retry-After` header value, on whatever the reply is. */
  retryAfter?: string;
  /** Answer 302 with this `Location`. */
  redirect?: string;
  /** Answer 401 whose message contains the full key received (a secret canary for redaction tests). */
  echoKeyIn401?: boolean;
  /** Put the request's input text in the error message (for `status` ≥ 400). */
  echoInputInError?: boolean;
  /** Answer with a tool call whenever the request has tools. */
  toolCall?: boolean;
  /** Line ending of SSE events. */
  sse?: LineEnding;
  /** Write each body part in pieces of this many bytes, `chunk-delay-ms` apart (a drip). */
  dripBytes?: number;
  /** Answer with `content-encoding: gzip` that inflates to this many MiB of zeros. */
  gzipBomb?: number;
}

type ControlKey = keyof MockControls;

interface ControlSpec {
  readonly key: ControlKey;
  readonly parse: (value: string) => MockControls[ControlKey];
}

function integer(name: string, minimum = 0): (value: string) => number {
  return (value) => {
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < minimum) throw new Error(`mock control ${name}: "${value}" is not an integer ≥ ${minimum}`);
    return parsed;
  };
}

function oneOf<T extends string>(name: string, allowed: readonly T[]): (value: string) => T {
  return (value) => {
    const found = allowed.find((candidate) => candidate === value);
    if (found === undefined) throw new Error(`mock control ${name}: "${value}" is not one of ${allowed.join(', ')}`);
    return found;
  };
}

function flag(name: string): (value: string) => boolean {
  return (value) => {
    if (value === '' || value === 'true' || value === '1') return true;
    if (value === 'false' || value === '0') return false;
    throw new Error(`mock control ${name}: "${value}" is not true or false`);
  };
}

const text = (value: string): string => value;

/** Control names as written in headers and model names, mapped to their fields. */
export const CONTROL_NAMES: Readonly<Record<string, ControlSpec>> = {
  status: { key: 'status', parse: integer('status', 100) },
  body: { key: 'body', parse: text },
  code: { key: 'code', parse: text },
  'chunk-delay-ms': { key: 'chunkDelayMs', parse: integer('chunk-delay-ms') },
  'first-byte-delay-ms': { key: 'firstByteDelayMs', parse: integer('first-byte-delay-ms') },
  chunks: { key: 'chunks', parse: integer('chunks', 1) },
  'reset-after-chunks': { key: 'resetAfterChunks', parse: integer('reset-after-chunks') },
  'fin-after-chunks': { key: 'finAfterChunks', parse: integer('fin-after-chunks') },
  'cut-grace-ms': { key: 'cutGraceMs', parse: integer('cut-grace-ms') },
  'stall-after-chunks': { key: 'stallAfterChunks', parse: integer('stall-after-chunks') },
  'error-event-after-chunks': { key: 'errorEventAfterChunks', parse: integer('error-event-after-chunks') },
  framing: { key: 'framing', parse: oneOf('framing', ['chunked', 'close', 'content-length']) },
  hang: { key: 'hang', parse: flag('hang') },
  'line-bytes': { key: 'lineBytes', parse: integer('line-bytes', 1) },
  usage: { key: 'usage', parse: oneOf('usage', ['normal', 'absent', 'negative', 'huge', 'fractional']) },
  'prompt-tokens': { key: 'promptTokens', parse: integer('prompt-tokens') },
  'completion-tokens': { key: 'completionTokens', parse: integer('completion-tokens') },
  'cached-tokens': { key: 'cachedTokens', parse: integer('cached-tokens') },
  'cache-write-tokens': { key: 'cacheWriteTokens', parse: integer('cache-write-tokens') },
  'reasoning-tokens': { key: 'reasoningTokens', parse: integer('reasoning-tokens') },
  'retry-after': { key: 'retryAfter', parse: text },
  redirect: { key: 'redirect', parse: text },
  'echo-key-in-401': { key: 'echoKeyIn401', parse: flag('echo-key-in-401') },
  'echo-input-in-error': { key: 'echoInputInError', parse: flag('echo-input-in-error') },
  'tool-call': { key: 'toolCall', parse: flag('tool-call') },
  sse: { key: 'sse', parse: oneOf('sse', ['lf', 'crlf', 'cr']) },
  'drip-bytes': { key: 'dripBytes', parse: integer('drip-bytes', 1) },
  'gzip-bomb': { key: 'gzipBomb', parse: integer('gzip-bomb', 1) },
};

/**
 * Named scripts, selected with the model `mock/<name>`. The reliability tests name their upstream by
 * these; the S*, R* and B* rows of reliability.md section 4 are the intended users.
 */
export const DEFAULT_SCRIPTS: Readonly<Record<string, MockControls>> = {
  ok: {},
  slow: { chunkDelayMs: 20 },
  'tool-call': { toolCall: true },
  'rate-limited': { status: 429, retryAfter: '5' },
  'quota-exhausted': { status: 429, code: 'insufficient_quota' },
  'server-error': { status: 500 },
  overloaded: { status: 503, retryAfter: '1' },
  'invalid-key': { status: 401 },
  'model-not-found': { status: 404 },
  'bad-request': { status: 400, echoInputInError: true },
  'echo-key': { echoKeyIn401: true },
  hang: { hang: true },
  'slow-first-byte': { firstByteDelayMs: 500 },
  'stall-after-headers': { stallAfterChunks: 0 },
  'stall-mid-stream': { stallAfterChunks: 3, chunks: 20 },
  'reset-mid-stream': { chunks: 30, resetAfterChunks: 20 },
  'fin-mid-stream': { chunks: 30, finAfterChunks: 20 },
  /** Anthropic, Gemini and Responses streams only (see `errorEventAfterChunks`). */
  'error-event-mid-stream': { chunks: 30, errorEventAfterChunks: 20 },
  'close-delimited-cut': { chunks: 30, framing: 'close', finAfterChunks: 20 },
  'close-delimited': { framing: 'close' },
  'content-length': { framing: 'content-length' },
  'giant-line': { lineBytes: 8 * 1024 * 1024 },
  'usage-absent': { usage: 'absent' },
  'usage-negative': { usage: 'negative' },
  'usage-huge': { usage: 'huge' },
  'usage-fractional': { usage: 'fractional' },
  'redirect-metadata': { redirect: 'http://169.254.169.254/latest/meta-data/' },
  drip: { dripBytes: 1, chunkDelayMs: 50 },
  'gzip-bomb': { gzipBomb: 64 },
};

function apply(controls: MockControls, name: string, value: string): void {
  const spec = CONTROL_NAMES[name];
  if (spec === undefined) throw new Error(`unknown mock control "${name}"; known: ${Object.keys(CONTROL_NAMES).join(', ')}`);
  Object.assign(controls, { [spec.key]: spec.parse(value) });
}

/**
 * Reads the part after `mock/`: comma-separated script names, `name=value` pairs and bare flags
 * (`hang`, `tool-call`), applied left to right. Throws on an unknown name, so a typo fails the test.
 */
export function parseControlSpec(spec: string, scripts: Readonly<Record<string, MockControls>>): MockControls {
  const controls: MockControls = {};
  for (const item of spec.split(',')) {
    if (item === '') continue;
    const equals = item.indexOf('=');
    if (equals < 0) {
      const script = scripts[item];
      if (script !== undefined) Object.assign(controls, script);
      else apply(controls, item, '');
      continue;
    }
    apply(controls, item.slice(0, equals), decodeURIComponent(item.slice(equals + 1)));
  }
  return controls;
}

/** `x-mock-<name>` headers; `x-mock-script` names a script like the model `mock/<name>` does. */
export function controlsFromHeaders(headers: Readonly<Record<string, string>>, scripts: Readonly<Record<string, MockControls>>): MockControls {
  const controls: MockControls = {};
  const script = headers['x-mock-script'];
  if (script !== undefined) Object.assign(controls, parseControlSpec(script, scripts));
  for (const [name, value] of Object.entries(headers)) {
    if (!name.startsWith('x-mock-') || name === 'x-mock-script') continue;
    apply(controls, name.slice('x-mock-'.length), value);
  }
  return controls;
}

/** The controls of a model name `mock/<spec>`, or none for an ordinary model. */
export function controlsFromModel(model: string | undefined, scripts: Readonly<Record<string, MockControls>>): MockControls {
  if (model === undefined || !model.startsWith('mock/')) return {};
  return parseControlSpec(model.slice('mock/'.length), scripts);
}

/** Converts `{ "chunk-delay-ms": 5 }` (the control route's JSON) to controls. */
export function controlsFromJson(value: Record<string, unknown>): MockControls {
  const controls: MockControls = {};
  for (const [name, raw] of Object.entries(value)) apply(controls, name, String(raw));
  return controls;
}
