/**
 * `bun run bench`: starts `gateway serve` in its own process on a temporary SQLite data directory and a free
 * port, sends GET /healthz N times with C requests at once, and prints requests per second, latency
 * percentiles and the server's resident memory. No assertions yet; the relay benchmark (M5) grows from here.
 *
 *   bun run bench [--requests 20000] [--concurrency 64] [--path /healthz] [--binary dist/gateway]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const root = join(import.meta.dir, '..');

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '20000' },
    concurrency: { type: 'string', default: '64' },
    path: { type: 'string', default: '/healthz' },
    binary: { type: 'string' },
  },
});
const total = Number(values.requests);
const concurrency = Number(values.concurrency);
if (!Number.isInteger(total) || total < 1 || !Number.isInteger(concurrency) || concurrency < 1) {
  throw new Error('--requests and --concurrency must be positive whole numbers');
}

/** Resident memory of a process in MiB (Linux /proc; `ps` elsewhere). */
function rssMiB(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    if (match?.[1] !== undefined) return Number(match[1]) / 1024;
  } catch {
    // Not Linux: ask ps.
  }
  const output = Bun.spawnSync(['ps', '-o', 'rss=', '-p', String(pid)]).stdout.toString().trim();
  return Number(output) / 1024;
}

/** Reads the server's JSON log lines until "listening", then keeps draining stdout so the pipe never fills. */
async function waitForPort(stdout: ReadableStream<Uint8Array>): Promise<number> {
  const reader = stdout.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`the server exited before listening:\n${buffer}`);
    buffer += decoder.decode(value, { stream: true });
    for (const line of buffer.split('\n')) {
      if (!line.includes('"listening"')) continue;
      const entry = JSON.parse(line) as { port: number };
      void (async () => {
        while (!(await reader.read()).done) {
          // Draining only.
        }
      })();
      return entry.port;
    }
  }
}

function percentile(sorted: readonly number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? 0;
}

const dataDir = mkdtempSync(join(tmpdir(), 'gateway-bench-'));
const command = values.binary === undefined ? ['bun', join(root, 'cli', 'main.ts')] : [values.binary];
const server = Bun.spawn([...command, 'serve', '--host', '127.0.0.1', '--port', '0'], {
  env: {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/tmp',
    GATEWAY_DATA_DIR: dataDir,
    GATEWAY_ROOT_PASSWORD: 'bench-root-password',
    GATEWAY_LOG_FORMAT: 'json',
  },
  stdout: 'pipe',
  stderr: 'inherit',
});

try {
  const port = await waitForPort(server.stdout);
  const url = `http://127.0.0.1:${port}${values.path}`;
  // Warm-up: JIT, connection pool, first database reads.
  for (let index = 0; index < 200; index += 1) await (await fetch(url)).arrayBuffer();
  const rssBefore = rssMiB(server.pid);

  const latencies: number[] = [];
  let failures = 0;
  let next = 0;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (next < total) {
      next += 1;
      const sent = performance.now();
      const response = await fetch(url);
      await response.arrayBuffer();
      latencies.push(performance.now() - sent);
      if (!response.ok) failures += 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  const rssAfter = rssMiB(server.pid);
  latencies.sort((left, right) => left - right);

  const lines = [
    `GET ${values.path}: ${total} requests, ${concurrency} concurrent, ${failures} failed`,
    `  throughput  ${(total / seconds).toFixed(0)} requests/s (${seconds.toFixed(2)} s)`,
    `  latency     p50 ${percentile(latencies, 0.5).toFixed(2)} ms, p99 ${percentile(latencies, 0.99).toFixed(2)} ms, max ${(latencies.at(-1) ?? 0).toFixed(2)} ms`,
    `  server RSS  ${rssBefore.toFixed(1)} MiB after warm-up, ${rssAfter.toFixed(1)} MiB after the run`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
} finally {
  server.kill('SIGTERM');
  await server.exited;
  rmSync(dataDir, { recursive: true, force: true });
}
