/**
 * Recovery codes for the TOTP second factor: 16 characters of lower-case base32 (80 bits) from the CSPRNG,
 * shown as `xxxx-xxxx-xxxx-xxxx`, shown once and stored as the SHA-256 of the 16 characters. 80 bits keep an
 * unsalted digest out of brute-force reach even for someone holding a copy of the database.
 */
import { randomBytes } from 'node:crypto';
import { sha256Hex } from './keys.ts';

export const RECOVERY_CODE_COUNT = 10;
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
const LENGTH = 16;

export interface NewRecoveryCode {
  /** As shown to the user, with dashes. */
  code: string;
  hash: string;
}

export function generateRecoveryCode(): NewRecoveryCode {
  // 10 random bytes are exactly 16 groups of 5 bits: uniform over the 32-letter alphabet, no modulo bias.
  const bytes = randomBytes(10);
  let bits = 0;
  let value = 0;
  let body = '';
  for (const byte of bytes) {
    value = ((value << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      body += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return { code: body.match(/.{4}/g)?.join('-') ?? body, hash: sha256Hex(body) };
}

export function generateRecoveryCodes(count = RECOVERY_CODE_COUNT): NewRecoveryCode[] {
  return Array.from({ length: count }, generateRecoveryCode);
}

/** The digest to look up for a code as typed (case, blanks and dashes ignored), or undefined when it cannot be one. */
export function hashPresentedRecoveryCode(text: string): string | undefined {
  const body = text.replace(/[\s-]/g, '').toLowerCase();
  return body.length === LENGTH && /^[a-z2-7]+$/.test(body) ? sha256Hex(body) : undefined;
}
