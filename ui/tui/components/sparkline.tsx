/** A one-line chart of a series, eight levels per cell, scaled to its own maximum. */
import { Text } from 'ink';
import { useTui } from '../app-context.ts';

const LEVELS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/** The last `width` values as block characters: idle is the lowest block, any activity above it, the maximum the highest. */
export function sparkline(values: readonly number[], width: number): string {
  const shown = values.slice(-Math.max(0, width));
  const top = Math.max(0, ...shown);
  return shown
    .map((value) => {
      if (top === 0 || value <= 0) return LEVELS[0];
      // Any activity shows above the idle baseline.
      const level = Math.min(LEVELS.length - 1, Math.max(1, Math.round((value / top) * (LEVELS.length - 1))));
      return LEVELS[level];
    })
    .join('')
    .padStart(width, LEVELS[0]);
}

export function Sparkline({ values, width }: { values: readonly number[]; width: number }) {
  const { theme } = useTui();
  return <Text color={theme.chart}>{sparkline(values, width)}</Text>;
}
