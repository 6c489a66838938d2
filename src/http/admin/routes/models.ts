/**
 * The models the gateway serves (administrators), as `gateway model list`: every model of an enabled channel,
 * with the channels and groups serving it and the global aliases that resolve to it (src/services/served-models.ts).
 */
import { type Static, t } from 'elysia';
import type { ServedModelView } from '../../../services/served-models.ts';
import { defineRoute } from '../define.ts';
import { pageInfo, pageQuery, pageWindow } from '../envelope.ts';

const TAG = 'Models';

export const servedModelSchema = t.Object(
  {
    model: t.String({ description: 'The model name clients send.' }),
    groups: t.Array(t.String(), { description: 'The groups whose channels serve it, by name.' }),
    channels: t.Array(t.Object({ id: t.Integer(), name: t.String() }, { additionalProperties: false }), { description: 'The enabled channels serving it, by id.' }),
    aliases: t.Array(t.String(), { description: 'Global aliases that resolve to it, directly or through a chain.' }),
  },
  { additionalProperties: false },
);

export function servedModelView(model: ServedModelView): Static<typeof servedModelSchema> {
  return {
    model: model.model,
    groups: [...model.groups],
    channels: model.channels.map((channel) => ({ id: channel.id, name: channel.name })),
    aliases: [...model.aliases],
  };
}

export const modelRoutes = [
  defineRoute({
    method: 'GET',
    path: '/api/models',
    role: 'admin',
    tag: TAG,
    summary: 'The models enabled channels serve, by name, with their channels, groups and aliases',
    query: t.Object({ ...pageQuery }, { additionalProperties: false }),
    response: t.Array(servedModelSchema),
    handler: async ({ query, services }) => {
      const window = pageWindow(query);
      // Read whole, as the routing tables are: a list of models, not of requests.
      const models = await services.servedModels.list();
      return { data: models.slice(window.offset, window.offset + window.limit).map(servedModelView), page: pageInfo(window, models.length) };
    },
  }),
];
