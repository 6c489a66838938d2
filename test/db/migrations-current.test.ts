/** The committed migrations must match the schemas: drizzle-kit generates nothing new from them. */
import { expect, test } from 'bun:test';
import { cpSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dir, '..', '..');

for (const dialect of ['sqlite', 'postgres'] as const) {
  test(`migrations/${dialect} is up to date with src/db/schema/${dialect}.ts`, () => {
    const directory = mkdtempSync(join(tmpdir(), 'gateway-migrations-'));
    const out = join(directory, dialect);
    cpSync(join(root, 'migrations', dialect), out, { recursive: true });
    const config = join(directory, 'drizzle.config.ts');
    writeFileSync(
      config,
      `export default ${JSON.stringify({
        dialect: dialect === 'sqlite' ? 'sqlite' : 'postgresql',
        schema: join(root, 'src', 'db', 'schema', `${dialect}.ts`),
        out: dialect,
      })};\n`,
    );
    const before = readdirSync(out).sort();
    const result = Bun.spawnSync(['bun', join(root, 'node_modules', 'drizzle-kit', 'bin.cjs'), 'generate', '--config', config], { cwd: directory, stdout: 'pipe', stderr: 'pipe' });
    const printed = result.stdout.toString() + result.stderr.toString();
    expect(result.exitCode).toBe(0);
    expect(printed).toContain('No schema changes');
    expect(readdirSync(out).sort()).toEqual(before);
  }, 60_000);
}
