/** Runs the real CLI entry point (`bun cli/main.ts …`) in a child process, as an operator's shell would. */
import { expect } from 'bun:test';
import { join } from 'node:path';

const entry = join(import.meta.dir, '..', '..', 'cli', 'main.ts');

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON (throws with the output when it is not JSON). */
  json<T = unknown>(): T;
}

export async function runCli(args: readonly string[], env: Record<string, string> = {}, options: { stdin?: string; cwd?: string } = {}): Promise<CliResult> {
  const child = Bun.spawn(['bun', entry, ...args], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...env },
    cwd: options.cwd,
    stdin: options.stdin === undefined ? 'ignore' : new Blob([options.stdin]),
    stdout: 'pipe',
    stderr: 'pipe',
  });
  const [stdout, stderr, exitCode] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  return {
    exitCode,
    stdout,
    stderr,
    json<T>() {
      try {
        return JSON.parse(stdout) as T;
      } catch {
        throw new Error(`stdout is not JSON (exit ${exitCode}):\n${stdout}\nstderr:\n${stderr}`);
      }
    },
  };
}

/** A failure is exactly one stderr line, exit code 2 (bad input), nothing on stdout. */
export function expectOneLineError(result: CliResult, fragment: string | RegExp): void {
  expect(result.exitCode).toBe(2);
  expect(result.stdout).toBe('');
  const lines = result.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toStartWith('error: ');
  if (typeof fragment === 'string') expect(lines[0]).toContain(fragment);
  else expect(lines[0]).toMatch(fragment);
}
