/**
 * Personal access tokens for the admin API (`/api`) and the remote CLI: `gpat_` + 32 base62 characters (about
 * 190 bits). The prefix differs from gateway keys (`sk-`) so each door can refuse the other's credential at a
 * glance, and secret scanners can tell them apart. Stored as the SHA-256 of the random part plus a display
 * prefix, shown in full once (reliability.md G5).
 */
import { randomBase62, sha256Hex } from './keys.ts';

export const ACCESS_TOKEN_PREFIX = 'gpat_';
const BODY_LENGTH = 32;

export interface NewAccessToken {
  token: string;
  hash: string;
  prefix: string;
}

export function generateAccessToken(): NewAccessToken {
  const body = randomBase62(BODY_LENGTH);
  return { token: `${ACCESS_TOKEN_PREFIX}${body}`, hash: sha256Hex(body), prefix: `${ACCESS_TOKEN_PREFIX}${body.slice(0, 6)}` };
}

/** The digest to look up for a presented token, or undefined when it cannot be one. */
export function accessTokenHash(presented: string): string | undefined {
  const match = /^gpat_([0-9A-Za-z]{32})$/.exec(presented.trim());
  return match === null ? undefined : sha256Hex(match[1] as string);
}
