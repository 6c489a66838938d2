/**
 * The session cookie. `HttpOnly` (scripts cannot read it), `SameSite=Lax` (not sent on cross-site
 * sub-requests or form posts; a top-level link still carries it, so a link to the console works), `Path=/api`
 * (only the API sees it), `Secure` when the client came over https, and a Max-Age equal to the sign-in's
 * lifetime. Lax rather than Strict because cookie-authenticated changes also need the X-Requested-With header
 * (./authenticate.ts), which no cross-site page can send without a CORS preflight the gateway never grants.
 */
export const SESSION_COOKIE = 'gateway_session';

export function sessionCookie(value: string, options: { maxAgeSeconds: number; secure: boolean }): string {
  return [
    `${SESSION_COOKIE}=${value}`,
    'Path=/api',
    `Max-Age=${Math.max(0, Math.floor(options.maxAgeSeconds))}`,
    'HttpOnly',
    'SameSite=Lax',
    ...(options.secure ? ['Secure'] : []),
  ].join('; ');
}

export function clearedSessionCookie(secure: boolean): string {
  return sessionCookie('', { maxAgeSeconds: 0, secure });
}

/** The session cookie's value from a Cookie header, or undefined. */
export function readSessionCookie(header: string | null): string | undefined {
  if (header === null) return undefined;
  for (const part of header.split(';')) {
    const separator = part.indexOf('=');
    if (separator === -1) continue;
    if (part.slice(0, separator).trim() === SESSION_COOKIE) return part.slice(separator + 1).trim();
  }
  return undefined;
}
