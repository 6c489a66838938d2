/**
 * The dispatcher's wire rules: which headers go out and come back, how an address is pinned into a URL, and
 * the transport errors it raises. Split from src/relay/dispatch.ts so each file stays readable.
 */
import { UpstreamError, type TransportErrorCode } from '../errors.ts';

export const MAX_REDIRECTS = 3;
/** Bun's `timeout` is a socket idle timer (default 5 min), not a deadline (2.3.8): set explicitly, behind ours. */
export const BUN_IDLE_BACKSTOP_MARGIN_MS = 5_000;

/**
 * Never sent upstream, whatever an adapter passes: client credentials and cookies, proxy and forwarding
 * headers, and hop-by-hop headers (RFC 9110 7.6.1), which also covers request smuggling through a
 * hand-made Content-Length or Transfer-Encoding. `Host` is set by the dispatcher from the URL.
 */
export const FORBIDDEN_REQUEST_HEADERS = new Set([
  'host', 'cookie', 'cookie2', 'proxy-authorization', 'proxy-connection', 'connection', 'keep-alive', 'te',
  'trailer', 'transfer-encoding', 'upgrade', 'content-length', 'expect', 'forwarded', 'via', 'x-real-ip',
  'x-client-ip', 'true-client-ip', 'cf-connecting-ip',
]);
/** Headers that may follow a redirect to another origin; credentials never cross origins (2.3.4). */
export const CROSS_ORIGIN_HEADERS = new Set(['accept', 'accept-language', 'content-type', 'user-agent']);
export const HOP_BY_HOP_RESPONSE_HEADERS = ['connection', 'keep-alive', 'transfer-encoding', 'trailer', 'upgrade', 'set-cookie', 'set-cookie2'];
/** Codings Bun's fetch decodes by itself (`decompress` defaults to true) while keeping the header. */
export const DECODED_CODINGS = new Set(['gzip', 'x-gzip', 'deflate', 'br', 'zstd']);
/** Failures where nothing reached the server, so the next checked address may be tried. */
export const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'ConnectionRefused']);

export function transportError(code: TransportErrorCode | 'invalid_header' | 'invalid_upstream_url', message: string, retryable: boolean, status = 0): UpstreamError {
  return new UpstreamError({ status, code, message, retryable, channelAtFault: false });
}

export function clientGone(): UpstreamError {
  return transportError('client_gone', 'the client closed the connection, so the upstream call was aborted', false);
}

export function errorCodeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}

export const CONTROL_IN_HEADER = /[\r\n\0]/;

/** Copies the adapter's headers, dropping forbidden ones and refusing CR, LF or NUL (header injection, I2). */
export function buildOutgoingHeaders(source: Readonly<Record<string, string>>): Headers {
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

export function responseHeaders(upstream: Headers): Headers {
  const headers = new Headers(upstream);
  for (const name of HOP_BY_HOP_RESPONSE_HEADERS) headers.delete(name);
  const coding = headers.get('content-encoding')?.trim().toLowerCase();
  if (coding !== undefined && DECODED_CODINGS.has(coding)) {
    headers.delete('content-encoding');
    headers.delete('content-length');
  }
  return headers;
}

export interface CheckedTarget {
  url: URL;
  verdict: UrlVerdict;
  /** Checked addresses, in resolver order; the connection goes to one of these and nowhere else. */
  addresses: readonly string[];
}

export function isIpLiteral(hostname: string): boolean {
  return hostname.startsWith('[') || /^\d+\.\d+\.\d+\.\d+$/.test(hostname);
}

/** SNI and certificate verification use the name while the socket goes to the checked IP (2.3.3). */
export function tlsOptions(url: URL, ca: string[] | undefined): BunFetchRequestInitTLS | undefined {
  if (url.protocol !== 'https:') return undefined;
  const serverName = isIpLiteral(url.hostname) ? undefined : url.hostname;
  if (serverName === undefined && ca === undefined) return undefined;
  return { serverName, ca };
}

export function withAddress(url: URL, address: string): string {
  const pinned = new URL(url.href);
  pinned.hostname = address.includes(':') ? `[${address}]` : address;
  return pinned.href;
}

/**
 * What the guard's URL rules say about one URL text for one allow-private value: they read nothing but the
 * text, so the verdict is kept (lookups and the address check still run per call). Only accepted URLs are kept.
 */
export interface UrlVerdict {
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
export const URL_VERDICT_CACHE_SIZE = 1024;
export const PINNED_PER_URL = 16;

export function pinnedHref(verdict: UrlVerdict, address: string): string {
  let href = verdict.pinned.get(address);
  if (href === undefined) {
    href = withAddress(verdict.url, address);
    if (verdict.pinned.size >= PINNED_PER_URL) verdict.pinned.clear();
    verdict.pinned.set(address, href);
  }
  return href;
}
