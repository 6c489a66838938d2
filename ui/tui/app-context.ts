/** What every screen gets from the app: the data source, the theme, the screen size and the app's services. */
import { createContext, useContext } from 'react';
import type { TuiDataSource } from './data/source.ts';
import type { Theme } from './theme.ts';

export type FlashKind = 'info' | 'success' | 'error';

export interface AppServices {
  readonly source: TuiDataSource;
  readonly theme: Theme;
  /** Usable size: the terminal's, or a fixed one in tests. */
  readonly columns: number;
  readonly rows: number;
  /** Poll intervals; tests shorten them. */
  readonly pollMs: { readonly dashboard: number; readonly logs: number; readonly lists: number };
  /**
   * A screen that reads text (a form, a filter) captures the keyboard: the app's own keys (screen numbers,
   * q, ?) are off until it releases it.
   */
  setCaptured(captured: boolean): void;
  /** A one-line message in the status bar (cleared after a few seconds). */
  flash(message: string, kind?: FlashKind): void;
  /** Writes an OSC 52 sequence: terminals that support it put `text` on the clipboard. */
  copy(text: string): void;
}

export const AppContext = createContext<AppServices | undefined>(undefined);

export function useTui(): AppServices {
  const services = useContext(AppContext);
  if (services === undefined) throw new Error('useTui outside <AppContext.Provider>');
  return services;
}
