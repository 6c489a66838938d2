/**
 * Sign-in limits (reliability.md 2.7.2): 10 failed passwords per account in 15 minutes lock the account for
 * the rest of the window; 50 failures per client address in 15 minutes lock the address. A locked try is
 * refused before any password hash runs, so brute force costs the gateway nothing. In memory, per process:
 * several nodes each keep their own count (a shared Redis limiter can replace this behind the same interface).
 */
import type { Clock } from '../clock.ts';
import { GatewayError } from '../errors/gateway-error.ts';

export interface SignInLimits {
  accountFailures: number;
  addressFailures: number;
  windowMs: number;
}

export const DEFAULT_SIGN_IN_LIMITS: SignInLimits = { accountFailures: 10, addressFailures: 50, windowMs: 15 * 60_000 };

/** Entries kept at most; past it the oldest windows are forgotten first (memory stays bounded under attack). */
const MAX_ENTRIES = 100_000;

export interface SignInLimiter {
  /** Throws rate_limited (429 with Retry-After) when the account or the address is locked. */
  check(account: string, address: string | undefined): void;
  recordFailure(account: string, address: string | undefined): void;
  /** A successful sign-in clears the account's failures (not the address's). */
  recordSuccess(account: string): void;
}

interface Window {
  startedAt: number;
  failures: number;
}

export function createSignInLimiter(clock: Clock, limits: SignInLimits = DEFAULT_SIGN_IN_LIMITS): SignInLimiter {
  const windows = new Map<string, Window>();

  const current = (key: string, now: number): Window | undefined => {
    const window = windows.get(key);
    if (window === undefined) return undefined;
    if (now - window.startedAt >= limits.windowMs) {
      windows.delete(key);
      return undefined;
    }
    return window;
  };

  const lockedFor = (key: string, limit: number, now: number): number | undefined => {
    const window = current(key, now);
    if (window === undefined || window.failures < limit) return undefined;
    return Math.max(1, Math.ceil((window.startedAt + limits.windowMs - now) / 1000));
  };

  const add = (key: string, now: number): void => {
    const window = current(key, now);
    if (window !== undefined) {
      window.failures += 1;
      return;
    }
    if (windows.size >= MAX_ENTRIES) {
      const oldest = windows.keys().next();
      if (oldest.done !== true) windows.delete(oldest.value);
    }
    windows.set(key, { startedAt: now, failures: 1 });
  };

  const accountKey = (account: string): string => `account:${account.trim().toLowerCase()}`;
  const addressKey = (address: string | undefined): string | undefined => (address === undefined ? undefined : `address:${address}`);

  return {
    check(account, address) {
      const now = clock.now();
      const addressKeyValue = addressKey(address);
      const addressWait = addressKeyValue === undefined ? undefined : lockedFor(addressKeyValue, limits.addressFailures, now);
      const accountWait = lockedFor(accountKey(account), limits.accountFailures, now);
      const wait = Math.max(addressWait ?? 0, accountWait ?? 0);
      if (wait === 0) return;
      throw new GatewayError({
        code: 'rate_limited',
        retryAfterSeconds: wait,
        message: `too many failed sign-ins ${accountWait !== undefined ? 'for this account' : 'from this address'}; try again in ${Math.ceil(wait / 60)} minute(s), or have an administrator reset the password`,
      });
    },
    recordFailure(account, address) {
      const now = clock.now();
      add(accountKey(account), now);
      const addressKeyValue = addressKey(address);
      if (addressKeyValue !== undefined) add(addressKeyValue, now);
    },
    recordSuccess(account) {
      windows.delete(accountKey(account));
    },
  };
}
