/**
 * Gateway API keys: `sk-` + 48 base62 characters from the CSPRNG (about 285 bits, New API's length), stored as
 * the SHA-256 of those 48 characters plus a short display prefix. A key is shown in full only once.
 */
import { createHash } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
export const KEY_BODY_LENGTH = 48;

/** Uniform base62 characters by rejection sampling (no modulo bias). */
export function randomBase62(length: number): string {
  const out: string[] = [];
  const buffer = new Uint8Array(length * 2);
  while (out.length < length) {
    crypto.getRandomValues(buffer);
    for (const byte of buffer) {
      if (byte < 248) out.push(ALPHABET[byte % 62] as string);
      if (out.length === length) break;
    }
  }
  return out.join('');
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export interface NewKey {
  /** The full key, shown once. */
  key: string;
  hash: string;
  prefix: string;
}

export function generateApiKey(): NewKey {
  const body = randomBase62(KEY_BODY_LENGTH);
  return { key: `sk-${body}`, hash: sha256Hex(body), prefix: displayPrefix(body) };
}

export function displayPrefix(body: string): string {
  return `sk-${body.slice(0, 6)}`;
}

/**
 * Splits a presented credential into the digest to look up and an optional channel pin (`sk-KEY-12`).
 * Returns undefined for anything that cannot be a key, so callers answer it like an unknown key.
 */
export function parsePresentedKey(presented: string): { hash: string; channelId: number | undefined } | undefined {
  let value = presented.trim();
  if (value.startsWith('sk-')) value = value.slice(3);
  const match = /^([0-9A-Za-z]{16,128})(?:-(\d{1,10}))?$/.exec(value);
  if (match === null) return undefined;
  const [, body, pin] = match;
  return { hash: sha256Hex(body as string), channelId: pin === undefined ? undefined : Number(pin) };
}
