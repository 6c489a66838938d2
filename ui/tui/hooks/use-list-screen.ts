/**
 * What every list screen shares: its mode (the list, the `/` filter, or the screen's own forms and dialogs),
 * the polled rows narrowed by the filter, the selected row, the keyboard captured outside the list, and
 * actions that report their outcome in the status line and reload the list.
 */
import { useEffect, useState } from 'react';
import { useTui } from '../app-context.ts';
import { matchesFilter } from '../components/filter-line.tsx';
import { type Poll, usePoll } from './use-poll.ts';
import { useSelection } from './use-selection.ts';

export type ListMode = { kind: 'list' } | { kind: 'filter' };

/** Lines a list screen keeps for itself below the table: filter line, hints, messages. */
const RESERVED_LINES = 4;

export interface ListScreen<Row, Mode extends { kind: string }> {
  mode: ListMode | Mode;
  setMode(mode: ListMode | Mode): void;
  /** The list is shown and takes keys. */
  listing: boolean;
  rows: Row[];
  selected: number;
  current: Row | undefined;
  tableHeight: number;
  poll: Poll<Row[]>;
  filter: string;
  /** Props for <FilterLine>. */
  filterLine: { value: string; editing: boolean; onChange(value: string): void; onDone(keep: boolean): void };
  /** Back to the list, reloaded. */
  back(): void;
  /** Runs a change; success flashes `done` and reloads, failure flashes the error. */
  run(action: () => Promise<unknown>, done: string): void;
}

export function useListScreen<Row, Mode extends { kind: string }>(
  load: () => Promise<Row[]>,
  texts: (row: Row) => readonly (string | number | null | undefined)[],
  height: number,
): ListScreen<Row, Mode> {
  const { pollMs, setCaptured, flash } = useTui();
  const [mode, setMode] = useState<ListMode | Mode>({ kind: 'list' });
  const [filter, setFilter] = useState('');
  const poll = usePoll(load, pollMs.lists, mode.kind === 'list' || mode.kind === 'filter');
  const rows = (poll.data ?? []).filter((row) => matchesFilter(filter, texts(row)));
  const listing = mode.kind === 'list';
  const tableHeight = Math.max(1, height - RESERVED_LINES);
  const [selected] = useSelection(rows.length, tableHeight, listing);

  useEffect(() => setCaptured(mode.kind !== 'list'), [mode.kind, setCaptured]);

  return {
    mode,
    setMode,
    listing,
    rows,
    selected,
    current: rows[selected],
    tableHeight,
    poll,
    filter,
    filterLine: {
      value: filter,
      editing: mode.kind === 'filter',
      onChange: setFilter,
      onDone: (keep) => {
        if (!keep) setFilter('');
        setMode({ kind: 'list' });
      },
    },
    back: () => {
      setMode({ kind: 'list' });
      void poll.reload();
    },
    run: (action, done) => {
      void action().then(
        () => {
          flash(done, 'success');
          void poll.reload();
        },
        (error: unknown) => flash(error instanceof Error ? error.message : String(error), 'error'),
      );
    },
  };
}
