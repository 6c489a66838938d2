/**
 * Composes the HTTP application from plugins and routes, without listening: tests call
 * `app.handle(new Request(...))`, and src/server.ts adds the socket. Order matters: the request id comes
 * first so every later hook (drain refusal, errors, access log) can name the request.
 */
import { Elysia } from 'elysia';
import type { Deps } from './deps.ts';
import type { AdminRuntime } from './http/admin/runtime.ts';
import { accessLogPlugin } from './http/plugins/access-log.ts';
import { errorsPlugin } from './http/plugins/errors.ts';
import { createLifecycle, lifecyclePlugin, type MutableLifecycle } from './http/plugins/lifecycle.ts';
import { requestIdPlugin } from './http/plugins/request-id.ts';
import { anthropicRoutes } from './http/routes/anthropic.ts';
import { billingRoutes } from './http/routes/billing.ts';
import { geminiRoutes } from './http/routes/gemini.ts';
import { healthRoutes } from './http/routes/health.ts';
import { openAiRoutes } from './http/routes/openai.ts';
import { createClientIpResolver } from './http/client-ip.ts';
import { type Logger, silentLogger } from './log/logger.ts';
import type { RelayRuntime } from './relay/runtime.ts';
import { type ChannelSnapshot, createChannelSnapshot } from './services/channel-snapshot.ts';
import { createKeyBillingService } from './services/key-billing.ts';

export interface AppOptions {
  logger?: Logger;
  /** Shared with the server, which starts the drain and waits on the in-flight count. */
  lifecycle?: MutableLifecycle;
  /** The daemon's channel view kept fresh by the change watcher; by default one loaded on first use. */
  channels?: ChannelSnapshot;
  /** The relay (auth, routing, pipeline); without it only the health routes (and the admin API) are served. */
  relay?: RelayRuntime;
  /** The admin API under /api (src/http/admin); it works with or without the relay. */
  admin?: AdminRuntime;
}

export function createApp(
  deps: Pick<Deps, 'store' | 'channels' | 'clock'> & { config?: Pick<Deps['config'], 'maxRequestBodyMb' | 'trustedProxies'> },
  options: AppOptions = {},
) {
  const logger = options.logger ?? silentLogger;
  const lifecycle = options.lifecycle ?? createLifecycle();
  const channels = options.channels ?? createChannelSnapshot(deps.channels, logger);
  const app = new Elysia()
    .use(requestIdPlugin())
    .use(lifecyclePlugin(lifecycle, logger))
    .use(errorsPlugin(logger))
    .use(accessLogPlugin(logger))
    .use(healthRoutes({ store: deps.store, channels, lifecycle }));
  if (options.admin !== undefined) app.use(options.admin.plugin(logger));
  const relay = options.relay;
  if (relay === undefined) return app;
  const relayRouteOptions = {
    authenticate: relay.authenticate,
    pipeline: relay.pipeline,
    modelsFor: (group: string) => relay.modelsFor(group),
    maxRequestBodyBytes: (deps.config?.maxRequestBodyMb ?? 32) * 1024 * 1024,
    clientIp: createClientIpResolver(deps.config?.trustedProxies ?? []),
  };
  // Anthropic and Gemini before OpenAI: their GET /v1/models hooks (for `anthropic-version` / `x-goog-api-key`
  // clients) cover only routes mounted after them.
  return app.use(anthropicRoutes(relayRouteOptions)).use(geminiRoutes(relayRouteOptions)).use(openAiRoutes(relayRouteOptions)).use(
    billingRoutes({
      authenticate: relay.authenticate,
      keyBilling: createKeyBillingService(deps),
      // The relay's cached settings, reloaded when the `settings` change counter moves.
      showKeyStats: async () => relay.settings().display_token_stat_enabled,
      clientIp: createClientIpResolver(deps.config?.trustedProxies ?? []),
    }),
  );
}

export type App = ReturnType<typeof createApp>;
