/**
 * Graceful shutdown loses no money and no log row (reliability.md P4, G12): requests that finished just before
 * SIGTERM are settled and their log rows written before the store closes, although the log queue's 200 ms
 * flush timer never fired.
 */
import { expect, test } from 'bun:test';
import { eq } from 'drizzle-orm';
import { loadConfig } from '../../src/config/load.ts';
import { createDeps } from '../../src/deps.ts';
import { createLogger, memorySink } from '../../src/log/logger.ts';
import { startServer } from '../../src/server.ts';
import { checkLedger } from '../../src/services/ledger-check.ts';
import { startMockUpstream } from '../helpers/mock-upstream.ts';
import { createTestEnvironment, openDeps } from '../helpers/stores.ts';

test('stop() settles every finished request and writes every queued log row before closing the store', async () => {
  const environment = await createTestEnvironment('sqlite');
  const mock = await startMockUpstream();
  try {
    const deps = await createDeps(loadConfig({ env: { ...environment.env, GATEWAY_HOST: '127.0.0.1', PORT: '0' }, flags: {} }));
    await deps.users.topup('root', '10');
    await deps.prices.set('gpt-4o-mini', { input: '0.15', output: '0.6' });
    await deps.channels.add({ name: 'mock', type: 'openai', baseUrl: mock.url, allowPrivate: `127.0.0.1:${mock.port}`, keys: ['sk-mock-key'], models: ['gpt-4o-mini'] });
    const { key } = await deps.tokens.create({ name: 'flush' });
    const server = await startServer(deps, createLogger({ format: 'json', level: 'error', sink: memorySink() }));
    const responses = await Promise.all(
      Array.from({ length: 20 }, () =>
        fetch(`${server.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
        }),
      ),
    );
    expect(responses.map((response) => response.status)).toEqual(Array.from({ length: 20 }, () => 200));
    await Promise.all(responses.map((response) => response.arrayBuffer()));
    await server.stop();

    const reopened = await openDeps(environment);
    try {
      const { logs, ledgerEntries } = reopened.store.tables;
      expect(await reopened.store.db.select().from(logs).where(eq(logs.type, 2))).toHaveLength(20);
      expect(await reopened.store.db.select().from(ledgerEntries).where(eq(ledgerEntries.kind, 'debit'))).toHaveLength(20);
      expect((await checkLedger(reopened.store, Date.now())).problems).toEqual([]);
    } finally {
      await reopened.close();
    }
  } finally {
    await mock.stop();
    await environment.cleanup();
  }
});
