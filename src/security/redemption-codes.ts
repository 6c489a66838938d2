/**
 * Redemption codes: 32 base62 characters from the CSPRNG (about 190 bits; New API's codes are 32 characters
 * too), stored as their SHA-256 plus a display prefix, and shown in full only once, at creation.
 */
import { randomBase62, sha256Hex } from './keys.ts';

export const REDEMPTION_CODE_LENGTH = 32;
/** Characters kept for display and for references (`gateway redeem disable AbCd1234`). */
export const REDEMPTION_PREFIX_LENGTH = 8;

const CODE = new RegExp(`^[0-9A-Za-z]{${REDEMPTION_CODE_LENGTH}}$`);

export interface NewRedemptionCode {
  /** The full code, shown once. */
  code: string;
  hash: string;
  prefix: string;
}

export function generateRedemptionCode(): NewRedemptionCode {
  const code = randomBase62(REDEMPTION_CODE_LENGTH);
  return { code, hash: sha256Hex(code), prefix: code.slice(0, REDEMPTION_PREFIX_LENGTH) };
}

/** The digest to look up for a code as typed (surrounding blanks ignored), or undefined when it cannot be one. */
export function hashPresentedCode(text: string): string | undefined {
  const code = text.trim();
  return CODE.test(code) ? sha256Hex(code) : undefined;
}
