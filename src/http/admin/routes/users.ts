/**
 * User accounts (administrators). An actor reaches only accounts below its role and gives only roles below
 * its own: an admin manages users, root manages users and admins; nobody changes root through the API
 * (the CLI, run by the operator, can). Rules in src/services/users.ts and src/services/actor.ts.
 */
import { t } from 'elysia';
import { defineRoute } from '../define.ts';
import { pageInfo, pageQuery, pageWindow, searchQuery } from '../envelope.ts';
import { enabledStatusSchema, idParams, roleSchema, userSchema, userView } from '../views.ts';

const TAG = 'Users';
const fieldNames = { '--quota': 'quota_usd', USD: 'amount_usd', user: 'id' };

const usernameInput = t.String({ minLength: 1, maxLength: 32, description: 'Letters, digits, "_", "." or "-"; not all digits.' });
const passwordInput = t.String({ minLength: 8, maxLength: 256 });
const profileFields = {
  role: t.Optional(roleSchema),
  group: t.Optional(t.String({ minLength: 1, maxLength: 32 })),
  email: t.Optional(t.String({ maxLength: 255, description: '"" clears it.' })),
  display_name: t.Optional(t.String({ maxLength: 64 })),
};

export const userRoutes = [
  defineRoute({
    method: 'GET',
    path: '/api/users',
    role: 'admin',
    tag: TAG,
    fieldNames,
    summary: 'List users below your role',
    query: t.Object({ ...pageQuery, ...searchQuery, role: t.Optional(roleSchema), status: t.Optional(enabledStatusSchema) }, { additionalProperties: false }),
    response: t.Array(userSchema),
    handler: async ({ query, principal, services }) => {
      const window = pageWindow(query);
      const { users, total } = await services.users.page({ search: query.search, role: query.role, status: query.status }, window, principal.actor);
      return { data: users.map(userView), page: pageInfo(window, total) };
    },
  }),

  defineRoute({
    method: 'POST',
    path: '/api/users',
    role: 'admin',
    tag: TAG,
    fieldNames,
    summary: 'Create a user (a generated password is shown once)',
    successStatus: 201,
    body: t.Object(
      {
        username: usernameInput,
        password: t.Optional(passwordInput),
        ...profileFields,
        quota_usd: t.Optional(t.String({ maxLength: 32, description: 'Opening balance in decimal US dollars.' })),
      },
      { additionalProperties: false },
    ),
    response: t.Object(
      { user: userSchema, password: t.Optional(t.String({ description: 'Present only when generated; not shown again.' })) },
      { additionalProperties: false },
    ),
    audit: { action: 'user.create', target: ({ data }) => ({ type: 'user', id: data?.user.id ?? null }), facts: ({ data }) => ({ role: data?.user.role }) },
    handler: async ({ body, principal, services }) => {
      const created = await services.users.create(
        {
          username: body.username,
          password: body.password,
          role: body.role,
          group: body.group,
          email: body.email,
          displayName: body.display_name,
          quotaUsd: body.quota_usd,
        },
        principal.actor,
      );
      return { data: created.password === undefined ? { user: userView(created.user) } : { user: userView(created.user), password: created.password } };
    },
  }),

  defineRoute({
    method: 'GET',
    path: '/api/users/:id',
    role: 'admin',
    ownership: 'below',
    tag: TAG,
    fieldNames,
    summary: 'One user',
    params: idParams,
    response: userSchema,
    handler: async ({ params, principal, services }) => ({ data: userView(await services.users.get(String(params.id), principal.actor)) }),
  }),

  defineRoute({
    method: 'PATCH',
    path: '/api/users/:id',
    role: 'admin',
    ownership: 'below',
    tag: TAG,
    fieldNames,
    summary: 'Change a user (only the fields given)',
    description: 'A new password or role revokes the user\'s sign-ins and access tokens at once.',
    params: idParams,
    body: t.Object({ username: t.Optional(usernameInput), password: t.Optional(passwordInput), ...profileFields }, { additionalProperties: false, minProperties: 1 }),
    response: userSchema,
    audit: { action: 'user.update', facts: ({ body }) => ({ role: body.role }) },
    handler: async ({ params, body, principal, services }) => {
      const patch = { username: body.username, password: body.password, role: body.role, group: body.group, email: body.email, displayName: body.display_name };
      return { data: userView(await services.users.update(String(params.id), patch, principal.actor)) };
    },
  }),

  defineRoute({
    method: 'POST',
    path: '/api/users/:id/enable',
    role: 'admin',
    ownership: 'below',
    tag: TAG,
    fieldNames,
    summary: 'Enable a user',
    params: idParams,
    response: userSchema,
    audit: { action: 'user.enable' },
    handler: async ({ params, principal, services }) => ({ data: userView(await services.users.setEnabled(String(params.id), true, principal.actor)) }),
  }),

  defineRoute({
    method: 'POST',
    path: '/api/users/:id/disable',
    role: 'admin',
    ownership: 'below',
    tag: TAG,
    fieldNames,
    summary: 'Disable a user (signs them out everywhere; their keys stop working)',
    params: idParams,
    response: userSchema,
    audit: { action: 'user.disable' },
    handler: async ({ params, principal, services }) => ({ data: userView(await services.users.setEnabled(String(params.id), false, principal.actor)) }),
  }),

  defineRoute({
    method: 'POST',
    path: '/api/users/:id/topup',
    role: 'admin',
    ownership: 'below',
    tag: TAG,
    fieldNames,
    summary: "Credit a user's wallet",
    params: idParams,
    body: t.Object({ amount_usd: t.String({ minLength: 1, maxLength: 32, description: 'Decimal US dollars, more than 0.' }) }, { additionalProperties: false }),
    response: t.Object({ user: userSchema, amount_usd: t.String() }, { additionalProperties: false }),
    audit: { action: 'user.topup', facts: ({ data }) => ({ amount_usd: data?.amount_usd }) },
    handler: async ({ params, body, principal, services }) => {
      const result = await services.users.topup(String(params.id), body.amount_usd, { via: `API by ${principal.actor.username}`, actor: principal.actor });
      return { data: { user: userView(result.user), amount_usd: result.amountUsd } };
    },
  }),

  defineRoute({
    method: 'DELETE',
    path: '/api/users/:id',
    role: 'admin',
    ownership: 'below',
    tag: TAG,
    fieldNames,
    summary: 'Remove a user (their keys are disabled; the ledger and logs keep their rows)',
    params: idParams,
    response: t.Object({ user: userSchema, tokens_disabled: t.Integer() }, { additionalProperties: false }),
    audit: { action: 'user.delete', facts: ({ data }) => ({ username: data?.user.username, tokens_disabled: data?.tokens_disabled }) },
    handler: async ({ params, principal, services }) => {
      const removed = await services.users.remove(String(params.id), principal.actor);
      return { data: { user: userView(removed.user), tokens_disabled: removed.tokensDisabled } };
    },
  }),
];
