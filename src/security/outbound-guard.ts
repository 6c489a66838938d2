/**
 * The outbound address policy (docs/reliability.md 2.3): which URLs and addresses the gateway may connect to.
 *
 * Two callers use it. Saving a channel calls `checkUpstreamUrl` on the base URL, which refuses bad schemes,
 * credentials in the URL, denied host names and denied IP literals in every spelling the WHATWG parser accepts
 * (`127.1`, `0x7f.1`, `2130706433`, `[::ffff:127.0.0.1]`, …). No DNS lookup happens at save time: a name may
 * resolve differently at request time anyway, so the dispatcher (src/relay/dispatch.ts) resolves every name
 * when it connects, checks each address with `isDeniedAddress`, and pins the connection to a checked address.
 *
 * A private upstream (Ollama on the same machine, a vLLM box on the LAN) is a per-channel exception for one
 * exact host:port, never a global switch.
 */
import { GatewayError, invalidArgument } from '../errors/gateway-error.ts';

/** IPv4 ranges refused as destinations: [network, prefix length]. */
const DENIED_IPV4: readonly (readonly [string, number])[] = [
  ['0.0.0.0', 8], // "this network"; 0.0.0.0 reaches the local host on Linux
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT; also Alibaba Cloud's metadata 100.100.100.200
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local; cloud metadata 169.254.169.254
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved and broadcast
];

const DENIED_NAMES = new Set(['localhost', 'metadata.google.internal']);

function ipv4ToNumber(octets: readonly number[]): number {
  return (((octets[0] ?? 0) << 24) | ((octets[1] ?? 0) << 16) | ((octets[2] ?? 0) << 8) | (octets[3] ?? 0)) >>> 0;
}

/** Strict dotted quad only; other spellings are canonicalized by the URL parser before this is called. */
function parseDottedQuad(text: string): number[] | undefined {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (match === null) return undefined;
  const octets = match.slice(1).map(Number);
  return octets.every((octet) => octet <= 255) ? octets : undefined;
}

/** Eight 16-bit words, or undefined. Expects the URL parser's canonical form (hex groups, at most one `::`). */
function parseIpv6Words(text: string): number[] | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const split = (part: string | undefined): string[] => (part === undefined || part === '' ? [] : part.split(':'));
  const head = split(halves[0]);
  const tail = split(halves[1]);
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  if (!groups.every((group) => /^[0-9a-f]{1,4}$/.test(group))) return undefined;
  return groups.map((group) => Number.parseInt(group, 16));
}

function isDeniedIpv4(value: number): boolean {
  return DENIED_IPV4.some(([network, prefix]) => {
    const base = ipv4ToNumber(parseDottedQuad(network) ?? []);
    const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
    return ((value & mask) >>> 0) === base;
  });
}

function wordsToIpv4(high: number, low: number): number {
  return ((high << 16) | low) >>> 0;
}

function isDeniedIpv6(words: readonly number[]): boolean {
  const word = (index: number): number => words[index] ?? 0;
  const zeroUpTo = (end: number): boolean => words.slice(0, end).every((value) => value === 0);
  // IPv4-mapped ::ffff:a.b.c.d and SIIT ::ffff:0:a.b.c.d reach the IPv4 address itself: judge that address.
  if (zeroUpTo(5) && word(5) === 0xffff) return isDeniedIpv4(wordsToIpv4(word(6), word(7)));
  if (zeroUpTo(4) && word(4) === 0xffff && word(5) === 0) return isDeniedIpv4(wordsToIpv4(word(6), word(7)));
  // ::/96 holds `::`, `::1` and the deprecated IPv4-compatible form; nothing there is a legitimate upstream.
  if (zeroUpTo(6)) return true;
  // NAT64 well-known prefix 64:ff9b::/96 translates to the embedded IPv4 address.
  if (word(0) === 0x64 && word(1) === 0xff9b && words.slice(2, 6).every((value) => value === 0)) {
    return isDeniedIpv4(wordsToIpv4(word(6), word(7)));
  }
  // Local-use NAT64 64:ff9b:1::/48 (RFC 8215): the IPv4 position depends on the site's prefix length, so refuse it all.
  if (word(0) === 0x64 && word(1) === 0xff9b && word(2) === 1) return true;
  // 6to4 2002:AABB:CCDD::/48 routes to the IPv4 address AA.BB.CC.DD.
  if (word(0) === 0x2002) return isDeniedIpv4(wordsToIpv4(word(1), word(2)));
  // Teredo 2001:0::/32 carries the client's IPv4 address inverted in the last 32 bits.
  if (word(0) === 0x2001 && word(1) === 0) return isDeniedIpv4(wordsToIpv4(~word(6) & 0xffff, ~word(7) & 0xffff));
  const first = word(0);
  if ((first & 0xfe00) === 0xfc00) return true; // fc00::/7 unique local (AWS metadata fd00:ec2::254)
  if ((first & 0xffc0) === 0xfe80) return true; // fe80::/10 link-local
  if ((first & 0xffc0) === 0xfec0) return true; // fec0::/10 deprecated site-local
  if ((first & 0xff00) === 0xff00) return true; // ff00::/8 multicast
  return false;
}

type IpLiteral = { version: 4; value: number } | { version: 6; words: number[] };

/**
 * Reads a host that is an IP literal in any form the WHATWG URL parser accepts (`127.1`, `0x7f.1`,
 * `2130706433`, `[::ffff:127.0.0.1]`, `::1`). Returns undefined for names.
 */
function parseIpLiteral(host: string): IpLiteral | undefined {
  let text = host.trim().toLowerCase();
  if (text.startsWith('[') && text.endsWith(']')) text = text.slice(1, -1);
  if (text.includes(':')) {
    // Resolvers may append a zone id to link-local addresses (fe80::1%eth0); the zone does not change the range.
    const zone = text.indexOf('%');
    if (zone !== -1) text = text.slice(0, zone);
    text = `[${text}]`;
  }
  let canonical: string;
  try {
    canonical = new URL(`http://${text}/`).hostname;
  } catch {
    return undefined;
  }
  if (canonical.startsWith('[')) {
    const words = parseIpv6Words(canonical.slice(1, -1));
    return words === undefined ? undefined : { version: 6, words };
  }
  const octets = parseDottedQuad(canonical.endsWith('.') ? canonical.slice(0, -1) : canonical);
  return octets === undefined ? undefined : { version: 4, value: ipv4ToNumber(octets) };
}

/**
 * True when the gateway must not connect to this IP address. Anything that is not an IP literal counts as
 * denied, so a caller that passes a name by mistake fails closed.
 */
export function isDeniedAddress(ip: string): boolean {
  const literal = parseIpLiteral(ip);
  if (literal === undefined) return true;
  return literal.version === 4 ? isDeniedIpv4(literal.value) : isDeniedIpv6(literal.words);
}

/** True for the host names refused without a lookup: localhost, *.localhost, metadata.google.internal. */
export function isDeniedHostName(host: string): boolean {
  const name = normalizeHostName(host);
  return DENIED_NAMES.has(name) || name.endsWith('.localhost');
}

/** Lower case, without the trailing dot that makes `localhost.` a different string for the same name. */
function normalizeHostName(host: string): string {
  const lower = host.toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

function isIpLiteralHost(host: string): boolean {
  return host.startsWith('[') || parseDottedQuad(host) !== undefined;
}

function effectivePort(url: URL): string {
  if (url.port !== '') return url.port;
  return url.protocol === 'https:' ? '443' : '80';
}

/**
 * Canonical `host:port` for a private-upstream exception (`LOCALHOST.:11434` → `localhost:11434`,
 * `127.1:8000` → `127.0.0.1:8000`, `[::1]:8000` stays bracketed). The port is required.
 */
export function normalizeHostPort(text: string, field = '--allow-private'): string {
  const value = text.trim().toLowerCase();
  const match = /^(\[[0-9a-f:.]+\]|[^\s:/@[\]?#\\]+):(\d{1,5})$/.exec(value);
  const port = match === null ? Number.NaN : Number(match[2]);
  if (match === null || port < 1 || port > 65535) {
    throw invalidArgument(field, `${field} must be one exact HOST:PORT such as localhost:11434 or [::1]:8000 (got "${text}")`);
  }
  let host: string;
  try {
    host = normalizeHostName(new URL(`http://${match[1]}/`).hostname);
  } catch {
    throw invalidArgument(field, `${field} has an invalid host "${match[1]}"; give HOST:PORT such as localhost:11434`);
  }
  return `${host}:${port}`;
}

export interface UpstreamUrlOptions {
  /** One exact `host:port` that may be private or local for this channel. */
  allowPrivate?: string | undefined;
  /** The flag or field named in error messages. */
  field?: string;
}

/**
 * Parses and checks an upstream URL without resolving it. Returns the parsed URL with its host normalized
 * (lower case, no trailing dot). Throws `invalid_argument` for a malformed URL and `blocked_destination` for
 * a URL the gateway must not call.
 */
export function checkUpstreamUrl(text: string, options: UpstreamUrlOptions = {}): URL {
  const field = options.field ?? '--base-url';
  const blocked = (message: string): GatewayError => new GatewayError({ code: 'blocked_destination', field, message });
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw invalidArgument(field, `${field} "${text}" is not a valid URL; give a full URL such as https://api.example.com`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw blocked(`${field} must use http or https, not ${url.protocol.slice(0, -1)}`);
  }
  if (url.username !== '' || url.password !== '') {
    throw blocked(`${field} must not contain a user name or password; give the credential with --key`);
  }
  const host = normalizeHostName(url.hostname);
  if (host === '') throw invalidArgument(field, `${field} "${text}" has no host`);
  url.hostname = host;
  const literal = isIpLiteralHost(host);
  const denied = literal ? isDeniedAddress(host) : isDeniedHostName(host);
  if (!denied) return url;
  const hostPort = `${host}:${effectivePort(url)}`;
  const allowed = options.allowPrivate === undefined ? undefined : normalizeHostPort(options.allowPrivate);
  if (allowed === hostPort) return url;
  const allowHint =
    allowed === undefined
      ? `to use this private upstream deliberately, allow exactly this host and port with --allow-private ${hostPort}`
      : `--allow-private is ${allowed}, which does not match ${hostPort}; set --allow-private ${hostPort}`;
  throw blocked(`${field} ${url.origin} points at a private, local or metadata address; ${allowHint}`);
}
