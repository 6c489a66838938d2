/** The signed-in user's personal access tokens (`gpat_…`) for scripts and the remote CLI. */
import { t } from 'elysia';
import { defineRoute } from '../define.ts';
import { accessTokenSchema, accessTokenView, idParams } from '../views.ts';

const TAG = 'Access tokens';

export const accessTokenRoutes = [
  defineRoute({
    method: 'GET',
    path: '/api/user/access-tokens',
    role: 'user',
    tag: TAG,
    summary: 'List your personal access tokens',
    response: t.Array(accessTokenSchema),
    handler: async ({ principal, services }) => ({ data: (await services.accessTokens.list(principal.actor.userId)).map(accessTokenView) }),
  }),

  defineRoute({
    method: 'POST',
    path: '/api/user/access-tokens',
    role: 'user',
    tag: TAG,
    summary: 'Create a personal access token (shown once)',
    successStatus: 201,
    description:
      'Send it as Authorization: Bearer gpat_… to /api. It acts as you, with your current role, and is revoked by a password change, a role change or a ban. It does not work on the relay endpoints (use an API key there).',
    body: t.Object(
      {
        name: t.String({ minLength: 1, maxLength: 50 }),
        expires: t.Optional(t.String({ maxLength: 32, description: 'A duration (12h, 30d, 2w), a date YYYY-MM-DD, or never (the default).' })),
      },
      { additionalProperties: false },
    ),
    response: t.Object(
      { access_token: accessTokenSchema, token: t.String({ description: 'The token in full; it is not shown again.' }) },
      { additionalProperties: false },
    ),
    audit: { action: 'access_token.create', target: ({ data }) => ({ type: 'access_token', id: data?.access_token.id ?? null }) },
    handler: async ({ body, principal, services }) => {
      const created = await services.accessTokens.create(principal.actor.userId, { name: body.name, expires: body.expires });
      return { data: { access_token: accessTokenView(created.accessToken), token: created.token } };
    },
  }),

  defineRoute({
    method: 'DELETE',
    path: '/api/user/access-tokens/:id',
    role: 'user',
    ownership: 'own',
    tag: TAG,
    summary: 'Revoke one of your personal access tokens',
    params: idParams,
    response: t.Object({ revoked: t.Boolean() }, { additionalProperties: false }),
    audit: { action: 'access_token.revoke' },
    handler: async ({ params, principal, services }) => {
      await services.accessTokens.revoke(principal.actor.userId, params.id);
      return { data: { revoked: true } };
    },
  }),
];
