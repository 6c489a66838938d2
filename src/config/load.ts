/**
 * Reads the configuration once: flags > environment > config file > defaults.
 * The only module that reads `process.env` (callers pass it in, so tests give their own).
 */
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { GatewayError } from '../errors/gateway-error.ts';
import { parseAllowIp } from '../services/allow-ips.ts';
import {
  type Config,
  defaultValues,
  type OptionKey,
  type OptionSpec,
  optionSpecs,
  otherKnownEnv,
} from './schema.ts';

export type Source =
  | { kind: 'flag'; name: string }
  | { kind: 'env'; name: string }
  | { kind: 'file'; name: string }
  | { kind: 'default' };

export interface LoadedConfig {
  readonly config: Config;
  readonly sources: Readonly<Record<OptionKey, Source>>;
}

export interface LoadInput {
  /** Raw flag values by option key, as commander parsed them (strings or numbers). */
  flags?: Partial<Record<OptionKey, string | number | undefined>>;
  env?: Record<string, string | undefined>;
  cwd?: string;
}

const keys = Object.keys(optionSpecs) as OptionKey[];

function spec(key: OptionKey): OptionSpec {
  return optionSpecs[key];
}

function describeOption(key: OptionKey): string {
  const option = spec(key);
  const names = [option.flag, ...option.env].filter((name) => name !== undefined);
  if (!option.notInFile) names.push(`"${option.fileKey}" in the config file`);
  return names.join(' / ');
}

function configError(key: OptionKey, source: Source, message: string): GatewayError {
  const where = source.kind === 'default' ? 'default' : `${source.name}`;
  return new GatewayError({
    code: 'invalid_config',
    field: spec(key).flag ?? spec(key).env[0],
    message: `invalid ${spec(key).fileKey} (${where}): ${message}; set it with ${describeOption(key)}`,
  });
}

function parseValue(key: OptionKey, raw: unknown, source: Source): string | number {
  const kind = spec(key).kind;
  if (kind.type === 'integer') {
    const text = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : '';
    if (!/^-?\d+$/.test(text)) throw configError(key, source, `"${String(raw)}" is not a whole number`);
    const value = Number(text);
    if (value < kind.min || value > kind.max) {
      throw configError(key, source, `${value} is outside ${kind.min}..${kind.max}`);
    }
    return value;
  }
  if (typeof raw !== 'string') throw configError(key, source, `expected text, got ${typeof raw}`);
  const text = raw.trim();
  if (text === '') throw configError(key, source, 'the value is empty (unset it instead)');
  if (kind.type === 'enum') {
    const lower = text.toLowerCase();
    if (!kind.choices.includes(lower)) {
      throw configError(key, source, `"${text}" is not one of ${kind.choices.join(', ')}`);
    }
    return lower;
  }
  if (kind.type === 'postgres-url') {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw configError(key, source, 'not a URL; expected postgres://user[:password]@host[:port]/database');
    }
    if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
      throw configError(
        key,
        source,
        `scheme "${url.protocol.replace(/:$/, '')}" is not supported; use a postgres:// URL, or unset it for the embedded SQLite database`,
      );
    }
    if (url.pathname === '' || url.pathname === '/') {
      throw configError(key, source, 'the URL names no database; expected postgres://user@host:5432/database');
    }
    return text;
  }
  if (kind.type === 'cidr-list') {
    const entries = text.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
    for (const entry of entries) {
      try {
        parseAllowIp(entry, spec(key).env[0]);
      } catch {
        throw configError(key, source, `"${entry}" is not an IP address or CIDR block such as 10.0.0.0/8`);
      }
    }
    return entries.join(',');
  }
  return text;
}

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new GatewayError({
      code: 'invalid_config',
      field: '--config',
      message: `cannot read config file ${path}: ${(error as Error).message}; fix --config / GATEWAY_CONFIG`,
    });
  }
  let parsed: unknown;
  try {
    parsed = path.endsWith('.json') ? JSON.parse(text) : Bun.TOML.parse(text);
  } catch (error) {
    throw new GatewayError({
      code: 'invalid_config',
      field: '--config',
      message: `config file ${path} is not valid ${path.endsWith('.json') ? 'JSON' : 'TOML'}: ${(error as Error).message}`,
    });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new GatewayError({ code: 'invalid_config', field: '--config', message: `config file ${path} must hold a table of settings` });
  }
  return parsed as Record<string, unknown>;
}

function fromEnv(key: OptionKey, env: Record<string, string | undefined>): { raw: string; source: Source } | undefined {
  for (const name of spec(key).env) {
    const value = env[name];
    if (value !== undefined && value !== '') return { raw: value, source: { kind: 'env', name } };
  }
  return undefined;
}

/** Environment names starting with GATEWAY_ that no option declares: almost always a typo. */
function unknownGatewayEnv(env: Record<string, string | undefined>): string[] {
  const known = new Set<string>(otherKnownEnv);
  for (const key of keys) for (const name of spec(key).env) known.add(name);
  return Object.keys(env).filter((name) => name.startsWith('GATEWAY_') && !known.has(name));
}

export function loadConfig(input: LoadInput = {}): LoadedConfig {
  const env = input.env ?? {};
  const flags = input.flags ?? {};
  const cwd = input.cwd ?? process.cwd();
  const defaults = defaultValues();

  const unknown = unknownGatewayEnv(env);
  if (unknown.length > 0) {
    throw new GatewayError({
      code: 'invalid_config',
      message: `unknown environment variable ${unknown.join(', ')}; see \`gateway config --help\` for the settings (remove or rename it)`,
    });
  }

  const values = {} as Record<OptionKey, string | number | undefined>;
  const sources = {} as Record<OptionKey, Source>;

  const pick = (key: OptionKey, file: Record<string, unknown> | undefined, filePath: string | undefined): void => {
    const flag = flags[key];
    const flagName = spec(key).flag;
    if (flag !== undefined && flagName !== undefined) {
      const source: Source = { kind: 'flag', name: flagName };
      values[key] = parseValue(key, flag, source);
      sources[key] = source;
      return;
    }
    const environment = fromEnv(key, env);
    if (environment !== undefined) {
      values[key] = parseValue(key, environment.raw, environment.source);
      sources[key] = environment.source;
      return;
    }
    const fileValue = file?.[spec(key).fileKey];
    if (fileValue !== undefined && filePath !== undefined) {
      const source: Source = { kind: 'file', name: filePath };
      values[key] = parseValue(key, fileValue, source);
      sources[key] = source;
      return;
    }
    values[key] = defaults[key];
    sources[key] = { kind: 'default' };
  };

  // The data directory and the config file decide where everything else comes from, so they come first.
  pick('dataDir', undefined, undefined);
  const dataDir = resolve(cwd, String(values.dataDir));
  values.dataDir = dataDir;
  pick('configFile', undefined, undefined);
  let configPath = values.configFile === undefined ? undefined : resolve(cwd, String(values.configFile));
  if (configPath === undefined) {
    configPath = ['gateway.toml', 'gateway.json'].map((name) => join(dataDir, name)).find((path) => existsSync(path));
    if (configPath !== undefined) sources.configFile = { kind: 'default' };
  }
  values.configFile = configPath;
  const file = configPath === undefined ? undefined : readConfigFile(configPath);

  if (file !== undefined && configPath !== undefined) {
    for (const fileKey of Object.keys(file)) {
      const key = keys.find((candidate) => spec(candidate).fileKey === fileKey);
      if (key === undefined) {
        const allowed = keys.filter((candidate) => !spec(candidate).notInFile).map((candidate) => spec(candidate).fileKey);
        throw new GatewayError({
          code: 'invalid_config',
          field: '--config',
          message: `unknown setting "${fileKey}" in ${configPath}; known settings: ${allowed.join(', ')}`,
        });
      }
      if (spec(key).notInFile) {
        throw new GatewayError({
          code: 'invalid_config',
          field: '--config',
          message: `"${fileKey}" cannot be set in ${configPath}; use ${describeOption(key)}`,
        });
      }
    }
  }

  for (const key of keys) {
    if (key === 'dataDir' || key === 'configFile') continue;
    pick(key, file, configPath);
  }

  const sqlitePath =
    values.sqlitePath === undefined
      ? join(dataDir, 'gateway.db')
      : isAbsolute(String(values.sqlitePath))
        ? String(values.sqlitePath)
        : resolve(cwd, String(values.sqlitePath));

  const text = (key: OptionKey): string | undefined => (values[key] === undefined ? undefined : String(values[key]));
  const config: Config = Object.freeze({
    dataDir,
    configFile: configPath,
    databaseUrl: text('databaseUrl'),
    sqlitePath,
    sqliteSynchronous: text('sqliteSynchronous') as Config['sqliteSynchronous'],
    host: String(values.host),
    port: Number(values.port),
    logLevel: text('logLevel') as Config['logLevel'],
    logFormat: text('logFormat') as Config['logFormat'],
    shutdownTimeoutSeconds: Number(values.shutdownTimeoutSeconds),
    syncIntervalMs: Number(values.syncIntervalMs),
    firstByteTimeoutSeconds: Number(values.firstByteTimeoutSeconds),
    streamingTimeoutSeconds: Number(values.streamingTimeoutSeconds),
    relayTimeoutSeconds: Number(values.relayTimeoutSeconds),
    keepAliveSeconds: Number(values.keepAliveSeconds),
    maxRequestBodyMb: Number(values.maxRequestBodyMb),
    streamMaxLineMb: Number(values.streamMaxLineMb),
    maxFileDownloadMb: Number(values.maxFileDownloadMb),
    imageFetchTimeoutSeconds: Number(values.imageFetchTimeoutSeconds),
    maxImageUrls: Number(values.maxImageUrls),
    channelTestFrequencyMinutes: Number(values.channelTestFrequencyMinutes),
    trustedProxies: values.trustedProxies === undefined ? [] : String(values.trustedProxies).split(','),
    nodeName: String(values.nodeName),
    secret: text('secret'),
    sessionSecret: text('sessionSecret'),
    rootPassword: text('rootPassword'),
    server: text('server'),
    token: text('token'),
  });
  return { config, sources: Object.freeze(sources) };
}

/** Masks a secret for display: URLs keep scheme, host and database; other secrets show their length only. */
export function maskSecret(value: string): string {
  try {
    const url = new URL(value);
    if (url.password !== '') url.password = '****';
    return url.toString();
  } catch {
    return `**** (${value.length} characters)`;
  }
}

export interface ConfigRow {
  key: string;
  value: string | number | null;
  source: string;
  env: readonly string[];
  flag: string | null;
}

/** The effective configuration for display, secrets masked, with where each value came from. */
export function describeConfig(loaded: LoadedConfig): ConfigRow[] {
  return keys.map((key) => {
    const raw = loaded.config[key];
    const source = loaded.sources[key];
    let value: string | number | null = raw === undefined ? null : Array.isArray(raw) ? (raw.length === 0 ? null : raw.join(',')) : (raw as string | number);
    if (typeof value === 'string' && spec(key).secret === true) {
      value = spec(key).kind.type === 'string' ? '****' : maskSecret(value);
    }
    return {
      key: spec(key).fileKey,
      value,
      source: source.kind === 'default' ? 'default' : `${source.kind} ${source.name}`,
      env: spec(key).env,
      flag: spec(key).flag ?? null,
    };
  });
}
