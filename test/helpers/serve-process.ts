/**
 * Runs `gateway serve --port 0` in a child process — from source or a compiled binary — and reads its JSON
 * log: the "listening" entry names the port the operating system picked.
 */
import { join } from 'node:path';

export const sourceCommand: readonly string[] = ['bun', join(import.meta.dir, '..', '..', 'cli', 'main.ts')];

export interface LogEntry {
  msg: string;
  [field: string]: unknown;
}

export interface ServeProcess {
  port: number;
  url: string;
  child: ReturnType<typeof Bun.spawn>;
  /** Every log entry read so far. */
  entries: LogEntry[];
  /** Resolves with the exit code once stdout has been read to its end. */
  finished: Promise<number>;
}

export interface ServeOptions {
  /** The gateway command: `bun cli/main.ts` by default, or a compiled binary. */
  command?: readonly string[];
  env?: Record<string, string>;
  /** Replace the environment entirely (no PATH, no HOME) instead of adding to a minimal one. */
  exactEnv?: boolean;
  cwd?: string;
  args?: readonly string[];
}

export async function startServeProcess(options: ServeOptions = {}): Promise<ServeProcess> {
  const base = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp' };
  const env = { ...(options.exactEnv === true ? {} : base), GATEWAY_LOG_FORMAT: 'json', ...options.env };
  const child = Bun.spawn([...(options.command ?? sourceCommand), 'serve', '--host', '127.0.0.1', '--port', '0', ...(options.args ?? [])], {
    env,
    cwd: options.cwd,
    stdout: 'pipe',
    stderr: 'pipe',
  });
  const entries: LogEntry[] = [];
  let announce: (port: number) => void = () => {};
  let fail: (error: Error) => void = () => {};
  const listening = new Promise<number>((resolve, reject) => {
    announce = resolve;
    fail = reject;
  });
  const finished = (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of child.stdout) {
      buffer += decoder.decode(chunk, { stream: true });
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        const parsed = JSON.parse(line) as LogEntry;
        entries.push(parsed);
        if (parsed.msg === 'listening') announce(Number(parsed.port));
      }
    }
    const code = await child.exited;
    fail(new Error(`serve exited with ${code} before listening: ${await new Response(child.stderr).text()}`));
    return code;
  })();
  const port = await listening;
  return { port, url: `http://127.0.0.1:${port}`, child, entries, finished };
}
