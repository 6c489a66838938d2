/**
 * Which models the gateway serves right now: every model of an enabled ability of an enabled channel, with the
 * channels and groups serving it and the global aliases that point to it (`gateway model list`).
 */
import { listModelAliases } from '../db/repos/model-aliases.ts';
import { listServingAbilities } from '../db/repos/routing.ts';
import type { ServiceContext } from './context.ts';
import { followModelChain } from './model-aliases.ts';

export interface ServedModelView {
  model: string;
  groups: string[];
  channels: { id: number; name: string }[];
  /** Aliases that resolve to this model, directly or through a chain. */
  aliases: string[];
}

export async function listServedModels(context: Pick<ServiceContext, 'store'>): Promise<ServedModelView[]> {
  const { store } = context;
  const abilities = await listServingAbilities(store);
  const aliases = await listModelAliases(store, store.db);
  const byModel = new Map<string, ServedModelView>();
  for (const ability of abilities) {
    let view = byModel.get(ability.model);
    if (view === undefined) {
      view = { model: ability.model, groups: [], channels: [], aliases: [] };
      byModel.set(ability.model, view);
    }
    if (!view.groups.includes(ability.group)) view.groups.push(ability.group);
    if (!view.channels.some((channel) => channel.id === ability.channelId)) view.channels.push({ id: ability.channelId, name: ability.channelName });
  }
  const targets = new Map(aliases.map((row) => [row.alias, row.target]));
  for (const row of aliases) byModel.get(followModelChain((name) => targets.get(name), row.alias))?.aliases.push(row.alias);
  return [...byModel.values()]
    .map((view) => ({ ...view, groups: view.groups.sort(), channels: view.channels.sort((a, b) => a.id - b.id) }))
    .sort((a, b) => (a.model < b.model ? -1 : a.model > b.model ? 1 : 0));
}
