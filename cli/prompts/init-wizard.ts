/**
 * `gateway init`: asks for the database, the root password, a first channel and a first token, for
 * operators who prefer questions to flags. The questions go through a small `Prompter` interface: the
 * command passes @inquirer/prompts (loaded lazily), tests pass scripted answers.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LoadedConfig } from '../../src/config/load.ts';
import { loadConfig } from '../../src/config/load.ts';
import { createDeps, ensureDataDir } from '../../src/deps.ts';
import { isGatewayError } from '../../src/errors/gateway-error.ts';
import { MIN_PASSWORD_LENGTH } from '../../src/security/password.ts';
import { channelKinds, channelTypes } from '../../src/services/channel-types.ts';
import { parseListFlag } from '../flags.ts';

export interface Prompter {
  input(options: { message: string; default?: string; validate?: (value: string) => true | string }): Promise<string>;
  password(options: { message: string; validate?: (value: string) => true | string }): Promise<string>;
  confirm(options: { message: string; default?: boolean }): Promise<boolean>;
  select<Value extends string>(options: { message: string; choices: { name: string; value: Value }[]; default?: Value }): Promise<Value>;
}

export interface InitResult {
  database: string;
  configFile: string | undefined;
  root: { username: string; created: boolean };
  channel: { id: number; name: string } | undefined;
  token: { id: number; name: string; key: string } | undefined;
}

const required = (label: string) => (value: string): true | string => (value.trim() === '' ? `${label} is required` : true);

/** Retries one step while the service rejects the answers, showing its message, so a typo never ends the wizard. */
async function retrying<T>(say: (line: string) => void, step: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      return await step();
    } catch (error) {
      if (!isGatewayError(error) || error.code === 'database_unavailable' || error.code === 'internal_error') throw error;
      say(`  ✗ ${error.message}`);
    }
  }
}

async function askDatabase(prompter: Prompter, loaded: LoadedConfig): Promise<string | undefined> {
  const kind = await prompter.select({
    message: 'Database',
    choices: [
      { name: `SQLite, embedded (${loaded.config.sqlitePath})`, value: 'sqlite' as const },
      { name: 'PostgreSQL (several gateway processes can share it)', value: 'postgres' as const },
    ],
    default: loaded.config.databaseUrl === undefined ? 'sqlite' : 'postgres',
  });
  if (kind === 'sqlite') return undefined;
  return prompter.input({
    message: 'PostgreSQL URL',
    default: loaded.config.databaseUrl,
    validate: (value) => {
      try {
        loadConfig({ env: { SQL_DSN: value } });
        return true;
      } catch (error) {
        return (error as Error).message;
      }
    },
  });
}

export async function runInitWizard(prompter: Prompter, loaded: LoadedConfig, say: (line: string) => void): Promise<InitResult> {
  const databaseUrl = await askDatabase(prompter, loaded);
  let configFile: string | undefined;
  ensureDataDir(loaded.config.dataDir);
  if (databaseUrl !== undefined && databaseUrl !== loaded.config.databaseUrl) {
    // Later commands must find the same database without flags: keep the URL in the data directory's config file.
    configFile = join(loaded.config.dataDir, 'gateway.toml');
    if (existsSync(configFile) || loaded.config.configFile !== undefined) {
      say(`  A config file already exists; add this line to it: database_url = ${JSON.stringify(databaseUrl)}`);
      configFile = undefined;
    } else {
      writeFileSync(configFile, `# Written by gateway init\ndatabase_url = ${JSON.stringify(databaseUrl)}\n`, { mode: 0o600 });
    }
  }

  const password = await prompter.password({
    message: `Password for the root administrator (at least ${MIN_PASSWORD_LENGTH} characters; used only if the database is new)`,
    validate: (value) => (value.length >= MIN_PASSWORD_LENGTH ? true : `use at least ${MIN_PASSWORD_LENGTH} characters`),
  });
  const deps = await createDeps({
    config: { ...loaded.config, databaseUrl: databaseUrl ?? loaded.config.databaseUrl, rootPassword: password },
    sources: loaded.sources,
  });
  try {
    const root = deps.rootBootstrap;
    say(root === undefined ? '  The database already has users; the root password was left unchanged.' : `  Created the root administrator "${root.username}".`);

    let channel: InitResult['channel'];
    if (await prompter.confirm({ message: 'Add a first channel (an upstream provider account)?', default: true })) {
      channel = await retrying(say, async () => {
        const type = await prompter.select({
          message: 'Channel type',
          choices: channelKinds.map((kind) => ({ name: `${kind} — ${channelTypes[kind].label}`, value: kind })),
          default: 'openai',
        });
        const name = await prompter.input({ message: 'Channel name', default: type, validate: required('a name') });
        const defaultBaseUrl = channelTypes[type].defaultBaseUrl;
        const baseUrl = await prompter.input({
          message: 'Base URL',
          default: defaultBaseUrl,
          validate: defaultBaseUrl === undefined ? required(`a base URL for ${type}`) : undefined,
        });
        const key = await prompter.password({ message: 'Provider API key', validate: required('a key') });
        const models = await prompter.input({ message: 'Models (comma separated)', validate: required('at least one model') });
        const created = await deps.channels.add({ name, type, baseUrl: baseUrl === '' ? undefined : baseUrl, keys: [key], models: parseListFlag(models) });
        say(`  ✓ channel "${created.name}" (id ${created.id})`);
        return { id: created.id, name: created.name };
      });
    }

    let token: InitResult['token'];
    if (await prompter.confirm({ message: 'Create a first API key for clients?', default: true })) {
      token = await retrying(say, async () => {
        const name = await prompter.input({ message: 'Key name', default: 'default', validate: required('a name') });
        const quota = await prompter.input({ message: 'Quota in USD (empty for unlimited)', default: '' });
        const expires = await prompter.input({ message: 'Expires (30d, YYYY-MM-DD or never)', default: 'never' });
        const created = await deps.tokens.create({
          name,
          quotaUsd: quota.trim() === '' ? undefined : quota,
          unlimited: quota.trim() === '',
          expires,
        });
        say(`  ✓ key "${created.token.name}": ${created.key}`);
        say('    Copy it now: it is shown only once.');
        return { id: created.token.id, name: created.token.name, key: created.key };
      });
    }
    // Every request is billed to its key's owner (root, for keys made here): without a balance the first
    // request would be refused with insufficient_quota.
    const topup = await retrying(say, async () => {
      const usd = await prompter.input({
        message: 'Add money to the root account now? Requests are billed to the key\'s owner (USD, empty to skip)',
        default: '',
      });
      if (usd.trim() === '') return undefined;
      const result = await deps.users.topup(root?.username ?? 'root', usd);
      say(`  ✓ root's balance is now $${result.user.balanceUsd}`);
      return result.amountUsd;
    });
    if (topup === undefined) say('  Requests will be refused until root has a balance: gateway user topup root USD');
    say('');
    say(`Done. Start the gateway with: gateway serve --data-dir ${loaded.config.dataDir}`);
    return {
      database: deps.store.location,
      configFile,
      root: { username: root?.username ?? 'root', created: root !== undefined },
      channel,
      token,
    };
  } finally {
    await deps.close();
  }
}
