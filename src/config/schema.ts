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
  | { type: 'postgres-url' }
  | { type: 'cidr-list' };

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
  firstByteTimeoutSeconds: {
    fileKey: 'first_byte_timeout_seconds',
    env: ['GATEWAY_FIRST_BYTE_TIMEOUT'],
    kind: { type: 'integer', min: 1, max: 3600 },
    description: 'Seconds a streaming request waits for the upstream to start answering; past it the next channel is tried.',
  },
  streamingTimeoutSeconds: {
    fileKey: 'streaming_timeout_seconds',
    env: ['STREAMING_TIMEOUT', 'GATEWAY_STREAMING_TIMEOUT'],
    kind: { type: 'integer', min: 1, max: 3600 },
    description: 'Longest silence between two chunks of an upstream stream, in seconds (New API name).',
  },
  relayTimeoutSeconds: {
    fileKey: 'relay_timeout_seconds',
    env: ['RELAY_TIMEOUT', 'GATEWAY_RELAY_TIMEOUT'],
    kind: { type: 'integer', min: 1, max: 86400 },
    description: 'Deadline for a whole upstream request, stream included, in seconds (New API name; 0 is not allowed: every call has a deadline).',
  },
  keepAliveSeconds: {
    fileKey: 'keep_alive_seconds',
    env: ['GATEWAY_KEEPALIVE_SECONDS'],
    kind: { type: 'integer', min: 1, max: 240 },
    description: 'A quiet stream gets an SSE comment after this many seconds, so no proxy (or Bun) closes it.',
  },
  maxRequestBodyMb: {
    fileKey: 'max_request_body_mb',
    env: ['MAX_REQUEST_BODY_MB'],
    kind: { type: 'integer', min: 1, max: 1024 },
    description: 'Largest request body accepted, in MiB after decompression (New API name); larger ones get 413.',
  },
  streamMaxLineMb: {
    fileKey: 'stream_max_line_mb',
    env: ['STREAM_SCANNER_MAX_BUFFER_MB'],
    kind: { type: 'integer', min: 1, max: 256 },
    description: 'Longest single SSE line accepted from an upstream, in MiB (New API name); a longer one ends the stream with an error.',
  },
  maxFileDownloadMb: {
    fileKey: 'max_file_download_mb',
    env: ['MAX_FILE_DOWNLOAD_MB'],
    kind: { type: 'integer', min: 1, max: 1024 },
    description: 'Largest image the gateway downloads for a request (image URLs sent inline to Anthropic and Gemini channels), in MiB after decompression; the provider\'s own limit may be lower (New API name).',
  },
  imageFetchTimeoutSeconds: {
    fileKey: 'image_fetch_timeout_seconds',
    env: ['GATEWAY_IMAGE_FETCH_TIMEOUT'],
    kind: { type: 'integer', min: 1, max: 600 },
    description: 'Deadline for downloading the images a request names by URL, in seconds; past it the request gets 400.',
  },
  maxImageUrls: {
    fileKey: 'max_image_urls',
    env: ['GATEWAY_MAX_IMAGE_URLS'],
    kind: { type: 'integer', min: 0, max: 100 },
    description: 'Most image URLs the gateway downloads for one request; 0 refuses image URLs on the channels that need them downloaded.',
  },
  channelTestFrequencyMinutes: {
    fileKey: 'channel_test_frequency_minutes',
    env: ['CHANNEL_TEST_FREQUENCY'],
    kind: { type: 'integer', min: 0, max: 10080 },
    description: 'Test every enabled and auto-disabled channel this often, in minutes; 0 turns the periodic test off (New API name).',
  },
  trustedProxies: {
    fileKey: 'trusted_proxies',
    env: ['TRUSTED_PROXIES', 'GATEWAY_TRUSTED_PROXIES'],
    kind: { type: 'cidr-list' },
    description: 'Reverse proxies (IPs or CIDRs, comma separated) whose X-Forwarded-For is believed for the client address; without it the socket address is used.',
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
  sessionSecret: {
    fileKey: 'session_secret',
    env: ['SESSION_SECRET'],
    kind: { type: 'string' },
    secret: true,
    notInFile: true,
    description: 'Signs admin API session cookies (New API name; at least 32 characters). Default: session.key in the data directory, created at first start; several nodes sharing one database must set the same value.',
  },
  rootPassword: {
    fileKey: 'root_password',
    env: ['GATEWAY_ROOT_PASSWORD'],
    kind: { type: 'string' },
    secret: true,
    notInFile: true,
    description: 'Password for the root administrator created on first start. Default: a random one, printed once.',
  },
  server: {
    fileKey: 'server',
    flag: '--server',
    env: ['GATEWAY_SERVER'],
    kind: { type: 'string' },
    notInFile: true,
    description: 'Remote mode of the CLI: the address of a gateway (https://gateway.example.com) whose admin API the commands use instead of the local database.',
  },
  token: {
    fileKey: 'token',
    flag: '--token',
    env: ['GATEWAY_TOKEN'],
    kind: { type: 'string' },
    secret: true,
    notInFile: true,
    description: 'Remote mode of the CLI: a personal access token (gpat_…) for --server. Prefer the environment: a flag shows in ps.',
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
  readonly firstByteTimeoutSeconds: number;
  readonly streamingTimeoutSeconds: number;
  readonly relayTimeoutSeconds: number;
  readonly keepAliveSeconds: number;
  readonly maxRequestBodyMb: number;
  readonly streamMaxLineMb: number;
  readonly maxFileDownloadMb: number;
  readonly imageFetchTimeoutSeconds: number;
  readonly maxImageUrls: number;
  readonly channelTestFrequencyMinutes: number;
  readonly trustedProxies: readonly string[];
  readonly nodeName: string;
  readonly secret: string | undefined;
  readonly sessionSecret: string | undefined;
  readonly rootPassword: string | undefined;
  /** The CLI's remote mode (cli/remote); the server itself never reads them. */
  readonly server: string | undefined;
  readonly token: string | undefined;
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
    firstByteTimeoutSeconds: 60,
    streamingTimeoutSeconds: 300,
    relayTimeoutSeconds: 900,
    keepAliveSeconds: 15,
    maxRequestBodyMb: 32,
    streamMaxLineMb: 16,
    maxFileDownloadMb: 20,
    imageFetchTimeoutSeconds: 15,
    maxImageUrls: 20,
    channelTestFrequencyMinutes: 0,
    trustedProxies: undefined,
    nodeName: hostname(),
    secret: undefined,
    sessionSecret: undefined,
    rootPassword: undefined,
    server: undefined,
    token: undefined,
  };
}

/** GATEWAY_* names that are read elsewhere (by the build or by tests) and so are not unknown settings. */
export const otherKnownEnv: readonly string[] = ['GATEWAY_TEST_PG_URL'];
