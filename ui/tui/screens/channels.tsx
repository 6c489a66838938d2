/** Channels: the list with status, priority, weight, models and spend; add, edit, enable/disable, delete, test. */
import { Box, Text, useInput } from 'ink';
import { isPeriodicallyTested } from '../../../src/relay/channel-tester.ts';
import { useTui } from '../app-context.ts';
import { Confirm } from '../components/confirm.tsx';
import { FilterLine } from '../components/filter-line.tsx';
import { KeyHints } from '../components/key-hints.tsx';
import { type Column, Table } from '../components/table.tsx';
import type { ChannelView } from '../data/source.ts';
import { useListScreen } from '../hooks/use-list-screen.ts';
import { ago, shortList } from '../text.ts';
import { statusColor } from '../theme.ts';
import { ChannelForm, channelInputFromForm, channelPatchFromForm } from './channel-form.tsx';
import { ChannelTests } from './channel-tests.tsx';

type Mode = { kind: 'add' } | { kind: 'edit'; channel: ChannelView } | { kind: 'delete'; channel: ChannelView } | { kind: 'test'; channels: ChannelView[] };

export function Channels({ height }: { height: number }) {
  const { source, theme, flash } = useTui();
  const screen = useListScreen<ChannelView, Mode>(
    () => source.channels.list(),
    (channel) => [channel.name, channel.type, channel.status, channel.tag, ...channel.models],
    height,
  );
  const { mode, setMode, listing, rows, selected, current, tableHeight, poll, filter, back, run } = screen;
  const all = poll.data ?? [];
  const now = source.now();

  useInput(
    (input, key) => {
      if (input === 'n') return setMode({ kind: 'add' });
      if (input === '/') return setMode({ kind: 'filter' });
      if (input === 'A') return setMode({ kind: 'test', channels: all.filter(isPeriodicallyTested) });
      if (current === undefined) return;
      if (input === 'e' || key.return) return setMode({ kind: 'edit', channel: current });
      if (input === 't') return setMode({ kind: 'test', channels: [current] });
      if (input === 'x' || key.delete) return setMode({ kind: 'delete', channel: current });
      if (input === 's' || input === ' ') {
        const enable = current.status !== 'enabled';
        run(() => source.channels.setEnabled(current.id, enable), `channel ${current.name} ${enable ? 'enabled' : 'disabled'}`);
      }
    },
    { isActive: listing },
  );

  if (mode.kind === 'add' || mode.kind === 'edit') {
    const editing = mode.kind === 'edit' ? mode.channel : undefined;
    return (
      <ChannelForm
        channel={editing}
        save={async (values, before) => {
          if (editing === undefined) return source.channels.add(channelInputFromForm(values));
          const patch = channelPatchFromForm(values, before);
          return Object.keys(patch).length === 0 ? editing : source.channels.update(editing.id, patch);
        }}
        onSaved={(saved) => {
          flash(`${editing === undefined ? 'added' : 'saved'} channel ${saved.name} (id ${saved.id})${editing === undefined ? '; press t to test it' : ''}`, 'success');
          back();
        }}
        onCancel={back}
      />
    );
  }
  if (mode.kind === 'test') return <ChannelTests channels={mode.channels} onDone={back} />;

  const columns: Column<ChannelView>[] = [
    { title: 'ID', width: 4, align: 'right', cell: (channel) => channel.id },
    { title: 'NAME', width: 16, cell: (channel) => channel.name },
    { title: 'TYPE', width: 10, cell: (channel) => channel.type, minColumns: 90 },
    { title: 'STATUS', width: 13, cell: (channel) => channel.status, color: (channel) => statusColor(theme, channel.status) },
    { title: 'PRI', width: 4, align: 'right', cell: (channel) => channel.priority },
    { title: 'WT', width: 4, align: 'right', cell: (channel) => channel.weight },
    { title: 'MODELS', width: 12, grow: true, cell: (channel) => shortList(channel.models) },
    { title: 'USED', width: 9, align: 'right', cell: (channel) => `$${channel.usedUsd}` },
    { title: 'LATENCY', width: 8, align: 'right', cell: (channel) => (channel.responseTimeMs === null ? '-' : `${channel.responseTimeMs}ms`), minColumns: 100 },
    { title: 'TESTED', width: 8, cell: (channel) => ago(channel.testedAt, now), minColumns: 110 },
  ];
  return (
    <Box flexDirection="column" height={height}>
      <Box flexDirection="column" flexGrow={1}>
        <Table columns={columns} rows={rows} selected={selected} height={tableHeight} rowKey={(channel) => channel.id} empty={filter === '' ? 'No channels yet: press n to add one.' : 'No channel matches the filter.'} />
      </Box>
      {poll.error === undefined ? null : <Text color={theme.danger}>{poll.error}</Text>}
      {mode.kind === 'delete' ? (
        <Confirm
          question={`Delete channel ${mode.channel.name} (id ${mode.channel.id}) and its ${mode.channel.keys.length} key(s)?`}
          onYes={() => {
            const target = mode.channel;
            setMode({ kind: 'list' });
            run(() => source.channels.remove(target.id), `deleted channel ${target.name}`);
          }}
          onNo={() => setMode({ kind: 'list' })}
        />
      ) : null}
      <FilterLine {...screen.filterLine} />
      <KeyHints hints={[['n', 'new'], ['e/⏎', 'edit'], ['s', current?.status === 'enabled' ? 'disable' : 'enable'], ['x', 'delete'], ['t', 'test'], ['A', 'test all'], ['/', 'filter']]} />
    </Box>
  );
}
