/** Users and their wallets: list, create (a generated password shown once), top up, enable/disable. */
import { Box, Text, useInput } from 'ink';
import { parseRole } from '../../../src/services/users.ts';
import { useTui } from '../app-context.ts';
import { FilterLine } from '../components/filter-line.tsx';
import { type FieldSpec, Form, type FormValues } from '../components/form.tsx';
import { KeyHints } from '../components/key-hints.tsx';
import { SecretOnce } from '../components/secret-once.tsx';
import { type Column, Table } from '../components/table.tsx';
import type { UserView } from '../data/source.ts';
import { useListScreen } from '../hooks/use-list-screen.ts';
import { statusColor } from '../theme.ts';

type Mode = { kind: 'create' } | { kind: 'created'; user: UserView; password: string } | { kind: 'topup'; user: UserView };

const userFields: readonly FieldSpec[] = [
  { id: 'username', label: 'username', placeholder: 'alice', errorFields: ['username', '--username'] },
  { id: 'password', label: 'password', kind: 'secret', placeholder: 'generated and shown once', errorFields: ['--password'] },
  { id: 'role', label: 'role', kind: 'choice', choices: ['user', 'admin', 'root'], errorFields: ['--role'] },
  { id: 'group', label: 'group', placeholder: 'default', errorFields: ['--group'] },
  { id: 'email', label: 'email', errorFields: ['--email'] },
  { id: 'quota', label: 'opening USD', placeholder: '0', errorFields: ['--quota'] },
];

const topupFields: readonly FieldSpec[] = [{ id: 'amount', label: 'amount USD', placeholder: '5 or 0.25 (at most 6 decimals)', errorFields: ['USD'] }];

function optional(values: FormValues, id: string): string | undefined {
  const value = (values[id] ?? '').trim();
  return value === '' ? undefined : value;
}

export function Users({ height }: { height: number }) {
  const { source, theme, flash } = useTui();
  const screen = useListScreen<UserView, Mode>(
    () => source.users.list(),
    (user) => [user.username, user.displayName, user.email, user.role, user.group, user.status],
    height,
  );
  const { mode, setMode, listing, rows, selected, current, tableHeight, poll, back, run } = screen;

  useInput(
    (input, key) => {
      if (input === 'n') return setMode({ kind: 'create' });
      if (input === '/') return setMode({ kind: 'filter' });
      if (current === undefined) return;
      if (input === '+' || input === 't' || key.return) return setMode({ kind: 'topup', user: current });
      if (input === 's' || input === ' ') {
        const enable = current.status !== 'enabled';
        run(() => source.users.setEnabled(current.id, enable), `user ${current.username} ${enable ? 'enabled' : 'disabled; their keys stop working'}`);
      }
    },
    { isActive: listing },
  );

  if (mode.kind === 'create') {
    return (
      <Form
        title="Create a user"
        note="Checked like `gateway user create`. Leave the password empty to have one generated."
        fields={userFields}
        initial={{ username: '', password: '', role: 'user', group: '', email: '', quota: '' }}
        submitLabel="create"
        onSubmit={async (values) => {
          const created = await source.users.create({
            username: values.username ?? '',
            password: optional(values, 'password'),
            role: parseRole(values.role ?? 'user'),
            group: optional(values, 'group'),
            email: optional(values, 'email'),
            quotaUsd: optional(values, 'quota'),
          });
          if (created.password !== undefined) return setMode({ kind: 'created', user: created.user, password: created.password });
          flash(`created user ${created.user.username}`, 'success');
          back();
        }}
        onCancel={back}
      />
    );
  }
  if (mode.kind === 'created') {
    return <SecretOnce title={`Created user ${mode.user.username} (id ${mode.user.id}); the generated password:`} secrets={[mode.password]} onDone={back} />;
  }
  if (mode.kind === 'topup') {
    const user = mode.user;
    return (
      <Form
        title={`Top up ${user.username} (balance $${user.balanceUsd})`}
        note="Credited through the ledger, like `gateway user topup`."
        fields={topupFields}
        initial={{ amount: '' }}
        submitLabel="top up"
        onSubmit={async (values) => {
          const result = await source.users.topup(user.id, values.amount ?? '');
          flash(`added $${result.amountUsd} to ${result.user.username}; balance is now $${result.user.balanceUsd}`, 'success');
          back();
        }}
        onCancel={back}
      />
    );
  }

  const columns: Column<UserView>[] = [
    { title: 'ID', width: 4, align: 'right', cell: (user) => user.id },
    { title: 'USERNAME', width: 14, grow: true, cell: (user) => user.username },
    { title: 'ROLE', width: 6, cell: (user) => user.role },
    { title: 'STATUS', width: 9, cell: (user) => user.status, color: (user) => statusColor(theme, user.status) },
    { title: 'GROUP', width: 10, cell: (user) => user.group },
    { title: 'BALANCE', width: 11, align: 'right', cell: (user) => `$${user.balanceUsd}` },
    { title: 'USED', width: 9, align: 'right', cell: (user) => `$${user.usedUsd}` },
    { title: 'REQUESTS', width: 8, align: 'right', cell: (user) => user.requestCount, minColumns: 90 },
  ];
  return (
    <Box flexDirection="column" height={height}>
      <Box flexDirection="column" flexGrow={1}>
        <Table columns={columns} rows={rows} selected={selected} height={tableHeight} rowKey={(user) => user.id} empty="No user matches the filter." />
      </Box>
      {poll.error === undefined ? null : <Text color={theme.danger}>{poll.error}</Text>}
      <FilterLine {...screen.filterLine} />
      <KeyHints hints={[['n', 'new'], ['+/⏎', 'top up'], ['s', current?.status === 'enabled' ? 'disable' : 'enable'], ['/', 'filter'], ['5', 'redemption codes']]} />
    </Box>
  );
}
