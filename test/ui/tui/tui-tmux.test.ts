/**
 * `gateway tui` in a real pseudo-terminal (tmux, 80×24), as an operator over SSH would use it: add a channel
 * pointing at the mock upstream, test it, create a key, top up root, then watch a request relayed by a
 * `gateway serve` on the same data directory appear in the live log. Skipped, saying why, when tmux is not
 * installed.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { type MockUpstream, startMockUpstream } from '../../helpers/mock-upstream.ts';
import { temporaryDirectory } from '../../helpers/postgres.ts';
import { type ServeProcess, sourceCommand, startServeProcess } from '../../helpers/serve-process.ts';

const tmux = Bun.which('tmux');
if (tmux === null) console.warn('skipping the gateway tui end-to-end test: tmux is not installed (apt-get install tmux)');

const socket = `gateway-tui-test-${process.pid}`;
const session = 'tui';
let dataDir = '';
let mock: MockUpstream | undefined;
let serve: ServeProcess | undefined;

function tmuxRun(...args: string[]): string {
  const result = Bun.spawnSync([tmux as string, '-L', socket, '-f', '/dev/null', ...args], { stdout: 'pipe', stderr: 'pipe' });
  if (result.exitCode !== 0) throw new Error(`tmux ${args.join(' ')}: ${result.stderr.toString()}`);
  return result.stdout.toString();
}

const screen = (): string => tmuxRun('capture-pane', '-p', '-t', session);

async function waitForScreen(predicate: string | RegExp, timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = screen();
    if (typeof predicate === 'string' ? text.includes(predicate) : predicate.test(text)) return text;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${String(predicate)}; the screen was:\n${text}`);
    await Bun.sleep(100);
  }
}

/** Named keys (Enter, Down, Escape) or literal text. */
async function send(...keys: string[]): Promise<void> {
  for (const key of keys) {
    if (/^(Enter|Down|Up|Escape|Tab)$/.test(key)) tmuxRun('send-keys', '-t', session, key);
    else tmuxRun('send-keys', '-t', session, '-l', key);
    await Bun.sleep(key === 'Escape' ? 150 : 60);
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Moves the form's cursor down to the field labelled `label`, one key at a time, checking the screen each time. */
async function focusField(label: string): Promise<void> {
  for (let presses = 0; presses < 20; presses += 1) {
    if (new RegExp(`› ${escapeRegExp(label)}\\s`).test(screen())) return;
    const before = screen();
    await send('Down');
    // A busy machine may draw late: wait for the cursor to move before pressing again.
    const deadline = Date.now() + 3000;
    while (screen() === before && Date.now() < deadline) await Bun.sleep(30);
  }
  throw new Error(`no field "${label}" reached; the screen was:\n${screen()}`);
}

/** Types into the focused field and waits until the screen shows it (secrets show as dots). */
async function fill(label: string, text: string, shown: string = text): Promise<void> {
  await focusField(label);
  await send(text);
  await waitForScreen(new RegExp(`› ${escapeRegExp(label)}\\s+${escapeRegExp(shown)}`));
}

beforeAll(async () => {
  if (tmux === null) return;
  dataDir = temporaryDirectory();
  mock = await startMockUpstream();
  serve = await startServeProcess({ env: { GATEWAY_DATA_DIR: dataDir, GATEWAY_ROOT_PASSWORD: 'test-root-password', GATEWAY_SYNC_INTERVAL_MS: '100' } });
  const command = ['env', '-u', 'CI', `GATEWAY_DATA_DIR=${dataDir}`, 'GATEWAY_ROOT_PASSWORD=test-root-password', 'TERM=xterm-256color', ...sourceCommand, 'tui']
    .map((part) => `'${part.replaceAll("'", "'\\''")}'`)
    .join(' ');
  // The shell keeps the pane open after the TUI exits, so a crash stays readable on the screen.
  tmuxRun('new-session', '-d', '-x', '80', '-y', '24', '-s', session, `${command} 2>&1; echo "tui exited with $?"; sleep 60`);
});

afterAll(async () => {
  if (tmux === null) return;
  try {
    tmuxRun('kill-server');
  } catch {
    // Already gone.
  }
  serve?.child.kill('SIGTERM');
  await serve?.finished;
  await mock?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

test.skipIf(tmux === null)(
  'in 80×24: add a channel, test it, create a key, top up root, and see a relayed request in the live log',
  async () => {
    if (mock === undefined || serve === undefined) throw new Error('setup failed');
    await waitForScreen('TOP MODELS TODAY', 20_000);

    // Channels: add one on the mock upstream (a private address, allowed for exactly its host:port).
    await send('2');
    await waitForScreen('No channels yet');
    await send('n');
    await waitForScreen('Add a channel');
    await fill('name', 'mock-e2e');
    await fill('base url', `${mock.url}/v1`);
    await fill('key(s)', 'sk-mock-e2e-key-0001', '•'.repeat(20));
    await fill('models', 'gpt-4o-mini');
    await fill('allow private', `127.0.0.1:${mock.port}`);
    await send('Enter');
    await waitForScreen('added channel mock-e2e');
    await send('t');
    await waitForScreen(/✓ mock-e2e\s+gpt-4o-mini \d+ ms/);
    await send('Escape');

    // Keys: create one; the full key is on the screen this once.
    await send('3');
    await waitForScreen('No keys yet');
    await send('n');
    await waitForScreen('Create an API key');
    await fill('name', 'e2e-key');
    await send('Enter');
    const shown = await waitForScreen('shown only once');
    const key = /sk-[A-Za-z0-9]{48}/.exec(shown)?.[0];
    expect(key).toBeDefined();
    await send('Enter');

    // Users: requests are billed to the key's owner, so root needs a balance.
    await send('4');
    await waitForScreen('root');
    await send('+');
    await waitForScreen('Top up root');
    await fill('amount USD', '5');
    await send('Enter');
    await waitForScreen('balance is now $5');

    // Logs: live; one request through the daemon on the same data directory shows up.
    await send('6');
    await waitForScreen('● live');
    let status = 0;
    for (let attempt = 0; attempt < 30 && status !== 200; attempt += 1) {
      // The daemon picks up the new channel and key within its sync interval.
      const response = await fetch(`${serve.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello from tmux' }] }),
      });
      status = response.status;
      await response.text();
      if (status !== 200) await Bun.sleep(200);
    }
    expect(status).toBe(200);
    const log = await waitForScreen(/e2e-key\s+gpt-4o-mini\s+mock-e2e\s+200/);
    expect(log).toContain('1 shown');
    await send('Enter');
    const detail = await waitForScreen('RETRY CHAIN (1 attempt)');
    expect(detail).toContain('mock-e2e #1 key #0 gpt-4o-mini 200');
    await send('Escape', 'q');
    await waitForScreen('tui exited with 0');
  },
  90_000,
);
