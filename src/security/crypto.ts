/**
 * Channel keys and other third-party secrets at rest: AES-256-GCM under a master key from `GATEWAY_SECRET`
 * or from `master.key` (mode 0600) in the data directory, created at first start.
 * Envelope: `v1.<key id>.<base64url(nonce ‖ ciphertext ‖ tag)>`, with the owning table, row and column bound
 * as additional authenticated data so a ciphertext cannot be moved to another row.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GatewayError } from '../errors/gateway-error.ts';

export const MASTER_KEY_FILE = 'master.key';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const PLACEHOLDERS = new Set(['changeme', 'change-me', 'secret', 'random_string', 'your-secret', 'password']);

export interface Cipher {
  /** Short public id of the master key (first 8 hex characters of its SHA-256). */
  readonly keyId: string;
  encrypt(plaintext: string, context: string): string;
  decrypt(envelope: string, context: string): string;
}

function keyError(message: string): GatewayError {
  return new GatewayError({ code: 'invalid_config', field: 'GATEWAY_SECRET', message });
}

/** Accepts 32 bytes as base64 (with or without padding, standard or url alphabet) or as 64 hex characters. */
export function parseMasterKey(text: string): Buffer {
  const value = text.trim();
  if (PLACEHOLDERS.has(value.toLowerCase())) {
    throw keyError('GATEWAY_SECRET is a placeholder; generate one with: openssl rand -base64 32');
  }
  let bytes: Buffer | undefined;
  if (/^[0-9a-fA-F]{64}$/.test(value)) bytes = Buffer.from(value, 'hex');
  else if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(value)) bytes = Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (bytes === undefined || bytes.length !== 32) {
    throw keyError(
      `GATEWAY_SECRET must be 32 bytes as base64 (44 characters) or hex (64 characters), got ${bytes?.length ?? 'an unreadable value of'} ${bytes === undefined ? text.length + ' characters' : 'bytes'}; generate one with: openssl rand -base64 32`,
    );
  }
  return bytes;
}

/**
 * Loads the master key: `GATEWAY_SECRET` when set, else the key file in the data directory, created with
 * mode 0600 when missing. A key file readable by group or others stops the start.
 */
export function loadMasterKey(options: { secret: string | undefined; dataDir: string }): { key: Buffer; source: string } {
  if (options.secret !== undefined) return { key: parseMasterKey(options.secret), source: 'GATEWAY_SECRET' };
  const path = join(options.dataDir, MASTER_KEY_FILE);
  if (!existsSync(path)) {
    const key = randomBytes(32);
    writeFileSync(path, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    chmodSync(path, 0o600);
    return { key, source: path };
  }
  const mode = statSync(path).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw keyError(`${path} is readable by other users (mode ${mode.toString(8)}); fix it with: chmod 600 ${path}`);
  }
  try {
    return { key: parseMasterKey(readFileSync(path, 'utf8')), source: path };
  } catch (error) {
    throw keyError(`${path} does not hold a valid master key: ${(error as Error).message}`);
  }
}

export function createCipher(key: Buffer): Cipher {
  const keyId = createHash('sha256').update(key).digest('hex').slice(0, 8);
  return {
    keyId,
    encrypt(plaintext, context) {
      const nonce = randomBytes(NONCE_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, nonce);
      cipher.setAAD(Buffer.from(context, 'utf8'));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      const payload = Buffer.concat([nonce, body, cipher.getAuthTag()]);
      return `v1.${keyId}.${payload.toString('base64url')}`;
    },
    decrypt(envelope, context) {
      const [version, envelopeKeyId, data] = envelope.split('.');
      if (version !== 'v1' || data === undefined) {
        throw new GatewayError({ code: 'internal_error', message: `stored secret for ${context} is not a v1 envelope` });
      }
      if (envelopeKeyId !== keyId) {
        throw new GatewayError({
          code: 'invalid_config',
          field: 'GATEWAY_SECRET',
          message: `stored secret for ${context} was encrypted with master key ${envelopeKeyId}, but the loaded key is ${keyId}; set GATEWAY_SECRET (or master.key) to the key used before`,
        });
      }
      const payload = Buffer.from(data, 'base64url');
      const nonce = payload.subarray(0, NONCE_BYTES);
      const tag = payload.subarray(payload.length - TAG_BYTES);
      const body = payload.subarray(NONCE_BYTES, payload.length - TAG_BYTES);
      const decipher = createDecipheriv('aes-256-gcm', key, nonce);
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(tag);
      try {
        return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
      } catch {
        throw new GatewayError({ code: 'internal_error', message: `stored secret for ${context} failed its integrity check` });
      }
    },
  };
}

/** The value stored at first start and decrypted at every start, so a wrong master key stops the start early. */
export const CHECK_CONTEXT = 'system_info:master_key_check';
export const CHECK_PLAINTEXT = 'gateway master key check';
