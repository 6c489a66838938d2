/**
 * The one outbound HTTP client (docs/architecture.md decision 2, docs/reliability.md 2.3 and G6–G8). Every
 * upstream call, download and webhook goes through `dispatch`; nothing else in the code base calls `fetch`.
 *
 * One call: check the URL with the outbound guard → resolve the name once with the injected resolver → refuse
 * if any address is denied (unless host:port is the channel's private exception) → connect to a checked
 * address with the name kept in `Host` and, for https, in `tls.serverName` (Bun dials the IP, sends SNI and
 * verifies the certificate against the name: https://bun.com/docs/runtime/networking/fetch, "Connecting to a
 * specific address"; test/relay/dispatch-tls.test.ts proves it with a local CA) → `redirect: 'manual'`, each
 * hop checked again → first-byte, idle and total timers on one AbortController linked to the client's signal.
 */
import { lookup } from 'node:dns/promises';
import { isGatewayError } from '../errors/gateway-error.ts';
import { checkUpstreamUrl, isDeniedAddress, normalizeHostPort } from '../security/outbound-guard.ts';
import { UpstreamError, type TransportErrorCode } from './errors.ts';
import type { UpstreamRequest } from './types.ts';

/** Every address of a host name (A and AAAA). Called exactly once per connection attempt and redirect hop. */
export type Resolver = (hostname: string) => Promise<readonly string[]>;

/** The timer half of the injected clock (reliability.md 3.4), so timeout tests can drive time themselves. */
export interface Timers {
  setTimeout(callback: () => void, delayMs: number): unknown;
  clearTimeout(handle: unknown): void;
  /**
   * Optional: restarts a pending or fired timer with its delay from now (Node's `Timeout.refresh()`), so the
   * idle timer is re-armed per body chunk without a new timer. Without it the timer is set and cleared.
   */
  refresh?(handle: unknown): void;
}

export const systemTimers: Timers = {
  setTimeout: (callback, delayMs) => setTimeout(callback, delayMs),
  // The handle is always one that the setTimeout above returned.
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  refresh: (handle) => {
    (handle as ReturnType<typeof setTimeout>).refresh();
  },
};

const systemResolver: Resolver = async (hostname) =>
  (await lookup(hostname, { all: true })).map((entry) => entry.address);

export interface DispatcherOptions {
  resolver?: Resolver;
  /**
   * True when the gateway must not connect to this resolved IP; default `isDeniedAddress`. An IP literal in the
   * URL is judged by the guard's production rule first, so a test policy that treats 127.0.0.2 as public
   * (reliability.md 3.3) applies to resolved names and cannot lift a denial of a literal.
   */
  addressPolicy?: (ip: string) => boolean;
  clock?: Timers;
  /**
   * PEM certificates trusted instead of the system roots (Bun's `tls.ca` replaces Mozilla's list). For a
   * corporate CA or the local-CA test; leave unset in production.
   */
  tlsCa?: string | readonly string[];
}

export interface DispatchOptions {
  /** The channel's one exact host:port that may be private. */
  allowPrivate?: string | undefined;
  /** The client's `request.signal`: when the client leaves, the upstream call is aborted at once. */
  signal?: AbortSignal | undefined;
  /** From the start of the call until the final response's headers, lookups and redirects included. */
  firstByteTimeoutMs: number;
  /** Longest wait for the next body chunk while the consumer is reading. */
  idleTimeoutMs: number;
  /** Deadline for the whole call, body included. */
  totalTimeoutMs: number;
  /** Redirect hops to follow: 0 for relay calls (default), at most 3 for downloads and webhooks. */
  followRedirects?: number;
}

export interface DispatchResponse {
  status: number;
  /** Upstream headers describing `body` as returned: without Set-Cookie, hop-by-hop headers, or the encoding Bun removed. */
  headers: Headers;
  /** Errors with an UpstreamError (`idle_timeout`, `total_timeout`, `client_gone`, `connection_failed`). */
  body: ReadableStream<Uint8Array>;
  /**
   * Optional fast path instead of `body` (use one or the other): the next non-empty chunk of the upstream body,
   * undefined at its end, under the same idle timer, total deadline and client-abort rules; rejects with the
   * same UpstreamError the body would error with. Reading through it creates no wrapper stream.
   */
  read?(): Promise<Uint8Array | undefined>;
  /** Aborts the upstream call and closes its connection; also what cancelling `body` does. */
  cancel(): void;
  /**
   * The consumer has what it needs (a stream's end marker arrived): disarm the timers and the client-abort
   * listener and let go of the rest of the body. Without it a finished stream would stay referenced by its
   * total-deadline timer until that fires (minutes), which under load is a leak.
   */
  release(): void;
}

export interface Dispatcher {
  dispatch(request: UpstreamRequest, options: DispatchOptions): Promise<DispatchResponse>;
}

const MAX_REDIRECTS = 3;
/** Bun's `timeout` is a socket idle timer (default 5 min), not a deadline (2.3.8): set explicitly, behind ours. */
const BUN_IDLE_BACKSTOP_MARGIN_MS = 5_000;

/**
 * Never sent upstream, whatever an adapter passes: client credentials and cookies, proxy and forwarding
 * headers, and hop-by-hop headers (RFC 9110 7.6.1), which also covers request smuggling through a
 * hand-made Content-Length or Transfer-Encoding. `Host` is set by the dispatcher from the URL.
 */
const FORBIDDEN_REQUEST_HEADERS = new Set([
  'host', 'cookie', 'cookie2', 'proxy-authorization', 'proxy-connection', 'connection', 'keep-alive', 'te',
  'trailer', 'transfer-encoding', 'upgrade', 'content-length', 'expect', 'forwarded', 'via', 'x-real-ip',
  'x-client-ip', 'true-client-ip', 'cf-connecting-ip',
]);
/** Headers that may follow a redirect to another origin; credentials never cross origins (2.3.4). */
const CROSS_ORIGIN_HEADERS = new Set(['accept', 'accept-language', 'content-type', 'user-agent']);
const HOP_BY_HOP_RESPONSE_HEADERS = ['connection', 'keep-alive', 'transfer-encoding', 'trailer', 'upgrade', 'set-cookie', 'set-cookie2'];
/** Codings Bun's fetch decodes by itself (`decompress` defaults to true) while keeping the header. */
const DECODED_CODINGS = new Set(['gzip', 'x-gzip', 'deflate', 'br', 'zstd']);
/** Failures where nothing reached the server, so the next checked address may be tried. */
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'ConnectionRefused']);

function transportError(code: TransportErrorCode | 'invalid_header' | 'invalid_upstream_url', message: string, retryable: boolean, status = 0): UpstreamError {
  return new UpstreamError({ status, code, message, retryable, channelAtFault: false });
}

function clientGone(): UpstreamError {
  return transportError('client_gone', 'the client closed the connection, so the upstream call was aborted', false);
}

function errorCodeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}

const CONTROL_IN_HEADER = /[\r\n\0]/;

/** Copies the adapter's headers, dropping forbidden ones and refusing CR, LF or NUL (header injection, I2). */
function buildOutgoingHeaders(source: Readonly<Record<string, string>>): Headers {
  const entries = Object.entries(source);
  let listedInConnection: Set<string> | undefined;
  for (const [name, value] of entries) {
    if (name.toLowerCase() !== 'connection') continue;
    listedInConnection ??= new Set<string>();
    for (const token of value.split(',')) listedInConnection.add(token.trim().toLowerCase());
  }
  const invalid = (name: string) =>
    transportError('invalid_header', `outgoing header "${name.replace(/[^\x21-\x7e]/g, '?')}" has a control character (CR, LF or NUL) or an invalid name; fix the channel's custom headers`, false);
  const headers = new Headers();
  for (const [name, value] of entries) {
    if (CONTROL_IN_HEADER.test(name) || CONTROL_IN_HEADER.test(value)) throw invalid(name);
    const lower = name.toLowerCase();
    if (FORBIDDEN_REQUEST_HEADERS.has(lower) || lower.startsWith('x-forwarded-') || listedInConnection?.has(lower) === true) continue;
    try {
      headers.set(name, value);
    } catch {
      throw invalid(name);
    }
  }
  return headers;
}

function responseHeaders(upstream: Headers): Headers {
  const headers = new Headers(upstream);
  for (const name of HOP_BY_HOP_RESPONSE_HEADERS) headers.delete(name);
  const coding = headers.get('content-encoding')?.trim().toLowerCase();
  if (coding !== undefined && DECODED_CODINGS.has(coding)) {
    headers.delete('content-encoding');
    headers.delete('content-length');
  }
  return headers;
}

interface CheckedTarget {
  url: URL;
  verdict: UrlVerdict;
  /** Checked addresses, in resolver order; the connection goes to one of these and nowhere else. */
  addresses: readonly string[];
}

function isIpLiteral(hostname: string): boolean {
  return hostname.startsWith('[') || /^\d+\.\d+\.\d+\.\d+$/.test(hostname);
}

/** SNI and certificate verification use the name while the socket goes to the checked IP (2.3.3). */
function tlsOptions(url: URL, ca: string[] | undefined): BunFetchRequestInitTLS | undefined {
  if (url.protocol !== 'https:') return undefined;
  const serverName = isIpLiteral(url.hostname) ? undefined : url.hostname;
  if (serverName === undefined && ca === undefined) return undefined;
  return { serverName, ca };
}

function withAddress(url: URL, address: string): string {
  const pinned = new URL(url.href);
  pinned.hostname = address.includes(':') ? `[${address}]` : address;
  return pinned.href;
}

/**
 * What the guard's URL rules say about one URL text for one allow-private value: they read nothing but the
 * text, so the verdict is kept (lookups and the address check still run per call). Only accepted URLs are kept.
 */
interface UrlVerdict {
  /** The guard's parsed URL; shared by the calls for this text, so never modified. */
  readonly url: URL;
  /** host:port is the channel's private exception. */
  readonly exempt: boolean;
  /** The address of an IP-literal host, which needs no lookup; undefined for a host name. */
  readonly literal: string | undefined;
  /** `withAddress(url, address)` per address seen, kept small. */
  readonly pinned: Map<string, string>;
}

/** Distinct upstream URLs (channels × endpoints × models in the path) whose verdicts are kept. */
const URL_VERDICT_CACHE_SIZE = 1024;
const PINNED_PER_URL = 16;

function pinnedHref(verdict: UrlVerdict, address: string): string {
  let href = verdict.pinned.get(address);
  if (href === undefined) {
    href = withAddress(verdict.url, address);
    if (verdict.pinned.size >= PINNED_PER_URL) verdict.pinned.clear();
    verdict.pinned.set(address, href);
  }
  return href;
}

/**
 * The state of one dispatch: an AbortController that every timer, the client's signal and a consumer's
 * cancel abort with the UpstreamError that explains why, so the cause is never guessed from Bun's own error.
 */
class UpstreamCall {
  readonly controller = new AbortController();
  failure: UpstreamError | undefined;
  private finished = false;
  private readonly handles = new Map<'firstByte' | 'idle' | 'total', unknown>();
  private streamController: ReadableStreamDefaultController<Uint8Array> | undefined;
  /** True once the response headers arrived (`respond`): a failure from then on is mid-body. */
  private responded = false;
  private reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  private readonly aborted: Promise<never>;
  private readonly onClientAbort = (): void => this.fail(clientGone());

  constructor(
    private readonly timers: Timers,
    private readonly options: DispatchOptions,
    readonly origin: string,
  ) {
    this.aborted = new Promise<never>((_, reject) => {
      this.controller.signal.addEventListener('abort', () => reject(this.failure), { once: true });
    });
    this.aborted.catch(() => undefined);
    this.arm('total', options.totalTimeoutMs, () =>
      transportError('total_timeout', `${origin} did not finish within the total deadline of ${options.totalTimeoutMs} ms (relay_timeout_seconds)`, true));
    // A first-byte deadline at or past the total one could never fire first (the total timer is armed first).
    if (options.firstByteTimeoutMs < options.totalTimeoutMs) this.arm('firstByte', options.firstByteTimeoutMs, () =>
      transportError('first_byte_timeout', `${origin} sent no response headers within ${options.firstByteTimeoutMs} ms (first_byte_timeout_seconds)`, true));
    if (options.signal?.aborted === true) this.fail(clientGone());
    else options.signal?.addEventListener('abort', this.onClientAbort, { once: true });
  }

  /** True while the consumer waits for the next body chunk: the only time the idle timer may fail the call. */
  private idleWaiting = false;

  /**
   * Arms the idle timer for one read. With `refresh`, one timer serves every read: re-armed from now, and a
   * firing while no read is waiting (a slow consumer) only retires it. Without, it is set here and cleared after.
   */
  private armIdle(): void {
    this.idleWaiting = true;
    if (this.handles.has('idle') && this.timers.refresh !== undefined) {
      this.timers.refresh(this.handles.get('idle'));
      return;
    }
    const { idleTimeoutMs } = this.options;
    this.handles.set(
      'idle',
      this.timers.setTimeout(() => {
        if (this.idleWaiting) {
          this.fail(transportError('idle_timeout', `${this.origin} sent nothing for ${idleTimeoutMs} ms mid-body (streaming_timeout_seconds)`, true));
        } else {
          this.handles.delete('idle');
        }
      }, idleTimeoutMs),
    );
  }

  private arm(name: 'firstByte' | 'idle' | 'total', delayMs: number, makeError: () => UpstreamError): void {
    this.handles.set(name, this.timers.setTimeout(() => this.fail(makeError()), delayMs));
  }

  private disarm(name: 'firstByte' | 'idle' | 'total'): void {
    if (!this.handles.has(name)) return;
    this.timers.clearTimeout(this.handles.get(name));
    this.handles.delete(name);
  }

  /** Waits for one step (a lookup, a fetch) unless the call fails first. */
  guard<T>(step: Promise<T>): Promise<T> {
    return Promise.race([step, this.aborted]);
  }

  fail(error: UpstreamError): void {
    if (this.finished) return;
    this.failure = error;
    this.finish();
    this.controller.abort(error);
    if (this.streamController !== undefined) this.errorBody(this.streamController);
  }

  private errorBody(controller: ReadableStreamDefaultController<Uint8Array>): void {
    try {
      controller.error(this.failure);
    } catch {
      // Already closed or errored: nothing is waiting for it.
    }
  }

  finish(): void {
    this.finished = true;
    for (const name of [...this.handles.keys()]) this.disarm(name);
    this.options.signal?.removeEventListener('abort', this.onClientAbort);
  }

  /** The UpstreamError for whatever a step threw: the recorded cause when we aborted, else a connection failure. */
  explain(error: unknown): UpstreamError {
    if (this.failure !== undefined) return this.failure;
    if (error instanceof UpstreamError) return error;
    if (error instanceof Error && error.name === 'TimeoutError') {
      // Bun's own idle backstop fired before our timer: same meaning, our code.
      const code = this.responded ? 'idle_timeout' : 'first_byte_timeout';
      return transportError(code, `${this.origin} went silent (Bun socket timeout)`, true);
    }
    // Bun's message repeats the URL, which may carry a `?key=`: report only the code and the origin.
    const code = errorCodeOf(error) ?? (error instanceof Error ? error.name : 'unknown error');
    const what = this.responded ? `the connection to ${this.origin} broke mid-body` : `could not reach ${this.origin}`;
    return transportError('connection_failed', `${what} (${code})`, true);
  }

  /**
   * The next non-empty chunk of the upstream body, undefined at its end: the idle timer runs while the read
   * waits, and any failure (a timer, the client leaving, a cancel) rejects it at once with its UpstreamError.
   */
  async readChunk(): Promise<Uint8Array | undefined> {
    for (;;) {
      if (this.failure !== undefined) throw this.failure;
      const reader = this.reader;
      if (reader === undefined) {
        this.finish();
        return undefined;
      }
      this.armIdle();
      let result: Awaited<ReturnType<ReadableStreamDefaultReader<Uint8Array>['read']>> | undefined;
      try {
        result = await this.guard(reader.read());
      } catch (error) {
        this.fail(this.explain(error));
      }
      this.idleWaiting = false;
      if (this.timers.refresh === undefined) this.disarm('idle');
      if (result === undefined || this.failure !== undefined) throw this.failure;
      if (result.done) {
        this.finish();
        return undefined;
      }
      if (result.value.byteLength > 0) return result.value;
    }
  }

  /** The upstream body as a stream, made on first use: reads on demand through `readChunk`, aborts on cancel. */
  private bodyStream(): ReadableStream<Uint8Array> {
    return new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.streamController = controller;
        },
        pull: async (controller) => {
          let chunk: Uint8Array | undefined;
          try {
            chunk = await this.readChunk();
          } catch {
            this.errorBody(controller);
            return;
          }
          if (chunk === undefined) controller.close();
          else controller.enqueue(chunk);
        },
        cancel: () => {
          this.streamController = undefined;
          this.fail(transportError('client_gone', 'the response body was cancelled by its consumer', false));
        },
      },
      // Read upstream only on demand, so the idle timer measures upstream silence, not a slow consumer.
      { highWaterMark: 0 },
    );
  }

  /** Wraps the upstream body: idle timer while the consumer waits, total deadline, abort on cancel. */
  respond(response: Response): DispatchResponse {
    // A timer or the client may have fired between fetch resolving and this call.
    if (this.failure !== undefined) throw this.failure;
    this.disarm('firstByte');
    this.responded = true;
    // Bun's Response.body is typed ReadableStream<any>; its chunks are bytes.
    this.reader = response.body?.getReader() as ReadableStreamDefaultReader<Uint8Array> | undefined;
    const call = this;
    let body: ReadableStream<Uint8Array> | undefined;
    return {
      status: response.status,
      headers: responseHeaders(response.headers),
      get body() {
        body ??= call.bodyStream();
        return body;
      },
      read: () => this.readChunk(),
      cancel: () => this.fail(transportError('client_gone', 'the upstream call was cancelled', false)),
      release: () => {
        if (this.finished) return;
        this.finish();
        this.streamController = undefined;
        this.reader?.cancel().catch(() => undefined);
      },
    };
  }
}

export function createDispatcher(dispatcherOptions: DispatcherOptions = {}): Dispatcher {
  const resolver = dispatcherOptions.resolver ?? systemResolver;
  const isDenied = dispatcherOptions.addressPolicy ?? isDeniedAddress;
  const timers = dispatcherOptions.clock ?? systemTimers;
  const tlsCa = dispatcherOptions.tlsCa === undefined ? undefined : [dispatcherOptions.tlsCa].flat();

  const verdicts = new Map<string, UrlVerdict>();
  /** The origin of each URL text, for messages. */
  const origins = new Map<string, string>();

  /** The guard's URL rules for one text, from the cache when this text and allow-private were accepted before. */
  function checkUrl(text: string, allowPrivate: string | undefined): UrlVerdict {
    // The length makes the key unambiguous whatever either part contains.
    const key = allowPrivate === undefined ? `-${text}` : `${allowPrivate.length}:${allowPrivate}${text}`;
    const cached = verdicts.get(key);
    if (cached !== undefined) return cached;
    let url: URL;
    let exception: string | undefined;
    try {
      // Refuses other schemes, user:pass@, denied names and denied IP literals in every spelling.
      url = checkUpstreamUrl(text, { allowPrivate, field: 'upstream URL' });
      exception = allowPrivate === undefined ? undefined : normalizeHostPort(allowPrivate, 'allow-private');
    } catch (error) {
      if (!isGatewayError(error)) throw error;
      const code = error.code === 'blocked_destination' ? 'blocked_destination' : 'invalid_upstream_url';
      // The guard quotes the URL it refused; its query may carry a key (`?key=` for Gemini), so cut it off.
      throw transportError(code, error.message.split(text).join(text.replace(/[?#].*$/s, '')), false);
    }
    const port = url.port === '' ? (url.protocol === 'https:' ? '443' : '80') : url.port;
    const verdict: UrlVerdict = {
      url,
      exempt: exception === `${url.hostname}:${port}`,
      literal: isIpLiteral(url.hostname) ? url.hostname.replace(/^\[|\]$/g, '') : undefined,
      pinned: new Map(),
    };
    if (verdicts.size >= URL_VERDICT_CACHE_SIZE) verdicts.clear();
    verdicts.set(key, verdict);
    return verdict;
  }

  /** 2.3.2: the guard's URL rules, then one lookup, then every address against the policy. */
  async function checkTarget(text: string, allowPrivate: string | undefined, call: UpstreamCall): Promise<CheckedTarget> {
    const verdict = checkUrl(text, allowPrivate);
    const { url, exempt } = verdict;
    const port = url.port === '' ? (url.protocol === 'https:' ? '443' : '80') : url.port;
    let addresses: readonly string[];
    if (verdict.literal !== undefined) {
      addresses = [verdict.literal];
    } else {
      try {
        addresses = await call.guard(resolver(url.hostname));
      } catch (error) {
        if (call.failure !== undefined) throw call.failure;
        throw transportError('connection_failed', `could not resolve ${url.hostname} (${errorCodeOf(error) ?? 'lookup failed'})`, true);
      }
      if (addresses.length === 0) throw transportError('connection_failed', `${url.hostname} has no address`, true);
    }
    const denied = exempt ? undefined : addresses.find((address) => isDenied(address));
    if (denied !== undefined) {
      throw transportError(
        'blocked_destination',
        `${url.origin} resolves to ${denied}, a private, local or metadata address; to use it deliberately, set the channel's allow-private to exactly ${url.hostname}:${port}`,
        false,
      );
    }
    return { url, addresses, verdict };
  }

  /** Connects to the first checked address that accepts a connection; never to an address that was not checked. */
  async function connect(target: CheckedTarget, init: BunFetchRequestInit, call: UpstreamCall): Promise<Response> {
    let lastError: unknown;
    for (const address of target.addresses) {
      try {
        return await call.guard(fetch(pinnedHref(target.verdict, address), init));
      } catch (error) {
        const code = errorCodeOf(error);
        if (call.failure !== undefined || code === undefined || !UNREACHABLE_CODES.has(code)) throw error;
        lastError = error;
      }
    }
    throw lastError;
  }

  async function dispatch(request: UpstreamRequest, options: DispatchOptions): Promise<DispatchResponse> {
    const maxHops = Math.min(Math.max(options.followRedirects ?? 0, 0), MAX_REDIRECTS);
    let headers = buildOutgoingHeaders(request.headers);
    let origin = origins.get(request.url);
    if (origin === undefined) {
      try {
        origin = new URL(request.url).origin;
        if (origins.size >= URL_VERDICT_CACHE_SIZE) origins.clear();
        origins.set(request.url, origin);
      } catch {
        // checkTarget reports the malformed URL.
        origin = '(invalid URL)';
      }
    }
    const call = new UpstreamCall(timers, options, origin);
    let url = request.url;
    let method: string = request.method;
    let body = request.body;
    try {
      for (let hop = 0; ; hop += 1) {
        if (call.failure !== undefined) throw call.failure;
        const target = await checkTarget(url, options.allowPrivate, call);
        // Set on `headers` itself: every hop sets its own host, and a FormData body keeps no Content-Type on any hop.
        const hopHeaders = headers;
        hopHeaders.set('host', target.url.host);
        // fetch writes the multipart boundary itself; an adapter's bare multipart Content-Type would lose it.
        if (body instanceof FormData) hopHeaders.delete('content-type');
        const init: BunFetchRequestInit = {
          method,
          headers: hopHeaders,
          body,
          redirect: 'manual',
          signal: call.controller.signal,
          // Environment proxies would be judged against the IP literal, not the name (Bun fetch docs).
          proxy: false,
          timeout: Math.max(options.firstByteTimeoutMs, options.idleTimeoutMs) + BUN_IDLE_BACKSTOP_MARGIN_MS,
          tls: tlsOptions(target.url, tlsCa),
        };
        const response = await connect(target, init, call);
        const location = response.headers.get('location');
        if (response.status < 300 || response.status >= 400 || (maxHops > 0 && location === null)) return call.respond(response);
        await response.body?.cancel().catch(() => undefined);
        if (hop >= maxHops) {
          const message =
            maxHops === 0
              ? `${target.url.origin} answered ${response.status} (a redirect); relay calls follow none, so fix the channel's base URL`
              : `more than ${maxHops} redirects starting at ${origin}`;
          throw transportError('redirect_refused', message, maxHops === 0, response.status);
        }
        let next: URL;
        try {
          next = new URL(location ?? '', target.url);
        } catch {
          throw transportError('redirect_refused', `${target.url.origin} redirected to an invalid Location`, false, response.status);
        }
        if (next.origin !== target.url.origin) {
          headers = new Headers([...headers].filter(([headerName]) => CROSS_ORIGIN_HEADERS.has(headerName)));
        }
        // Fetch's rules (https://fetch.spec.whatwg.org/#http-redirect-fetch): 303, and 301/302 after POST, become GET.
        if (response.status === 303 || ((response.status === 301 || response.status === 302) && method === 'POST')) {
          method = 'GET';
          body = undefined;
          headers.delete('content-type');
        }
        url = next.href;
      }
    } catch (error) {
      const failure = call.explain(error);
      call.fail(failure);
      throw failure;
    }
  }

  return { dispatch };
}

/**
 * Reads at most `maxBytes` of a body as UTF-8 (for upstream error bodies: 2 KiB), cancels the rest and marks the
 * cut. A read error ends it early with what was read: the text is informative, the status is what counts.
 */
export async function readBodyText(body: ReadableStream<Uint8Array>, maxBytes: number): Promise<string> {
  const reader = body.getReader();
  // `stream: true` holds back a code point cut at the limit instead of turning it into U+FFFD.
  const decoder = new TextDecoder();
  let text = '';
  let room = maxBytes;
  let truncated = false;
  try {
    while (!truncated) {
      const result = await reader.read();
      if (result.done) break;
      truncated = result.value.byteLength > room;
      const kept = truncated ? result.value.subarray(0, room) : result.value;
      text += decoder.decode(kept, { stream: true });
      room -= kept.byteLength;
    }
  } catch {
    truncated = true;
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return truncated ? `${text}… (truncated)` : text + decoder.decode();
}
