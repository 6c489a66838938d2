/**
 * Renders the terminal UI on a real local data source (a fresh SQLite database) with ink-testing-library, at
 * a fixed 80×24, and drives it with key presses. `waitFor` polls the last frame, since Ink renders
 * asynchronously.
 */
import { expect } from 'bun:test';
import { render } from 'ink-testing-library';
import type { Deps } from '../../../src/deps.ts';
import { App, type ScreenId } from '../../../ui/tui/app.tsx';
import { createLocalSource } from '../../../ui/tui/data/local-source.ts';
import type { TuiDataSource } from '../../../ui/tui/data/source.ts';
import { createTheme } from '../../../ui/tui/theme.ts';
import { createTestEnvironment, openDeps, type TestEnvironment } from '../../helpers/stores.ts';

export const keys = {
  enter: '\r',
  escape: '\u001b',
  tab: '\t',
  down: '\u001b[B',
  up: '\u001b[A',
  backspace: '\u007f',
} as const;

export interface Rendered {
  frame(): string;
  /** Sends input and gives Ink a moment to handle it. */
  press(...inputs: string[]): Promise<void>;
  /** Types text as one paste (what a terminal sends for a quick typist is the same to the form). */
  type(text: string): Promise<void>;
  waitFor(predicate: string | RegExp | ((frame: string) => boolean), timeoutMs?: number): Promise<string>;
  copied: string[];
  unmount(): void;
}

export function renderApp(source: TuiDataSource, options: { screen?: ScreenId; columns?: number; rows?: number; color?: boolean } = {}): Rendered {
  const copied: string[] = [];
  const instance = render(
    <App
      source={source}
      theme={createTheme(options.color ?? false)}
      size={{ columns: options.columns ?? 80, rows: options.rows ?? 24 }}
      pollMs={{ dashboard: 50, logs: 50, lists: 100 }}
      initialScreen={options.screen}
      onCopy={(text) => copied.push(text)}
    />,
  );
  const frame = (): string => instance.lastFrame() ?? '';
  const waitFor = async (predicate: string | RegExp | ((frame: string) => boolean), timeoutMs = 4000): Promise<string> => {
    const test = typeof predicate === 'string' ? (text: string) => text.includes(predicate) : predicate instanceof RegExp ? (text: string) => predicate.test(text) : predicate;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const current = frame();
      if (test(current)) return current;
      if (Date.now() > deadline) {
        expect(current).toContain(String(predicate));
        throw new Error(`timed out waiting for ${String(predicate)}`);
      }
      await Bun.sleep(15);
    }
  };
  return {
    frame,
    async press(...inputs) {
      for (const input of inputs) {
        // A screen subscribes to keys in an effect just after its frame is drawn; give it that moment.
        await Bun.sleep(20);
        instance.stdin.write(input);
        // Ink tells a lone Escape from the start of an escape sequence by waiting briefly.
        await Bun.sleep(input === keys.escape ? 80 : 25);
      }
    },
    async type(text) {
      await Bun.sleep(20);
      instance.stdin.write(text);
      await Bun.sleep(25);
    },
    waitFor,
    copied,
    unmount: () => instance.unmount(),
  };
}

/** Every line of a frame fits the terminal's width, and the frame its height. */
export function expectFits(frame: string, columns = 80, rows = 24): void {
  const lines = frame.split('\n');
  expect(lines.length).toBeLessThanOrEqual(rows);
  for (const line of lines) expect(Bun.stringWidth(line)).toBeLessThanOrEqual(columns);
}

export interface Seeded {
  environment: TestEnvironment;
  deps: Deps;
  source: TuiDataSource;
  cleanup(): Promise<void>;
}

/** A fresh SQLite database with its services, and the local data source over them. */
export async function openSeeded(): Promise<Seeded> {
  const environment = await createTestEnvironment('sqlite');
  const deps = await openDeps(environment);
  const source = createLocalSource(deps);
  return {
    environment,
    deps,
    source,
    cleanup: async () => {
      await deps.close();
      await environment.cleanup();
    },
  };
}
