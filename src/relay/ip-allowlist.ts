/**
 * Matching a client address against a key's `allow_ips` (single addresses and CIDR blocks, IPv4 and IPv6).
 * node:net's BlockList does the arithmetic, including IPv4-mapped IPv6 clients (`::ffff:10.1.2.3` matches
 * `10.0.0.0/8`), which is how a dual-stack listener reports IPv4 peers.
 */
import { BlockList, isIPv4, isIPv6 } from 'node:net';

export interface IpAllowlist {
  /** True when the list is empty (any address) or `ip` is inside one of its entries. */
  allows(ip: string | undefined): boolean;
}

const allowAll: IpAllowlist = { allows: () => true };

type Family = 'ipv4' | 'ipv6';

function familyOf(address: string): Family | undefined {
  if (isIPv4(address)) return 'ipv4';
  if (isIPv6(address)) return 'ipv6';
  return undefined;
}

/** Drops `[ ]` around IPv6 and a `%zone` suffix, which BlockList does not accept. */
export function cleanAddress(ip: string): string {
  return ip.trim().replace(/^\[(.*)\]$/, '$1').replace(/%.*$/, '');
}

/**
 * Entries were validated when saved; one that still does not parse (an imported row) matches nothing, so a
 * broken list refuses rather than allows.
 */
export function compileAllowlist(entries: readonly string[]): IpAllowlist {
  if (entries.length === 0) return allowAll;
  const list = new BlockList();
  for (const entry of entries) {
    const [rawAddress, prefix] = entry.trim().split('/');
    const address = cleanAddress(rawAddress ?? '');
    const family = familyOf(address);
    if (family === undefined) continue;
    try {
      if (prefix === undefined) list.addAddress(address, family);
      else if (/^\d{1,3}$/.test(prefix)) list.addSubnet(address, Number(prefix), family);
    } catch {
      // Out-of-range prefix: the entry matches nothing (see above).
    }
  }
  return {
    allows(ip) {
      if (ip === undefined) return false;
      const address = cleanAddress(ip);
      const family = familyOf(address);
      return family !== undefined && list.check(address, family);
    },
  };
}
