/** The `ledger` noun: checks that balances agree with the ledger rows that moved them. */
import type { Command } from 'commander';
import { registerLedgerCheckCommand } from './check.ts';

export function registerLedgerCommands(program: Command): void {
  const ledger = program.command('ledger').description('The money ledger: holds, debits, credits and the balances they explain.');
  registerLedgerCheckCommand(ledger);
}
