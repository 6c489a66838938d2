import { describe, expect, test } from 'bun:test';
import { loadConfig } from '../../src/config/load.ts';
import { createClientIpResolver } from '../../src/http/client-ip.ts';

const headers = (forwarded?: string) => new Headers(forwarded === undefined ? {} : { 'x-forwarded-for': forwarded });

describe('client address', () => {
  test('without trusted proxies X-Forwarded-For is ignored', () => {
    const resolve = createClientIpResolver([]);
    expect(resolve('203.0.113.9', headers('198.51.100.1'))).toBe('203.0.113.9');
  });

  test('behind a trusted proxy the right-most untrusted hop is the client; a forged left part changes nothing', () => {
    const resolve = createClientIpResolver(['127.0.0.1', '10.0.0.0/8']);
    expect(resolve('127.0.0.1', headers('198.51.100.7'))).toBe('198.51.100.7');
    expect(resolve('127.0.0.1', headers('1.2.3.4, 198.51.100.7, 10.1.2.3'))).toBe('198.51.100.7');
    expect(resolve('127.0.0.1', headers('2001:db8::1'))).toBe('2001:db8::1');
    expect(resolve('127.0.0.1', headers())).toBe('127.0.0.1');
    expect(resolve('127.0.0.1', headers('not-an-ip'))).toBe('127.0.0.1');
  });

  test('a peer that is not a trusted proxy cannot choose its address', () => {
    const resolve = createClientIpResolver(['10.0.0.0/8']);
    expect(resolve('203.0.113.9', headers('10.0.0.1'))).toBe('203.0.113.9');
  });

  test('TRUSTED_PROXIES is parsed and checked at start', () => {
    expect(loadConfig({ env: { TRUSTED_PROXIES: '127.0.0.1, 10.0.0.0/8' } }).config.trustedProxies).toEqual(['127.0.0.1', '10.0.0.0/8']);
    expect(loadConfig({ env: {} }).config.trustedProxies).toEqual([]);
    expect(() => loadConfig({ env: { TRUSTED_PROXIES: '10.0.0.0/8,proxy.local' } })).toThrow(/TRUSTED_PROXIES.*"proxy.local"/);
  });
});
