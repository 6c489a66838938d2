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
import type { UpstreamRequest } from './types.ts';
import { UpstreamCall } from './dispatch/upstream-call.ts';
import { BUN_IDLE_BACKSTOP_MARGIN_MS, CROSS_ORIGIN_HEADERS, MAX_REDIRECTS, UNREACHABLE_CODES, URL_VERDICT_CACHE_SIZE, buildOutgoingHeaders, errorCodeOf, isIpLiteral, pinnedHref, tlsOptions, transportError, type CheckedTarget, type UrlVerdict } from './dispatch/wire.ts';

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
