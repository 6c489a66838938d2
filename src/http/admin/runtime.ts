/**
 * The admin API's wiring, built once per process from the opened services: the session secret (checked
 * against the database so nodes with different secrets notice), the sign-in and access-token services, and
 * the Elysia plugin that `createApp` mounts.
 */
import type { Deps } from '../../deps.ts';
import { getSystemInfo, initSystemInfo, setSystemInfo } from '../../db/repos/system-info.ts';
import { GatewayError } from '../../errors/gateway-error.ts';
import { type Logger, silentLogger } from '../../log/logger.ts';
import { loadSessionSecret, type SessionSecret, sessionSecretCheck } from '../../security/session-secret.ts';
import { createDispatcher, type Dispatcher } from '../../relay/dispatch.ts';
import { createAccessTokenService } from '../../services/access-tokens.ts';
import { createAuditService } from '../../services/audit.ts';
import { createLogQueryService } from '../../services/log-queries.ts';
import { createActivityReader } from '../../services/logs.ts';
import { createModelAliasService } from '../../services/model-aliases.ts';
import { listServedModels } from '../../services/served-models.ts';
import { createRedeemLimiter } from '../../services/redemptions.ts';
import { checkLedger } from '../../services/ledger-check.ts';
import { createUsageService } from '../../services/usage.ts';
import { createChannelHealthService } from '../../services/channel-health.ts';
import { createChannelKeyService } from '../../services/channel-keys.ts';
import { createChannelTagService } from '../../services/channel-tags.ts';
import { createChannelTestRunner } from '../../services/channel-test-runner.ts';
import { createUpstreamModelService } from '../../services/upstream-models.ts';
import { createSessionService } from '../../services/sessions.ts';
import { createRegistrationService, type RegistrationLimits } from '../../services/registration.ts';
import { createSignInLimiter, type SignInLimits } from '../../services/sign-in-limiter.ts';
import { createTwoFactorService } from '../../services/two-factor.ts';
import { createClientIpResolver } from '../client-ip.ts';
import type { AdminRoute, AdminServices } from './define.ts';
import { adminApiPlugin } from './plugin.ts';
import { adminRoutes } from './registry.ts';

export interface AdminRuntime {
  readonly services: AdminServices;
  readonly routes: readonly AdminRoute[];
  plugin(logger: Logger): ReturnType<typeof adminApiPlugin>;
}

export interface AdminRuntimeOptions {
  logger?: Logger;
  signInLimits?: SignInLimits;
  /** Self-registration attempts per client address (default DEFAULT_REGISTRATION_LIMITS). */
  registrationLimits?: RegistrationLimits;
  /** Declared routes to serve; default: all of ./registry.ts. */
  routes?: readonly AdminRoute[];
  /**
   * The outbound client for channel tests and upstream model lists: the relay's (tests inject one with their
   * resolver and address policy); default a production one.
   */
  dispatcher?: Dispatcher;
}

type AdminDeps = Pick<Deps, 'config' | 'store' | 'cipher' | 'clock' | 'users' | 'tokens' | 'settings' | 'channels' | 'prices' | 'redemptions'>;

const CHECK_KEY = 'session_secret_check';

/**
 * Several nodes on one PostgreSQL database must sign cookies with the same secret, or a sign-in made on one
 * fails on the next. A node whose key file differs from the secret the database has seen refuses to start;
 * an explicit SESSION_SECRET that differs is a rotation: it is recorded, and everyone signs in again.
 */
async function checkSessionSecret(deps: AdminDeps, secret: SessionSecret, logger: Logger): Promise<void> {
  const check = sessionSecretCheck(secret);
  const stored = (await getSystemInfo(deps.store, CHECK_KEY)) ?? (await initSystemInfo(deps.store, CHECK_KEY, check, deps.clock.now()));
  if (stored === check) return;
  if (!secret.fromEnvironment && deps.store.dialect === 'postgres') {
    throw new GatewayError({
      code: 'invalid_config',
      field: 'SESSION_SECRET',
      message: `this database's sign-ins were signed with another secret than ${secret.source}; when several nodes share the database, set SESSION_SECRET to the same value on every node`,
    });
  }
  await setSystemInfo(deps.store, CHECK_KEY, check, deps.clock.now());
  logger.warn('the session secret changed; earlier sign-ins no longer verify', { source: secret.source });
}

export async function createAdminRuntime(deps: AdminDeps, options: AdminRuntimeOptions = {}): Promise<AdminRuntime> {
  const logger = options.logger ?? silentLogger;
  const secret = loadSessionSecret({ secret: deps.config.sessionSecret, dataDir: deps.config.dataDir });
  await checkSessionSecret(deps, secret, logger);
  const context = { store: deps.store, cipher: deps.cipher, clock: deps.clock };
  const dispatcher = options.dispatcher ?? createDispatcher({});
  // One limiter for sign-ins and 2FA changes: a wrong code counts the same wherever it is tried.
  const limiter = createSignInLimiter(deps.clock, options.signInLimits);
  const twoFactor = createTwoFactorService(context, { limiter });
  const services: AdminServices = {
    users: deps.users,
    tokens: deps.tokens,
    sessions: createSessionService(context, { secret, limiter, twoFactor }),
    accessTokens: createAccessTokenService(context),
    twoFactor,
    registration: createRegistrationService({ users: deps.users, settings: deps.settings, clock: deps.clock }, options.registrationLimits),
    channels: deps.channels,
    channelKeys: createChannelKeyService(context),
    channelTags: createChannelTagService(context),
    channelTests: createChannelTestRunner({ ...deps, dispatcher, health: createChannelHealthService(context) }),
    upstreamModels: createUpstreamModelService({ dispatcher, channels: deps.channels, config: deps.config }),
    audit: createAuditService(context),
    prices: deps.prices,
    redemptions: deps.redemptions,
    redeemLimiter: createRedeemLimiter(deps.clock),
    settings: deps.settings,
    logs: createLogQueryService(deps.store),
    usage: createUsageService(deps.store),
    activity: createActivityReader(deps.store),
    ledger: { check: () => checkLedger(deps.store, deps.clock.now()) },
    modelAliases: createModelAliasService(context),
    servedModels: { list: () => listServedModels(context) },
    clock: deps.clock,
  };
  const routes = options.routes ?? adminRoutes;
  return {
    services,
    routes,
    plugin: (pluginLogger) =>
      adminApiPlugin({
        services,
        routes,
        clientIp: createClientIpResolver(deps.config.trustedProxies),
        trustedProxies: deps.config.trustedProxies,
        logger: pluginLogger,
      }),
  };
}
