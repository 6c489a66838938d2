/**
 * The relay's long-lived parts for one daemon: key authenticator, routing index, dispatcher, channel health,
 * cached runtime settings and the pipeline, wired on the opened services. `reload(scope)` is called by the
 * change watcher when a change counter moves, so CLI edits reach the relay within one poll interval.
 */
import type { Deps } from '../deps.ts';
import type { Logger } from '../log/logger.ts';
import type { RevisionScope } from '../db/repos/revisions.ts';
import { createChannelHealthService } from '../services/channel-health.ts';
import { defaultSettings, type Settings } from '../services/settings.ts';
import { createKeyAuthenticator } from './auth.ts';
import { createDispatcher, type Dispatcher } from './dispatch.ts';
import { type ChannelHealth, createChannelHealth } from './health.ts';
import type { OutcomeSink } from './outcome.ts';
import { createPipeline, type Pipeline } from './pipeline.ts';
import { createRouter, type Router } from './router.ts';

export interface RelayRuntime {
  readonly authenticate: ReturnType<typeof createKeyAuthenticator>['authenticate'];
  readonly pipeline: Pipeline;
  readonly router: Router;
  readonly health: ChannelHealth;
  modelsFor(group: string): string[];
  /** Reloads what a change counter says has changed. */
  reload(scope: RevisionScope): Promise<void>;
}

export interface RelayRuntimeOptions {
  logger: Logger;
  /** Test hooks: a dispatcher with an injected resolver/address policy, seeded randomness, an outcome sink. */
  dispatcher?: Dispatcher;
  random?: () => number;
  onOutcome?: OutcomeSink;
}

export async function createRelayRuntime(deps: Deps, options: RelayRuntimeOptions): Promise<RelayRuntime> {
  const { logger } = options;
  const now = () => deps.clock.now();
  let settings: Settings = defaultSettings();
  const loadSettings = async (): Promise<void> => {
    settings = await deps.settings.current();
  };
  await loadSettings();

  const router = createRouter({ store: deps.store, cipher: deps.cipher, now, random: options.random, logger });
  await router.reload();
  const authenticator = createKeyAuthenticator({ tokens: deps.tokens, clock: deps.clock });
  const health = createChannelHealth({
    service: createChannelHealthService({ store: deps.store, cipher: deps.cipher, clock: deps.clock }),
    logger,
    onChange: () => router.reload(),
  });
  const onOutcome: OutcomeSink =
    options.onOutcome ??
    ((outcome) => {
      // Built for every request on the hot path: skip the work when the line would not be written.
      if (!logger.isEnabled('info')) return;
      logger.info('relay', {
        requestId: outcome.requestId,
        endpoint: outcome.endpoint,
        model: outcome.requestedModel,
        upstreamModel: outcome.upstreamModel,
        channel: outcome.channelName,
        keyName: outcome.tokenName,
        user: outcome.username,
        status: outcome.status,
        end: outcome.endState,
        error: outcome.errorCode,
        promptTokens: outcome.usage.promptTokens,
        completionTokens: outcome.usage.completionTokens,
        estimated: outcome.usage.estimated,
        attempts: outcome.attempts.map((attempt) => `${attempt.channelId}:${attempt.status}${attempt.errorCode === undefined ? '' : `:${attempt.errorCode}`}`).join('->'),
        latencyMs: outcome.latencyMs,
      });
    });

  const pipeline = createPipeline({
    router,
    dispatcher: options.dispatcher ?? createDispatcher({}),
    health,
    config: deps.config,
    settings: () => settings,
    logger,
    now,
    onOutcome,
  });

  return {
    authenticate: (request, context) => authenticator.authenticate(request, context),
    pipeline,
    router,
    health,
    modelsFor: (group) => router.modelsFor(group),
    async reload(scope) {
      if (scope === 'channels') await router.reload();
      if (scope === 'settings') await loadSettings();
      if (scope === 'tokens' || scope === 'users') authenticator.invalidate();
    },
  };
}
