/**
 * `gateway serve`: opens the database (migrating it), listens, and runs until SIGTERM or SIGINT, which drain
 * in-flight requests and exit 0. A second signal exits at once. The HTTP stack is imported here, lazily, so
 * other commands do not pay for loading it.
 */
import type { Command } from 'commander';
import { createDeps } from '../../src/deps.ts';
import { createLogger, type Logger } from '../../src/log/logger.ts';
import type { RunningServer } from '../../src/server.ts';
import { relaunchEnvironment } from '../../src/config/fetch-capacity.ts';
import { announceRootPassword, configFor } from '../context.ts';

interface ServeFlags {
  host?: string;
  port?: string;
  shutdownTimeout?: string;
}

/**
 * Installed before anything starts, so a signal that arrives while the database opens or just after the
 * "listening" line still drains and exits 0 instead of killing the process mid-way.
 */
function installSignalHandlers(logger: Logger): { attach(stop: () => Promise<void>): void } {
  let received = 0;
  let stop: (() => Promise<void>) | undefined;
  let requested = false;
  const shutDown = (run: () => Promise<void>): void => {
    run().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error('shutdown failed', { error: error instanceof Error ? error : String(error) });
        process.exit(1);
      },
    );
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    received += 1;
    if (received > 1) {
      logger.warn('second signal; exiting without waiting for requests', { signal });
      process.exit(1);
    }
    logger.info('shutdown requested', { signal });
    requested = true;
    // Still starting: the server stops as soon as it is up (see attach).
    if (stop !== undefined) shutDown(stop);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  // A bug in one request must not take the whole gateway down silently; it goes to the log with its stack.
  process.on('unhandledRejection', (reason) => {
    logger.error('unhandled promise rejection', { error: reason instanceof Error ? reason : String(reason) });
  });
  return {
    attach: (stopServer) => {
      stop = stopServer;
      if (requested) shutDown(stopServer);
    },
  };
}

/**
 * Runs this same command again in a child process with Bun's fetch capacity raised (see
 * src/config/fetch-capacity.ts), forwarding signals and the exit code, so operators see one process's
 * behaviour: same output, same flags, SIGTERM drains and exits 0.
 */
async function relaunch(env: Record<string, string>): Promise<never> {
  // Compiled binaries see their own virtual path as argv[1]; from source it is the entry script.
  const compiled = (process.argv[1] ?? '').startsWith('/$bunfs/');
  const child = Bun.spawn([process.execPath, ...(compiled ? [] : [process.argv[1] ?? '']), ...process.argv.slice(2)], {
    env,
    stdio: ['inherit', 'inherit', 'inherit'],
  });
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, () => child.kill(signal));
  process.exit(await child.exited);
}

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('run the HTTP server in the foreground; SIGTERM or SIGINT lets requests in flight finish, then exits 0')
    .option('--host <address>', 'address to listen on (default 0.0.0.0; env GATEWAY_HOST, HOST)')
    .option('--port <port>', 'port to listen on, 0 picks a free one (default 3000; env PORT, GATEWAY_PORT)')
    .option('--shutdown-timeout <seconds>', 'how long a graceful shutdown waits for requests in flight (default 120; env SHUTDOWN_TIMEOUT_SECONDS)')
    .action(async (flags: ServeFlags, command: Command) => {
      const loaded = configFor(command, { host: flags.host, port: flags.port, shutdownTimeoutSeconds: flags.shutdownTimeout });
      const relaunchWith = relaunchEnvironment(process.env);
      if (relaunchWith !== undefined) await relaunch(relaunchWith);
      const logger = createLogger({ level: loaded.config.logLevel, format: loaded.config.logFormat });
      const signals = installSignalHandlers(logger);
      const deps = await createDeps(loaded);
      announceRootPassword(deps);
      let server: RunningServer;
      try {
        const { startServer } = await import('../../src/server.ts');
        server = await startServer(deps, logger);
      } catch (error) {
        await deps.close();
        throw error;
      }
      signals.attach(server.stop);
    });
}
