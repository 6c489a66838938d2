/**
 * Every setting the process reads at start, with its flag, environment names, config-file key and default.
 * This table is the single source for `gateway config`, the README's configuration table and validation.
 * Environment names New API users know (PORT, SQL_DSN, SQLITE_PATH, NODE_NAME, SHUTDOWN_TIMEOUT_SECONDS) keep their meaning beside the gateway's own GATEWAY_* names.
 */
import { hostname } from 'node:os';

export type OptionKind =
  | { type: 'string' }
  | { type: 'path' }
  | { type: 'integer'; min: number; max: number }
  | { type: 'enum'; choices: readonly string[] }
  | { type: 'postgres-url' };

export interface OptionSpec {
  /** Key in the config file (snake_case) and in `gateway config` output. */
  readonly fileKey: string;
  /** Long flag, accepted by every command where it applies (global flags) or by `serve`. */
  readonly flag?: string;
  /** Environment names, the first one preferred; earlier names win over later ones. */
  readonly env: readonly string[];
  readonly kind: OptionKind;
  readonly secret?: boolean;
  /** Not allowed in the config file (it decides where the file is, or is a secret better kept out of files). */
  readonly notInFile?: boolean;
  readonly description: string;
}

export const optionSpecs = {
  dataDir: {
    fileKey: 'data_dir',
    flag: '--data-dir',
    env: ['GATEWAY_DATA_DIR'],
    kind: { type: 'path' },
    notInFile: true,
    description: 'Directory for the SQLite database, the master key file and other state (created with mode 0700).',
  },
  configFile: {
    fileKey: 'config',
    flag: '--config',
    env: ['GATEWAY_CONFIG'],
    kind: { type: 'path' },
    notInFile: true,
    description: 'Config file (TOML or JSON). Default: gateway.toml or gateway.json in the data directory, when present.',
  },
  databaseUrl: {
    fileKey: 'database_url',
    flag: '--database-url',
    env: ['SQL_DSN', 'DATABASE_URL'],
    kind: { type: 'postgres-url' },
    secret: true,
    description: 'postgres:// URL to use PostgreSQL instead of the embedded SQLite database.',
  },
  sqlitePath: {
    fileKey: 'sqlite_path',
    flag: '--sqlite-path',
    env: ['SQLITE_PATH'],
    kind: { type: 'path' },
    description: 'SQLite database file. Default: gateway.db in the data directory.',
  },
  sqliteSynchronous: {
    fileKey: 'sqlite_synchronous',
    env: ['GATEWAY_SQLITE_SYNCHRONOUS'],
    kind: { type: 'enum', choices: ['normal', 'full'] },
    description: 'SQLite synchronous mode: normal (WAL-safe, fast) or full (survives power loss of the last commits).',
  },
  host: {
    fileKey: 'host',
    flag: '--host',
    env: ['GATEWAY_HOST', 'HOST'],
    kind: { type: 'string' },
    description: 'Address `gateway serve` listens on.',
  },
  port: {
    fileKey: 'port',
    flag: '--port',
    env: ['PORT', 'GATEWAY_PORT'],
    kind: { type: 'integer', min: 0, max: 65535 },
    description: 'Port `gateway serve` listens on (0 picks a free port).',
  },
  logLevel: {
    fileKey: 'log_level',
    flag: '--log-level',
    env: ['GATEWAY_LOG_LEVEL', 'LOG_LEVEL'],
    kind: { type: 'enum', choices: ['debug', 'info', 'warn', 'error'] },
    description: 'Lowest level written to the log.',
  },
  logFormat: {
    fileKey: 'log_format',
    flag: '--log-format',
    env: ['GATEWAY_LOG_FORMAT'],
    kind: { type: 'enum', choices: ['auto', 'json', 'pretty'] },
    description: 'json lines, pretty (readable) lines, or auto: pretty when stdout is a terminal, else json.',
  },
  shutdownTimeoutSeconds: {
    fileKey: 'shutdown_timeout_seconds',
    flag: '--shutdown-timeout',
    env: ['SHUTDOWN_TIMEOUT_SECONDS', 'GATEWAY_SHUTDOWN_TIMEOUT_SECONDS'],
    kind: { type: 'integer', min: 0, max: 86400 },
    description: 'Seconds a graceful shutdown waits for requests in flight before closing them.',
  },
  syncIntervalMs: {
    fileKey: 'sync_interval_ms',
    env: ['GATEWAY_SYNC_INTERVAL_MS'],
    kind: { type: 'integer', min: 50, max: 60000 },
    description: 'How often the daemon checks the database change counter, so CLI edits apply within this time.',
  },
  nodeName: {
    fileKey: 'node_name',
    env: ['NODE_NAME', 'GATEWAY_NODE_NAME'],
    kind: { type: 'string' },
    description: 'Name of this node in logs and usage aggregates.',
  },
  secret: {
    fileKey: 'secret',
    env: ['GATEWAY_SECRET'],
    kind: { type: 'string' },
    secret: true,
    notInFile: true,
    description: 'Master key (32 bytes, base64 or hex) that encrypts channel keys. Default: master.key in the data directory, created at first start.',
  },
  rootPassword: {
    fileKey: 'root_password',
    env: ['GATEWAY_ROOT_PASSWORD'],
    kind: { type: 'string' },
    secret: true,
    notInFile: true,
    description: 'Password for the root administrator created on first start. Default: a random one, printed once.',
  },
} as const satisfies Record<string, OptionSpec>;

export type OptionKey = keyof typeof optionSpecs;

export type Config = {
  readonly dataDir: string;
  readonly configFile: string | undefined;
  readonly databaseUrl: string | undefined;
  readonly sqlitePath: string;
  readonly sqliteSynchronous: 'normal' | 'full';
  readonly host: string;
  readonly port: number;
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error';
  readonly logFormat: 'auto' | 'json' | 'pretty';
  readonly shutdownTimeoutSeconds: number;
  readonly syncIntervalMs: number;
  readonly nodeName: string;
  readonly secret: string | undefined;
  readonly rootPassword: string | undefined;
};

/** Defaults; `undefined` means "not set". Paths relative to the data directory are resolved by load. */
export function defaultValues(): Record<OptionKey, string | number | undefined> {
  return {
    dataDir: './data',
    configFile: undefined,
    databaseUrl: undefined,
    sqlitePath: undefined,
    sqliteSynchronous: 'normal',
    host: '0.0.0.0',
    port: 3000,
    logLevel: 'info',
    logFormat: 'auto',
    shutdownTimeoutSeconds: 120,
    syncIntervalMs: 500,
    nodeName: hostname(),
    secret: undefined,
    rootPassword: undefined,
  };
}

/** GATEWAY_* names that are read elsewhere (by the build or by tests) and so are not unknown settings. */
export const otherKnownEnv: readonly string[] = ['GATEWAY_TEST_PG_URL'];
