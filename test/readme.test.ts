/** The README stays true: every setting, every command and the two commands CI relies on are in it. */
import { describe, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { buildProgram } from '../cli/main.ts';
import { optionSpecs } from '../src/config/schema.ts';
import { channelKinds } from '../src/services/channel-types.ts';

const root = join(import.meta.dir, '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');

function commandPaths(command: Command, prefix: string[] = []): string[] {
  return command.commands.flatMap((child) => {
    const path = [...prefix, child.name()];
    return [path.join(' '), ...commandPaths(child, path)];
  });
}

describe('README', () => {
  test('documents every setting with its flag and environment names', () => {
    for (const spec of Object.values(optionSpecs)) {
      for (const name of spec.env) expect(readme).toContain(`\`${name}\``);
      if ('flag' in spec && spec.flag !== undefined) expect(readme).toContain(`\`${spec.flag}\``);
    }
  });

  test('documents every CLI command', () => {
    for (const path of commandPaths(buildProgram())) expect(readme).toContain(`gateway ${path}`);
  });

  test('lists every channel type', () => {
    for (const kind of channelKinds) expect(readme).toContain(`\`${kind}\``);
  });

  test('gives the test command that .ci/run runs', () => {
    const ci = readFileSync(join(root, '.ci', 'run'), 'utf8');
    const command = '(command -v bun >/dev/null || npm install -g bun@1.4.5) && bun install --frozen-lockfile && bun run test';
    expect(readme).toContain(command);
    expect(ci).toContain(command);
  });
});
