/**
 * `--password -` reads the password from the first line of stdin, so it stays out of `ps` and shell history;
 * any other value is the password itself.
 */
import { invalidArgument } from '../../../src/errors/gateway-error.ts';

export async function readPasswordFlag(value: string | undefined): Promise<string | undefined> {
  if (value !== '-') return value;
  const line = (await Bun.stdin.text()).split(/\r?\n/)[0] ?? '';
  if (line === '') throw invalidArgument('--password', '--password - expects the password on the first line of stdin');
  return line;
}
