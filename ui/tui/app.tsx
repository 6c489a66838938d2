/**
 * The terminal UI's shell: a tab line with the screens, the active screen, a status line for messages, and
 * the global key hints. Number keys, Tab, `?` and `q` belong to the shell only while the screen shows its
 * list; a screen in a form or a detail view captures the keyboard and handles Esc/q itself.
 */
import { Box, Text, useApp as useInkApp, useInput, useStdout, useWindowSize } from 'ink';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { AppContext, type AppServices, type FlashKind } from './app-context.ts';
import type { TuiDataSource } from './data/source.ts';
import { Channels } from './screens/channels.tsx';
import { Codes } from './screens/codes.tsx';
import { Dashboard } from './screens/dashboard.tsx';
import { Help } from './screens/help.tsx';
import { Keys } from './screens/keys.tsx';
import { Logs } from './screens/logs.tsx';
import { Users } from './screens/users.tsx';
import type { Theme } from './theme.ts';
import { clean, fit } from './text.ts';

export const screens = [
  { id: 'dashboard', title: 'Dashboard' },
  { id: 'channels', title: 'Channels' },
  { id: 'keys', title: 'Keys' },
  { id: 'users', title: 'Users' },
  { id: 'codes', title: 'Codes' },
  { id: 'logs', title: 'Logs' },
] as const;

export type ScreenId = (typeof screens)[number]['id'];

export interface AppProps {
  source: TuiDataSource;
  theme: Theme;
  /** A fixed size (tests); default the terminal's, following resizes. */
  size?: { columns: number; rows: number };
  pollMs?: Partial<AppServices['pollMs']>;
  initialScreen?: ScreenId;
  /** Test hook: receives what `c` copies. */
  onCopy?(text: string): void;
}

const FLASH_MS = 6000;

function Screen({ id, height }: { id: ScreenId; height: number }) {
  switch (id) {
    case 'dashboard':
      return <Dashboard height={height} />;
    case 'channels':
      return <Channels height={height} />;
    case 'keys':
      return <Keys height={height} />;
    case 'users':
      return <Users height={height} />;
    case 'codes':
      return <Codes height={height} />;
    case 'logs':
      return <Logs height={height} />;
  }
}

export function App({ source, theme, size, pollMs, initialScreen, onCopy }: AppProps) {
  const window = useWindowSize();
  const { exit } = useInkApp();
  const { write } = useStdout();
  const columns = Math.max(40, size?.columns ?? window.columns);
  const rows = Math.max(12, size?.rows ?? window.rows);
  const [screen, setScreen] = useState<ScreenId>(initialScreen ?? 'dashboard');
  const [captured, setCaptured] = useState(false);
  const [help, setHelp] = useState(false);
  const [message, setMessage] = useState<{ text: string; kind: FlashKind } | undefined>(undefined);
  const flashTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  const flash = useCallback((text: string, kind: FlashKind = 'info') => {
    setMessage({ text, kind });
    if (flashTimer.current !== undefined) clearTimeout(flashTimer.current);
    flashTimer.current = setTimeout(() => setMessage(undefined), FLASH_MS);
  }, []);
  useEffect(() => () => clearTimeout(flashTimer.current), []);

  const copy = useCallback(
    (text: string) => {
      if (onCopy !== undefined) return onCopy(text);
      // OSC 52: the terminal (and tmux with set-clipboard on) puts the text on the system clipboard.
      write(`\u001b]52;c;${Buffer.from(text).toString('base64')}\u0007`);
    },
    [onCopy, write],
  );

  const services = useMemo<AppServices>(
    () => ({
      source,
      theme,
      columns,
      rows,
      pollMs: { dashboard: 1500, logs: 1000, lists: 3000, ...pollMs },
      setCaptured,
      flash,
      copy,
    }),
    [source, theme, columns, rows, pollMs, flash, copy],
  );

  const switchTo = (id: ScreenId): void => {
    setScreen(id);
    setMessage(undefined);
  };
  useInput(
    (input, key) => {
      // Always subscribed, so Ink keeps reading the terminal while screens switch their own handlers.
      if (captured || help) return;
      if (input === '?') return setHelp(true);
      if (input === 'q') return exit();
      const number = Number(input);
      if (Number.isInteger(number) && number >= 1 && number <= screens.length) return switchTo((screens[number - 1] as (typeof screens)[number]).id);
      if (key.tab) {
        const index = screens.findIndex((entry) => entry.id === screen);
        const next = (index + (key.shift ? screens.length - 1 : 1)) % screens.length;
        return switchTo((screens[next] as (typeof screens)[number]).id);
      }
      if (key.escape && screen !== 'dashboard') return switchTo('dashboard');
    },
  );

  const bodyHeight = rows - 3;
  const messageColor = message?.kind === 'error' ? theme.danger : message?.kind === 'success' ? theme.success : theme.accent;
  const tabs = screens.map((entry, index) => ({ ...entry, label: ` ${index + 1} ${entry.title} ` }));
  const tabsWidth = 9 + tabs.reduce((sum, tab) => sum + tab.label.length, 0);
  return (
    <AppContext.Provider value={services}>
      <Box flexDirection="column" width={columns} height={rows}>
        <Box>
          <Text bold color={theme.accent}>
            gateway{' '}
          </Text>
          {tabs.map((tab) => (
            <Text key={tab.id} inverse={tab.id === screen} bold={tab.id === screen}>
              {tab.label}
            </Text>
          ))}
          {columns - tabsWidth > 12 ? <Text color={theme.muted}>{fit(` ${clean(source.description)}`, columns - tabsWidth, 'right')}</Text> : null}
        </Box>
        <Box height={bodyHeight} flexDirection="column" overflow="hidden">
          {help ? <Help onClose={() => setHelp(false)} /> : <Screen id={screen} height={bodyHeight} />}
        </Box>
        <Text color={messageColor} wrap="truncate">
          {message === undefined ? ' ' : clean(message.text)}
        </Text>
        <Text color={theme.muted} wrap="truncate">
          {captured ? 'Esc back · Enter confirm' : '1-6/Tab screens · ? help · q quit'}
        </Text>
      </Box>
    </AppContext.Provider>
  );
}
