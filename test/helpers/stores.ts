/**
 * Fresh stores for storage and service tests: a SQLite file in a temporary directory, and a throwaway
 * PostgreSQL database on 127.0.0.1 (GATEWAY_TEST_PG_URL overrides the server), dropped afterwards.
 * `forEachDialect` runs a describe block once per dialect, each with its own fresh database.
 */
import { afterAll, beforeAll, describe } from 'bun:test';
import { rmSync } from 'node:fs';
import type { Clock } from '../../src/clock.ts';
import { loadConfig } from '../../src/config/load.ts';
import type { Dialect } from '../../src/db/client.ts';
import { createDeps, type Deps } from '../../src/deps.ts';
import { createPostgresDatabase, temporaryDirectory } from './postgres.ts';

export { createPostgresDatabase, postgresServerUrl, temporaryDirectory } from './postgres.ts';

export interface TestEnvironment {
  dialect: Dialect;
  dataDir: string;
  /** postgres:// URL for PostgreSQL, undefined for SQLite. */
  databaseUrl: string | undefined;
  /** Environment for a CLI child process pointing at this database. */
  env: Record<string, string>;
  cleanup(): Promise<void>;
}

export async function createTestEnvironment(dialect: Dialect): Promise<TestEnvironment> {
  const dataDir = temporaryDirectory();
  const database = dialect === 'postgres' ? await createPostgresDatabase() : undefined;
  const env: Record<string, string> = { GATEWAY_DATA_DIR: dataDir, GATEWAY_ROOT_PASSWORD: 'test-root-password' };
  if (database !== undefined) env.SQL_DSN = database.url;
  return {
    dialect,
    dataDir,
    databaseUrl: database?.url,
    env,
    cleanup: async () => {
      await database?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Opens the full service wiring on a test environment. */
export async function openDeps(environment: TestEnvironment, options: { clock?: Clock } = {}): Promise<Deps> {
  const loaded = loadConfig({ env: environment.env, flags: {} });
  return createDeps(loaded, { clock: options.clock });
}

export const dialects: readonly Dialect[] = ['sqlite', 'postgres'];

/**
 * Runs `body` once per dialect inside a describe block; `context()` returns that dialect's services,
 * opened on a fresh database before the block's tests and closed (and dropped) after.
 */
export function forEachDialect(name: string, body: (context: () => Deps, environment: () => TestEnvironment) => void): void {
  for (const dialect of dialects) {
    describe(`${name} [${dialect}]`, () => {
      let environment: TestEnvironment | undefined;
      let deps: Deps | undefined;
      beforeAll(async () => {
        environment = await createTestEnvironment(dialect);
        deps = await openDeps(environment);
      });
      afterAll(async () => {
        await deps?.close();
        await environment?.cleanup();
      });
      body(
        () => {
          if (deps === undefined) throw new Error('deps not opened yet');
          return deps;
        },
        () => {
          if (environment === undefined) throw new Error('environment not created yet');
          return environment;
        },
      );
    });
  }
}

/** A clock tests move by hand. */
export function manualClock(start = Date.UTC(2026, 0, 1)): Clock & { advance(ms: number): void; set(ms: number): void } {
  let current = start;
  return {
    now: () => current,
    advance: (ms) => {
      current += ms;
    },
    set: (ms) => {
      current = ms;
    },
  };
}
