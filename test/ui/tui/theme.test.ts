import { expect, test } from 'bun:test';
import { sparkline } from '../../../ui/tui/components/sparkline.tsx';
import { computeStats, minuteSeries, perMinute } from '../../../ui/tui/data/dashboard-stats.ts';
import { colorWanted, createTheme } from '../../../ui/tui/theme.ts';

test('NO_COLOR set to anything but empty turns every colour token off', () => {
  expect(colorWanted({})).toBe(true);
  expect(colorWanted({ NO_COLOR: '' })).toBe(true);
  expect(colorWanted({ NO_COLOR: '1' })).toBe(false);
  const plain = createTheme(false);
  for (const [name, value] of Object.entries(plain)) if (name !== 'color') expect(value).toBeUndefined();
  expect(createTheme(true).danger).toBe('red');
});

test('sparklines: idle is the baseline, any activity shows above it, the maximum is a full block', () => {
  expect(sparkline([0, 0, 1, 100, 50], 5)).toBe('▁▁▂█▅');
  expect(sparkline([], 3)).toBe('▁▁▁');
  expect(sparkline([1, 2, 3, 4], 2)).toBe('▆█');
});

test('per-minute series and rates from the activity of the last hour', () => {
  const minute = 60_000;
  const now = Date.UTC(2026, 0, 1, 12, 0, 30);
  const current = Date.UTC(2026, 0, 1, 12, 0, 0);
  const activity = [
    { minute: current - 90 * minute, requests: 99, errors: 0, tokens: 0, cost: 0 },
    { minute: current - minute, requests: 10, errors: 1, tokens: 1000, cost: 5 },
    { minute: current, requests: 4, errors: 0, tokens: 200, cost: 1 },
  ];
  const series = minuteSeries(activity, now);
  expect(series.requests).toHaveLength(60);
  expect(series.requests.slice(-2)).toEqual([10, 4]);
  expect(series.requests.reduce((sum, value) => sum + value, 0)).toBe(14);
  // Half of the current minute has passed: 4 + half of the previous minute's 10.
  expect(perMinute(series.requests, now)).toBe(9);
  const empty = { by: 'model' as const, since: '', until: null, rows: [], totals: { requests: 0, errors: 0, promptTokens: 0, completionTokens: 0, cost: 0, costUsd: '0' } };
  const stats = computeStats({ now, activity, byModel: empty, byKey: empty, channels: [] });
  expect(stats.errorRate).toBeCloseTo(1 / 14);
  expect(stats.tokensPerMinute).toBe(700);
  expect(computeStats({ now, activity: [], byModel: empty, byKey: empty, channels: [] }).errorRate).toBeNull();
});
