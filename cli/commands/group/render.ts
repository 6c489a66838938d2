/** Human rendering of group multipliers. */
import type { GroupView } from '../../../src/services/prices.ts';
import { renderTable } from '../../output.ts';

export function renderGroups(groups: readonly GroupView[]): string {
  if (groups.length === 0) return 'No group multipliers; every group pays list price. Set one with: gateway group set NAME --multiplier 1.5';
  return renderTable(
    ['GROUP', 'MULTIPLIER', 'DESCRIPTION', 'UPDATED'],
    groups.map((group) => [group.name, group.multiplier, group.description, group.updatedAt]),
  );
}
