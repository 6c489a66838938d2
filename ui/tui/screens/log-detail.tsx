/** One request of the log in full: who, what, where, tokens by kind, cost, latency, the retry chain, the error. */
import { Box, Text, useInput } from 'ink';
import type { ReactNode } from 'react';
import { useTui } from '../app-context.ts';
import { KeyHints } from '../components/key-hints.tsx';
import type { LogView } from '../data/source.ts';
import { clean } from '../text.ts';

export interface AttemptLine {
  channel: string;
  key: string;
  model: string;
  status: number | null;
  error: string | null;
  retryable: boolean | null;
  durationMs: number | null;
}

/** The retry chain recorded in `other.attempts`, read leniently (old rows may lack fields). */
export function attemptsOf(view: LogView): AttemptLine[] {
  const attempts = view.other.attempts;
  if (!Array.isArray(attempts)) return [];
  return attempts.flatMap((attempt: unknown) => {
    if (attempt === null || typeof attempt !== 'object') return [];
    const record = attempt as Record<string, unknown>;
    const number = (value: unknown): number | null => (typeof value === 'number' ? value : null);
    const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);
    return [
      {
        channel: `${text(record.channelName) ?? '?'} #${number(record.channelId) ?? '?'}`,
        key: `key #${number(record.keyPosition) ?? '?'}`,
        model: text(record.upstreamModel) ?? '-',
        status: number(record.status),
        error: text(record.errorCode),
        retryable: typeof record.retryable === 'boolean' ? record.retryable : null,
        durationMs: number(record.durationMs),
      },
    ];
  });
}

function Line({ label, children }: { label: string; children: ReactNode }) {
  const { theme } = useTui();
  return (
    <Text wrap="truncate">
      <Text color={theme.muted}>{label.padEnd(12)}</Text>
      {children}
    </Text>
  );
}

export function LogDetail({ view, onDone }: { view: LogView; onDone(): void }) {
  const { theme } = useTui();
  useInput((input, key) => {
    if (key.escape || input === 'q' || key.return) onDone();
  });
  const attempts = attemptsOf(view);
  const flags = [view.other.estimated === true ? 'estimated' : '', view.other.partial === true ? 'partial' : '', view.other.clamped === true ? 'clamped' : ''].filter((flag) => flag !== '');
  const failed = view.type === 'error';
  return (
    <Box flexDirection="column">
      <Text bold color={failed ? theme.danger : theme.accent} wrap="truncate">
        Request {clean(view.requestId)} · log #{view.id} · {view.createdAt.replace('T', ' ').slice(0, 23)} UTC
      </Text>
      <Box flexDirection="column" marginTop={1}>
        <Line label="who">
          user {clean(view.username)} (#{view.userId ?? '-'}) · key {clean(view.tokenName)} (#{view.tokenId ?? '-'}) · group {clean(view.group)} · ip {clean(view.ip)}
        </Line>
        <Line label="model">
          {clean(view.modelName)} → upstream {clean(view.upstreamModel)} · {view.isStream ? 'stream' : 'not streamed'} · {clean(typeof view.other.endpoint === 'string' ? view.other.endpoint : null)}
        </Line>
        <Line label="channel">
          {clean(view.channelName)} (#{view.channelId ?? '-'})
        </Line>
        <Line label="result">
          <Text color={failed ? theme.danger : theme.success}>status {view.status ?? '-'}</Text> · {clean(typeof view.other.end === 'string' ? view.other.end : view.type)}
        </Line>
        <Line label="latency">
          {view.latencyMs ?? '-'} ms total · first token {view.firstTokenMs === null ? '-' : `${view.firstTokenMs} ms`}
        </Line>
        <Line label="tokens">
          prompt {view.promptTokens} · completion {view.completionTokens} · cached {view.cachedTokens} · cache write {view.cacheWriteTokens} · reasoning {view.reasoningTokens}
          {flags.length === 0 ? '' : ` (${flags.join(', ')})`}
        </Line>
        <Line label="cost">${view.costUsd}</Line>
        {view.errorCode === null ? null : (
          <Line label="error">
            <Text color={theme.danger}>{clean(view.errorCode)}</Text>
          </Line>
        )}
      </Box>
      <Box flexDirection="column" marginTop={1}>
        <Text bold color={theme.muted}>
          RETRY CHAIN ({attempts.length} attempt{attempts.length === 1 ? '' : 's'})
        </Text>
        {attempts.length === 0 ? <Text color={theme.muted}>no upstream attempt (refused before routing)</Text> : null}
        {attempts.map((attempt, index) => (
          <Text key={`${index}-${attempt.channel}`} wrap="truncate">
            {index + 1}. {clean(attempt.channel)} {attempt.key} {clean(attempt.model)}{' '}
            <Text color={attempt.error === null ? theme.success : theme.danger}>
              {attempt.status ?? '-'}
              {attempt.error === null ? '' : ` ${clean(attempt.error)}`}
            </Text>
            {attempt.retryable === true ? ' (retryable)' : ''} {attempt.durationMs ?? '-'} ms
          </Text>
        ))}
      </Box>
      {view.content === '' ? null : (
        <Box flexDirection="column" marginTop={1}>
          <Text bold color={theme.muted}>
            CONTENT
          </Text>
          <Text wrap="truncate-end">{clean(view.content).slice(0, 400)}</Text>
        </Box>
      )}
      <Box marginTop={1}>
        <KeyHints hints={[['Esc/q/⏎', 'back']]} />
      </Box>
    </Box>
  );
}
