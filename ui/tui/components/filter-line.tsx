/**
 * The `/` filter of a list: typing narrows the rows at once, Enter keeps the filter, Esc clears it. Rows
 * match when any of their texts contains the filter, case-insensitively.
 */
import { Text, useInput } from 'ink';
import { useTui } from '../app-context.ts';

export function matchesFilter(filter: string, texts: readonly (string | number | null | undefined)[]): boolean {
  const needle = filter.trim().toLowerCase();
  if (needle === '') return true;
  return texts.some((text) => text !== null && text !== undefined && String(text).toLowerCase().includes(needle));
}

export function FilterLine({ value, editing, onChange, onDone }: { value: string; editing: boolean; onChange(value: string): void; onDone(keep: boolean): void }) {
  const { theme } = useTui();
  useInput(
    (input, key) => {
      if (key.escape) return onDone(false);
      if (key.return) return onDone(true);
      if (key.backspace || key.delete) return onChange(value.slice(0, -1));
      if (key.ctrl || key.meta || key.upArrow || key.downArrow) return;
      const typed = input.replace(/[\u0000-\u001f\u007f]/g, '');
      if (typed !== '') onChange(value + typed);
    },
    { isActive: editing },
  );
  if (!editing && value === '') return null;
  return (
    <Text>
      <Text color={theme.key}>/</Text>
      {value}
      {editing ? '▏' : <Text color={theme.muted}> (filter; / to change, Esc in the box clears)</Text>}
    </Text>
  );
}
