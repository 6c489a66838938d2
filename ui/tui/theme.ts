/**
 * The one palette of the terminal UI, as semantic tokens. With `NO_COLOR` (https://no-color.org) every colour
 * token is undefined, so Ink prints plain text; emphasis that is not colour (bold, inverse for the selected
 * row) stays, so the screen is still readable.
 */
export interface Theme {
  readonly color: boolean;
  readonly accent: string | undefined;
  readonly muted: string | undefined;
  readonly success: string | undefined;
  readonly warning: string | undefined;
  readonly danger: string | undefined;
  readonly key: string | undefined;
  readonly chart: string | undefined;
}

export function createTheme(color: boolean): Theme {
  if (!color) {
    return { color, accent: undefined, muted: undefined, success: undefined, warning: undefined, danger: undefined, key: undefined, chart: undefined };
  }
  return { color, accent: 'cyan', muted: 'gray', success: 'green', warning: 'yellow', danger: 'red', key: 'cyan', chart: 'magenta' };
}

/** NO_COLOR set to anything but the empty string turns colour off. */
export function colorWanted(env: Readonly<Record<string, string | undefined>>): boolean {
  return env.NO_COLOR === undefined || env.NO_COLOR === '';
}

/** The colour of a status word wherever it is shown. */
export function statusColor(theme: Theme, status: string): string | undefined {
  if (status === 'enabled' || status === 'unused' || status === 'ok') return theme.success;
  if (status === 'auto-disabled' || status === 'expired' || status === 'exhausted') return theme.warning;
  if (status === 'disabled' || status === 'error' || status === 'failed') return theme.danger;
  return theme.muted;
}
