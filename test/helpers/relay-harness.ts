/**
 * The end-to-end relay harness (reliability.md 3.1): a fresh data directory (SQLite by default, PostgreSQL
 * on request), the mock upstream, channels pointing at it through their per-channel private exception (so the
 * production outbound guard runs in every test), a gateway key, and the real server on 127.0.0.1:0 — streams,
 * disconnects and timeouts need a real socket. Every relay outcome is collected, and so is every log line,
 * for the secret checks.
 *
 * Timeouts are short (config env) so no single wait exceeds about 3 s: first byte 1 s, idle 2 s, total 4 s,
 * keep-alive comments after 1 s of quiet.
 */
import OpenAI from 'openai';
import type { Dialect } from '../../src/db/client.ts';
import { loadConfig } from '../../src/config/load.ts';
import { createDeps, type Deps } from '../../src/deps.ts';
import { createLogger, memorySink } from '../../src/log/logger.ts';
import type { RelayOutcome } from '../../src/relay/outcome.ts';
import { type RunningServer, startServer } from '../../src/server.ts';
import type { ChannelInput, ChannelView } from '../../src/services/channels.ts';
import { checkLedger as checkLedgerOf, type LedgerReport } from '../../src/services/ledger-check.ts';
import { createModelAliasService } from '../../src/services/model-aliases.ts';
import type { CreateTokenInput } from '../../src/services/tokens.ts';
import { type MockUpstream, type MockUpstreamOptions, type ParsedEvent, parseSse, startMockUpstream } from './mock-upstream.ts';
import { createTestEnvironment, type TestEnvironment } from './stores.ts';

export interface RelayHarnessOptions {
  dialect?: Dialect;
  /** Config environment on top of the short test timeouts (e.g. `MAX_REQUEST_BODY_MB`). */
  env?: Record<string, string>;
  mock?: MockUpstreamOptions;
  /** Seeded randomness for weighted selection. */
  random?: () => number;
}

/** A channel on the mock: base URL, private exception and a canary key are filled in. */
export type HarnessChannel = Partial<ChannelInput> & Pick<ChannelInput, 'name' | 'models'>;

export interface RequestOptions {
  key?: string;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export interface RelayHarness {
  readonly deps: Deps;
  readonly mock: MockUpstream;
  readonly server: RunningServer;
  readonly environment: TestEnvironment;
  /** `http://127.0.0.1:<port>` of the gateway. */
  readonly url: string;
  /** Root's unlimited key. */
  readonly key: string;
  /** One outcome per finished client request, in the order they ended. */
  readonly outcomes: RelayOutcome[];
  /** Every log line the server wrote. */
  readonly logLines: string[];
  /** Every channel key handed to `addChannel` (secret canaries). */
  readonly channelKeys: string[];
  addChannel(input: HarnessChannel): Promise<ChannelView>;
  createKey(input?: Partial<CreateTokenInput>): Promise<string>;
  addAlias(alias: string, target: string): Promise<void>;
  setSetting(name: string, value: string): Promise<void>;
  /** Makes the relay see channel, setting and key changes now, instead of at the next watcher poll. */
  reload(): Promise<void>;
  client(key?: string): OpenAI;
  post(path: string, body: unknown, options?: RequestOptions): Promise<Response>;
  /** Resolves with the first `count` outcomes once they exist; throws after `timeoutMs`. */
  waitForOutcomes(count: number, timeoutMs?: number): Promise<RelayOutcome[]>;
  /**
   * Forgets outcomes and mock records between tests (channels and keys stay), after the settlements still in
   * flight have reported, so no outcome of one test lands in the next.
   */
  reset(): Promise<void>;
  /** Waits for settlements in flight, then runs the ledger checker (reliability.md 3.6). */
  checkLedger(): Promise<LedgerReport>;
  stop(): Promise<void>;
}

let channelSequence = 0;

/** A unique channel key in the canary form of reliability.md 3.7. */
export function canaryKey(): string {
  return `sk-CANARY-CH-${crypto.randomUUID()}`;
}

export async function startRelayHarness(options: RelayHarnessOptions = {}): Promise<RelayHarness> {
  const environment = await createTestEnvironment(options.dialect ?? 'sqlite');
  const mock = await startMockUpstream(options.mock);
  const env = {
    ...environment.env,
    GATEWAY_HOST: '127.0.0.1',
    PORT: '0',
    GATEWAY_SYNC_INTERVAL_MS: '100',
    GATEWAY_FIRST_BYTE_TIMEOUT: '1',
    STREAMING_TIMEOUT: '2',
    RELAY_TIMEOUT: '4',
    GATEWAY_KEEPALIVE_SECONDS: '1',
    SHUTDOWN_TIMEOUT_SECONDS: '1',
    ...options.env,
  };
  let deps: Deps | undefined;
  try {
    deps = await createDeps(loadConfig({ env, flags: {} }));
    // Billing is always on: root pays for the harness key's requests, and the mock's model names
    // (`mock/…`) have no price. Billing tests change both.
    await deps.users.topup('root', '1000000');
    await deps.settings.set('allow_unpriced_models', 'true');
    const sink = memorySink();
    const outcomes: RelayOutcome[] = [];
    const server = await startServer(deps, createLogger({ format: 'json', level: 'debug', sink }), {
      // A copy taken when the outcome is reported: what billing and the log would see at that moment.
      relay: { random: options.random, onOutcome: (outcome) => outcomes.push(structuredClone(outcome)) },
    });
    const openedDeps = deps;
    const aliases = createModelAliasService({ store: deps.store, cipher: deps.cipher, clock: deps.clock });
    const channelKeys: string[] = [];
    const { key } = await deps.tokens.create({ name: 'harness-root', unlimited: true });

    const allowPrivate = `127.0.0.1:${mock.port}`;

    const reload = async (): Promise<void> => {
      for (const scope of ['channels', 'settings', 'tokens', 'prices'] as const) await server.relay.reload(scope);
    };

    const checkLedger = async (): Promise<LedgerReport> => {
      await server.relay.billing.idle();
      return checkLedgerOf(openedDeps.store, openedDeps.clock.now());
    };

    const post = (path: string, body: unknown, request: RequestOptions = {}): Promise<Response> =>
      fetch(`${server.url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${request.key ?? key}`, 'content-type': 'application/json', ...request.headers },
        body: typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body),
        signal: request.signal,
      });

    return {
      deps,
      mock,
      server,
      environment,
      url: server.url,
      key,
      outcomes,
      logLines: sink.lines,
      channelKeys,
      async addChannel(input) {
        const keys = input.keys ?? [canaryKey()];
        channelKeys.push(...keys);
        const view = await openedDeps.channels.add({
          type: 'openai',
          baseUrl: mock.url,
          allowPrivate,
          ...input,
          keys,
          name: `${input.name}-${++channelSequence}`,
        });
        await server.relay.reload('channels');
        return view;
      },
      async createKey(input = {}) {
        const created = await openedDeps.tokens.create({ name: `key-${++channelSequence}`, unlimited: input.quotaUsd === undefined ? true : undefined, ...input });
        return created.key;
      },
      async addAlias(alias, target) {
        await aliases.add(alias, target);
        await server.relay.reload('channels');
      },
      async setSetting(name, value) {
        await openedDeps.settings.set(name, value);
        await server.relay.reload('settings');
      },
      reload,
      client: (clientKey = key) => new OpenAI({ apiKey: clientKey, baseURL: `${server.url}/v1`, maxRetries: 0, timeout: 10_000 }),
      post,
      async waitForOutcomes(count, timeoutMs = 3000) {
        const deadline = performance.now() + timeoutMs;
        while (outcomes.length < count) {
          if (performance.now() > deadline) throw new Error(`expected ${count} relay outcome(s), have ${outcomes.length} after ${timeoutMs} ms`);
          await Bun.sleep(5);
        }
        return outcomes.slice(0, count);
      },
      async reset() {
        await server.relay.billing.idle();
        outcomes.length = 0;
        mock.reset();
      },
      checkLedger,
      async stop() {
        // The invariant check runs after every file that uses the harness; the harness is torn down either way.
        const report = await checkLedger().catch((error: unknown) => ({ ok: false, problems: [String(error)] }));
        // The server owns deps from here and closes them.
        await server.stop();
        await mock.stop();
        await environment.cleanup();
        if (!report.ok) throw new Error(`the ledger does not balance after this test file:\n${report.problems.join('\n')}`);
      },
    };
  } catch (error) {
    await deps?.close();
    await mock.stop();
    await environment.cleanup();
    throw error;
  }
}

/** Reads a whole SSE body into its events (the mock's parser), with comments kept apart so keep-alives can be counted. */
export function splitSse(raw: string): { data: string[]; events: ParsedEvent[]; comments: string[] } {
  const events = parseSse(raw);
  const comments = raw.split(/\r\n|\r|\n/).filter((line) => line.startsWith(':'));
  return { data: events.map((entry) => entry.data), events, comments };
}
