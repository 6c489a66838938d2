import { expect, test } from 'bun:test';
import { createSignInLimiter } from '../../src/services/sign-in-limiter.ts';
import { manualClock } from '../helpers/stores.ts';

test('10 failures lock the account (any address, any case) for the rest of the 15-minute window', () => {
  const clock = manualClock();
  const limiter = createSignInLimiter(clock);
  for (let attempt = 0; attempt < 10; attempt++) {
    limiter.check('Alice', `198.51.100.${attempt}`);
    limiter.recordFailure('Alice', `198.51.100.${attempt}`);
  }
  expect(() => limiter.check('alice', '203.0.113.1')).toThrow(expect.objectContaining({ code: 'rate_limited', retryAfterSeconds: 900 }));
  limiter.check('bob', '203.0.113.1');
  clock.advance(15 * 60_000);
  limiter.check('alice', '203.0.113.1');
});

test('50 failures from one address lock the address for every account; a success clears only the account', () => {
  const clock = manualClock();
  const limiter = createSignInLimiter(clock);
  for (let attempt = 0; attempt < 50; attempt++) limiter.recordFailure(`user${attempt}`, '192.0.2.9');
  expect(() => limiter.check('someone', '192.0.2.9')).toThrow(expect.objectContaining({ code: 'rate_limited' }));
  limiter.check('someone', '192.0.2.10');
  for (let attempt = 0; attempt < 9; attempt++) limiter.recordFailure('carol', undefined);
  limiter.recordSuccess('carol');
  limiter.recordFailure('carol', undefined);
  limiter.check('carol', undefined);
});
