/**
 * Global model aliases (administrators), as `gateway model alias …`: requests for the alias are routed as its
 * target on every channel. Through the same service (src/services/model-aliases.ts), so names are checked the
 * same way, chains and cycles are refused the same way, and a running relay applies a change within a second.
 * An alias is named in the query or the body, never the path: model names may hold `/`.
 */
import { type Static, t } from 'elysia';
import type { ModelAliasView } from '../../../services/model-aliases.ts';
import { defineRoute } from '../define.ts';
import { pageInfo, pageQuery, pageWindow } from '../envelope.ts';

const TAG = 'Model aliases';

/** The service names fields by the CLI's arguments; the API by its body or query field. */
const fieldNames = { ALIAS: 'alias', TARGET: 'target' };

const modelName = (description: string) => t.String({ minLength: 1, maxLength: 256, description });

export const modelAliasSchema = t.Object(
  {
    alias: t.String({ description: 'The model name clients send.' }),
    target: t.String({ description: 'The model it is routed as, on every channel.' }),
    created_at: t.String({ format: 'date-time', description: 'When it was added.' }),
  },
  { additionalProperties: false },
);

export function modelAliasView(alias: ModelAliasView): Static<typeof modelAliasSchema> {
  return { alias: alias.alias, target: alias.target, created_at: alias.createdAt };
}

export const modelAliasRoutes = [
  defineRoute({
    method: 'GET',
    path: '/api/model-aliases',
    role: 'admin',
    tag: TAG,
    summary: 'Global model aliases, by name',
    query: t.Object({ ...pageQuery }, { additionalProperties: false }),
    response: t.Array(modelAliasSchema),
    handler: async ({ query, services }) => {
      const window = pageWindow(query);
      // Aliases are a handful of rows, read whole like the relay reads them.
      const aliases = await services.modelAliases.list();
      return { data: aliases.slice(window.offset, window.offset + window.limit).map(modelAliasView), page: pageInfo(window, aliases.length) };
    },
  }),

  defineRoute({
    method: 'POST',
    path: '/api/model-aliases',
    role: 'admin',
    tag: TAG,
    fieldNames,
    summary: 'Add an alias: requests for `alias` are routed as `target` (chains followed; cycles refused)',
    successStatus: 201,
    body: t.Object({ alias: modelName('The model name clients send.'), target: modelName('The model it stands for.') }, { additionalProperties: false }),
    response: modelAliasSchema,
    audit: { action: 'model_alias.create', target: ({ data, body }) => ({ type: 'model_alias', id: data?.alias ?? body.alias }) },
    handler: async ({ body, services }) => ({ data: modelAliasView(await services.modelAliases.add(body.alias, body.target)) }),
  }),

  defineRoute({
    method: 'DELETE',
    path: '/api/model-aliases',
    role: 'admin',
    tag: TAG,
    fieldNames,
    summary: 'Remove an alias (`?alias=`)',
    query: t.Object({ alias: modelName('The alias to remove.') }, { additionalProperties: false }),
    response: modelAliasSchema,
    audit: { action: 'model_alias.delete', target: ({ query }) => ({ type: 'model_alias', id: query.alias }), facts: ({ data }) => ({ target: data?.target ?? null }) },
    handler: async ({ query, services }) => ({ data: modelAliasView(await services.modelAliases.remove(query.alias)) }),
  }),
];
