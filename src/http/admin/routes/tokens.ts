/**
 * API keys ("tokens") through the admin API. Everyone manages their own keys; an admin also reaches the keys
 * of users below its role (root: of users and admins). Any other key answers 404, as if it did not exist.
 * The rules live in the token service (src/services/tokens.ts), which the handlers call with the actor.
 */
import { t } from 'elysia';
import { defineRoute } from '../define.ts';
import { pageInfo, pageQuery, pageWindow, searchQuery } from '../envelope.ts';
import { idParams, tokenSchema, tokenView } from '../views.ts';

const TAG = 'API keys';
const fieldNames = { '--quota': 'quota_usd', '--user': 'user_id', '--unlimited': 'unlimited' };

const usdInput = t.String({ maxLength: 32, description: 'Decimal US dollars, e.g. "5" or "0.25".' });
const modelsInput = t.Array(t.String({ maxLength: 128 }), { maxItems: 256, description: 'Allowed models; empty allows every model.' });
const allowIpsInput = t.Array(t.String({ maxLength: 64 }), { maxItems: 256, description: 'Allowed IPs or CIDRs; empty allows any address.' });
const groupInput = t.String({ maxLength: 32, description: "Pricing group that overrides the owner's (admins only); \"\" clears it." });
const expiresInput = t.String({ maxLength: 32, description: 'A duration (12h, 30d, 2w), a date YYYY-MM-DD, or never.' });

/** The key settings of a create or change body, in the service's names. */
function settingsOf(body: { quota_usd?: string; unlimited?: boolean; expires?: string; models?: string[]; allow_ips?: string[]; group?: string }) {
  return { quotaUsd: body.quota_usd, unlimited: body.unlimited, expires: body.expires, models: body.models, allowIps: body.allow_ips, group: body.group };
}

export const tokenRoutes = [
  defineRoute({
    method: 'GET',
    path: '/api/tokens',
    role: 'user',
    tag: TAG,
    fieldNames,
    summary: 'List API keys (yours; an admin also sees those of users below its role)',
    query: t.Object({ ...pageQuery, ...searchQuery, user_id: t.Optional(t.Integer({ minimum: 1, description: 'Only this owner\'s keys.' })) }, { additionalProperties: false }),
    response: t.Array(tokenSchema),
    handler: async ({ query, principal, services }) => {
      const window = pageWindow(query);
      const { tokens, total } = await services.tokens.page(
        { search: query.search, user: query.user_id === undefined ? undefined : String(query.user_id) },
        window,
        principal.actor,
      );
      return { data: tokens.map(tokenView), page: pageInfo(window, total) };
    },
  }),

  defineRoute({
    method: 'POST',
    path: '/api/tokens',
    role: 'user',
    tag: TAG,
    fieldNames,
    summary: 'Create an API key (the key is shown once)',
    successStatus: 201,
    body: t.Object(
      {
        name: t.String({ minLength: 1, maxLength: 50 }),
        quota_usd: t.Optional(usdInput),
        unlimited: t.Optional(t.Boolean()),
        expires: t.Optional(expiresInput),
        models: t.Optional(modelsInput),
        allow_ips: t.Optional(allowIpsInput),
        group: t.Optional(groupInput),
        user_id: t.Optional(t.Integer({ minimum: 1, description: 'Owner (admins: a user below their role); default: you.' })),
      },
      { additionalProperties: false },
    ),
    response: t.Object({ token: tokenSchema, key: t.String({ description: 'The key in full (sk-…); it is not shown again.' }) }, { additionalProperties: false }),
    audit: { action: 'token.create', target: ({ data }) => ({ type: 'token', id: data?.token.id ?? null }), facts: ({ data }) => ({ owner_id: data?.token.user_id }) },
    handler: async ({ body, principal, services }) => {
      const created = await services.tokens.create(
        { name: body.name, user: body.user_id === undefined ? undefined : String(body.user_id), ...settingsOf(body) },
        principal.actor,
      );
      return { data: { token: tokenView(created.token), key: created.key } };
    },
  }),

  defineRoute({
    method: 'GET',
    path: '/api/tokens/:id',
    role: 'user',
    ownership: 'own-or-below',
    tag: TAG,
    fieldNames,
    summary: 'One API key',
    params: idParams,
    response: tokenSchema,
    handler: async ({ params, principal, services }) => ({ data: tokenView(await services.tokens.get(String(params.id), { actor: principal.actor })) }),
  }),

  defineRoute({
    method: 'PATCH',
    path: '/api/tokens/:id',
    role: 'user',
    ownership: 'own-or-below',
    tag: TAG,
    fieldNames,
    summary: 'Change an API key (only the fields given)',
    params: idParams,
    body: t.Object(
      {
        name: t.Optional(t.String({ minLength: 1, maxLength: 50 })),
        quota_usd: t.Optional(usdInput),
        unlimited: t.Optional(t.Boolean()),
        expires: t.Optional(expiresInput),
        models: t.Optional(modelsInput),
        allow_ips: t.Optional(allowIpsInput),
        group: t.Optional(groupInput),
        status: t.Optional(t.Union([t.Literal('enabled'), t.Literal('disabled')])),
      },
      { additionalProperties: false, minProperties: 1 },
    ),
    response: tokenSchema,
    audit: { action: 'token.update', facts: ({ data }) => ({ owner_id: data?.user_id }) },
    handler: async ({ params, body, principal, services }) => {
      const ref = String(params.id);
      const scope = { actor: principal.actor };
      const { status, ...rest } = body;
      let view =
        Object.keys(rest).length === 0
          ? await services.tokens.get(ref, scope)
          : await services.tokens.update(ref, { name: rest.name, ...settingsOf(rest) }, scope);
      if (status !== undefined) view = await services.tokens.setEnabled(ref, status === 'enabled', scope);
      return { data: tokenView(view) };
    },
  }),

  defineRoute({
    method: 'DELETE',
    path: '/api/tokens/:id',
    role: 'user',
    ownership: 'own-or-below',
    tag: TAG,
    fieldNames,
    summary: 'Delete an API key (it stops working at once)',
    params: idParams,
    response: tokenSchema,
    audit: { action: 'token.delete', facts: ({ data }) => ({ owner_id: data?.user_id, name: data?.name }) },
    handler: async ({ params, principal, services }) => ({ data: tokenView(await services.tokens.remove(String(params.id), { actor: principal.actor })) }),
  }),
];
