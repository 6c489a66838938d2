/**
 * `bun run bench` (issue 3 item 8, reliability.md M5): the gateway against a bare Bun passthrough proxy, both
 * in front of the same upstream on loopback, measured by the same client.
 *
 * One run starts, each as its own process:
 * - the upstream (scripts/bench/upstream.ts): OpenAI chat completions, instant or realistic (20 ms to the first
 *   byte, 20 chunks 5 ms apart), chosen by the model name;
 * - the gateway, `bun cli/main.ts serve` on a temporary SQLite data directory, with a channel to the upstream
 *   added by `gateway channel add … --allow-private`, a real price for every bench model (`gateway price set`),
 *   a key from `gateway token create` and its owner's balance topped up (`gateway user topup`): authentication,
 *   routing, billing (reserve on the key and its owner before the upstream call, settle after), usage metering
 *   and the request log all on, as in production (at GATEWAY_LOG_LEVEL=warn by default, so that the access log
 *   line is not what is measured; `--log-level info` turns it on);
 * - the bare proxy (scripts/bench/bare-proxy.ts): Bun.serve + fetch, body passed through as it is.
 *
 * Then, for non-stream and stream chat requests at concurrency 1, 32 and 128, with both upstreams: requests
 * per second, p50/p99 latency, (streams) time to first byte and server CPU time per request, for the bare proxy
 * and the gateway, and the gateway's as ratios to the bare proxy's. Last, a fresh gateway (and a fresh bare
 * proxy) hold 1 000 slow streams while their resident memory is read from /proc. Targets are printed next to
 * the figures, never asserted. A failed request is never just timed: one request of each kind is sent to both
 * servers before anything is measured (a refusal stops the run with its answer), failures during the run are
 * counted and reported, and any failed gateway request makes the run exit with 1. About 2¼ minutes on 2 cores.
 *
 *   bun run bench [--duration 3] [--rounds 3] [--warmup 1] [--streams 1000] [--only TEXT] [--log-level warn]
 *                 [--binary dist/gateway] [--cpu-prof] [--json]
 *
 * Each cell measures each server for --duration seconds in all, cut into --rounds windows that alternate
 * between the bare proxy and the gateway (other work on the machine then weighs on both alike).
 * --only runs the cells whose name contains TEXT (`instant/stream/32`, `realistic/non-stream`, `memory`).
 * --cpu-prof runs the gateway under `bun --cpu-prof` and prints where its CPU time went.
 * --json prints one JSON document on stdout instead of the markdown report (progress goes to stderr).
 */
import { DEFAULT_FETCH_CAPACITY, FETCH_CAPACITY_ENV } from '../src/config/fetch-capacity.ts';
import { mkdtempSync, readFileSync } from 'node:fs';
import { cpus, tmpdir, type as osType, release } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { emptySamples, type LoadResult, measureInto, probe, runLoad, type Samples, summarize } from './bench/load.ts';
import { freePort, memoryOf, openFileLimits, removeAtExit, spawnServer, stopAll, stopAllOnSignals, stopChild, track, drain, waitForHttp } from './bench/processes.ts';
import { summarizeProfiles } from './bench/profile.ts';
import { buildReport, type Cell, cellName, type MemoryRun, renderMarkdown, TARGETS } from './bench/report.ts';
import { holdStreams } from './bench/streams.ts';
import { BENCH_MODELS } from './bench/upstream.ts';

const root = join(import.meta.dir, '..');
const cliMain = join(root, 'cli', 'main.ts');

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '1' },
    streams: { type: 'string', default: String(TARGETS.streams) },
    only: { type: 'string' },
    'log-level': { type: 'string', default: 'warn' },
    binary: { type: 'string' },
    'cpu-prof': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});
const durationS = Number(values.duration);
const warmupS = Number(values.warmup);
const streamCount = Number(values.streams);
const rounds = Number(values.rounds);
if (!(durationS > 0) || !(warmupS >= 0) || !Number.isInteger(streamCount) || streamCount < 1 || !Number.isInteger(rounds) || rounds < 1) {
  throw new Error('--duration must be > 0 seconds, --warmup ≥ 0 seconds, --streams and --rounds positive whole numbers');
}
/** The short re-warm of every round after the first: the workers ramp up again, the connections are already open. */
const ROUND_WARMUP_MS = 200;

/** USD per 1M input / output tokens set for every bench model: billing runs as it does for a priced model. */
const BENCH_PRICE = { input: '2.5', output: '10' } as const;
/**
 * Credited to the key's owner before the run. At BENCH_PRICE a bench request reserves under $0.001 (a prompt of
 * about 30 tokens and max_tokens 64), so this covers a billion requests: no run comes near running out.
 */
const BENCH_BALANCE_USD = '1000000';

/** Bun's fetch sends at most this many requests at once by default; the client needs more for the memory check. */
const CLIENT_MAX_HTTP_REQUESTS = '4096';
const RAISED_MAX_HTTP_REQUESTS = '4096';

/**
 * The client opens `--streams` connections and each server twice as many sockets: re-run this script once in
 * a shell that raises the open-file limit to the hard limit, with Bun's fetch cap raised for the client only.
 */
if (process.env.GATEWAY_BENCH_CHILD !== '1') {
  const hard = openFileLimits()?.hard ?? 65_536;
  const limit = String(Number.isFinite(hard) ? hard : 65_536);
  const child = Bun.spawn(
    ['sh', '-c', 'ulimit -n "$1" 2>/dev/null || true; shift; exec "$@"', 'bench', limit, process.execPath, import.meta.path, ...process.argv.slice(2)],
    {
      env: { ...process.env, GATEWAY_BENCH_CHILD: '1', BUN_CONFIG_MAX_HTTP_REQUESTS: CLIENT_MAX_HTTP_REQUESTS },
      stdio: ['inherit', 'inherit', 'inherit'],
    },
  );
  // Passed on, then this one waits for the child to clean up (from a terminal, Ctrl-C reaches both: the
  // child's handler runs once).
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => child.kill(signal));
  }
  process.exit(await child.exited);
}

stopAllOnSignals();
const progress = (line: string): void => {
  process.stderr.write(`${line}\n`);
};
const selected = (name: string): boolean => values.only === undefined || name.includes(values.only);

const baseEnv = (): Record<string, string> => ({ PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp' });

async function cli(dataEnv: Record<string, string>, args: readonly string[]): Promise<unknown> {
  const command = values.binary === undefined ? ['bun', cliMain] : [values.binary];
  const child = track(Bun.spawn([...command, ...args], { env: { ...baseEnv(), ...dataEnv }, stdout: 'pipe', stderr: 'pipe' }));
  const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  if (code !== 0) throw new Error(`gateway ${args.slice(0, 2).join(' ')} failed (${code}): ${stderr.trim()}`);
  return JSON.parse(stdout) as unknown;
}

interface Server {
  readonly label: string;
  readonly child: ReturnType<typeof Bun.spawn>;
  readonly url: string;
  readonly output: () => string;
}

async function startGateway(dataEnv: Record<string, string>, options: { extraEnv?: Record<string, string>; cpuProfDir?: string } = {}): Promise<Server> {
  const port = freePort();
  const profile = options.cpuProfDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`];
  const command = values.binary === undefined ? ['bun', ...profile, cliMain] : [values.binary];
  const child = track(
    Bun.spawn([...command, 'serve', '--host', '127.0.0.1', '--port', String(port)], {
      // `gateway serve` restarts itself with Bun's fetch capacity raised unless the variable is set; setting it to
      // the value it would choose keeps the measured process (its pid, CPU and memory) the server itself.
      env: {
        ...baseEnv(),
        ...dataEnv,
        GATEWAY_LOG_LEVEL: values['log-level'],
        GATEWAY_LOG_FORMAT: 'json',
        [FETCH_CAPACITY_ENV]: DEFAULT_FETCH_CAPACITY,
        ...options.extraEnv,
      },
      stdout: 'pipe',
      stderr: 'pipe',
    }),
  );
  const stdout = drain(child.stdout);
  const stderr = drain(child.stderr);
  const output = () => `${stdout()}\n${stderr()}`.trim();
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/healthz`, child, output);
  return { label: 'gateway', child, url, output };
}

async function startBareProxy(upstreamUrl: string, extraEnv: Record<string, string> = {}): Promise<Server> {
  const started = await spawnServer(['bun', join(import.meta.dir, 'bench', 'bare-proxy.ts'), upstreamUrl], { ...baseEnv(), ...extraEnv });
  return { label: 'bare proxy', child: started.child, url: `http://127.0.0.1:${started.port}`, output: started.output };
}

function cpuModel(): string {
  return (cpus()[0]?.model ?? 'unknown CPU').replace(/\s+/g, ' ').trim();
}

function loadAverage(): number {
  try {
    return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
  } catch {
    return Number.NaN;
  }
}

async function main(): Promise<void> {
  const started = performance.now();
  const notes: string[] = [];
  const loadAtStart = loadAverage();
  if (loadAtStart > 0.5) {
    notes.push(
      `Other processes were busy when the run started (1-minute load average ${loadAtStart.toFixed(2)} on ${cpus().length} CPUs): ` +
        `absolute figures are lower and noisier than on a quiet machine; the ratios and CPU per request suffer less.`,
    );
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'gateway-bench-'));
  removeAtExit(dataDir);
  const dataEnv = { GATEWAY_DATA_DIR: dataDir, GATEWAY_ROOT_PASSWORD: 'bench-root-password' };

  progress('Starting the upstream, the gateway and the bare proxy…');
  const upstream = await spawnServer(['bun', join(import.meta.dir, 'bench', 'upstream.ts')], baseEnv());
  const upstreamUrl = `http://127.0.0.1:${upstream.port}`;
  await cli(dataEnv, [
    'channel', 'add', '--name', 'bench', '--type', 'openai', '--base-url', upstreamUrl, '--key', 'sk-bench-upstream',
    '--models', BENCH_MODELS.join(','), '--allow-private', `127.0.0.1:${upstream.port}`, '--json',
  ]);
  for (const model of BENCH_MODELS) {
    await cli(dataEnv, ['price', 'set', model, '--input', BENCH_PRICE.input, '--output', BENCH_PRICE.output, '--json']);
  }
  const token = (await cli(dataEnv, ['token', 'create', '--name', 'bench', '--json'])) as { key?: unknown; username?: unknown };
  if (typeof token.key !== 'string' || typeof token.username !== 'string') throw new Error('gateway token create --json printed no key or owner');
  const key = token.key;
  const owner = token.username;
  await cli(dataEnv, ['user', 'topup', owner, BENCH_BALANCE_USD, '--json']);

  const profileDir = values['cpu-prof'] ? mkdtempSync(join(tmpdir(), 'gateway-bench-profile-')) : undefined;
  const cells: Cell[] = [];
  const plan = (['instant', 'realistic'] as const).flatMap((kind) =>
    [false, true].flatMap((stream) => [1, 32, 128].map((concurrency) => ({ upstream: kind, stream, concurrency }))),
  ).filter((cell) => selected(cellName(cell)));

  if (plan.length > 0) {
    const gateway = await startGateway(dataEnv, { cpuProfDir: profileDir });
    const bare = await startBareProxy(upstreamUrl);
    const kinds = new Set(plan.map((cell) => `${cell.upstream}/${cell.stream}`));
    for (const kind of kinds) {
      const [upstreamKind, stream] = kind.split('/');
      for (const server of [bare, gateway]) {
        await probe({ url: `${server.url}/v1/chat/completions`, key, model: `bench-${upstreamKind}`, stream: stream === 'true' });
      }
    }
    for (const [index, cell] of plan.entries()) {
      const model = cell.upstream === 'instant' ? 'bench-instant' : 'bench-realistic';
      const samples = new Map<Server, Samples>([
        [bare, emptySamples()],
        [gateway, emptySamples()],
      ]);
      // The window is cut into rounds that alternate between the two servers (bare first, then gateway first,
      // …), so that other work on the machine weighs on both alike. Only the first round of each has the full warm-up.
      for (let round = 0; round < rounds; round += 1) {
        const order = round % 2 === 0 ? [bare, gateway] : [gateway, bare];
        for (const server of order) {
          await measureInto(samples.get(server) ?? emptySamples(), {
            url: `${server.url}/v1/chat/completions`,
            key,
            model,
            stream: cell.stream,
            concurrency: cell.concurrency,
            durationMs: (durationS * 1000) / rounds,
            warmupMs: round === 0 ? warmupS * 1000 : Math.min(warmupS * 1000, ROUND_WARMUP_MS),
            serverPid: server.child.pid,
          });
          if (server.child.exitCode !== null) throw new Error(`the ${server.label} exited during ${cellName(cell)}:\n${server.output()}`);
        }
      }
      const [bareResult, gatewayResult] = [bare, gateway].map((server) => {
        const result = summarize(samples.get(server) ?? emptySamples());
        progress(
          `[${String(index + 1).padStart(2)}/${plan.length}] ${cellName(cell).padEnd(24)} ${server.label.padEnd(10)} ` +
            `${result.rps.toFixed(0).padStart(6)} req/s  p50 ${result.p50Ms.toFixed(2)} ms  p99 ${result.p99Ms.toFixed(2)} ms` +
            (cell.stream ? `  TTFB p50 ${result.ttfbP50Ms.toFixed(2)} ms` : '') +
            `  CPU ${result.serverCpuUs.toFixed(0)} µs/req` +
            (result.failures > 0 ? `  ${result.failures} FAILED (${result.firstFailure})` : ''),
        );
        return result;
      }) as [LoadResult, LoadResult];
      cells.push({ ...cell, bare: bareResult, gateway: gatewayResult, gatewayRssMb: memoryOf(gateway.child.pid)?.rssMb ?? Number.NaN });
    }
    const gatewayRss = memoryOf(gateway.child.pid);
    if (gatewayRss !== undefined) {
      notes.push(
        `Gateway RSS during the throughput cells: ${cells.map((cell) => cell.gatewayRssMb.toFixed(0)).join(' → ')} MB after each cell ` +
          `(peak ${gatewayRss.hwmMb.toFixed(0)} MB); the memory check below starts a fresh one.`,
      );
    }
    await stopChild(gateway.child);
    await stopChild(bare.child);
  }

  const memory: MemoryRun[] = [];
  if (selected('memory')) {
    const hold = async (server: Server, label: string, isGateway: boolean, shipped: boolean): Promise<MemoryRun> => {
      // A short warm-up so that the idle figure is a warm server's, as in production.
      const warmup = await runLoad({ url: `${server.url}/v1/chat/completions`, key, model: 'bench-instant', stream: true, concurrency: 8, durationMs: 1000, warmupMs: 0 });
      if (warmup.failures > 0) progress(`  ${warmup.failures} warm-up requests to the ${label} FAILED (${warmup.firstFailure})`);
      await Bun.sleep(200);
      progress(`Holding ${streamCount} slow streams through the ${label}…`);
      const result = await holdStreams({
        url: `${server.url}/v1/chat/completions`,
        key,
        model: 'bench-hold',
        count: streamCount,
        pid: server.child.pid,
        openTimeoutMs: 8000,
        holdMs: 2000,
      });
      progress(`  ${result.opened}/${result.requested} open after ${(result.openMs / 1000).toFixed(1)} s; RSS idle ${result.idleRssMb.toFixed(1)} MB, peak ${result.peakRssMb.toFixed(1)} MB`);
      await stopChild(server.child);
      return { label, gateway: isGateway, shipped, warmup, result };
    };
    memory.push(await hold(await startGateway(dataEnv), 'gateway', true, true));
    const shipped = memory[0];
    if (shipped !== undefined && shipped.result.opened < streamCount) {
      notes.push(
        `As shipped the gateway held only ${shipped.result.opened} of ${streamCount} streams open: Bun's fetch caps the requests a process has ` +
          `in flight (BUN_CONFIG_MAX_HTTP_REQUESTS, read once at start), so the other upstream calls wait in Bun's queue and their clients get ` +
          `nothing until a slot frees up. ` +
          `The second gateway row is the same gateway started with BUN_CONFIG_MAX_HTTP_REQUESTS=${RAISED_MAX_HTTP_REQUESTS}.`,
      );
      const raised = { BUN_CONFIG_MAX_HTTP_REQUESTS: RAISED_MAX_HTTP_REQUESTS };
      memory.push(await hold(await startGateway(dataEnv, { extraEnv: raised }), `gateway (BUN_CONFIG_MAX_HTTP_REQUESTS=${RAISED_MAX_HTTP_REQUESTS})`, true, false));
    }
    // The yardstick gets the raised cap at once: it is there to show what holding the streams costs at least.
    memory.push(await hold(await startBareProxy(upstreamUrl, { BUN_CONFIG_MAX_HTTP_REQUESTS: RAISED_MAX_HTTP_REQUESTS }), `bare proxy (BUN_CONFIG_MAX_HTTP_REQUESTS=${RAISED_MAX_HTTP_REQUESTS})`, false, false));
  }

  // What the ledger says the run cost: proof that every answered gateway request went through billing.
  const billed = (await cli(dataEnv, ['user', 'show', owner, '--json'])) as { requestCount?: unknown; usedUsd?: unknown; balanceUsd?: unknown };
  notes.push(
    `Billing: the ledger charged ${owner} $${String(billed.usedUsd)} for ${String(billed.requestCount)} requests ` +
      `(topped up with $${BENCH_BALANCE_USD}; $${String(billed.balanceUsd)} left).`,
  );

  const limits = openFileLimits();
  const report = buildReport({
    environment: {
      bun: Bun.version,
      cpus: cpus().length,
      cpu: cpuModel(),
      os: `${osType()} ${release()}`,
      openFileLimit: limits === undefined ? 'unknown' : String(limits.soft),
      loadAverageAtStart: loadAtStart,
      elapsedS: Math.round((performance.now() - started) / 1000),
    },
    settings: {
      durationS,
      rounds,
      warmupS,
      streams: streamCount,
      logLevel: values['log-level'],
      binary: values.binary ?? 'bun cli/main.ts',
      only: values.only ?? '',
      priceInput: BENCH_PRICE.input,
      priceOutput: BENCH_PRICE.output,
    },
    cells,
    memory,
    notes,
  });

  await stopAll();
  const profile = profileDir === undefined ? undefined : summarizeProfiles(profileDir);
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ ...report, profile }, null, 2)}\n`);
  } else {
    process.stdout.write(renderMarkdown(report));
    if (profile !== undefined) process.stdout.write(`\n${profile.markdown}`);
  }
  progress(`Done in ${report.environment.elapsedS} s.`);
  const { gateway: gatewayFailed, bare: bareFailed } = report.failedRequests;
  if (bareFailed > 0) progress(`WARNING: ${bareFailed} bare-proxy requests failed (see the notes).`);
  if (gatewayFailed > 0) {
    progress(`bench FAILED: ${gatewayFailed} gateway requests failed (see the Errors column and the notes); its figures are not a measurement.`);
    process.exitCode = 1;
  }
}

try {
  await main();
} catch (error) {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
} finally {
  await stopAll();
}
