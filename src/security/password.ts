/** Password hashing with argon2id (Bun.password), and random passwords for first start. */
import { randomBase62 } from './keys.ts';

export const MIN_PASSWORD_LENGTH = 8;

export function hashPassword(password: string): Promise<string> {
  return Bun.password.hash(password, { algorithm: 'argon2id' });
}

export function verifyPassword(password: string, hash: string): Promise<boolean> {
  return Bun.password.verify(password, hash);
}

/** 20 base62 characters, about 119 bits. */
export function randomPassword(): string {
  return randomBase62(20);
}
