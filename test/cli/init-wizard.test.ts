import { afterAll, describe, expect, test } from 'bun:test';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type Prompter, runInitWizard } from '../../cli/prompts/init-wizard.ts';
import { loadConfig } from '../../src/config/load.ts';
import { createTestEnvironment, openDeps, type TestEnvironment } from '../helpers/stores.ts';

/** Answers questions from a script, in order, and records what was asked. */
function scripted(answers: (string | boolean)[]): Prompter & { asked: string[] } {
  const asked: string[] = [];
  const next = (message: string, validate?: (value: string) => true | string): string | boolean => {
    asked.push(message);
    if (answers.length === 0) throw new Error(`no scripted answer for "${message}"`);
    const answer = answers.shift() as string | boolean;
    if (typeof answer === 'string' && validate !== undefined) {
      const verdict = validate(answer);
      if (verdict !== true) throw new Error(`scripted answer "${answer}" rejected: ${verdict}`);
    }
    return answer;
  };
  return {
    asked,
    input: async ({ message, validate, default: fallback }) => {
      const answer = next(message, validate);
      return answer === '' && fallback !== undefined ? fallback : String(answer);
    },
    password: async ({ message, validate }) => String(next(message, validate)),
    confirm: async ({ message }) => next(message) === true,
    select: async <Value extends string>({ message }: { message: string }) => next(message) as Value,
  };
}

const environments: TestEnvironment[] = [];
afterAll(async () => {
  for (const environment of environments) await environment.cleanup();
});

describe('gateway init wizard', () => {
  test('SQLite: root, a channel (asked again after a refused URL) and a key', async () => {
    const environment = await createTestEnvironment('sqlite');
    environments.push(environment);
    const env = { GATEWAY_DATA_DIR: environment.dataDir };
    const lines: string[] = [];
    const prompter = scripted([
      'sqlite',
      'a-strong-password',
      true,
      'openai',
      'main',
      // An unsupported scheme is refused by the service; the wizard asks the channel questions again.
      'ftp://example.com',
      'sk-provider',
      'gpt-4o',
      'openai',
      'main',
      '',
      'sk-provider',
      'gpt-4o, gpt-4o-mini',
      true,
      'laptop',
      '5',
      '30d',
      // A malformed amount is asked again; then root gets $20.
      '-3',
      '20',
    ]);
    const result = await runInitWizard(prompter, loadConfig({ env }), (line) => lines.push(line));
    expect(result.root.created).toBe(true);
    expect(result.channel?.name).toBe('main');
    expect(result.token?.key).toMatch(/^sk-[0-9A-Za-z]{48}$/);
    expect(lines.join('\n')).toContain('shown only once');
    expect(lines.some((line) => line.includes('✗'))).toBe(true);

    const deps = await openDeps({ ...environment, env });
    try {
      const channel = await deps.channels.get('main');
      expect(channel.models).toEqual(['gpt-4o', 'gpt-4o-mini']);
      expect(channel.baseUrl).toBe('https://api.openai.com');
      const token = await deps.tokens.get('laptop');
      expect(token.quotaUsd).toBe('5');
      expect(await deps.users.get('root')).toMatchObject({ role: 'root', balanceUsd: '20' });
    } finally {
      await deps.close();
    }
  });

  test('PostgreSQL: the URL is kept in gateway.toml (0600) so later commands find the database', async () => {
    const postgres = await createTestEnvironment('postgres');
    environments.push(postgres);
    const env = { GATEWAY_DATA_DIR: postgres.dataDir };
    const prompter = scripted(['postgres', postgres.databaseUrl as string, 'another-strong-password', false, false, '']);
    const result = await runInitWizard(prompter, loadConfig({ env }), () => {});
    expect(result.database).toStartWith('postgres ');
    const file = join(postgres.dataDir, 'gateway.toml');
    expect(existsSync(file)).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toContain(postgres.databaseUrl as string);
    expect(loadConfig({ env }).config.databaseUrl).toBe(postgres.databaseUrl);

    // A second run finds the existing root and leaves its password alone.
    const again = await runInitWizard(
      scripted(['postgres', postgres.databaseUrl as string, 'ignored-password', false, false, '']),
      loadConfig({ env }),
      () => {},
    );
    expect(again.root.created).toBe(false);
  });

  test('a malformed PostgreSQL URL is refused at the prompt with the reason', async () => {
    const prompter = scripted(['postgres', 'mysql://root@db/x']);
    await expect(
      runInitWizard(prompter, loadConfig({ env: { GATEWAY_DATA_DIR: '/tmp/unused-gateway-init' } }), () => {}),
    ).rejects.toThrow(/postgres:\/\//);
  });
});
