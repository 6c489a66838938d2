/**
 * Channel tests with live progress: each channel is tested in turn (as `gateway channel test --all`), a spinner
 * on the one running, and its result — latency, or the upstream's status and error — as soon as it is known.
 * Leaving stops starting new tests (the one running finishes).
 */
import { Box, Text, useInput } from 'ink';
import { useEffect, useRef, useState } from 'react';
import { useTui } from '../app-context.ts';
import { KeyHints } from '../components/key-hints.tsx';
import type { ChannelTestResult, ChannelView } from '../data/source.ts';
import { clean, fit } from '../text.ts';

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

type TestState = { state: 'waiting' } | { state: 'running' } | { state: 'done'; result: ChannelTestResult } | { state: 'error'; message: string };

export function describeResult(result: ChannelTestResult): string {
  if (result.ok) return `${result.model} ${result.latencyMs ?? '-'} ms`;
  const status = result.status === 0 ? '' : `${result.status} `;
  return `${result.model} ${status}${result.errorCode ?? 'failed'}: ${result.message ?? ''}`;
}

export function ChannelTests({ channels, onDone }: { channels: readonly ChannelView[]; onDone(): void }) {
  const { source, theme, columns } = useTui();
  const [states, setStates] = useState<TestState[]>(() => channels.map(() => ({ state: 'waiting' })));
  const [tick, setTick] = useState(0);
  const stopped = useRef(false);

  useEffect(() => {
    stopped.current = false;
    const set = (index: number, state: TestState): void => setStates((previous) => previous.map((entry, position) => (position === index ? state : entry)));
    void (async () => {
      for (const [index, channel] of channels.entries()) {
        if (stopped.current) return;
        set(index, { state: 'running' });
        try {
          set(index, { state: 'done', result: await source.channels.test(channel.id) });
        } catch (error) {
          set(index, { state: 'error', message: error instanceof Error ? error.message : String(error) });
        }
      }
    })();
    const timer = setInterval(() => setTick((value) => value + 1), 120);
    return () => {
      stopped.current = true;
      clearInterval(timer);
    };
  }, [channels, source]);

  useInput((input, key) => {
    if (key.escape || input === 'q' || key.return) onDone();
  });

  const finished = states.filter((entry) => entry.state === 'done' || entry.state === 'error').length;
  const failed = states.filter((entry) => entry.state === 'error' || (entry.state === 'done' && !entry.result.ok)).length;
  const barWidth = Math.max(10, Math.min(40, columns - 30));
  const filled = channels.length === 0 ? barWidth : Math.round((finished / channels.length) * barWidth);
  return (
    <Box flexDirection="column">
      <Text bold color={theme.accent}>
        Testing {channels.length === 1 ? `channel ${clean(channels[0]?.name)}` : `${channels.length} channels`}
      </Text>
      <Text>
        <Text color={theme.success}>{'█'.repeat(filled)}</Text>
        <Text color={theme.muted}>{'░'.repeat(barWidth - filled)}</Text> {finished}/{channels.length}
        {failed > 0 ? <Text color={theme.danger}> {failed} failed</Text> : null}
      </Text>
      <Box flexDirection="column" marginTop={1}>
        {channels.length === 0 ? <Text color={theme.muted}>No enabled or auto-disabled channel to test.</Text> : null}
        {channels.map((channel, index) => {
          const entry = states[index] ?? { state: 'waiting' };
          const mark =
            entry.state === 'running'
              ? <Text color={theme.warning}>{SPINNER[tick % SPINNER.length]}</Text>
              : entry.state === 'waiting'
                ? <Text color={theme.muted}>·</Text>
                : entry.state === 'done' && entry.result.ok
                  ? <Text color={theme.success}>✓</Text>
                  : <Text color={theme.danger}>✗</Text>;
          const detail =
            entry.state === 'done' ? describeResult(entry.result) : entry.state === 'error' ? entry.message : entry.state === 'running' ? 'testing…' : 'waiting';
          return (
            <Text key={channel.id} wrap="truncate">
              {mark} {fit(clean(channel.name), 20)} <Text color={entry.state === 'done' && entry.result.ok ? undefined : entry.state === 'waiting' ? theme.muted : theme.danger}>{clean(detail)}</Text>
              {entry.state === 'done' && entry.result.reEnabled ? <Text color={theme.success}> (enabled again)</Text> : null}
            </Text>
          );
        })}
      </Box>
      <Box marginTop={1}>
        <KeyHints hints={[['Esc/q', finished === channels.length ? 'back' : 'stop and go back']]} />
      </Box>
    </Box>
  );
}
