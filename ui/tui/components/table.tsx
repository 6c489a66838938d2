/**
 * A list as fixed-width columns with one selected row, scrolled so the selection stays visible. Columns that do
 * not fit the terminal are dropped by `minColumns` (shown only from that width on); the `grow` column takes the
 * space left. Every cell goes through `clean`, so database text cannot move the cursor or change colours.
 */
import { Box, Text } from 'ink';
import { useTui } from '../app-context.ts';
import { clean, fit } from '../text.ts';

export interface Column<Row> {
  readonly title: string;
  readonly width: number;
  readonly align?: 'left' | 'right';
  /** Takes the width left over (one column per table). */
  readonly grow?: boolean;
  /** Shown only when the terminal has at least this many columns. */
  readonly minColumns?: number;
  cell(row: Row): string | number | null;
  color?(row: Row): string | undefined;
}

interface TableProps<Row> {
  columns: readonly Column<Row>[];
  rows: readonly Row[];
  selected: number;
  /** Rows of data shown at most (the header line comes on top). */
  height: number;
  rowKey(row: Row): string | number;
  empty: string;
}

const GAP = 1;

export function visibleColumns<Row>(columns: readonly Column<Row>[], total: number): { column: Column<Row>; width: number }[] {
  const shown = columns.filter((column) => (column.minColumns ?? 0) <= total);
  const fixed = shown.reduce((sum, column) => sum + column.width, 0) + GAP * Math.max(0, shown.length - 1);
  const spare = total - fixed;
  return shown.map((column) => ({ column, width: column.grow === true ? Math.max(4, column.width + spare) : column.width }));
}

/** The first row shown, so that `selected` is on screen. */
export function scrollOffset(selected: number, count: number, height: number): number {
  if (count <= height) return 0;
  return Math.max(0, Math.min(selected - Math.floor(height / 2), count - height));
}

export function Table<Row>({ columns, rows, selected, height, rowKey, empty }: TableProps<Row>) {
  const { theme, columns: screenColumns } = useTui();
  const layout = visibleColumns(columns, screenColumns);
  const offset = scrollOffset(selected, rows.length, Math.max(1, height));
  const window = rows.slice(offset, offset + Math.max(1, height));
  const gap = ' '.repeat(GAP);
  return (
    <Box flexDirection="column">
      <Text bold color={theme.muted} wrap="truncate">
        {layout.map(({ column, width }) => fit(column.title, width, column.align)).join(gap)}
      </Text>
      {rows.length === 0 ? <Text color={theme.muted}>{empty}</Text> : null}
      {window.map((row, index) => {
        const isSelected = offset + index === selected;
        return (
          <Text key={rowKey(row)} inverse={isSelected} wrap="truncate">
            {layout.map(({ column, width }, position) => (
              <Text key={column.title} color={column.color?.(row)}>
                {position === 0 ? '' : gap}
                {fit(clean(column.cell(row)), width, column.align)}
              </Text>
            ))}
          </Text>
        );
      })}
      {rows.length > window.length ? (
        <Text color={theme.muted}>
          {offset + 1}-{offset + window.length} of {rows.length}
        </Text>
      ) : null}
    </Box>
  );
}
