/** The signed-in user's own account: profile, balance, role, password. */
import { t } from 'elysia';
import { defineRoute } from '../define.ts';
import { sessionCookie } from '../session-cookie.ts';
import { userSchema, userView } from '../views.ts';

const TAG = 'Your account';

export const selfRoutes = [
  defineRoute({
    method: 'GET',
    path: '/api/user/self',
    role: 'user',
    tag: TAG,
    summary: 'Your profile, balance and role',
    response: userSchema,
    handler: async ({ principal, services }) => ({ data: userView(await services.users.get(String(principal.actor.userId))) }),
  }),

  defineRoute({
    method: 'POST',
    path: '/api/user/self/password',
    role: 'user',
    tag: TAG,
    summary: 'Change your password',
    description:
      'Needs the current password. Every sign-in and access token of yours is revoked; the browser that made the change gets a fresh sign-in.',
    body: t.Object(
      { current_password: t.String({ minLength: 1, maxLength: 256 }), new_password: t.String({ minLength: 8, maxLength: 256 }) },
      { additionalProperties: false },
    ),
    response: userSchema,
    audit: {
      action: 'auth.password.change',
      target: ({ principal }) => ({ type: 'user', id: principal?.actor.userId ?? null }),
      fields: () => ['password'],
      // A wrong current password is a security event too.
      failures: ['forbidden'],
    },
    handler: async ({ body, principal, services, clientIp, userAgent, secure, setCookie }) => {
      const user = await services.users.changeOwnPassword(principal.actor.userId, body.current_password, body.new_password);
      if (principal.via === 'session') {
        const started = await services.sessions.start(principal.actor.userId, { ip: clientIp, userAgent });
        setCookie(sessionCookie(started.token, { maxAgeSeconds: (started.session.expiresAt - started.session.createdAt) / 1000, secure }));
      }
      return { data: userView(user) };
    },
  }),
];
