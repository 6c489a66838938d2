/**
 * Per-address limit on failed key checks (reliability.md 2.7.2, test A5): after `limit` unknown or malformed
 * keys from one address within a window, every key check from it answers 429 with `Retry-After` until the
 * window that started with its first failure ends. The check runs before the key is looked up, so a client
 * guessing keys learns nothing more once it is blocked, and the database is spared the lookups.
 *
 * IPv6 clients are counted per /64, the block one subscriber usually gets: otherwise rotating through its
 * 2^64 addresses would sidestep the limit. Memory is bounded: at most `maxTracked` buckets, expired ones are
 * swept first, then the oldest are dropped.
 */
import { isIPv4, isIPv6 } from 'node:net';
import type { Clock } from '../clock.ts';
import { cleanAddress } from './ip-allowlist.ts';

export interface FailedKeyLimiter {
  /** Whole seconds until `ip` may try again, or undefined when it is not blocked. */
  blockedFor(ip: string | undefined): number | undefined;
  recordFailure(ip: string | undefined): void;
  /** Buckets held (for tests and metrics). */
  readonly size: number;
}

export interface FailedKeyLimiterOptions {
  clock: Clock;
  limit?: number;
  windowMs?: number;
  maxTracked?: number;
}

export const FAILED_KEY_LIMIT = 60;
export const FAILED_KEY_WINDOW_MS = 60_000;
const MAX_TRACKED = 20_000;

/** The first four hextets of an IPv6 address, expanded (`2001:db8:0:1`); embedded IPv4 tails count as two. */
function ipv6Prefix64(address: string): string {
  const [head = '', tail] = address.toLowerCase().split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const width = (groups: string[]): number => groups.reduce((sum, group) => sum + (group.includes('.') ? 2 : 1), 0);
  const zeros = tail === undefined ? [] : Array.from({ length: 8 - width(headGroups) - width(tailGroups) }, () => '0');
  return [...headGroups, ...zeros, ...tailGroups]
    .slice(0, 4)
    .map((group) => group.replace(/^0+(?=.)/, ''))
    .join(':');
}

/** The bucket an address is counted in: IPv4 (also when IPv4-mapped) as is, IPv6 by its /64. */
export function limiterBucket(ip: string | undefined): string {
  if (ip === undefined) return 'unknown';
  const address = cleanAddress(ip);
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped !== null) return mapped[1] as string;
  if (isIPv4(address)) return address;
  if (isIPv6(address)) return `${ipv6Prefix64(address)}::/64`;
  return 'unknown';
}

export function createFailedKeyLimiter(options: FailedKeyLimiterOptions): FailedKeyLimiter {
  const limit = options.limit ?? FAILED_KEY_LIMIT;
  const windowMs = options.windowMs ?? FAILED_KEY_WINDOW_MS;
  const maxTracked = options.maxTracked ?? MAX_TRACKED;
  const buckets = new Map<string, { windowStart: number; failures: number }>();

  const live = (bucket: { windowStart: number } | undefined, now: number): boolean => bucket !== undefined && now - bucket.windowStart < windowMs;

  const makeRoom = (now: number): void => {
    if (buckets.size < maxTracked) return;
    for (const [key, bucket] of buckets) if (!live(bucket, now)) buckets.delete(key);
    // Insertion order is creation order, so the first entries are the oldest windows.
    for (const key of buckets.keys()) {
      if (buckets.size < maxTracked) break;
      buckets.delete(key);
    }
  };

  return {
    blockedFor(ip) {
      const now = options.clock.now();
      const bucket = buckets.get(limiterBucket(ip));
      if (bucket === undefined || !live(bucket, now) || bucket.failures < limit) return undefined;
      return Math.max(1, Math.ceil((bucket.windowStart + windowMs - now) / 1000));
    },
    recordFailure(ip) {
      const now = options.clock.now();
      const key = limiterBucket(ip);
      const bucket = buckets.get(key);
      if (bucket !== undefined && live(bucket, now)) {
        bucket.failures += 1;
        return;
      }
      buckets.delete(key);
      makeRoom(now);
      buckets.set(key, { windowStart: now, failures: 1 });
    },
    get size() {
      return buckets.size;
    },
  };
}
