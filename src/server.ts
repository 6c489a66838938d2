/**
 * `gateway serve` without the CLI: builds the app on opened services, keeps the channel view fresh, listens,
 * and shuts down gracefully (P4): refuse new work with 503, stop accepting connections, let requests in flight
 * finish up to the shutdown timeout, close what is left, then stop the watcher, close the store and flush logs.
 */
import { type App, createApp } from './app.ts';
import type { Deps } from './deps.ts';
import { GatewayError } from './errors/gateway-error.ts';
import { createAdminRuntime } from './http/admin/runtime.ts';
import { createLifecycle, type Lifecycle } from './http/plugins/lifecycle.ts';
import type { Logger } from './log/logger.ts';
import { createChangeWatcher } from './services/change-watcher.ts';
import { createLogRetention } from './services/logs.ts';
import { startChannelTester } from './relay/channel-tester.ts';
import { createRelayRuntime, type RelayRuntime, type RelayRuntimeOptions } from './relay/runtime.ts';
import { createChannelSnapshot } from './services/channel-snapshot.ts';
import { commit, version } from './version.ts';

/**
 * Bun closes a connection that is quiet for `idleTimeout` seconds (default 10), which would cut a reasoning
 * model's long pause (G8). 255 is Bun's maximum; relay requests run on the gateway's own timers beyond it.
 */
export const IDLE_TIMEOUT_SECONDS = 255;

/** The outer cap on any request body; routes apply their own, smaller caps before parsing (M3). */
export const MAX_REQUEST_BODY_BYTES = 64 * 1024 * 1024;

/** After connections are closed, how long handlers that were cut off get to finish before the store closes. */
const HANDLER_SETTLE_MS = 1000;

export interface ServerOptions {
  /** Adds routes before listening (tests add a slow route to prove the drain). */
  extend?: (app: App) => void;
  /** Relay test hooks (an injected dispatcher, seeded randomness, an outcome sink); the server's logger is used. */
  relay?: Omit<RelayRuntimeOptions, 'logger'>;
}

export interface RunningServer {
  readonly url: string;
  readonly hostname: string;
  readonly port: number;
  readonly lifecycle: Lifecycle;
  /** The relay wired into this server (tests reload it instead of waiting for the change watcher). */
  readonly relay: RelayRuntime;
  /** Drains and closes everything, including the store; calling it again returns the same promise. */
  stop(): Promise<void>;
}

const HOLD_RECOVERY_INTERVAL_MS = 60_000;
/** How often the checkpoint worker copies the WAL into the database file (a few MB of WAL at most between). */
const WAL_CHECKPOINT_INTERVAL_MS = 250;

function startHoldRecovery(relay: RelayRuntime, logger: Logger): { stop(): Promise<void> } {
  let running: Promise<unknown> = Promise.resolve();
  const run = (): void => {
    running = relay.billing.recoverExpired().catch((error: unknown) => logger.error('hold recovery failed', { error: String(error) }));
  };
  run();
  const timer = setInterval(run, HOLD_RECOVERY_INTERVAL_MS);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}

function urlFor(hostname: string, port: number): string {
  return `http://${hostname.includes(':') ? `[${hostname}]` : hostname}:${port}`;
}

function sleep(ms: number): { promise: Promise<void>; cancel(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const promise = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  return { promise, cancel: () => clearTimeout(timer) };
}

/** Starts serving on `deps.config.host` / `port`. From then on the server owns `deps` and closes them in stop(). */
export async function startServer(deps: Deps, logger: Logger, options: ServerOptions = {}): Promise<RunningServer> {
  const { config } = deps;
  // First: a session secret that does not match the database stops the start before anything runs.
  // Channel tests and model lists from /api go through the relay's outbound client (tests inject theirs).
  const admin = await createAdminRuntime(deps, { logger, dispatcher: options.relay?.dispatcher });
  const lifecycle = createLifecycle();
  const channels = createChannelSnapshot(deps.channels, logger, deps.clock.now);
  // WAL checkpoints (and their fsyncs) run on a worker thread, not inside a request's COMMIT.
  await deps.store.backgroundCheckpoints?.({
    intervalMs: WAL_CHECKPOINT_INTERVAL_MS,
    onFailure: (message) => logger.warn('background WAL checkpoints stopped; SQLite checkpoints on commit again', { error: message }),
  });
  const watcher = createChangeWatcher({ store: deps.store, intervalMs: config.syncIntervalMs, logger });
  const relay = await createRelayRuntime(deps, { ...options.relay, logger });
  watcher.on('channels', async () => {
    await channels.reload();
    await relay.reload('channels');
  });
  for (const scope of ['settings', 'tokens', 'users', 'prices'] as const) {
    watcher.on(scope, () => relay.reload(scope));
  }
  // The baseline is read before the first load: a change landing in between triggers one extra reload
  // instead of being missed.
  await watcher.start();
  try {
    await channels.reload();
  } catch (error) {
    await watcher.stop();
    throw error;
  }

  const app = createApp(deps, { logger, lifecycle, channels, relay, admin });
  options.extend?.(app);
  try {
    app.listen({
      hostname: config.host,
      port: config.port,
      idleTimeout: IDLE_TIMEOUT_SECONDS,
      // Room above the relay's own cap (checked after decompression) for multipart framing.
      maxRequestBodySize: Math.max(MAX_REQUEST_BODY_BYTES, (config.maxRequestBodyMb + 1) * 1024 * 1024),
      // Elysia turns these on by default: a second gateway on the same port must fail, not share it
      // silently, and errors must never render Bun's development page with source excerpts.
      reusePort: false,
      development: false,
    });
  } catch (error) {
    await watcher.stop();
    throw new GatewayError({
      code: 'invalid_config',
      field: '--port',
      message: `cannot listen on ${urlFor(config.host, config.port)}: ${(error as Error).message}; choose another address with --host / GATEWAY_HOST or --port / PORT`,
      cause: error,
    });
  }
  const server = app.server;
  if (server === null || server.port === undefined) throw new GatewayError({ code: 'internal_error', message: 'the HTTP server did not start' });
  const port = server.port;
  const url = urlFor(config.host, port);
  // Periodic channel tests (CHANNEL_TEST_FREQUENCY minutes; 0 = off) run inside the daemon.
  const channelTester = startChannelTester(deps, logger, { dispatcher: options.relay?.dispatcher });
  // Holds left open by a crash or a lost settlement are released at start and every minute (2.1.6).
  const recovery = startHoldRecovery(relay, logger);
  const retention = createLogRetention({
    store: deps.store,
    clock: deps.clock,
    logger,
    retentionDays: () => relay.settings().log_retention_days,
  });
  retention.start();
  logger.info('listening', {
    url,
    port,
    dataDir: config.dataDir,
    database: deps.store.location,
    version,
    commit,
    node: config.nodeName,
    channels: (await channels.current()).total,
    migrationsApplied: deps.migrationsApplied,
  });

  let stopping: Promise<void> | undefined;
  const drain = async (): Promise<void> => {
    const timeoutMs = config.shutdownTimeoutSeconds * 1000;
    lifecycle.beginDrain();
    logger.info('draining', { inFlight: lifecycle.inFlight, openRequests: server.pendingRequests, timeoutSeconds: config.shutdownTimeoutSeconds });
    // Stops accepting connections; idle keep-alive connections close now, busy ones when their response ends.
    const closed = server.stop(false);
    const timeout = sleep(timeoutMs);
    const finished = await Promise.race([closed.then(() => true), timeout.promise.then(() => false)]);
    timeout.cancel();
    if (!finished) {
      logger.warn('shutdown timeout reached; closing the remaining connections', {
        openRequests: server.pendingRequests,
        timeoutSeconds: config.shutdownTimeoutSeconds,
      });
      await server.stop(true);
      await closed;
    }
    if (!(await lifecycle.settled(HANDLER_SETTLE_MS))) {
      logger.warn('handlers still running after their connections closed', { inFlight: lifecycle.inFlight });
    }
    await channelTester.stop();
    await recovery.stop();
    await retention.stop();
    await watcher.stop();
    // Settlements in flight commit, then every queued log row is written, before the store closes.
    await relay.close();
    await deps.close();
    logger.info('stopped');
    await logger.flush();
  };

  return {
    url,
    hostname: config.host,
    port,
    lifecycle,
    relay,
    stop: () => {
      stopping ??= drain();
      return stopping;
    },
  };
}
