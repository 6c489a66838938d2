/**
 * `gateway migrate`: applies the embedded migrations (the same ones `gateway serve` applies at start) or,
 * with --status, only reports them. Needs only the store: no master key, no root user.
 */
import type { Command } from 'commander';
import type { MigrationStatus } from '../../src/db/migrate.ts';
import { ensureDataDir } from '../../src/deps.ts';
import { configFor } from '../context.ts';
import { output, renderRecord } from '../output.ts';

interface MigrateFlags {
  status?: boolean;
  json?: boolean;
}

interface MigrateReport extends MigrationStatus {
  database: string;
  /** Tags applied by this run (empty with --status). */
  appliedNow: string[];
}

export function registerMigrateCommand(program: Command): void {
  program
    .command('migrate')
    .description('apply pending database migrations (gateway serve also does this at start)')
    .option('--status', 'only report applied and pending migrations')
    .option('--json', 'print JSON only')
    .action(async (flags: MigrateFlags, command: Command) => {
      const { config } = configFor(command);
      const { openStore } = await import('../../src/db/client.ts');
      const { migrate, migrationStatus } = await import('../../src/db/migrate.ts');
      ensureDataDir(config.dataDir);
      const store = await openStore({ databaseUrl: config.databaseUrl, sqlitePath: config.sqlitePath, sqliteSynchronous: config.sqliteSynchronous });
      let report: MigrateReport;
      try {
        const appliedNow = flags.status === true ? [] : await migrate(store);
        report = { database: store.location, appliedNow, ...(await migrationStatus(store)) };
      } finally {
        await store.close();
      }
      output(flags.json, report, () =>
        renderRecord({
          database: report.database,
          'applied now': report.appliedNow,
          applied: report.applied,
          pending: report.pending,
          ...(report.unknown.length > 0 ? { 'unknown (newer binary)': report.unknown } : {}),
        }),
      );
    });
}
