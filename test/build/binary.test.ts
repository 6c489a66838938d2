/**
 * The single binary: built once, copied alone into an empty directory and run with no Bun, no node_modules
 * and no PATH at all — as it runs on a server that only received the file.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from '../../scripts/build.ts';
import { startServeProcess } from '../helpers/serve-process.ts';
import { temporaryDirectory } from '../helpers/stores.ts';
import { sqliteMigrations } from '../../migrations/index.ts';

const migrationTags = sqliteMigrations.map((migration) => migration.tag);

let workspace: string;
let binary: string;
let emptyDirectory: string;
let commit: string;

beforeAll(async () => {
  workspace = temporaryDirectory('gateway-binary-');
  const built = await build({ outfile: join(workspace, 'build', 'gateway') });
  commit = built.commit;
  mkdirSync(join(workspace, 'alone'));
  binary = join(workspace, 'alone', 'gateway');
  copyFileSync(built.outfile, binary);
  emptyDirectory = join(workspace, 'empty');
  mkdirSync(emptyDirectory);
}, 60_000);

afterAll(() => {
  rmSync(workspace, { recursive: true, force: true });
});

/** Runs the binary with an environment of exactly `env`: no PATH that could lead to bun. */
async function run(args: readonly string[], env: Record<string, string> = {}) {
  const child = Bun.spawn([binary, ...args], { env: { PATH: '/nonexistent', ...env }, cwd: emptyDirectory, stdout: 'pipe', stderr: 'pipe' });
  const [stdout, stderr, exitCode] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  return { stdout, stderr, exitCode };
}

describe('dist/gateway', () => {
  test('--version prints the version and the commit it was built from', async () => {
    const result = await run(['--version']);
    expect(result.exitCode).toBe(0);
    expect(commit).toMatch(/^([0-9a-f]{12}(-dirty)?|unknown)$/);
    expect(result.stdout.trim()).toMatch(new RegExp(`^gateway \\d+\\.\\d+\\.\\d+ \\(commit ${commit}, built \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\)$`));
  });

  test('serve answers /healthz and /readyz from an empty directory with migrations embedded', async () => {
    const dataDir = join(workspace, 'data');
    const server = await startServeProcess({
      command: [binary],
      env: { PATH: '/nonexistent', GATEWAY_DATA_DIR: dataDir, GATEWAY_ROOT_PASSWORD: 'binary-root-password' },
      exactEnv: true,
      cwd: emptyDirectory,
    });
    try {
      expect(server.entries.find((entry) => entry.msg === 'listening')).toMatchObject({ commit, migrationsApplied: migrationTags });
      const health = await fetch(`${server.url}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: 'ok' });
      const ready = await fetch(`${server.url}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ status: 'ready', migrations: { applied: migrationTags, pending: [] }, database: { journal_mode: 'wal' } });
    } finally {
      server.child.kill('SIGTERM');
    }
    expect(await server.finished).toBe(0);
    // The binary wrote nothing where it was started: everything lives in the data directory.
    expect(readdirSync(emptyDirectory)).toEqual([]);
  });

  test.skipIf(Bun.which('tmux') === null)('tui renders its dashboard in a terminal (Ink embedded, devtools stubbed) and quits with q', async () => {
    const tmux = Bun.which('tmux') as string;
    const socket = `gateway-binary-tui-${process.pid}`;
    const tmuxRun = (...args: string[]): string => Bun.spawnSync([tmux, '-L', socket, '-f', '/dev/null', ...args], { stdout: 'pipe' }).stdout.toString();
    const dataDir = join(workspace, 'data-tui');
    const command = `/usr/bin/env -i PATH=/nonexistent TERM=xterm-256color GATEWAY_DATA_DIR='${dataDir}' GATEWAY_ROOT_PASSWORD=test-root-password '${binary}' tui; echo "tui exited with $?"; sleep 30`;
    tmuxRun('new-session', '-d', '-x', '80', '-y', '24', '-s', 'tui', '-c', emptyDirectory, command);
    try {
      const waitFor = async (text: string): Promise<string> => {
        const deadline = Date.now() + 10_000;
        for (;;) {
          const screen = tmuxRun('capture-pane', '-p', '-t', 'tui');
          if (screen.includes(text)) return screen;
          if (Date.now() > deadline) throw new Error(`no "${text}" on the screen:\n${screen}`);
          await Bun.sleep(100);
        }
      };
      expect(await waitFor('TOP MODELS TODAY')).toContain('1 Dashboard');
      tmuxRun('send-keys', '-t', 'tui', 'q');
      await waitFor('tui exited with 0');
    } finally {
      tmuxRun('kill-server');
    }
  });

  test('a stray .env in the working directory does not change its settings', async () => {
    await Bun.write(join(emptyDirectory, '.env'), 'GATEWAY_LOG_LEVEL=error\nPORT=1\n');
    try {
      const result = await run(['config', '--json'], { GATEWAY_DATA_DIR: join(workspace, 'data-env') });
      expect(result.exitCode).toBe(0);
      const rows = (JSON.parse(result.stdout) as { settings: { key: string; source: string }[] }).settings;
      expect(rows.find((row) => row.key === 'port')?.source).toBe('default');
      expect(rows.find((row) => row.key === 'log_level')?.source).toBe('default');
    } finally {
      rmSync(join(emptyDirectory, '.env'));
    }
  });
});
