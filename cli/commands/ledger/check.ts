/**
 * `gateway ledger check`: the G4 checker (src/services/ledger-check.ts) on the configured database, or through
 * GET /api/ledger/check with `--server` (root's access token). Exit 0 when
 * every balance is explained by its ledger rows, 1 when a problem is found (each printed on its own line).
 */
import type { Command } from 'commander';
import { withServices } from '../../context.ts';
import { exitCodes, output, sanitize } from '../../output.ts';

export function registerLedgerCheckCommand(ledger: Command): void {
  ledger
    .command('check')
    .description('Verify every balance: balance = credits − debits, held = open holds, 0 ≤ held ≤ balance, no double booking.')
    .option('--json', 'print JSON only')
    .addHelpText('after', '\nExit status: 0 when the ledger balances, 1 when a problem is found.\n\nExamples:\n  $ gateway ledger check\n  $ gateway ledger check --json')
    .action(async (flags: { json?: boolean }, command: Command) => {
      await withServices(command, async (services) => {
        const report = await services.ledger.check();
        output(flags.json, report, () =>
          report.ok
            ? `Ledger OK: ${report.users} users and ${report.keys} keys balance with their ledger rows; no hold is past its deadline.`
            : [`Ledger problems (${report.problems.length}):`, ...report.problems.map((problem) => `  ${sanitize(problem)}`)].join('\n'),
        );
        if (!report.ok) process.exitCode = exitCodes.failure;
      });
    });
}
