/**
 * Dashboard: what is flowing and what is failing. Rates and sparklines come from the per-minute activity of the
 * last hour (read incrementally by the data source), spend and top lists from today's hourly aggregates, and
 * one health line per channel. Refreshes every `pollMs.dashboard`.
 */
import { Box, Text, useInput } from 'ink';
import { useTui } from '../app-context.ts';
import { KeyHints } from '../components/key-hints.tsx';
import { Sparkline } from '../components/sparkline.tsx';
import { type DashboardStats, loadStats } from '../data/dashboard-stats.ts';
import type { UsageReport } from '../data/source.ts';
import { usePoll } from '../hooks/use-poll.ts';
import { statusColor } from '../theme.ts';
import { ago, clean, compact, fit } from '../text.ts';

function Figure({ label, value, color }: { label: string; value: string; color?: string | undefined }) {
  const { theme } = useTui();
  return (
    <Text>
      <Text color={theme.muted}>{label} </Text>
      <Text bold color={color}>
        {value}
      </Text>
    </Text>
  );
}

function TopList({ title, rows, width }: { title: string; rows: UsageReport['rows']; width: number }) {
  const { theme } = useTui();
  const nameWidth = Math.max(6, width - 17);
  return (
    <Box flexDirection="column" width={width}>
      <Text bold color={theme.muted} wrap="truncate">
        {fit(title, nameWidth)} {fit('REQ', 5, 'right')} {fit('COST', 9, 'right')}
      </Text>
      {rows.length === 0 ? <Text color={theme.muted}>no requests yet</Text> : null}
      {rows.map((row) => (
        <Text key={`${row.id ?? ''}-${row.key}`} wrap="truncate">
          {fit(clean(row.key), nameWidth)} {fit(compact(row.requests), 5, 'right')} {fit(`$${row.costUsd}`, 9, 'right')}
        </Text>
      ))}
    </Box>
  );
}

function errorRateText(stats: DashboardStats): string {
  if (stats.errorRate === null) return '-';
  return `${(stats.errorRate * 100).toFixed(1)}% (${stats.errorsLastHour}/${stats.requestsLastHour})`;
}

export function Dashboard({ height }: { height: number }) {
  const { source, theme, columns, pollMs } = useTui();
  const poll = usePoll(() => loadStats(source), pollMs.dashboard);
  useInput((input) => {
    if (input === 'r') void poll.reload();
  });
  const stats = poll.data;
  if (stats === undefined) {
    return <Text color={poll.error === undefined ? theme.muted : theme.danger}>{poll.error ?? 'loading…'}</Text>;
  }
  const sparkWidth = Math.max(10, Math.min(60, columns - 16));
  const half = Math.floor((columns - 2) / 2);
  const topRows = Math.max(1, Math.min(5, height - 14));
  const channelRows = Math.max(1, height - 9 - topRows);
  const channels = stats.channels.slice(0, channelRows);
  const errorColor = stats.errorRate !== null && stats.errorRate > 0.05 ? theme.danger : stats.errorsLastHour > 0 ? theme.warning : theme.success;
  return (
    <Box flexDirection="column" height={height}>
      <Box columnGap={3} flexWrap="wrap">
        <Figure label="req/min" value={compact(stats.requestsPerMinute)} />
        <Figure label="tokens/min" value={compact(stats.tokensPerMinute)} />
        <Figure label="spend today" value={`$${stats.spendTodayUsd}`} />
        <Figure label="errors 1h" value={errorRateText(stats)} color={errorColor} />
      </Box>
      <Box flexDirection="column" marginTop={1}>
        <Text wrap="truncate">
          <Text color={theme.muted}>{'requests '}</Text>
          <Sparkline values={stats.series.requests} width={sparkWidth} />
          <Text color={theme.muted}> {compact(stats.requestsLastHour)}/h</Text>
        </Text>
        <Text wrap="truncate">
          <Text color={theme.muted}>{'tokens   '}</Text>
          <Sparkline values={stats.series.tokens} width={sparkWidth} />
        </Text>
        <Text wrap="truncate">
          <Text color={theme.muted}>{'errors   '}</Text>
          <Sparkline values={stats.series.errors} width={sparkWidth} />
          <Text color={theme.muted}> last 60 min</Text>
        </Text>
      </Box>
      <Box marginTop={1}>
        <TopList title="TOP MODELS TODAY" rows={stats.topModels.slice(0, topRows)} width={half} />
        <Box width={2} />
        <TopList title="TOP KEYS TODAY" rows={stats.topKeys.slice(0, topRows)} width={half} />
      </Box>
      <Box flexDirection="column" marginTop={1} flexGrow={1}>
        <Text bold color={theme.muted}>
          CHANNELS
        </Text>
        {stats.channels.length === 0 ? <Text color={theme.muted}>no channels: press 2, then n to add one</Text> : null}
        {channels.map((channel) => (
          <Text key={channel.id} wrap="truncate">
            <Text color={statusColor(theme, channel.status)}>● </Text>
            {fit(clean(channel.name), 18)} <Text color={statusColor(theme, channel.status)}>{fit(channel.status, 13)}</Text>
            {fit(channel.responseTimeMs === null ? '-' : `${channel.responseTimeMs} ms`, 9, 'right')}
            <Text color={theme.muted}> tested {fit(ago(channel.testedAt, stats.now), 9)}</Text>
            {channel.disabledReason === null ? '' : <Text color={theme.warning}> {clean(channel.disabledReason)}</Text>}
          </Text>
        ))}
        {stats.channels.length > channels.length ? <Text color={theme.muted}>… {stats.channels.length - channels.length} more on the Channels screen (2)</Text> : null}
      </Box>
      <KeyHints hints={[['r', 'refresh'], ['2-6', 'manage'], ['?', 'help']]} />
    </Box>
  );
}
