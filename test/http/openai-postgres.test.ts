/**
 * One round of the relay on PostgreSQL (reliability.md P8's relay slice): keys, routing index, failover and
 * auto-disable read and write through the PostgreSQL store exactly as they do on SQLite.
 */
import { afterAll, beforeEach, expect, test } from 'bun:test';
import { eq } from 'drizzle-orm';
import { type RelayHarness, splitSse, startRelayHarness } from '../helpers/relay-harness.ts';

const harness: RelayHarness = await startRelayHarness({ dialect: 'postgres' });
afterAll(() => harness.stop());
beforeEach(() => harness.reset());

const failing = await harness.addChannel({ name: 'pg-failing', models: ['pg-model'], priority: 1, modelMapping: { 'pg-model': 'mock/server-error' } });
const healthy = await harness.addChannel({ name: 'pg-healthy', models: ['pg-model', 'gpt-4o'], priority: 0 });

test('the store is PostgreSQL', () => {
  expect(harness.deps.store.dialect).toBe('postgres');
});

test('chat, streaming chat and the model list through the official client', async () => {
  const client = harness.client();
  const completion = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
  expect(completion.choices[0]?.message.content).toBe('Hello from the mock upstream with a quick');
  let text = '';
  for await (const chunk of await client.chat.completions.create({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'hi' }] })) text += chunk.choices[0]?.delta.content ?? '';
  expect(text).toBe('Hello from the mock upstream with a quick');
  expect((await client.models.list()).data.map((model) => model.id).sort()).toEqual(['gpt-4o', 'pg-model']);
  const outcomes = await harness.waitForOutcomes(2);
  expect(outcomes.map((outcome) => [outcome.stream, outcome.endState, outcome.channelId])).toEqual([
    [false, 'completed', healthy.id],
    [true, 'completed', healthy.id],
  ]);
});

test('failover from a 500 to the next channel, streamed', async () => {
  const response = await harness.post('/v1/chat/completions', { model: 'pg-model', stream: true, messages: [{ role: 'user', content: 'hi' }] });
  expect(response.status).toBe(200);
  expect(splitSse(await response.text()).data.at(-1)).toBe('[DONE]');
  const [outcome] = await harness.waitForOutcomes(1);
  expect(outcome?.attempts.map((attempt) => [attempt.channelId, attempt.status])).toEqual([
    [failing.id, 500],
    [healthy.id, 200],
  ]);
});

test('auto-disable writes through PostgreSQL and the channel leaves routing', async () => {
  await harness.setSetting('auto_disable_enabled', 'true');
  const dead = await harness.addChannel({ name: 'pg-dead', models: ['pg-dead-model'], priority: 1, keys: [`sk-invalid-${crypto.randomUUID()}`] });
  await harness.addChannel({ name: 'pg-spare', models: ['pg-dead-model'], priority: 0 });
  expect((await harness.post('/v1/chat/completions', { model: 'pg-dead-model', messages: [{ role: 'user', content: 'hi' }] })).status).toBe(200);
  await harness.server.relay.health.settled();
  expect((await harness.deps.channels.get(String(dead.id))).status).toBe('auto-disabled');
  await harness.reset();
  expect((await harness.post('/v1/chat/completions', { model: 'pg-dead-model', messages: [{ role: 'user', content: 'hi' }] })).status).toBe(200);
  expect(harness.mock.requests).toHaveLength(1);
});

test('B1 on PostgreSQL: 300 concurrent requests against a key with quota for exactly 100 calls', async () => {
  await harness.deps.prices.set('pg-per-call', { perCall: '0.000001' });
  await harness.addChannel({ name: 'pg-per-call', models: ['pg-per-call'], modelMapping: { 'pg-per-call': 'mock/first-byte-delay-ms=20' } });
  const { user } = await harness.deps.users.create({ username: 'pg-payer', quotaUsd: '1' });
  const created = await harness.deps.tokens.create({ name: 'pg-budget', user: user.username, quotaUsd: '0.0001' });
  await harness.reload();
  const responses = await Promise.all(
    Array.from({ length: 300 }, () => harness.post('/v1/chat/completions', { model: 'pg-per-call', messages: [{ role: 'user', content: 'hi' }] }, { key: created.key })),
  );
  const statuses = responses.map((response) => response.status);
  await Promise.all(responses.map((response) => response.arrayBuffer()));
  expect(statuses.filter((status) => status === 200)).toHaveLength(100);
  expect(statuses.filter((status) => status === 429)).toHaveLength(200);
  expect(harness.mock.requests).toHaveLength(100);
  expect((await harness.checkLedger()).problems).toEqual([]);
  const { tokens } = harness.deps.store.tables;
  const [token] = await harness.deps.store.db.select().from(tokens).where(eq(tokens.id, created.token.id));
  expect(token).toMatchObject({ balance: 0, held: 0, usedAmount: 100 });
});
