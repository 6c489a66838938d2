/**
 * Who is calling the admin API. Two credentials, each checked against the database on every request:
 * - `Authorization: Bearer gpat_…` — a personal access token (scripts, the remote CLI);
 * - the `gateway_session` cookie — a console sign-in.
 * A relay key (`sk-…`) is refused here with a message that says what to use instead, just as the relay
 * refuses a `gpat_` token (its key format has no underscore). When an Authorization header is present the
 * cookie is ignored.
 *
 * CSRF: a cookie is sent by the browser on its own, so a cookie-authenticated POST, PUT, PATCH or DELETE must
 * also carry the `X-Requested-With` header (any value). A cross-site page cannot add a custom header without a
 * CORS preflight, which the gateway never answers; request bodies must also be `application/json`, which a
 * plain HTML form cannot send. Bearer tokens are not sent automatically, so they need neither.
 */
import { GatewayError } from '../../errors/gateway-error.ts';
import { roleName } from '../../services/users.ts';
import type { AdminServices, Principal } from './define.ts';
import { readSessionCookie } from './session-cookie.ts';

export const CSRF_HEADER = 'x-requested-with';

export type Authentication =
  | { ok: true; principal: Principal }
  | { ok: false; error: GatewayError; /** The cookie named a sign-in that has ended: tell the browser to drop it. */ clearCookie: boolean };

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function failure(message: string, clearCookie = false): Authentication {
  return { ok: false, error: new GatewayError({ code: 'unauthorized', message }), clearCookie };
}

export async function authenticate(request: Request, services: Pick<AdminServices, 'sessions' | 'accessTokens'>): Promise<Authentication> {
  const authorization = request.headers.get('authorization');
  if (authorization !== null) {
    const match = /^bearer\s+(\S{1,512})\s*$/i.exec(authorization);
    const credential = match?.[1];
    if (credential === undefined) return failure('the Authorization header must be "Bearer gpat_…" (a personal access token)');
    if (credential.startsWith('sk-')) {
      return failure('API keys (sk-…) work only on the relay endpoints; for /api create a personal access token (POST /api/user/access-tokens) and send it as Authorization: Bearer gpat_…');
    }
    const found = await services.accessTokens.authenticate(credential);
    if (found === undefined) return failure('the access token is unknown, expired or revoked (a password or role change revokes it); create a new one');
    const { user } = found;
    return { ok: true, principal: { actor: { userId: user.id, username: user.username, role: roleName(user.role) }, user, via: 'access_token' } };
  }
  const cookie = readSessionCookie(request.headers.get('cookie'));
  if (cookie === undefined) return failure('sign in first (POST /api/auth/login), or send Authorization: Bearer gpat_… with a personal access token');
  const found = await services.sessions.authenticate(cookie);
  if (found === undefined) return failure('your sign-in has ended (signed out, expired, or revoked by a password, role or status change); sign in again', true);
  const { user, session } = found;
  if (!SAFE_METHODS.has(request.method) && (request.headers.get(CSRF_HEADER) ?? '').trim() === '') {
    return {
      ok: false,
      error: new GatewayError({ code: 'forbidden', message: `a change made with the session cookie must carry the ${CSRF_HEADER} header (any value), against cross-site request forgery` }),
      clearCookie: false,
    };
  }
  return {
    ok: true,
    principal: { actor: { userId: user.id, username: user.username, role: roleName(user.role) }, user, via: 'session', sessionId: session.id },
  };
}
