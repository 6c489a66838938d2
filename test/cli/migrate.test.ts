import { afterAll, describe, expect, test } from 'bun:test';
import { sqliteMigrations } from '../../migrations/index.ts';
import { runCli } from '../helpers/cli.ts';
import { createTestEnvironment, dialects, type TestEnvironment } from '../helpers/stores.ts';

/** Every migration tag, oldest first (both dialects have the same tags). */
const ALL = sqliteMigrations.map((migration) => migration.tag);

interface Report {
  database: string;
  appliedNow: string[];
  applied: string[];
  pending: string[];
  unknown: string[];
}

const environments: TestEnvironment[] = [];
afterAll(async () => {
  for (const environment of environments) await environment.cleanup();
});

for (const dialect of dialects) {
  describe(`gateway migrate [${dialect}]`, () => {
    test('--status reports, migrate applies once, a second run applies nothing', async () => {
      const environment = await createTestEnvironment(dialect);
      environments.push(environment);
      const before = await runCli(['migrate', '--status', '--json'], environment.env);
      expect(before.exitCode).toBe(0);
      expect(before.json<Report>()).toMatchObject({ appliedNow: [], applied: [], pending: ALL, unknown: [] });

      const first = await runCli(['migrate', '--json'], environment.env);
      expect(first.exitCode).toBe(0);
      expect(first.json<Report>()).toMatchObject({ appliedNow: ALL, applied: ALL, pending: [] });

      const second = await runCli(['migrate', '--json'], environment.env);
      expect(second.json<Report>()).toMatchObject({ appliedNow: [], applied: ALL, pending: [] });

      const human = await runCli(['migrate', '--status'], environment.env);
      expect(human.exitCode).toBe(0);
      expect(human.stdout).toMatch(/applied\s+0000_init/);
      expect(human.stdout).toMatch(/pending\s+-/);
      expect(human.stdout).not.toContain('postgres://');
    });
  });
}
