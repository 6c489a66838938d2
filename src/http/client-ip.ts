/**
 * The client's address for IP allowlists and limits. `X-Forwarded-For` is believed only when the socket
 * peer is a configured trusted proxy (TRUSTED_PROXIES); then the right-most address that is not itself a
 * trusted proxy is the client (the left part of the header is whatever the client chose to send).
 * Without trusted proxies the socket address is used, so a client cannot pick its own address (G10).
 */
import { isIP } from 'node:net';
import { cleanAddress, compileAllowlist } from '../relay/ip-allowlist.ts';

export type ClientIpResolver = (socketAddress: string | undefined, headers: Headers) => string | undefined;

export function createClientIpResolver(trustedProxies: readonly string[]): ClientIpResolver {
  if (trustedProxies.length === 0) return (socketAddress) => socketAddress;
  const trusted = compileAllowlist(trustedProxies);
  return (socketAddress, headers) => {
    if (socketAddress === undefined || !trusted.allows(socketAddress)) return socketAddress;
    const forwarded = headers.get('x-forwarded-for');
    if (forwarded === null) return socketAddress;
    const hops = forwarded.split(',').map((hop) => cleanAddress(hop));
    for (let index = hops.length - 1; index >= 0; index--) {
      const hop = hops[index] as string;
      if (isIP(hop) === 0) return socketAddress;
      if (!trusted.allows(hop)) return hop;
    }
    // Every hop is a trusted proxy: the left-most one is the closest thing to a client address.
    return hops[0] ?? socketAddress;
  };
}
