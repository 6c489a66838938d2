/**
 * Starts the terminal UI on a data source and resolves when the operator quits. Imported lazily by
 * `gateway tui` only, so Ink and React never load for `gateway serve` or any other command.
 */
import { render } from 'ink';
import { App } from './app.tsx';
import type { TuiDataSource } from './data/source.ts';
import { createTheme } from './theme.ts';

export interface RunOptions {
  color: boolean;
}

export async function runTui(source: TuiDataSource, options: RunOptions): Promise<void> {
  const instance = render(<App source={source} theme={createTheme(options.color)} />, {
    // The whole screen is the UI; the shell's scrollback comes back on exit.
    alternateScreen: true,
    exitOnCtrlC: true,
    // CI=1 in the environment must not turn a real terminal into a one-frame log.
    interactive: process.stdout.isTTY === true,
    patchConsole: true,
  });
  await instance.waitUntilExit();
}
