/** The selected row of a list: ↑/↓ (and k/j), PgUp/PgDn, Home/End; kept in range when the list changes. */
import { type Key, useInput } from 'ink';
import { useState } from 'react';

export function useSelection(count: number, page: number, active: boolean): [number, (index: number) => void] {
  const [selected, setSelected] = useState(0);
  const clamped = Math.max(0, Math.min(selected, count - 1));
  useInput(
    (input: string, key: Key) => {
      if (count === 0) return;
      if (key.upArrow || input === 'k') setSelected(Math.max(0, clamped - 1));
      else if (key.downArrow || input === 'j') setSelected(Math.min(count - 1, clamped + 1));
      else if (key.pageUp) setSelected(Math.max(0, clamped - page));
      else if (key.pageDown) setSelected(Math.min(count - 1, clamped + page));
      else if (key.home || input === 'g') setSelected(0);
      else if (key.end || input === 'G') setSelected(count - 1);
    },
    { isActive: active },
  );
  return [clamped, setSelected];
}
