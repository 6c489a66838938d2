/**
 * The secret that signs admin API session cookies: `SESSION_SECRET` (New API's name) or `session.key`, created
 * with mode 0600 in the data directory at first start, so sign-ins survive a restart (reliability.md 2.7.1).
 * Rotating it signs everyone out: a cookie signed with the old secret no longer verifies.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GatewayError } from '../errors/gateway-error.ts';

export const SESSION_KEY_FILE = 'session.key';
const MIN_SECRET_LENGTH = 32;
const PLACEHOLDERS = new Set(['changeme', 'change-me', 'secret', 'random_string', 'your-secret', 'password', 'session_secret']);

export interface SessionSecret {
  readonly key: Buffer;
  /** `SESSION_SECRET` or the key file's path. */
  readonly source: string;
  readonly fromEnvironment: boolean;
}

function secretError(message: string): GatewayError {
  return new GatewayError({ code: 'invalid_config', field: 'SESSION_SECRET', message });
}

export function loadSessionSecret(options: { secret: string | undefined; dataDir: string }): SessionSecret {
  if (options.secret !== undefined) {
    const value = options.secret.trim();
    if (value.length < MIN_SECRET_LENGTH || PLACEHOLDERS.has(value.toLowerCase())) {
      throw secretError(`SESSION_SECRET must be at least ${MIN_SECRET_LENGTH} random characters; generate one with: openssl rand -base64 32`);
    }
    return { key: Buffer.from(value, 'utf8'), source: 'SESSION_SECRET', fromEnvironment: true };
  }
  const path = join(options.dataDir, SESSION_KEY_FILE);
  if (!existsSync(path)) {
    const key = randomBytes(32);
    try {
      writeFileSync(path, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
      chmodSync(path, 0o600);
      return { key, source: path, fromEnvironment: false };
    } catch (error) {
      // Another process of this installation created it a moment ago: read theirs below.
      if ((error as { code?: unknown }).code !== 'EEXIST') throw error;
    }
  }
  const mode = statSync(path).mode & 0o777;
  if ((mode & 0o077) !== 0) throw secretError(`${path} is readable by other users (mode ${mode.toString(8)}); fix it with: chmod 600 ${path}`);
  const key = Buffer.from(readFileSync(path, 'utf8').trim(), 'base64');
  if (key.length < 32) throw secretError(`${path} does not hold a session key; delete it to have a new one made (everyone signs in again)`);
  return { key, source: path, fromEnvironment: false };
}

/** A value derived from the secret, stored in the database so nodes with different secrets notice each other. */
export function sessionSecretCheck(secret: SessionSecret): string {
  return createHmac('sha256', secret.key).update('gateway session secret check').digest('base64url');
}

/** HMAC-SHA256 of `value`, base64url. */
export function signValue(secret: SessionSecret, value: string): string {
  return createHmac('sha256', secret.key).update(value, 'utf8').digest('base64url');
}

/** Constant-time comparison of a presented signature with the expected one. */
export function signatureMatches(secret: SessionSecret, value: string, signature: string): boolean {
  const expected = Buffer.from(signValue(secret, value), 'utf8');
  const presented = Buffer.from(signature, 'utf8');
  return expected.length === presented.length && timingSafeEqual(expected, presented);
}
