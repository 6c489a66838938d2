/**
 * The ledger checker (reliability.md G4 and 3.6): the same code runs after the integration tests, in
 * `gateway ledger check`, and on demand. For every user, `balance = Σ credits − Σ debits` (an opening balance
 * is a credit too) and `held = Σ open holds`; for every key, `held = Σ its open holds`; `0 ≤ held ≤ balance`
 * (a key's budget is not bounded when it is unlimited); no request id carries two debits, no external id two
 * credits; and no open hold is past its deadline.
 */
import type { Store } from '../db/client.ts';
import { duplicateDebits, ledgerNetByUser, openHoldSums, staleOpenHolds, tokenFigures, userFigures } from '../db/repos/ledger.ts';

export interface LedgerReport {
  ok: boolean;
  problems: string[];
  users: number;
  keys: number;
  /** Open holds past their deadline (recovery releases them within a minute while the daemon runs). */
  expiredOpenHolds: number;
}

export async function checkLedger(store: Store, now: number): Promise<LedgerReport> {
  const problems: string[] = [];
  const [users, keys, net, holds, duplicates, expired] = await Promise.all([
    userFigures(store),
    tokenFigures(store),
    ledgerNetByUser(store),
    openHoldSums(store),
    duplicateDebits(store),
    staleOpenHolds(store, now),
  ]);
  for (const user of users) {
    const expected = net.get(user.id) ?? 0;
    if (user.balance !== expected) {
      problems.push(`user #${user.id} (${user.name}): balance ${user.balance} but the ledger says ${expected} (credits − debits)`);
    }
    const held = holds.byUser.get(user.id) ?? 0;
    if (user.held !== held) problems.push(`user #${user.id} (${user.name}): held ${user.held} but its open holds sum to ${held}`);
    if (user.held < 0 || user.held > user.balance) problems.push(`user #${user.id} (${user.name}): held ${user.held} outside 0…${user.balance}`);
  }
  for (const key of keys) {
    const held = holds.byToken.get(key.id) ?? 0;
    if (key.held !== held) problems.push(`key #${key.id} (${key.name}): held ${key.held} but its open holds sum to ${held}`);
    if (key.held < 0 || (!key.unlimited && key.held > key.balance)) problems.push(`key #${key.id} (${key.name}): held ${key.held} outside 0…${key.balance}`);
  }
  for (const id of duplicates) problems.push(`ledger id ${id} was booked more than once`);
  if (expired > 0) problems.push(`${expired} open hold(s) are past their deadline (recovery releases them; run gateway serve, or check again)`);
  return { ok: problems.length === 0, problems, users: users.length, keys: keys.length, expiredOpenHolds: expired };
}
