/** Human rendering of runtime settings. */
import type { SettingView } from '../../../src/services/settings.ts';
import { renderTable } from '../../output.ts';

export function shown(value: SettingView['value']): string {
  return Array.isArray(value) ? value.join(',') : String(value);
}

export function renderSettings(views: readonly SettingView[]): string {
  return renderTable(
    ['SETTING', 'VALUE', 'DEFAULT?'],
    views.map((view) => [view.name, shown(view.value), view.isDefault ? 'default' : 'set']),
  );
}
