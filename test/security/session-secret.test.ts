/**
 * The session secret (reliability.md A2): SESSION_SECRET or a 0600 key file made once; a weak value is
 * refused; nodes sharing a PostgreSQL database with different key files refuse to start, while an explicit
 * SESSION_SECRET change is a deliberate rotation.
 */
import { expect, test } from 'bun:test';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createAdminRuntime } from '../../src/http/admin/runtime.ts';
import { loadSessionSecret, SESSION_KEY_FILE } from '../../src/security/session-secret.ts';
import { createTestEnvironment, forEachDialect, openDeps, temporaryDirectory } from '../helpers/stores.ts';

test('the key file is made once with mode 0600 and read back; weak or readable secrets are refused', () => {
  const dataDir = temporaryDirectory();
  const first = loadSessionSecret({ secret: undefined, dataDir });
  expect(statSync(join(dataDir, SESSION_KEY_FILE)).mode & 0o777).toBe(0o600);
  expect(loadSessionSecret({ secret: undefined, dataDir }).key.equals(first.key)).toBe(true);
  expect(loadSessionSecret({ secret: 'x'.repeat(32), dataDir }).source).toBe('SESSION_SECRET');
  expect(() => loadSessionSecret({ secret: 'short', dataDir })).toThrow(expect.objectContaining({ code: 'invalid_config', field: 'SESSION_SECRET' }));
  const open = temporaryDirectory();
  writeFileSync(join(open, SESSION_KEY_FILE), Buffer.alloc(32, 1).toString('base64'), { mode: 0o644 });
  expect(() => loadSessionSecret({ secret: undefined, dataDir: open })).toThrow(expect.objectContaining({ code: 'invalid_config' }));
});

forEachDialect('session secret check', (context, environment) => {
  test('a node with another key file is refused on PostgreSQL; an explicit SESSION_SECRET rotates', async () => {
    const deps = context();
    await createAdminRuntime(deps);
    const other = temporaryDirectory();
    const otherNode = { ...deps, config: { ...deps.config, dataDir: other } };
    if (deps.store.dialect === 'postgres') {
      await expect(createAdminRuntime(otherNode)).rejects.toMatchObject({ code: 'invalid_config', field: 'SESSION_SECRET' });
    } else {
      await createAdminRuntime(otherNode);
    }
    await createAdminRuntime({ ...deps, config: { ...deps.config, sessionSecret: 's'.repeat(40) } });
    await createAdminRuntime({ ...deps, config: { ...deps.config, dataDir: other, sessionSecret: 's'.repeat(40) } });
    expect(environment().dataDir).not.toBe(other);
  });
});

test('SESSION_SECRET is read from the environment', async () => {
  const environment = await createTestEnvironment('sqlite');
  environment.env.SESSION_SECRET = 'e'.repeat(40);
  const deps = await openDeps(environment);
  expect(deps.config.sessionSecret).toBe('e'.repeat(40));
  await deps.close();
  await environment.cleanup();
});
