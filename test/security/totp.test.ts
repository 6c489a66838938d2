/**
 * TOTP against the published test vectors: RFC 4226 Appendix D (HOTP) and RFC 6238 Appendix B (TOTP, SHA-1,
 * 8 digits, the 20-byte ASCII secret "12345678901234567890"), then the window, replay and key URI rules.
 */
import { describe, expect, test } from 'bun:test';
import { generateRecoveryCode, generateRecoveryCodes, hashPresentedRecoveryCode } from '../../src/security/recovery-codes.ts';
import { base32Decode, base32Encode, generateTotpSecret, hotp, matchTotpStep, totpCode, totpStep, totpUri } from '../../src/security/totp.ts';

const RFC_SECRET = Buffer.from('12345678901234567890', 'ascii');

describe('HOTP (RFC 4226 Appendix D)', () => {
  test('counters 0 to 9', () => {
    const expected = ['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583', '399871', '520489'];
    expect(expected.map((_, counter) => hotp(RFC_SECRET, counter))).toEqual(expected);
  });
});

describe('TOTP (RFC 6238 Appendix B, SHA-1)', () => {
  const vectors: [number, string, number][] = [
    [59, '94287082', 0x1],
    [1111111109, '07081804', 0x23523ec],
    [1111111111, '14050471', 0x23523ed],
    [1234567890, '89005924', 0x273ef07],
    [2000000000, '69279037', 0x3f940aa],
    [20000000000, '65353130', 0x27bc86aa],
  ];
  for (const [seconds, code, step] of vectors) {
    test(`T = ${seconds} s`, () => {
      expect(totpStep(seconds * 1000)).toBe(step);
      expect(totpCode(RFC_SECRET, seconds * 1000, 8)).toBe(code);
      // The 6-digit code is the same truncation modulo 10^6.
      expect(totpCode(RFC_SECRET, seconds * 1000)).toBe(code.slice(2));
    });
  }
});

describe('base32', () => {
  test('RFC 4648 test vectors and the RFC secret', () => {
    const vectors: [string, string][] = [['', ''], ['f', 'MY'], ['fo', 'MZXQ'], ['foo', 'MZXW6'], ['foob', 'MZXW6YQ'], ['fooba', 'MZXW6YTB'], ['foobar', 'MZXW6YTBOI']];
    for (const [plain, encoded] of vectors) {
      expect(base32Encode(Buffer.from(plain))).toBe(encoded);
      expect(base32Decode(encoded).toString()).toBe(plain);
    }
    expect(base32Encode(RFC_SECRET)).toBe('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
    expect(base32Decode('gezd gnbv gy3t qojq gezd gnbv gy3t qojq====')).toEqual(RFC_SECRET);
    expect(() => base32Decode('GEZ1')).toThrow();
  });

  test('a new secret is 160 random bits', () => {
    const secret = generateTotpSecret();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(base32Decode(secret)).toHaveLength(20);
    expect(generateTotpSecret()).not.toBe(secret);
  });
});

describe('window and replay', () => {
  const now = 1_767_225_600_000 + 12_000; // 12 s into a step
  const step = totpStep(now);

  test('the current step and one either side are accepted, two away are not', () => {
    expect(matchTotpStep(RFC_SECRET, totpCode(RFC_SECRET, now), now)).toBe(step);
    expect(matchTotpStep(RFC_SECRET, totpCode(RFC_SECRET, now - 30_000), now)).toBe(step - 1);
    expect(matchTotpStep(RFC_SECRET, totpCode(RFC_SECRET, now + 30_000), now)).toBe(step + 1);
    expect(matchTotpStep(RFC_SECRET, totpCode(RFC_SECRET, now - 60_000), now)).toBeUndefined();
    expect(matchTotpStep(RFC_SECRET, totpCode(RFC_SECRET, now + 60_000), now)).toBeUndefined();
  });

  test('a step at or before the last one accepted is refused (a code works once)', () => {
    const code = totpCode(RFC_SECRET, now);
    expect(matchTotpStep(RFC_SECRET, code, now, step - 1)).toBe(step);
    expect(matchTotpStep(RFC_SECRET, code, now, step)).toBeUndefined();
    expect(matchTotpStep(RFC_SECRET, totpCode(RFC_SECRET, now - 30_000), now, step)).toBeUndefined();
    expect(matchTotpStep(RFC_SECRET, totpCode(RFC_SECRET, now + 30_000), now, step)).toBe(step + 1);
  });

  test('blanks are ignored; anything but 6 digits is refused', () => {
    const code = totpCode(RFC_SECRET, now);
    expect(matchTotpStep(RFC_SECRET, ` ${code.slice(0, 3)} ${code.slice(3)} `, now)).toBe(step);
    for (const bad of ['', '12345', '1234567', 'abcdef', `${code}0`, code.replace(/\d$/, 'x'), totpCode(RFC_SECRET, now, 8)]) {
      expect({ bad, step: matchTotpStep(RFC_SECRET, bad, now) }).toEqual({ bad, step: undefined });
    }
  });

  test('another secret does not match', () => {
    expect(matchTotpStep(Buffer.from('another secret 12345'), totpCode(RFC_SECRET, now), now)).toBeUndefined();
  });
});

test('the otpauth:// URI names issuer, account and the parameters', () => {
  const uri = totpUri({ secret: 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', issuer: 'gateway', account: 'al ice' });
  expect(uri).toBe('otpauth://totp/gateway:al%20ice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=gateway&algorithm=SHA1&digits=6&period=30');
});

describe('recovery codes', () => {
  test('16 base32 characters in groups of four, hashed as typed in any case and with or without dashes', () => {
    const { code, hash } = generateRecoveryCode();
    expect(code).toMatch(/^[a-z2-7]{4}(-[a-z2-7]{4}){3}$/);
    expect(hashPresentedRecoveryCode(code)).toBe(hash);
    expect(hashPresentedRecoveryCode(code.toUpperCase().replace(/-/g, ' '))).toBe(hash);
    expect(hashPresentedRecoveryCode(code.replace(/-/g, ''))).toBe(hash);
    expect(hashPresentedRecoveryCode(code.slice(1))).toBeUndefined();
    expect(hashPresentedRecoveryCode('0000-0000-0000-0000')).toBeUndefined();
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).not.toContain(code.replace(/-/g, ''));
  });

  test('ten distinct codes', () => {
    const codes = generateRecoveryCodes();
    expect(codes).toHaveLength(10);
    expect(new Set(codes.map((entry) => entry.code)).size).toBe(10);
  });
});
