/** Self-service registration, closed until the operator opens it (rules in src/services/registration.ts). */
import { t } from 'elysia';
import { defineRoute } from '../define.ts';
import { userSchema, userView } from '../views.ts';

export const registrationRoutes = [
  defineRoute({
    method: 'POST',
    path: '/api/auth/register',
    role: 'public',
    tag: 'Sign-in',
    summary: 'Create your own account, when the operator has opened registration',
    description:
      'Closed (403) unless the setting registration_enabled is true. The account gets role user, group default and the ' +
      'opening balance of registration_opening_balance_usd. With registration_email_domains set, email is required and ' +
      'must be at one of those domains. Every attempt counts per client address: 10 an hour, then 429 with Retry-After. ' +
      'Sign in afterwards with POST /api/auth/login.',
    successStatus: 201,
    body: t.Object(
      {
        username: t.String({ minLength: 1, maxLength: 32, description: 'Letters, digits, "_", "." or "-"; not all digits.' }),
        password: t.String({ minLength: 8, maxLength: 256 }),
        email: t.Optional(t.String({ maxLength: 255, description: 'Required when registration is limited to some email domains.' })),
      },
      { additionalProperties: false },
    ),
    response: userSchema,
    // The new account is the actor. Refused attempts are not recorded: the route is public and would fill the log.
    audit: {
      action: 'auth.register',
      actor: ({ data }) => (data === undefined ? undefined : { userId: data.id, username: data.username }),
      target: ({ data }) => ({ type: 'user', id: data?.id ?? null }),
      fields: ({ body }) => (body.email === undefined ? ['username'] : ['username', 'email']),
    },
    handler: async ({ body, services, clientIp }) => ({
      data: userView(await services.registration.register({ username: body.username, password: body.password, email: body.email, ip: clientIp })),
    }),
  }),
];
