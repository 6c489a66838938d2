/**
 * Confirmation before a destructive command. Without a terminal nobody can answer, so `--yes` is required
 * (a script must say what it means); on a terminal the question goes to stderr so stdout stays clean.
 */
import { invalidArgument } from '../../src/errors/gateway-error.ts';

async function ask(question: string): Promise<boolean> {
  const { createInterface } = await import('node:readline/promises');
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await prompt.question(question)).trim());
  } finally {
    prompt.close();
  }
}

/** Returns when confirmed (or `yes` was given); throws an input error naming `--yes` otherwise. */
export async function confirmOrRequireYes(options: { yes: boolean | undefined; question: string; what: string }): Promise<void> {
  if (options.yes === true) return;
  if (process.stdin.isTTY !== true) throw invalidArgument('--yes', `refusing to ${options.what} without confirmation; add --yes`);
  if (!(await ask(`${options.question} [y/N] `))) throw invalidArgument('--yes', `not done; answer y, or add --yes`);
}
