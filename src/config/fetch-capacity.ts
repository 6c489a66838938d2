/**
 * Bun's fetch runs at most `BUN_CONFIG_MAX_HTTP_REQUESTS` upstream requests at once (256 by default) and
 * queues the rest, so a gateway holding more open streams than that would stall new ones. Bun reads the
 * variable only when the process starts, so `gateway serve` starts itself again with it set when the operator
 * did not set it (scripts/bench.ts measured the cap: 256 of 1 000 streams opened).
 */
export const FETCH_CAPACITY_ENV = 'BUN_CONFIG_MAX_HTTP_REQUESTS';
/** Room for thousands of concurrent streams; each costs a socket, far below the file-descriptor limit we raise. */
export const DEFAULT_FETCH_CAPACITY = '16384';

/** The environment for the relaunched process, or undefined when this process already has the setting. */
export function relaunchEnvironment(env: Record<string, string | undefined>): Record<string, string> | undefined {
  if (env[FETCH_CAPACITY_ENV] !== undefined && env[FETCH_CAPACITY_ENV] !== '') return undefined;
  const next: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) if (value !== undefined) next[name] = value;
  next[FETCH_CAPACITY_ENV] = DEFAULT_FETCH_CAPACITY;
  return next;
}
