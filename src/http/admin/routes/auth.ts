/** Sign-in, sign-out and the caller's own sign-ins. */
import { t } from 'elysia';
import { GatewayError } from '../../../errors/gateway-error.ts';
import { publicSessionId } from '../../../services/sessions.ts';
import { toUserView } from '../../../services/users.ts';
import { defineRoute } from '../define.ts';
import { clearedSessionCookie, sessionCookie } from '../session-cookie.ts';
import { sessionSchema, sessionView, userSchema, userView } from '../views.ts';

const TAG = 'Sign-in';

export const authRoutes = [
  defineRoute({
    method: 'POST',
    path: '/api/auth/login',
    role: 'public',
    tag: TAG,
    summary: 'Sign in with username and password',
    description:
      'Sets the HttpOnly session cookie (Path=/api, SameSite=Lax, Secure over https) and answers the profile. ' +
      '10 failures for one account, or 50 from one address, within 15 minutes lock further tries (429 with Retry-After). ' +
      'An account with two-factor sign-in on also needs totp_code (or recovery_code): without one the answer is 401 ' +
      'second_factor_required, with a wrong or reused one 401 invalid_second_factor (counted as a failed sign-in).',
    body: t.Object(
      {
        username: t.String({ minLength: 1, maxLength: 64 }),
        password: t.String({ minLength: 1, maxLength: 256 }),
        totp_code: t.Optional(t.String({ maxLength: 16, description: 'The 6-digit code from the authenticator app, when 2FA is on.' })),
        recovery_code: t.Optional(t.String({ maxLength: 64, description: 'Or one of the recovery codes (each works once).' })),
      },
      { additionalProperties: false },
    ),
    response: t.Object(
      {
        user: userSchema,
        session: t.Object({ id: t.String(), expires_at: t.String({ format: 'date-time' }) }, { additionalProperties: false }),
      },
      { additionalProperties: false },
    ),
    audit: {
      action: 'auth.login',
      actor: ({ data }) => (data === undefined ? undefined : { userId: data.user.id, username: data.user.username }),
      target: ({ data }) => ({ type: 'user', id: data?.user.id ?? null }),
      // A sign-in changes no field. A failure keeps the name that was tried (never the password or a code).
      fields: () => [],
      facts: ({ body, error }) => ({ username: error === undefined ? undefined : body.username }),
      failures: ['unauthorized', 'forbidden', 'invalid_second_factor'],
    },
    handler: async ({ body, services, clientIp, userAgent, secure, setCookie }) => {
      if (body.totp_code !== undefined && body.recovery_code !== undefined) {
        throw new GatewayError({ code: 'invalid_argument', field: 'recovery_code', message: 'send totp_code or recovery_code, not both' });
      }
      const result = await services.sessions.signIn({
        username: body.username,
        password: body.password,
        ip: clientIp,
        userAgent,
        totpCode: body.totp_code,
        recoveryCode: body.recovery_code,
      });
      const { session } = result;
      setCookie(sessionCookie(result.token, { maxAgeSeconds: (session.expiresAt - session.createdAt) / 1000, secure }));
      return {
        data: {
          user: userView(toUserView(result.user)),
          session: { id: publicSessionId(session.id), expires_at: new Date(session.expiresAt).toISOString() },
        },
      };
    },
  }),

  defineRoute({
    method: 'POST',
    path: '/api/auth/logout',
    role: 'user',
    tag: TAG,
    summary: 'Sign out (ends this sign-in and clears the cookie)',
    response: t.Object({ signed_out: t.Boolean() }, { additionalProperties: false }),
    audit: { action: 'auth.logout', target: ({ principal }) => ({ type: 'user', id: principal?.actor.userId ?? null }) },
    handler: async ({ principal, services, secure, setCookie }) => {
      if (principal.sessionId === undefined) {
        throw new GatewayError({
          code: 'invalid_request',
          message: 'sign-out ends a cookie sign-in; to stop an access token, revoke it with DELETE /api/user/access-tokens/{id}',
        });
      }
      await services.sessions.end(principal.sessionId);
      setCookie(clearedSessionCookie(secure));
      return { data: { signed_out: true } };
    },
  }),

  defineRoute({
    method: 'GET',
    path: '/api/auth/sessions',
    role: 'user',
    tag: TAG,
    summary: 'List your own sign-ins',
    response: t.Array(sessionSchema),
    handler: async ({ principal, services }) => ({
      data: (await services.sessions.list(principal.actor.userId, principal.sessionId)).map(sessionView),
    }),
  }),

  defineRoute({
    method: 'DELETE',
    path: '/api/auth/sessions/:id',
    role: 'user',
    ownership: 'own',
    tag: TAG,
    summary: 'Revoke one of your sign-ins',
    description: 'Another user\'s sign-in answers 404. Revoking the current one also clears the cookie.',
    params: t.Object({ id: t.String({ pattern: '^[0-9a-f]{16}$' }) }, { additionalProperties: false }),
    response: t.Object({ revoked: t.Boolean() }, { additionalProperties: false }),
    audit: { action: 'auth.session.revoke', target: ({ params }) => ({ type: 'session', id: params.id }) },
    handler: async ({ params, principal, services, secure, setCookie }) => {
      await services.sessions.revoke(principal.actor.userId, params.id);
      if (principal.sessionId !== undefined && publicSessionId(principal.sessionId) === params.id) setCookie(clearedSessionCookie(secure));
      return { data: { revoked: true } };
    },
  }),
];

