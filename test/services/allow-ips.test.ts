import { describe, expect, test } from 'bun:test';
import { normalizeAllowIps, parseAllowIp } from '../../src/services/allow-ips.ts';

describe('allowed IPs', () => {
  test('IPv4, IPv6 and CIDR blocks are accepted and normalised', () => {
    expect(normalizeAllowIps(['192.0.2.1', '10.0.0.0/8', '::1', '2001:DB8::/32', '::ffff:192.0.2.1', '0.0.0.0/0', '10.0.0.0/08'])).toEqual([
      '192.0.2.1',
      '10.0.0.0/8',
      '::1',
      '2001:db8::/32',
      '::ffff:192.0.2.1',
      '0.0.0.0/0',
    ]);
  });

  test('garbage is refused with a clear message', () => {
    for (const entry of ['', 'localhost', '256.0.0.1', '01.2.3.4', '1.2.3', '10.0.0.0/', '10.0.0.0/a', '::1/129', 'fe80::1%eth0', '1.2.3.4/8/8', '[::1]']) {
      expect(() => parseAllowIp(entry)).toThrow(/--allow-ips: .* (is not an IP address or CIDR block|has an invalid prefix length)/);
    }
  });
});
