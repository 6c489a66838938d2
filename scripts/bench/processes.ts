/**
 * Child processes of the benchmark: every one is tracked so that a normal end, an error or Ctrl-C stops them
 * all (SIGTERM, then SIGKILL after a grace), and the temporary data directories are removed.
 */
import { readFileSync, rmSync } from 'node:fs';

type Child = ReturnType<typeof Bun.spawn>;

const children = new Set<Child>();
const cleanups: (() => void)[] = [];

export function track<T extends Child>(child: T): T {
  children.add(child);
  void child.exited.then(() => children.delete(child));
  return child;
}

/** Removed at exit, whatever the reason. */
export function removeAtExit(path: string): void {
  cleanups.push(() => rmSync(path, { recursive: true, force: true }));
}

export async function stopChild(child: Child, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await child.exited;
  clearTimeout(timer);
}

let stopping: Promise<void> | undefined;

/** Stops every child still running and removes the temporary directories; safe to call twice. */
export function stopAll(): Promise<void> {
  stopping ??= (async () => {
    await Promise.all([...children].map((child) => stopChild(child, 2000)));
    for (const cleanup of cleanups.splice(0)) {
      try {
        cleanup();
      } catch {
        // Best effort: a temporary directory left behind is not worth failing the run.
      }
    }
  })();
  return stopping;
}

/** Ctrl-C and SIGTERM: stop the children, then exit with the conventional code. */
export function stopAllOnSignals(): void {
  let signalled = false;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      if (signalled) return;
      signalled = true;
      process.stderr.write(`\n${signal}: stopping the benchmark's processes…\n`);
      void stopAll().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
    });
  }
  // A last resort if the event loop ends through process.exit elsewhere: no async work is possible here.
  process.on('exit', () => {
    for (const child of children) child.kill('SIGKILL');
  });
}

/** Keeps the last lines a child wrote (for the error report) and never lets its pipe fill up. */
export function drain(stream: ReadableStream<Uint8Array> | undefined | number | null, keep = 40): () => string {
  const lines: string[] = [];
  if (stream === undefined || stream === null || typeof stream === 'number') return () => '';
  void (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of stream) {
        buffer += decoder.decode(chunk, { stream: true });
        const parts = buffer.split('\n');
        buffer = parts.pop() ?? '';
        for (const line of parts) {
          lines.push(line);
          if (lines.length > keep) lines.shift();
        }
      }
    } catch {
      // The child was killed.
    }
    if (buffer !== '') lines.push(buffer);
  })();
  return () => lines.join('\n');
}

/** Starts `bun <script>` that prints one JSON line `{"port":N}` when listening; returns the child and the port. */
export async function spawnServer(command: readonly string[], env: Record<string, string>): Promise<{ child: Child; port: number; output: () => string }> {
  const child = track(Bun.spawn([...command], { env, stdout: 'pipe', stderr: 'pipe' }));
  const stderr = drain(child.stderr);
  const reader = child.stdout.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`${command.join(' ')} exited before listening:\n${buffer}${stderr()}`);
    buffer += decoder.decode(value, { stream: true });
    const newline = buffer.indexOf('\n');
    if (newline < 0) continue;
    const port = (JSON.parse(buffer.slice(0, newline)) as { port: number }).port;
    reader.releaseLock();
    const stdout = drain(child.stdout);
    return { child, port, output: () => `${stdout()}\n${stderr()}`.trim() };
  }
}

/** A free loopback port (for a server whose log level hides the line that would name its own pick). */
export function freePort(): number {
  const listener = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } });
  const { port } = listener;
  listener.stop(true);
  return port;
}

export async function waitForHttp(url: string, child: Child, output: () => string, timeoutMs = 20_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the process for ${url} exited with ${child.exitCode}:\n${output()}`);
    try {
      const response = await fetch(url);
      await response.arrayBuffer();
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    if (performance.now() > deadline) throw new Error(`${url} did not answer within ${timeoutMs} ms:\n${output()}`);
    await Bun.sleep(50);
  }
}

/** VmRSS and VmHWM (the peak so far) of a process in MB (10^6 bytes), from /proc (Linux); undefined elsewhere. */
export function memoryOf(pid: number): { rssMb: number; hwmMb: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rss = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
    const hwm = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
    if (rss === undefined || hwm === undefined) return undefined;
    return { rssMb: (Number(rss) * 1024) / 1e6, hwmMb: (Number(hwm) * 1024) / 1e6 };
  } catch {
    return undefined;
  }
}

/**
 * CPU time (user + system, all threads) a process has used so far, in milliseconds, from /proc/<pid>/stat
 * (Linux, in clock ticks of 10 ms); undefined elsewhere.
 */
export function cpuMsOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? ticks * 10 : undefined;
  } catch {
    return undefined;
  }
}

/** The soft and hard limits on open files of this process (Linux /proc); undefined elsewhere. */
export function openFileLimits(): { soft: number; hard: number } | undefined {
  try {
    const match = /Max open files\s+(\S+)\s+(\S+)/.exec(readFileSync('/proc/self/limits', 'utf8'));
    if (match === null) return undefined;
    const parse = (value: string | undefined): number => (value === 'unlimited' ? Number.POSITIVE_INFINITY : Number(value));
    return { soft: parse(match[1]), hard: parse(match[2]) };
  } catch {
    return undefined;
  }
}
