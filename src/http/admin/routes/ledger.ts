/**
 * The ledger checker (src/services/ledger-check.ts, reliability.md G4) on demand: the same code as
 * `gateway ledger check`, which reads this route in remote mode. Root only: its problem lines name accounts
 * and keys with their balances across the whole gateway.
 */
import { defineRoute } from '../define.ts';
import { ledgerReportSchema, ledgerReportView } from '../views.ts';

export const ledgerRoutes = [
  defineRoute({
    method: 'GET',
    path: '/api/ledger/check',
    role: 'root',
    tag: 'Ledger',
    summary: 'Check every balance against the ledger rows that moved it (as gateway ledger check)',
    description:
      'balance = credits − debits and held = Σ open holds per account, the same per key, 0 ≤ held ≤ balance, no double debit, no hold past its deadline. `ok` false lists each problem; the answer is 200 either way.',
    response: ledgerReportSchema,
    handler: async ({ services }) => ({ data: ledgerReportView(await services.ledger.check()) }),
  }),
];
