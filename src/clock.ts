/** The injected clock: every decision about time reads `now()` (UTC epoch milliseconds), so tests can move it. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
