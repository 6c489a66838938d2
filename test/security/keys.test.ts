import { describe, expect, test } from 'bun:test';
import { generateApiKey, parsePresentedKey, randomBase62, sha256Hex } from '../../src/security/keys.ts';

describe('gateway API keys', () => {
  test('sk- plus 48 base62 characters, stored as the SHA-256 of the body', () => {
    const key = generateApiKey();
    expect(key.key).toMatch(/^sk-[0-9A-Za-z]{48}$/);
    expect(key.hash).toBe(sha256Hex(key.key.slice(3)));
    expect(key.prefix).toBe(key.key.slice(0, 9));
    expect(generateApiKey().key).not.toBe(key.key);
  });

  test('base62 output is roughly uniform (no modulo bias towards the first characters)', () => {
    const counts = new Map<string, number>();
    const sample = randomBase62(62_000);
    for (const character of sample) counts.set(character, (counts.get(character) ?? 0) + 1);
    expect(counts.size).toBe(62);
    for (const count of counts.values()) {
      expect(count).toBeGreaterThan(700);
      expect(count).toBeLessThan(1300);
    }
  });

  test('presented keys: with or without sk-, with a channel pin, malformed ones rejected', () => {
    const key = generateApiKey();
    const body = key.key.slice(3);
    expect(parsePresentedKey(key.key)).toEqual({ hash: key.hash, channelId: undefined });
    expect(parsePresentedKey(body)).toEqual({ hash: key.hash, channelId: undefined });
    expect(parsePresentedKey(`${key.key}-12`)).toEqual({ hash: key.hash, channelId: 12 });
    expect(parsePresentedKey("' OR '1'='1")).toBeUndefined();
    expect(parsePresentedKey('sk-short')).toBeUndefined();
    expect(parsePresentedKey(`${key.key}-abc`)).toBeUndefined();
  });
});
