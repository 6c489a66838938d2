import { describe, expect, test } from 'bun:test';
import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCipher, loadMasterKey, MASTER_KEY_FILE, parseMasterKey } from '../../src/security/crypto.ts';

const directory = () => mkdtempSync(join(tmpdir(), 'gateway-crypto-'));

describe('master key', () => {
  test('created once with mode 0600, then read back', () => {
    const dataDir = directory();
    const first = loadMasterKey({ secret: undefined, dataDir });
    const path = join(dataDir, MASTER_KEY_FILE);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(first.key.length).toBe(32);
    const second = loadMasterKey({ secret: undefined, dataDir });
    expect(second.key.equals(first.key)).toBe(true);
  });

  test('a key file readable by others stops the start, naming the fix', () => {
    const dataDir = directory();
    loadMasterKey({ secret: undefined, dataDir });
    chmodSync(join(dataDir, MASTER_KEY_FILE), 0o644);
    expect(() => loadMasterKey({ secret: undefined, dataDir })).toThrow(/chmod 600/);
  });

  test('a damaged key file is refused', () => {
    const dataDir = directory();
    writeFileSync(join(dataDir, MASTER_KEY_FILE), 'short\n', { mode: 0o600 });
    expect(() => loadMasterKey({ secret: undefined, dataDir })).toThrow(/valid master key/);
  });

  test('GATEWAY_SECRET accepts 32 bytes as base64 or hex and refuses short keys and placeholders', () => {
    const bytes = Buffer.alloc(32, 7);
    expect(parseMasterKey(bytes.toString('base64')).equals(bytes)).toBe(true);
    expect(parseMasterKey(bytes.toString('base64url')).equals(bytes)).toBe(true);
    expect(parseMasterKey(bytes.toString('hex')).equals(bytes)).toBe(true);
    expect(() => parseMasterKey(Buffer.alloc(16).toString('base64'))).toThrow(/32 bytes/);
    expect(() => parseMasterKey('changeme')).toThrow(/placeholder/);
    expect(() => parseMasterKey('random_string')).toThrow(/placeholder/);
    const dataDir = directory();
    expect(loadMasterKey({ secret: bytes.toString('hex'), dataDir }).source).toBe('GATEWAY_SECRET');
    expect(() => readFileSync(join(dataDir, MASTER_KEY_FILE))).toThrow();
  });
});

describe('envelopes', () => {
  const cipher = createCipher(Buffer.alloc(32, 1));

  test('round trip, and the plaintext is not in the envelope', () => {
    const envelope = cipher.encrypt('sk-CANARY-secret-value', 'channel_keys:1:0');
    expect(envelope.startsWith(`v1.${cipher.keyId}.`)).toBe(true);
    expect(envelope).not.toContain('CANARY');
    expect(cipher.decrypt(envelope, 'channel_keys:1:0')).toBe('sk-CANARY-secret-value');
  });

  test('every encryption uses a fresh nonce', () => {
    expect(cipher.encrypt('same', 'c')).not.toBe(cipher.encrypt('same', 'c'));
  });

  test('an envelope moved to another row fails its integrity check', () => {
    const envelope = cipher.encrypt('secret', 'channel_keys:1:0');
    expect(() => cipher.decrypt(envelope, 'channel_keys:2:0')).toThrow(/integrity/);
  });

  test('a tampered envelope fails; another master key is named', () => {
    const envelope = cipher.encrypt('secret', 'ctx');
    const last = envelope.at(-2) === 'A' ? 'B' : 'A';
    expect(() => cipher.decrypt(`${envelope.slice(0, -2)}${last}${envelope.at(-1)}`, 'ctx')).toThrow(/integrity/);
    const other = createCipher(Buffer.alloc(32, 2));
    expect(() => other.decrypt(envelope, 'ctx')).toThrow(/GATEWAY_SECRET/);
  });
});
