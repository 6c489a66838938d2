/**
 * The one place where things are wired together: configuration → data directory → store → migrations →
 * master key → services. The CLI, `gateway serve` and tests all start here.
 */
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { type Clock, systemClock } from './clock.ts';
import type { LoadedConfig } from './config/load.ts';
import type { Config } from './config/schema.ts';
import { type OpenOptions, openStore, type Store } from './db/client.ts';
import { migrate } from './db/migrate.ts';
import { getSystemInfo, initSystemInfo } from './db/repos/system-info.ts';
import { GatewayError } from './errors/gateway-error.ts';
import { CHECK_CONTEXT, CHECK_PLAINTEXT, type Cipher, createCipher, loadMasterKey } from './security/crypto.ts';
import { type ChannelService, createChannelService } from './services/channels.ts';
import type { ServiceContext } from './services/context.ts';
import { createPriceService, type PriceService } from './services/prices.ts';
import { createRedemptionService, type RedemptionService } from './services/redemptions.ts';
import { createSettingsService, type SettingsService } from './services/settings.ts';
import { createTokenService, type TokenService } from './services/tokens.ts';
import { createUserService, type RootBootstrap, type UserService } from './services/users.ts';

export interface Deps {
  readonly config: Config;
  readonly loaded: LoadedConfig;
  readonly store: Store;
  readonly cipher: Cipher;
  readonly clock: Clock;
  readonly channels: ChannelService;
  readonly tokens: TokenService;
  readonly users: UserService;
  readonly settings: SettingsService;
  readonly prices: PriceService;
  readonly redemptions: RedemptionService;
  /** Set when this start created the root administrator (its password is shown once by the caller). */
  readonly rootBootstrap: RootBootstrap | undefined;
  /** Migration tags applied by this start. */
  readonly migrationsApplied: string[];
  close(): Promise<void>;
}

export interface DepsOptions {
  clock?: Clock;
  /** Skip migrations (`gateway migrate --status` and the like). */
  skipMigrations?: boolean;
  breakPragma?: OpenOptions['breakPragma'];
}

/** Creates the data directory with mode 0700, or tightens an existing one that is open to others. */
export function ensureDataDir(path: string): void {
  if (!existsSync(path)) mkdirSync(path, { recursive: true, mode: 0o700 });
  chmodSync(path, 0o700);
}

async function checkMasterKey(store: Store, cipher: Cipher, now: number, keySource: string): Promise<void> {
  const stored =
    (await getSystemInfo(store, 'master_key_check')) ??
    (await initSystemInfo(store, 'master_key_check', cipher.encrypt(CHECK_PLAINTEXT, CHECK_CONTEXT), now));
  try {
    if (cipher.decrypt(stored, CHECK_CONTEXT) === CHECK_PLAINTEXT) return;
  } catch {
    // Reported below with the fix.
  }
  throw new GatewayError({
    code: 'invalid_config',
    field: 'GATEWAY_SECRET',
    message: `the master key from ${keySource} is not the one this database was created with; set GATEWAY_SECRET (or restore master.key in the data directory) to the original key`,
  });
}

export async function createDeps(loaded: LoadedConfig, options: DepsOptions = {}): Promise<Deps> {
  const { config } = loaded;
  const clock = options.clock ?? systemClock;
  ensureDataDir(config.dataDir);
  const store = await openStore({
    databaseUrl: config.databaseUrl,
    sqlitePath: config.sqlitePath,
    sqliteSynchronous: config.sqliteSynchronous,
    breakPragma: options.breakPragma,
  });
  try {
    const migrationsApplied = options.skipMigrations === true ? [] : await migrate(store, clock.now);
    const masterKey = loadMasterKey({ secret: config.secret, dataDir: config.dataDir });
    const cipher = createCipher(masterKey.key);
    if (options.skipMigrations !== true) await checkMasterKey(store, cipher, clock.now(), masterKey.source);
    const context: ServiceContext = { store, cipher, clock };
    const users = createUserService(context);
    const rootBootstrap = options.skipMigrations === true ? undefined : await users.ensureRoot({ password: config.rootPassword });
    const prices = createPriceService(context);
    if (options.skipMigrations !== true) await prices.ensureDefaults();
    return {
      config,
      loaded,
      store,
      cipher,
      clock,
      channels: createChannelService(context),
      tokens: createTokenService(context),
      users,
      settings: createSettingsService(context),
      prices,
      redemptions: createRedemptionService(context),
      rootBootstrap: rootBootstrap?.created === true ? rootBootstrap : undefined,
      migrationsApplied,
      close: () => store.close(),
    };
  } catch (error) {
    await store.close();
    throw error;
  }
}
