/** Human renderings of served models and aliases. */
import type { ModelAliasView } from '../../../src/services/model-aliases.ts';
import type { ServedModelView } from '../../../src/services/served-models.ts';
import { renderTable, shortList } from '../../output.ts';

export function renderServedModels(models: readonly ServedModelView[]): string {
  if (models.length === 0) return 'No models are served. Add a channel with: gateway channel add --name NAME --type TYPE --key KEY --models MODEL';
  return renderTable(
    ['MODEL', 'CHANNELS', 'GROUPS', 'ALIASES'],
    models.map((model) => [
      model.model,
      shortList(model.channels.map((channel) => `${channel.name}(${channel.id})`)),
      shortList(model.groups),
      shortList(model.aliases),
    ]),
  );
}

export function renderAliases(aliases: readonly ModelAliasView[]): string {
  if (aliases.length === 0) return 'No model aliases. Add one with: gateway model alias add ALIAS TARGET';
  return renderTable(
    ['ALIAS', 'TARGET', 'CREATED'],
    aliases.map((alias) => [alias.alias, alias.target, alias.createdAt]),
  );
}
