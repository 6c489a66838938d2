/**
 * The relay's long-lived parts for one daemon: key authenticator, routing index, dispatcher, channel health,
 * cached runtime settings and the pipeline, wired on the opened services. `reload(scope)` is called by the
 * change watcher when a change counter moves, so CLI edits reach the relay within one poll interval.
 */
import type { Deps } from '../deps.ts';
import type { Logger } from '../log/logger.ts';
import type { RevisionScope } from '../db/repos/revisions.ts';
import { type Billing, createBilling } from '../services/billing.ts';
import { createChannelHealthService } from '../services/channel-health.ts';
import { createLogWriter, type LogWriter, type RequestLogEntry } from '../services/logs.ts';
import type { PriceBook } from '../services/pricing.ts';
import { defaultSettings, type Settings } from '../services/settings.ts';
import { createKeyAuthenticator } from './auth.ts';
import { createDispatcher, type Dispatcher } from './dispatch.ts';
import { type ChannelHealth, createChannelHealth } from './health.ts';
import { createImageInliner } from './inline-images.ts';
import type { OutcomeSink, RelayOutcome } from './outcome.ts';
import { createPipeline, type Pipeline } from './pipeline.ts';
import { createRouter, type Router } from './router.ts';

export interface RelayRuntime {
  readonly authenticate: ReturnType<typeof createKeyAuthenticator>['authenticate'];
  readonly pipeline: Pipeline;
  readonly router: Router;
  readonly health: ChannelHealth;
  readonly billing: Billing;
  readonly logWriter: LogWriter;
  /** The runtime settings as last loaded. */
  settings(): Settings;
  modelsFor(group: string): string[];
  /** Reloads what a change counter says has changed. */
  reload(scope: RevisionScope): Promise<void>;
  /** Waits for settlements in flight, then writes every queued log row (graceful shutdown). */
  close(): Promise<void>;
}

export interface RelayRuntimeOptions {
  logger: Logger;
  /**
   * Test hooks: a dispatcher with an injected resolver/address policy, seeded randomness, and an observer that
   * sees every outcome after billing and logging did.
   */
  dispatcher?: Dispatcher;
  random?: () => number;
  onOutcome?: OutcomeSink;
}

/** Margin on top of the relay's total deadline before recovery may release a hold that is still open. */
const HOLD_MARGIN_MS = 5 * 60 * 1000;

export async function createRelayRuntime(deps: Deps, options: RelayRuntimeOptions): Promise<RelayRuntime> {
  const { logger } = options;
  const now = () => deps.clock.now();
  let settings: Settings = defaultSettings();
  const loadSettings = async (): Promise<void> => {
    settings = await deps.settings.current();
  };
  await loadSettings();
  let prices: PriceBook = await deps.prices.loadBook();
  const billing = createBilling({
    store: deps.store,
    clock: deps.clock,
    logger,
    prices: () => prices,
    settings: () => settings,
    holdTtlMs: deps.config.relayTimeoutSeconds * 1000 + HOLD_MARGIN_MS,
  });
  const logWriter = createLogWriter({ store: deps.store, clock: deps.clock, logger, nodeName: deps.config.nodeName });

  const router = createRouter({ store: deps.store, cipher: deps.cipher, now, random: options.random, logger });
  await router.reload();
  const authenticator = createKeyAuthenticator({ tokens: deps.tokens, clock: deps.clock });
  const health = createChannelHealth({
    service: createChannelHealthService({ store: deps.store, cipher: deps.cipher, clock: deps.clock }),
    logger,
    onChange: () => router.reload(),
  });
  const onOutcome: OutcomeSink = (outcome) => {
    const entry = logEntryOf(outcome, settings, deps.clock.now());
    if (entry !== undefined) logWriter.enqueue(entry);
    // Built for every request on the hot path: skip the work when the line would not be written.
    if (logger.isEnabled('info')) {
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
        cost: outcome.cost,
        attempts: attemptChain(outcome),
        latencyMs: outcome.latencyMs,
      });
    }
    options.onOutcome?.(outcome);
  };

  const dispatcher = options.dispatcher ?? createDispatcher({});
  const mebibyte = 1024 * 1024;
  const pipeline = createPipeline({
    router,
    dispatcher,
    health,
    config: deps.config,
    settings: () => settings,
    logger,
    now,
    billing,
    onOutcome,
    outputLimit: (model) => prices.priceFor(model)?.maxOutputTokens,
    images: createImageInliner({
      dispatcher,
      maxDownloadBytes: deps.config.maxFileDownloadMb * mebibyte,
      // The gateway never builds a body of images larger than it would accept from a client.
      maxRequestBytes: deps.config.maxRequestBodyMb * mebibyte,
      timeoutMs: deps.config.imageFetchTimeoutSeconds * 1000,
      maxUrls: deps.config.maxImageUrls,
    }),
  });

  return {
    authenticate: (request, context) => authenticator.authenticate(request, context),
    pipeline,
    router,
    health,
    billing,
    logWriter,
    settings: () => settings,
    modelsFor: (group) => router.modelsFor(group),
    async reload(scope) {
      if (scope === 'channels') await router.reload();
      if (scope === 'settings') await loadSettings();
      if (scope === 'tokens' || scope === 'users') authenticator.invalidate();
      if (scope === 'prices') prices = await deps.prices.loadBook();
    },
    async close() {
      await billing.idle();
      await logWriter.close();
    },
  };
}

function attemptChain(outcome: RelayOutcome): string {
  return outcome.attempts
    .map((attempt) => `${attempt.channelId}:${attempt.status}${attempt.errorCode === undefined ? '' : `:${attempt.errorCode}`}`)
    .join('->');
}

/** The request log row for an outcome, or undefined when that kind of row is switched off. */
function logEntryOf(outcome: RelayOutcome, settings: Settings, now: number): RequestLogEntry | undefined {
  const failed = outcome.status < 200 || outcome.status > 299 || (outcome.endState !== 'completed' && !outcome.outputDelivered);
  if (failed ? !settings.log_errors_enabled : !settings.log_consume_enabled) return undefined;
  const { usage } = outcome;
  return {
    createdAt: now,
    type: failed ? 5 : 2,
    requestId: outcome.requestId,
    userId: outcome.userId,
    username: outcome.username,
    tokenId: outcome.tokenId,
    tokenName: outcome.tokenName,
    channelId: outcome.channelId,
    channelName: outcome.channelName,
    group: outcome.group,
    modelName: outcome.requestedModel,
    upstreamModel: outcome.upstreamModel,
    isStream: outcome.stream,
    status: outcome.status,
    promptTokens: usage.promptTokens,
    completionTokens: usage.completionTokens,
    cachedTokens: usage.cachedTokens,
    cacheWriteTokens: usage.cacheWriteTokens,
    reasoningTokens: usage.reasoningTokens,
    cost: outcome.cost,
    latencyMs: outcome.latencyMs,
    firstTokenMs: outcome.firstTokenMs,
    errorCode: outcome.errorCode,
    content: outcome.requestBody ?? '',
    ip: outcome.clientIp,
    other: {
      endpoint: outcome.endpoint,
      end: outcome.endState,
      ledgerId: outcome.ledgerId,
      attempts: outcome.attempts,
      estimated: usage.estimated,
      partial: outcome.partial,
      clamped: usage.clamped,
      ...(usage.imageInputTokens > 0 ? { imageInputTokens: usage.imageInputTokens } : {}),
      ...(usage.audioInputTokens > 0 ? { audioInputTokens: usage.audioInputTokens } : {}),
      ...(usage.audioOutputTokens > 0 ? { audioOutputTokens: usage.audioOutputTokens } : {}),
      ...(outcome.billing === undefined
        ? {}
        : {
            hold: outcome.billing.hold,
            ...(outcome.billing.overrun > 0 ? { overrun: outcome.billing.overrun } : {}),
            ...(outcome.billing.unpriced ? { unpriced: true } : {}),
          }),
    },
  };
}
