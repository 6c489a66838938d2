/** API keys: owner, remaining quota, expiry and limits; create (shown once), edit, enable/disable, delete. */
import { Box, Text, useInput } from 'ink';
import { useTui } from '../app-context.ts';
import { Confirm } from '../components/confirm.tsx';
import { FilterLine } from '../components/filter-line.tsx';
import { Form } from '../components/form.tsx';
import { KeyHints } from '../components/key-hints.tsx';
import { SecretOnce } from '../components/secret-once.tsx';
import { type Column, Table } from '../components/table.tsx';
import type { TokenView } from '../data/source.ts';
import { useListScreen } from '../hooks/use-list-screen.ts';
import { shortDate, shortList } from '../text.ts';
import { statusColor } from '../theme.ts';
import { keyFields, keyFormValues, keyInputFromForm, keyPatchFromForm } from './key-form.ts';

type Mode =
  | { kind: 'create' }
  | { kind: 'created'; token: TokenView; key: string }
  | { kind: 'edit'; token: TokenView }
  | { kind: 'delete'; token: TokenView };

function limits(token: TokenView): string {
  const parts = [token.models.length === 0 ? 'all models' : shortList(token.models, 'all', 1)];
  if (token.allowIps.length > 0) parts.push(`${token.allowIps.length} IP rule${token.allowIps.length === 1 ? '' : 's'}`);
  if (token.group !== null) parts.push(`group ${token.group}`);
  return parts.join('; ');
}

export function Keys({ height }: { height: number }) {
  const { source, theme, flash } = useTui();
  const screen = useListScreen<TokenView, Mode>(
    () => source.keys.list(),
    (token) => [token.name, token.username, token.status, token.keyPrefix, ...token.models],
    height,
  );
  const { mode, setMode, listing, rows, selected, current, tableHeight, poll, filter, back, run } = screen;

  useInput(
    (input, key) => {
      if (input === 'n') return setMode({ kind: 'create' });
      if (input === '/') return setMode({ kind: 'filter' });
      if (current === undefined) return;
      if (input === 'e' || key.return) return setMode({ kind: 'edit', token: current });
      if (input === 'x' || key.delete) return setMode({ kind: 'delete', token: current });
      if (input === 's' || input === ' ') {
        const enable = current.status === 'disabled';
        run(() => source.keys.setEnabled(current.id, enable), `key ${current.name} ${enable ? 'enabled' : 'disabled'}`);
      }
    },
    { isActive: listing },
  );

  if (mode.kind === 'create') {
    return (
      <Form
        title="Create an API key"
        note="Checked like `gateway token create`. The full key is shown once, right after."
        fields={keyFields('create')}
        initial={keyFormValues()}
        submitLabel="create"
        onSubmit={async (values) => {
          const created = await source.keys.create(keyInputFromForm(values));
          setMode({ kind: 'created', token: created.token, key: created.key });
        }}
        onCancel={back}
      />
    );
  }
  if (mode.kind === 'created') {
    return (
      <SecretOnce
        title={`Created key ${mode.token.name} (id ${mode.token.id}) for ${mode.token.username}`}
        secrets={[mode.key]}
        details={`quota ${mode.token.quotaUsd === null ? 'unlimited' : `$${mode.token.quotaUsd}`} · expires ${shortDate(mode.token.expiresAt)}`}
        onDone={back}
      />
    );
  }
  if (mode.kind === 'edit') {
    const initial = keyFormValues(mode.token);
    const token = mode.token;
    return (
      <Form
        title={`Edit key ${token.name} (id ${token.id}) of ${token.username}`}
        note="The key itself stays the same. Empty quota: unlimited; empty expiry: never; empty lists: no limit."
        fields={keyFields('edit')}
        initial={initial}
        submitLabel="save"
        onSubmit={async (values) => {
          const patch = keyPatchFromForm(values, initial);
          if (Object.keys(patch).length > 0) await source.keys.update(token.id, patch);
          flash(`saved key ${values.name ?? token.name}`, 'success');
          back();
        }}
        onCancel={back}
      />
    );
  }

  const columns: Column<TokenView>[] = [
    { title: 'ID', width: 4, align: 'right', cell: (token) => token.id },
    { title: 'NAME', width: 14, cell: (token) => token.name },
    { title: 'OWNER', width: 10, cell: (token) => token.username },
    { title: 'KEY', width: 10, cell: (token) => token.keyPrefix, minColumns: 100 },
    { title: 'STATUS', width: 9, cell: (token) => token.status, color: (token) => statusColor(theme, token.status) },
    { title: 'REMAINING', width: 10, align: 'right', cell: (token) => (token.quotaUsd === null ? 'unlimited' : `$${token.quotaUsd}`) },
    { title: 'USED', width: 8, align: 'right', cell: (token) => `$${token.usedUsd}`, minColumns: 90 },
    { title: 'EXPIRES', width: 10, cell: (token) => shortDate(token.expiresAt).slice(0, 10) },
    { title: 'LIMITS', width: 10, grow: true, cell: limits },
  ];
  return (
    <Box flexDirection="column" height={height}>
      <Box flexDirection="column" flexGrow={1}>
        <Table columns={columns} rows={rows} selected={selected} height={tableHeight} rowKey={(token) => token.id} empty={filter === '' ? 'No keys yet: press n to create one.' : 'No key matches the filter.'} />
      </Box>
      {poll.error === undefined ? null : <Text color={theme.danger}>{poll.error}</Text>}
      {mode.kind === 'delete' ? (
        <Confirm
          question={`Delete key ${mode.token.name} (id ${mode.token.id}) of ${mode.token.username}? Clients using it get 401 at once.`}
          onYes={() => {
            const target = mode.token;
            setMode({ kind: 'list' });
            run(() => source.keys.remove(target.id), `deleted key ${target.name}`);
          }}
          onNo={() => setMode({ kind: 'list' })}
        />
      ) : null}
      <FilterLine {...screen.filterLine} />
      <KeyHints hints={[['n', 'new'], ['e/⏎', 'edit'], ['s', current?.status === 'disabled' ? 'enable' : 'disable'], ['x', 'delete'], ['/', 'filter']]} />
    </Box>
  );
}
