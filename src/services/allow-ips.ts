/**
 * Client IP allowlists of keys (New API's `allow_ips`): single IPv4 / IPv6 addresses and CIDR blocks. Entries
 * are validated when saved, so a typo is refused with a message instead of silently locking a key out.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { invalidArgument } from '../errors/gateway-error.ts';

const MAX_ENTRIES = 256;
const IP_EXAMPLES = 'examples: 203.0.113.7, 10.0.0.0/8, 2001:db8::1, 2001:db8::/32';

/** One IP address or CIDR block (IPv4 or IPv6), normalised to lower case; anything else is refused. */
export function parseAllowIp(entry: string, field = '--allow-ips'): string {
  const value = entry.trim();
  const parts = value.split('/');
  const [address, prefix] = parts;
  const version = address === undefined ? 0 : isIPv4(address) ? 4 : isIPv6(address) && !address.includes('%') ? 6 : 0;
  if (parts.length > 2 || version === 0) {
    throw invalidArgument(field, `${field}: "${entry}" is not an IP address or CIDR block (${IP_EXAMPLES})`);
  }
  if (prefix !== undefined) {
    const bits = version === 4 ? 32 : 128;
    if (!/^\d{1,3}$/.test(prefix) || Number(prefix) > bits) {
      throw invalidArgument(field, `${field}: "${entry}" has an invalid prefix length; IPv${version} allows /0 to /${bits}`);
    }
    return `${(address ?? '').toLowerCase()}/${Number(prefix)}`;
  }
  return value.toLowerCase();
}

export function normalizeAllowIps(entries: readonly string[], field = '--allow-ips'): string[] {
  if (entries.length > MAX_ENTRIES) throw invalidArgument(field, `${field} takes at most ${MAX_ENTRIES} entries`);
  return [...new Set(entries.map((entry) => parseAllowIp(entry, field)))];
}
