/**
 * Time-based one-time passwords (RFC 6238 over RFC 4226 HOTP) with the parameters every authenticator app
 * uses by default: HMAC-SHA-1, 6 digits, 30-second steps. Pure functions over node:crypto; the caller owns
 * the clock and the replay rule (src/services/two-factor.ts remembers the last step accepted per user).
 * - HOTP: https://www.rfc-editor.org/rfc/rfc4226#section-5.3 (dynamic truncation)
 * - TOTP: https://www.rfc-editor.org/rfc/rfc6238#section-4 (T = floor(unix seconds / 30))
 * - Key URI: https://github.com/google/google-authenticator/wiki/Key-Uri-Format
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const TOTP_DIGITS = 6;
export const TOTP_PERIOD_SECONDS = 30;
/** Steps accepted either side of the current one, for clock drift between phone and server (RFC 6238 §5.2). */
export const TOTP_WINDOW_STEPS = 1;
/** 160 bits, the HMAC-SHA-1 output size that RFC 4226 §4 recommends as the shared secret's length. */
export const TOTP_SECRET_BYTES = 20;

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32, upper case, without padding (what authenticator apps expect in `secret=`). */
export function base32Encode(bytes: Uint8Array): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

/** Decodes base32 ignoring case, blanks and padding; throws on any other character. */
export function base32Decode(text: string): Buffer {
  const clean = text.replace(/[\s=]/g, '').toUpperCase();
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const character of clean) {
    const index = BASE32.indexOf(character);
    if (index === -1) throw new Error('not base32');
    value = ((value << 5) | index) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** A new shared secret, base32 encoded (32 characters). */
export function generateTotpSecret(): string {
  return base32Encode(randomBytes(TOTP_SECRET_BYTES));
}

/** RFC 4226 HOTP value of `counter` under `key`, zero-padded to `digits`. */
export function hotp(key: Uint8Array, counter: number, digits = TOTP_DIGITS): string {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac('sha1', key).update(message).digest();
  const offset = (mac[mac.length - 1] as number) & 0x0f;
  const binary = (mac.readUInt32BE(offset) & 0x7fffffff) % 10 ** digits;
  return String(binary).padStart(digits, '0');
}

/** The 30-second step that the epoch-milliseconds time `nowMs` falls in. */
export function totpStep(nowMs: number): number {
  return Math.floor(nowMs / 1000 / TOTP_PERIOD_SECONDS);
}

/** The code an authenticator shows at `nowMs`. */
export function totpCode(key: Uint8Array, nowMs: number, digits = TOTP_DIGITS): string {
  return hotp(key, totpStep(nowMs), digits);
}

/**
 * The step whose code `presented` is, searched within ±TOTP_WINDOW_STEPS of `nowMs` and only among steps after
 * `afterStep` (replay protection), or undefined. Blanks in the presented code are ignored ("123 456"). Every
 * candidate is computed and compared in constant time, so timing does not tell which step nearly matched.
 */
export function matchTotpStep(key: Uint8Array, presented: string, nowMs: number, afterStep: number | null = null): number | undefined {
  const code = presented.replace(/\s/g, '');
  if (!/^\d+$/.test(code) || code.length !== TOTP_DIGITS) return undefined;
  const current = totpStep(nowMs);
  let found: number | undefined;
  for (let step = current - TOTP_WINDOW_STEPS; step <= current + TOTP_WINDOW_STEPS; step++) {
    const equal = timingSafeEqual(Buffer.from(hotp(key, step)), Buffer.from(code));
    if (equal && found === undefined && (afterStep === null || step > afterStep)) found = step;
  }
  return found;
}

/** The `otpauth://` URI an authenticator app reads from a QR code. */
export function totpUri(options: { secret: string; issuer: string; account: string }): string {
  const label = `${encodeURIComponent(options.issuer)}:${encodeURIComponent(options.account)}`;
  const query = new URLSearchParams({
    secret: options.secret,
    issuer: options.issuer,
    algorithm: 'SHA1',
    digits: String(TOTP_DIGITS),
    period: String(TOTP_PERIOD_SECONDS),
  });
  return `otpauth://totp/${label}?${query.toString()}`;
}
