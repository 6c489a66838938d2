/**
 * The relay's channel router, as the daemon wires it: the selector (src/relay/select.ts) over a routing index
 * loaded from the database (src/relay/routing-index.ts). Call `reload()` once at start and again whenever
 * the `channels` change counter moves (channel edits, key changes, model aliases all bump it).
 */
import type { Store } from '../db/client.ts';
import type { Logger } from '../log/logger.ts';
import type { Cipher } from '../security/crypto.ts';
import type { AffinityCache } from './affinity.ts';
import { type RoutingSource, storeRoutingSource } from './routing-index.ts';
import { createSelector, type Router } from './select.ts';

export { affinityKeyOf } from './affinity.ts';
export type { AffinityRecord, Router, SelectExclusions, Selection, SelectOptions } from './select.ts';

export interface RouterDeps {
  readonly store: Store;
  /** Decrypts the one key each attempt uses (see select.ts on why plaintext keys are not cached). */
  readonly cipher: Pick<Cipher, 'decrypt'>;
  /** Epoch milliseconds. */
  readonly now: () => number;
  /** A number in [0, 1); inject a seeded one for deterministic tests. */
  readonly random?: () => number;
  readonly logger?: Logger;
  readonly affinity?: AffinityCache;
  /** Test hook: rows from somewhere other than `store`. */
  readonly source?: RoutingSource;
}

export function createRouter(deps: RouterDeps): Router {
  return createSelector({
    source: deps.source ?? storeRoutingSource(deps.store),
    cipher: deps.cipher,
    now: deps.now,
    random: deps.random,
    logger: deps.logger,
    affinity: deps.affinity,
  });
}
