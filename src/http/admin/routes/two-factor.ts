/**
 * TOTP two-factor sign-in for the caller's own account, and an administrator's reset for someone who lost
 * their device. Rules in src/services/two-factor.ts: the secret is answered once, by /setup; recovery codes once,
 * by /enable and /recovery-codes; turning it on or off ends every sign-in and access token of the account made
 * before (the browser that asked gets a fresh sign-in).
 */
import { t } from 'elysia';
import type { HandlerContext, Principal, RouteRole } from '../define.ts';
import { defineRoute } from '../define.ts';
import { sessionCookie } from '../session-cookie.ts';
import { idParams, twoFactorStatusSchema, twoFactorStatusView, userSchema, userView } from '../views.ts';

const TAG = 'Two-factor sign-in';

const password = t.String({ minLength: 1, maxLength: 256, description: 'Your password.' });
const code = t.String({ minLength: 1, maxLength: 16, description: 'The current 6-digit code from your authenticator app.' });
/** The caller's own account, for the audit rows of the self-service routes. */
const selfTarget = ({ principal }: { principal: Principal | undefined }) => ({ type: 'user', id: principal?.actor.userId ?? null });

const recoveryCodes = t.Array(t.String(), { description: 'One-time codes for when the phone is lost; shown only now, keep them safe.' });

/** The change ended the caller's sign-ins; a browser keeps working with a fresh one (as after a password change). */
async function renewSignIn(context: HandlerContext<unknown, unknown, unknown, RouteRole>): Promise<void> {
  const { principal, services, clientIp, userAgent, secure, setCookie } = context;
  if (principal?.via !== 'session') return;
  const started = await services.sessions.start(principal.actor.userId, { ip: clientIp, userAgent });
  setCookie(sessionCookie(started.token, { maxAgeSeconds: (started.session.expiresAt - started.session.createdAt) / 1000, secure }));
}

export const twoFactorRoutes = [
  defineRoute({
    method: 'GET',
    path: '/api/user/self/2fa',
    role: 'user',
    tag: TAG,
    summary: 'Whether two-factor sign-in is on, and how many recovery codes are left',
    response: twoFactorStatusSchema,
    handler: async ({ principal, services }) => ({ data: twoFactorStatusView(await services.twoFactor.status(principal.actor.userId)) }),
  }),

  defineRoute({
    method: 'POST',
    path: '/api/user/self/2fa/setup',
    role: 'user',
    tag: TAG,
    summary: 'Start turning on two-factor sign-in: a new secret and its otpauth:// URI',
    description:
      'Needs the password. The secret is shown only in this answer (scan the URI as a QR code, or type the secret) and does ' +
      'nothing until confirmed with POST /api/user/self/2fa/enable. Calling it again replaces an unconfirmed secret; while 2FA is on it answers 409.',
    body: t.Object({ password }, { additionalProperties: false }),
    // Names only, never the password or the secret; a wrong password is kept as a failed attempt.
    audit: { action: 'user.two_factor.setup', target: selfTarget, fields: () => [], failures: ['forbidden'] },
    response: t.Object(
      {
        secret: t.String({ description: 'Base32 shared secret; never shown again.' }),
        otpauth_uri: t.String({ description: 'otpauth://totp/… for a QR code (SHA1, 6 digits, 30 s).' }),
        issuer: t.String(),
        account: t.String(),
      },
      { additionalProperties: false },
    ),
    handler: async ({ body, principal, services, clientIp }) => {
      const setup = await services.twoFactor.setup(principal.actor.userId, { password: body.password, ip: clientIp });
      return { data: { secret: setup.secret, otpauth_uri: setup.otpauthUri, issuer: setup.issuer, account: setup.account } };
    },
  }),

  defineRoute({
    method: 'POST',
    path: '/api/user/self/2fa/enable',
    role: 'user',
    tag: TAG,
    summary: 'Turn on two-factor sign-in with a first code; answers 10 recovery codes, once',
    description: 'Every sign-in and access token of yours made before ends (the one that asked too); a browser that asked gets a fresh sign-in.',
    body: t.Object({ code }, { additionalProperties: false }),
    response: t.Object({ two_factor: twoFactorStatusSchema, recovery_codes: recoveryCodes }, { additionalProperties: false }),
    audit: { action: 'user.two_factor.enable', target: selfTarget, fields: () => ['two_factor'], failures: ['forbidden'] },
    handler: async (context) => {
      const { body, principal, services, clientIp } = context;
      const enabled = await services.twoFactor.enable(principal.actor.userId, { code: body.code, ip: clientIp });
      await renewSignIn(context);
      return { data: { two_factor: twoFactorStatusView(await services.twoFactor.status(principal.actor.userId)), recovery_codes: enabled.recoveryCodes } };
    },
  }),

  defineRoute({
    method: 'POST',
    path: '/api/user/self/2fa/disable',
    role: 'user',
    tag: TAG,
    summary: 'Turn off two-factor sign-in (password and a code or a recovery code)',
    description: 'Every sign-in and access token of yours made before ends (the one that asked too); a browser that asked gets a fresh sign-in. The recovery codes are deleted.',
    body: t.Object(
      { password, code: t.Optional(code), recovery_code: t.Optional(t.String({ minLength: 1, maxLength: 64, description: 'Instead of code.' })) },
      { additionalProperties: false },
    ),
    response: twoFactorStatusSchema,
    audit: {
      action: 'user.two_factor.disable',
      target: selfTarget,
      fields: () => ['two_factor'],
      facts: ({ body }) => ({ proof: body.recovery_code !== undefined ? 'recovery_code' : 'code' }),
      failures: ['forbidden'],
    },
    handler: async (context) => {
      const { body, principal, services, clientIp } = context;
      await services.twoFactor.disable(principal.actor.userId, { password: body.password, totpCode: body.code, recoveryCode: body.recovery_code, ip: clientIp });
      await renewSignIn(context);
      return { data: twoFactorStatusView(await services.twoFactor.status(principal.actor.userId)) };
    },
  }),

  defineRoute({
    method: 'POST',
    path: '/api/user/self/2fa/recovery-codes',
    role: 'user',
    tag: TAG,
    summary: 'Replace your recovery codes (password and a code); the old ones stop working',
    body: t.Object({ password, code }, { additionalProperties: false }),
    response: t.Object({ recovery_codes: recoveryCodes }, { additionalProperties: false }),
    audit: { action: 'user.two_factor.recovery_codes', target: selfTarget, fields: () => ['recovery_codes'], failures: ['forbidden'] },
    handler: async ({ body, principal, services, clientIp }) => ({
      data: { recovery_codes: await services.twoFactor.regenerateRecoveryCodes(principal.actor.userId, { password: body.password, code: body.code, ip: clientIp }) },
    }),
  }),

  defineRoute({
    method: 'POST',
    path: '/api/users/:id/2fa/reset',
    role: 'admin',
    ownership: 'below',
    tag: TAG,
    summary: "Turn off a user's two-factor sign-in (lost phone); ends their sign-ins",
    description: 'Only for accounts below your role. The user then signs in with the password alone and may set 2FA up again.',
    params: idParams,
    response: t.Object(
      { user: userSchema, was_enabled: t.Boolean({ description: 'Whether 2FA was on before the reset.' }) },
      { additionalProperties: false },
    ),
    audit: { action: 'user.two_factor.reset', fields: () => ['two_factor'], facts: ({ data }) => ({ username: data?.user.username ?? null, was_enabled: data?.was_enabled ?? null }) },
    handler: async ({ params, principal, services }) => {
      const reset = await services.twoFactor.reset(String(params.id), principal.actor);
      return { data: { user: userView(reset.user), was_enabled: reset.wasEnabled } };
    },
  }),
];
