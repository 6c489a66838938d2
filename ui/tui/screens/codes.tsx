/** Redemption codes: list (prefix only), create a batch (the codes shown once), disable an unused one. */
import { Box, Text, useInput } from 'ink';
import { parseIntegerFlag } from '../../../cli/flags.ts';
import { useTui } from '../app-context.ts';
import { FilterLine } from '../components/filter-line.tsx';
import { type FieldSpec, Form, type FormValues } from '../components/form.tsx';
import { KeyHints } from '../components/key-hints.tsx';
import { SecretOnce } from '../components/secret-once.tsx';
import { type Column, Table } from '../components/table.tsx';
import type { RedemptionView } from '../data/source.ts';
import { useListScreen } from '../hooks/use-list-screen.ts';
import { shortDate } from '../text.ts';
import { statusColor } from '../theme.ts';

type Mode = { kind: 'create' } | { kind: 'created'; codes: string[]; amountUsd: string };

const codeFields: readonly FieldSpec[] = [
  { id: 'amount', label: 'amount USD', placeholder: '5', errorFields: ['--amount'] },
  { id: 'count', label: 'count', placeholder: '1 (at most 100)', errorFields: ['--count'] },
  { id: 'name', label: 'label', placeholder: 'launch', errorFields: ['--name'] },
  { id: 'expires', label: 'expires', placeholder: 'never  (30d, YYYY-MM-DD)', errorFields: ['--expires'] },
];

function optional(values: FormValues, id: string): string | undefined {
  const value = (values[id] ?? '').trim();
  return value === '' ? undefined : value;
}

export function Codes({ height }: { height: number }) {
  const { source, theme } = useTui();
  const screen = useListScreen<RedemptionView, Mode>(
    () => source.redemptions.list(),
    (code) => [code.prefix, code.name, code.status, code.amountUsd],
    height,
  );
  const { mode, setMode, listing, rows, selected, current, tableHeight, poll, filter, back, run } = screen;

  useInput(
    (input, key) => {
      if (input === 'n') return setMode({ kind: 'create' });
      if (input === '/') return setMode({ kind: 'filter' });
      if (current !== undefined && (input === 'x' || key.delete)) run(() => source.redemptions.disable(current.id), `code ${current.prefix} disabled`);
    },
    { isActive: listing },
  );

  if (mode.kind === 'create') {
    return (
      <Form
        title="Create redemption codes"
        note="Checked like `gateway redeem create`. A user redeems one with `gateway user redeem USER CODE`."
        fields={codeFields}
        initial={{ amount: '', count: '', name: '', expires: '' }}
        submitLabel="create"
        onSubmit={async (values) => {
          const count = optional(values, 'count');
          const created = await source.redemptions.create({
            amountUsd: values.amount ?? '',
            count: count === undefined ? undefined : parseIntegerFlag(count, '--count'),
            name: optional(values, 'name'),
            expires: optional(values, 'expires'),
          });
          setMode({ kind: 'created', codes: created.codes, amountUsd: created.redemptions[0]?.amountUsd ?? '0' });
        }}
        onCancel={back}
      />
    );
  }
  if (mode.kind === 'created') {
    return <SecretOnce title={`Created ${mode.codes.length} code${mode.codes.length === 1 ? '' : 's'} worth $${mode.amountUsd} each`} secrets={mode.codes} onDone={back} />;
  }

  const columns: Column<RedemptionView>[] = [
    { title: 'ID', width: 4, align: 'right', cell: (code) => code.id },
    { title: 'CODE', width: 10, cell: (code) => code.prefix },
    { title: 'LABEL', width: 10, grow: true, cell: (code) => code.name },
    { title: 'STATUS', width: 8, cell: (code) => code.status, color: (code) => statusColor(theme, code.status) },
    { title: 'AMOUNT', width: 9, align: 'right', cell: (code) => `$${code.amountUsd}` },
    { title: 'USED BY', width: 7, align: 'right', cell: (code) => code.usedBy },
    { title: 'EXPIRES', width: 16, cell: (code) => shortDate(code.expiresAt) },
  ];
  return (
    <Box flexDirection="column" height={height}>
      <Box flexDirection="column" flexGrow={1}>
        <Table columns={columns} rows={rows} selected={selected} height={tableHeight} rowKey={(code) => code.id} empty={filter === '' ? 'No redemption codes: press n to create some.' : 'No code matches the filter.'} />
      </Box>
      {poll.error === undefined ? null : <Text color={theme.danger}>{poll.error}</Text>}
      <FilterLine {...screen.filterLine} />
      <KeyHints hints={[['n', 'create'], ['x', 'disable'], ['/', 'filter']]} />
    </Box>
  );
}
