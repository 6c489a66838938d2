/**
 * `gateway config`: the effective configuration, where each value came from (flag, environment, file or
 * default), secrets masked. It reads no database unless `--check` asks it to open the store and read back
 * the settings the connection really has (SQLite pragmas, P2) and the migration status.
 */
import type { Command } from 'commander';
import { type ConfigRow, describeConfig, type LoadedConfig } from '../../src/config/load.ts';
import { defaultValues, type OptionKey, optionSpecs } from '../../src/config/schema.ts';
import { configFor } from '../context.ts';
import { output, renderRecord, renderTable } from '../output.ts';

interface ConfigFlags {
  json?: boolean;
  check?: boolean;
}

/** The settings reference printed by `gateway config --help`, built from the schema so it cannot drift. */
export function settingsHelp(): string {
  const defaults = defaultValues();
  const lines = ['', 'Settings (precedence: flag > environment > config file > default):'];
  for (const key of Object.keys(optionSpecs) as OptionKey[]) {
    const option = optionSpecs[key];
    const names = [
      ...('flag' in option ? [option.flag] : []),
      ...option.env,
      ...('notInFile' in option && option.notInFile ? [] : [`${option.fileKey} (file)`]),
    ];
    const fallback = defaults[key];
    lines.push(`  ${option.fileKey}`);
    lines.push(`      ${names.join(', ')}`);
    lines.push(`      ${option.description}${fallback === undefined ? '' : ` Default: ${fallback}.`}`);
  }
  return lines.join('\n');
}

interface DatabaseCheck {
  dialect: string;
  location: string;
  ok: boolean;
  error?: string;
  sqlite?: { journal_mode: string; busy_timeout: number; synchronous: string; foreign_keys: boolean };
  migrations?: { applied: string[]; pending: string[]; unknown: string[] };
}

async function checkDatabase(loaded: LoadedConfig): Promise<DatabaseCheck> {
  const { openStore } = await import('../../src/db/client.ts');
  const { migrationStatus } = await import('../../src/db/migrate.ts');
  const { config } = loaded;
  const store = await openStore({ databaseUrl: config.databaseUrl, sqlitePath: config.sqlitePath, sqliteSynchronous: config.sqliteSynchronous });
  try {
    const settings = store.sqliteSettings;
    return {
      dialect: store.dialect,
      location: store.location,
      ok: true,
      ...(settings === undefined
        ? {}
        : {
            sqlite: {
              journal_mode: settings.journalMode,
              busy_timeout: settings.busyTimeoutMs,
              synchronous: settings.synchronous,
              foreign_keys: settings.foreignKeys,
            },
          }),
      migrations: await migrationStatus(store),
    };
  } finally {
    await store.close();
  }
}

function renderSettings(rows: readonly ConfigRow[]): string {
  return renderTable(
    ['setting', 'value', 'source'],
    rows.map((row) => [row.key, row.value, row.source]),
  );
}

function renderCheck(check: DatabaseCheck): string {
  return renderRecord({
    database: check.location,
    journal_mode: check.sqlite?.journal_mode,
    busy_timeout: check.sqlite?.busy_timeout,
    synchronous: check.sqlite?.synchronous,
    foreign_keys: check.sqlite === undefined ? undefined : check.sqlite.foreign_keys ? 'on' : 'off',
    applied: check.migrations?.applied ?? [],
    pending: check.migrations?.pending ?? [],
  });
}

export function registerConfigCommand(program: Command): void {
  program
    .command('config')
    .description('print the effective configuration and where each value came from (secrets masked)')
    .option('--json', 'print JSON only')
    .option('--check', 'also open the database and show the settings it really uses and the migration status')
    .addHelpText('after', settingsHelp())
    .action(async (flags: ConfigFlags, command: Command) => {
      const loaded = configFor(command);
      const settings = describeConfig(loaded);
      const database = flags.check === true ? await checkDatabase(loaded) : undefined;
      output(flags.json, database === undefined ? { settings } : { settings, database }, () =>
        database === undefined ? renderSettings(settings) : `${renderSettings(settings)}\n\n${renderCheck(database)}`,
      );
    });
}
