/** What every service gets: plain values, never the HTTP framework's context. */
import type { Clock } from '../clock.ts';
import type { Store } from '../db/client.ts';
import type { Cipher } from '../security/crypto.ts';

export interface ServiceContext {
  readonly store: Store;
  readonly cipher: Cipher;
  readonly clock: Clock;
}
