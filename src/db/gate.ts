/**
 * A FIFO async mutex. bun:sqlite runs every statement synchronously on one connection, so an `async`
 * transaction body that awaits between statements would let another request's write slip into the open
 * transaction (and be rolled back with it). Every SQLite write and transaction passes this gate instead.
 * Re-entrant within one async call chain, so a write inside a transaction does not wait for itself.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export class Gate {
  private tail: Promise<void> = Promise.resolve();
  private readonly holder = new AsyncLocalStorage<Gate>();

  run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.holder.getStore() === this) return fn();
    const result = this.tail.then(() => this.holder.run(this, fn));
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}
