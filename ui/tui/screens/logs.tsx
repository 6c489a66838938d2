/**
 * The live request log: the latest rows, then every new row as it is written (polled every `pollMs.logs`,
 * only rows after the last one seen), newest on top. `/` filters by user, key, model, channel and errors;
 * Enter opens one request.
 */
import { Box, Text, useInput } from 'ink';
import { useEffect, useRef, useState } from 'react';
import { useTui } from '../app-context.ts';
import { type FieldSpec, Form } from '../components/form.tsx';
import { KeyHints } from '../components/key-hints.tsx';
import { type Column, Table } from '../components/table.tsx';
import type { LogTailFilter, LogView } from '../data/source.ts';
import { useSelection } from '../hooks/use-selection.ts';
import { clockTime } from '../text.ts';
import { LogDetail } from './log-detail.tsx';

/** Rows kept on screen; older ones scroll away (`gateway logs` reads further back). */
export const LOG_ROWS_KEPT = 500;
const FIRST_PAGE = 200;

type Mode = { kind: 'list' } | { kind: 'filter' } | { kind: 'detail'; view: LogView };

const filterFields: readonly FieldSpec[] = [
  { id: 'user', label: 'user', placeholder: 'any (id or username)', errorFields: ['--user'] },
  { id: 'key', label: 'key', placeholder: 'any (id or name)', errorFields: ['--token'] },
  { id: 'model', label: 'model', placeholder: 'any (the name the client sent)' },
  { id: 'channel', label: 'channel', placeholder: 'any (id or name)', errorFields: ['--channel'] },
  { id: 'errors', label: 'errors only', kind: 'toggle' },
];

export function describeFilter(filter: LogTailFilter): string {
  const parts = [
    filter.user === undefined ? '' : `user=${filter.user}`,
    filter.key === undefined ? '' : `key=${filter.key}`,
    filter.model === undefined ? '' : `model=${filter.model}`,
    filter.channel === undefined ? '' : `channel=${filter.channel}`,
    filter.errorsOnly === true ? 'errors only' : '',
  ].filter((part) => part !== '');
  return parts.length === 0 ? 'all requests' : parts.join(' · ');
}

function blankToUndefined(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

export function Logs({ height }: { height: number }) {
  const { source, theme, pollMs, setCaptured } = useTui();
  const [mode, setMode] = useState<Mode>({ kind: 'list' });
  const [filter, setFilter] = useState<LogTailFilter>({});
  const [rows, setRows] = useState<LogView[]>([]);
  const [paused, setPaused] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  const [loaded, setLoaded] = useState(false);
  const listing = mode.kind === 'list';
  const tableHeight = Math.max(1, height - 3);
  const [selected, setSelected] = useSelection(rows.length, tableHeight, listing);
  const selectedRef = useRef(selected);
  selectedRef.current = selected;
  const lastId = useRef<number | undefined>(undefined);

  useEffect(() => setCaptured(mode.kind !== 'list'), [mode.kind, setCaptured]);

  // A new filter starts over from the latest rows.
  useEffect(() => {
    lastId.current = undefined;
    setRows([]);
    setLoaded(false);
  }, [filter]);

  useEffect(() => {
    if (paused) return;
    let busy = false;
    let alive = true;
    const poll = async (): Promise<void> => {
      if (busy) return;
      busy = true;
      try {
        const tail = await source.logs.tail(filter, { afterId: lastId.current, limit: FIRST_PAGE });
        if (!alive) return;
        const first = lastId.current === undefined;
        lastId.current = tail.lastId;
        setError(undefined);
        setLoaded(true);
        if (first) setRows(tail.views.slice(0, LOG_ROWS_KEPT));
        else if (tail.views.length > 0) {
          setRows((previous) => [...tail.views, ...previous].slice(0, LOG_ROWS_KEPT));
          // Keep a row the operator selected under the cursor while new rows arrive on top.
          if (selectedRef.current > 0) setSelected(selectedRef.current + tail.views.length);
        }
      } catch (caught) {
        if (alive) setError(caught instanceof Error ? caught.message : String(caught));
      } finally {
        busy = false;
      }
    };
    void poll();
    const timer = setInterval(() => void poll(), pollMs.logs);
    return () => {
      alive = false;
      clearInterval(timer);
    };
  }, [filter, paused, pollMs.logs, source, setSelected]);

  useInput(
    (input, key) => {
      if (input === '/') return setMode({ kind: 'filter' });
      if (input === 'p') return setPaused((value) => !value);
      if (input === 'E') return setFilter((previous) => ({ ...previous, errorsOnly: previous.errorsOnly !== true }));
      if (input === 'c') return setFilter({});
      const current = rows[selected];
      if (key.return && current !== undefined) {
        setMode({ kind: 'detail', view: current });
        // A source whose rows lack the details (remote mode) reads the whole row; shown once it arrives.
        source.logs.detail?.(current.id).then(
          (view) => setMode((mode) => (mode.kind === 'detail' && mode.view.id === view.id ? { kind: 'detail', view } : mode)),
          (caught: unknown) => setError(caught instanceof Error ? caught.message : String(caught)),
        );
      }
    },
    { isActive: listing },
  );

  if (mode.kind === 'detail') return <LogDetail view={mode.view} onDone={() => setMode({ kind: 'list' })} />;
  if (mode.kind === 'filter') {
    return (
      <Form
        title="Filter the live log"
        note="Every filter given must match; leave a field empty for any."
        fields={filterFields}
        initial={{ user: filter.user ?? '', key: filter.key ?? '', model: filter.model ?? '', channel: filter.channel ?? '', errors: filter.errorsOnly === true ? 'yes' : 'no' }}
        submitLabel="apply"
        onSubmit={async (values) => {
          const next: LogTailFilter = {
            user: blankToUndefined(values.user),
            key: blankToUndefined(values.key),
            model: blankToUndefined(values.model),
            channel: blankToUndefined(values.channel),
            errorsOnly: values.errors === 'yes' ? true : undefined,
          };
          // Unknown names are refused here, under their field, rather than by the next poll.
          await source.logs.tail(next, { limit: 1 });
          setFilter(next);
          setMode({ kind: 'list' });
        }}
        onCancel={() => setMode({ kind: 'list' })}
      />
    );
  }

  const columns: Column<LogView>[] = [
    { title: 'TIME', width: 8, cell: (view) => clockTime(view.createdAt) },
    { title: 'USER', width: 8, cell: (view) => view.username ?? (view.userId === null ? null : `#${view.userId}`), minColumns: 90 },
    { title: 'KEY', width: 10, cell: (view) => view.tokenName ?? (view.tokenId === null ? null : `#${view.tokenId}`) },
    { title: 'MODEL', width: 12, grow: true, cell: (view) => view.modelName },
    { title: 'CHANNEL', width: 10, cell: (view) => view.channelName ?? (view.channelId === null ? null : `#${view.channelId}`) },
    { title: 'ST', width: 3, cell: (view) => view.status, color: (view) => (view.type === 'error' ? theme.danger : theme.success) },
    { title: 'IN', width: 5, align: 'right', cell: (view) => view.promptTokens },
    { title: 'OUT', width: 5, align: 'right', cell: (view) => view.completionTokens },
    { title: 'COST', width: 9, align: 'right', cell: (view) => `$${view.costUsd}` },
    { title: 'MS', width: 5, align: 'right', cell: (view) => view.latencyMs },
    { title: 'ERROR', width: 14, cell: (view) => view.errorCode, color: () => theme.danger, minColumns: 100 },
  ];
  return (
    <Box flexDirection="column" height={height}>
      <Text wrap="truncate">
        <Text color={paused ? theme.warning : theme.success}>{paused ? '❚❚ paused' : '● live'}</Text>
        <Text color={theme.muted}> · {describeFilter(filter)} · {rows.length} shown</Text>
        {error === undefined ? null : <Text color={theme.danger}> · {error}</Text>}
      </Text>
      <Box flexDirection="column" flexGrow={1}>
        <Table columns={columns} rows={rows} selected={selected} height={tableHeight - 1} rowKey={(view) => view.id} empty={loaded ? 'No request yet; new ones appear here as they finish.' : 'loading…'} />
      </Box>
      <KeyHints hints={[['⏎', 'details'], ['/', 'filter'], ['E', 'errors only'], ['c', 'clear filter'], ['p', paused ? 'resume' : 'pause']]} />
    </Box>
  );
}
