/**
 * Anthropic clients on `anthropic` channels (architecture.md decision 1, passthrough): the official
 * `@anthropic-ai/sdk` and raw requests reach the mock upstream's `/v1/messages` with their own body — only the
 * model changed — and get the upstream's bytes back untouched, whole and streamed (compared with what the mock
 * answers the same request directly). Usage is still observed, billed and logged; the `-thinking` suffix, the
 * beta header and `?beta=true` still apply; and the choice raw-or-converted is made per attempt, so a model
 * served by an anthropic and an openai channel fails over from a raw attempt to a converted one and back.
 */
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeEach, describe, expect, test } from 'bun:test';
import { createHash } from 'node:crypto';
import type { RecordedRequest } from '../helpers/mock-upstream.ts';
import { type RelayHarness, splitSse, startRelayHarness } from '../helpers/relay-harness.ts';
import { mockUsage } from '../helpers/relay-streams.ts';

const harness: RelayHarness = await startRelayHarness();
afterAll(() => harness.stop());
beforeEach(() => harness.reset());

const MODEL = 'claude-sonnet-4-5';
const claude = await harness.addChannel({
  name: 'claude',
  type: 'anthropic',
  models: [MODEL, 'claude-mapped', 'claude-priced', 'claude-think', 'claude-tools'],
  modelMapping: { 'claude-mapped': 'claude-opus-4-1', 'claude-priced': MODEL, 'claude-think': `${MODEL}-thinking`, 'claude-tools': 'mock/tool-call' },
  settings: { anthropic_beta: 'context-1m-2025-08-07' },
});
// Raw first (a dead key: 401), converted second; and converted first (500), raw second.
const dead = await harness.addChannel({ name: 'claude-dead', type: 'anthropic', models: ['claude-mixed'], priority: 2, keys: [`sk-ant-invalid-${crypto.randomUUID()}`] });
const openAi = await harness.addChannel({ name: 'openai-spare', models: ['claude-mixed', 'claude-mixed-back', 'claude-openai-only'], priority: 1, modelMapping: { 'claude-mixed': 'gpt-4o-mini', 'claude-mixed-back': 'mock/server-error', 'claude-openai-only': 'gpt-4o-mini' } });
const spare = await harness.addChannel({ name: 'claude-spare', type: 'anthropic', models: ['claude-mixed-back'], priority: 0, modelMapping: { 'claude-mixed-back': MODEL } });
await harness.deps.prices.set('claude-priced', { input: '3', output: '15' });
await harness.reload();

const TEXT = 'Hello from the mock upstream with a quick';
const HEADERS = { 'anthropic-version': '2023-06-01' };
const client = new Anthropic({ apiKey: harness.key, baseURL: harness.url, maxRetries: 0, timeout: 10_000 });

/**
 * What the mock answers the request it recorded when asked directly (its ids restart after a reset, so the same
 * request gets the same bytes): the ground truth the gateway's answer must equal byte for byte.
 */
async function directReply(recorded: RecordedRequest | undefined): Promise<Uint8Array> {
  if (recorded === undefined) throw new Error('the mock recorded no request');
  await harness.reset();
  const query = new URLSearchParams(recorded.query).toString();
  const response = await fetch(`${harness.mock.url}${recorded.path}${query === '' ? '' : `?${query}`}`, {
    method: 'POST',
    headers: { 'x-api-key': 'sk-direct', 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
    body: JSON.stringify(recorded.json),
  });
  return new Uint8Array(await response.arrayBuffer());
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
const bytesOf = async (response: Response): Promise<Uint8Array> => new Uint8Array(await response.arrayBuffer());

/** A Messages body with what the hub cannot carry: an unknown top-level field, cache_control, metadata, a server tool. */
function richBody(model: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    model,
    max_tokens: 256,
    system: [{ type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } }],
    messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi', cache_control: { type: 'ephemeral', ttl: '1h' } }] }],
    metadata: { user_id: 'user-42' },
    tools: [{ type: 'web_search_20250305', name: 'web_search', max_uses: 2 }],
    future_field: { nested: [1, 2.5, 'three'], flag: true },
    ...extra,
  };
}

describe('raw requests, untouched answers', () => {
  test('non-stream: the client text forwarded byte for byte when the model needs no change; the answer is the upstream bytes', async () => {
    // Spacing and key order no serializer would reproduce: the upstream must get exactly this text.
    const text = `{ "model" : "${MODEL}",\n  "messages": [{"role": "user", "content": "Hi"}], "max_tokens": 256, "x_unknown": {"a": [1, 2]} }`;
    const response = await fetch(`${harness.url}/v1/messages`, { method: 'POST', headers: { 'x-api-key': harness.key, ...HEADERS, 'content-type': 'application/json' }, body: text });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/json');
    const received = await bytesOf(response);
    const sent = harness.mock.requests[0];
    expect(sent?.path).toBe('/v1/messages');
    expect(sent?.bodySha256).toBe(sha256(text));
    expect(sent?.headers['x-api-key']).toBe(harness.channelKeys[0]);
    expect(sent?.headers.authorization).toBeUndefined();
    const [outcome] = await harness.waitForOutcomes(1);
    expect(outcome).toMatchObject({ channelId: claude.id, stream: false, status: 200, endState: 'completed', partial: false });
    expect(outcome?.attempts).toEqual([expect.objectContaining({ channelId: claude.id, status: 200, passthrough: true })]);
    const usage = mockUsage(harness);
    expect(outcome?.usage).toMatchObject({ promptTokens: usage.promptTokens, completionTokens: usage.completionTokens, estimated: false });
    expect(received).toEqual(await directReply(sent));
  });

  test('non-stream through the SDK: every field the hub cannot carry reaches the upstream, only the mapped model changed', async () => {
    const body = richBody('claude-mapped');
    // Fields the SDK's types do not know yet are sent as they are.
    const message = await client.messages.create(body as unknown as Anthropic.MessageCreateParamsNonStreaming);
    expect(message.content[0]).toMatchObject({ type: 'text', text: TEXT });
    // The mock echoes the model it was sent: the answer is the upstream's, not rewritten to the requested name.
    expect(message.model).toBe('claude-opus-4-1');
    expect(harness.mock.requests[0]?.json).toEqual({ ...body, model: 'claude-opus-4-1' });
    const [outcome] = await harness.waitForOutcomes(1);
    expect(outcome).toMatchObject({ requestedModel: 'claude-mapped', upstreamModel: 'claude-opus-4-1', endState: 'completed' });
  });

  test('stream: the SDK reads the upstream events, and the raw stream is the upstream bytes exactly; usage from the upstream', async () => {
    const final = await client.messages.stream({ model: MODEL, max_tokens: 256, messages: [{ role: 'user', content: 'Hi' }] }).finalMessage();
    expect(final.content[0]).toMatchObject({ type: 'text', text: TEXT });
    expect(final.usage.output_tokens).toBe(mockUsage(harness).completionTokens);
    await harness.waitForOutcomes(1);
    await harness.reset();

    const response = await harness.post('/v1/messages', richBody(MODEL, { stream: true }), { headers: HEADERS });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toStartWith('text/event-stream');
    const received = await bytesOf(response);
    const names = splitSse(new TextDecoder().decode(received)).events.map((event) => event.event);
    expect(names.at(0)).toBe('message_start');
    expect(names.at(-1)).toBe('message_stop');
    const sent = harness.mock.requests[0];
    expect(sent?.json).toEqual(richBody(MODEL, { stream: true }));
    const [outcome] = await harness.waitForOutcomes(1);
    expect(outcome).toMatchObject({ stream: true, status: 200, endState: 'completed', partial: false });
    expect(outcome?.attempts[0]?.passthrough).toBe(true);
    const usage = mockUsage(harness);
    expect(outcome?.usage).toMatchObject({ promptTokens: usage.promptTokens, completionTokens: usage.completionTokens, estimated: false });
    expect(outcome?.firstTokenMs).toBeGreaterThanOrEqual(0);
    expect(received).toEqual(await directReply(sent));
  });

  test('a tool call streamed raw: the SDK assembles tool_use from the upstream input_json_delta events', async () => {
    const weather = { name: 'get_weather', input_schema: { type: 'object' as const, properties: { city: { type: 'string' } } } };
    const final = await client.messages.stream({ model: 'claude-tools', max_tokens: 256, tools: [weather], messages: [{ role: 'user', content: 'Weather?' }] }).finalMessage();
    expect(final.stop_reason).toBe('tool_use');
    expect(final.content.find((block) => block.type === 'tool_use')).toMatchObject({ name: 'get_weather', input: { city: 'mock' } });
    const [outcome] = await harness.waitForOutcomes(1);
    expect(outcome?.usage.completionTokens).toBe(mockUsage(harness).completionTokens);
  });

  test('a priced model is billed from the usage the raw answer reported, whole and streamed', async () => {
    await client.messages.create({ model: 'claude-priced', max_tokens: 256, messages: [{ role: 'user', content: 'Hi' }] });
    await client.messages.stream({ model: 'claude-priced', max_tokens: 256, messages: [{ role: 'user', content: 'Hi' }] }).finalMessage();
    const outcomes = await harness.waitForOutcomes(2);
    for (const [index, outcome] of outcomes.entries()) {
      const usage = mockUsage(harness, index);
      // $3 and $15 per 1M tokens: 3 and 15 micro-USD per token.
      expect(outcome.cost).toBe(usage.promptTokens * 3 + usage.completionTokens * 15);
      expect(outcome.cost).toBeGreaterThan(0);
      expect(outcome.billing?.state).toBe('settled');
    }
  });
});

describe('what the gateway still does to a raw request', () => {
  test('the -thinking suffix: cut from the model, extended thinking on, max_tokens above the budget, temperature dropped', async () => {
    const response = await harness.post('/v1/messages', { model: 'claude-think', max_tokens: 256, temperature: 0.5, messages: [{ role: 'user', content: 'Hi' }] }, { headers: HEADERS });
    expect(((await response.json()) as Anthropic.Message).content[0]?.type).toBe('thinking');
    expect(harness.mock.requests[0]?.json).toEqual({
      model: MODEL,
      max_tokens: 8192 + 256,
      messages: [{ role: 'user', content: 'Hi' }],
      thinking: { type: 'enabled', budget_tokens: 8192 },
    });
    await harness.reset();
    // The client's own thinking setting wins over the suffix.
    await client.messages.create({ model: 'claude-think', max_tokens: 256, thinking: { type: 'disabled' }, messages: [{ role: 'user', content: 'Hi' }] });
    expect(harness.mock.requests[0]?.json).toEqual({ model: MODEL, max_tokens: 256, thinking: { type: 'disabled' }, messages: [{ role: 'user', content: 'Hi' }] });
  });

  test("beta names (the channel's, then the client's, once each), ?beta=true and the client's anthropic-version reach the upstream", async () => {
    const message = await client.beta.messages.create({
      model: MODEL,
      max_tokens: 64,
      betas: ['interleaved-thinking-2025-05-14', 'context-1m-2025-08-07'],
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(message.content[0]?.type).toBe('text');
    const upstream = harness.mock.requests[0];
    expect(upstream?.path).toBe('/v1/messages');
    expect(upstream?.headers['anthropic-beta']).toBe('context-1m-2025-08-07,interleaved-thinking-2025-05-14');
    // The version the SDK wrote its body for, not the gateway's default.
    expect(upstream?.headers['anthropic-version']).toMatch(/^\d{4}-\d{2}-\d{2}$/);

    // Older SDKs mark the beta namespace with `?beta=true`; it goes with the raw request (the key never does).
    const hi = { model: MODEL, max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] };
    const response = await harness.post('/v1/messages?beta=true&key=sk-never', hi, { headers: { 'anthropic-version': '2023-06-01' } });
    expect(response.status).toBe(200);
    expect(harness.mock.requests[1]?.query).toEqual({ beta: 'true' });
    expect(harness.mock.requests[1]?.headers['anthropic-version']).toBe('2023-06-01');
    // A version that is not a date is not passed on: the gateway's own (the only stable one) is sent.
    await harness.post('/v1/messages', hi, { headers: { 'anthropic-version': 'latest' } });
    expect(harness.mock.requests[2]?.headers['anthropic-version']).toBe('2023-06-01');
  });

  test('a block the converter refuses goes raw to an anthropic channel; to an openai-only model it is the 400 naming it', async () => {
    const document = { type: 'document', source: { type: 'file', file_id: 'file_011CNha8iCJcU1wXNR6q4V8w' } };
    const body = { model: MODEL, max_tokens: 64, messages: [{ role: 'user', content: [document, { type: 'text', text: 'Summarize' }] }] };
    const raw = await harness.post('/v1/messages', body, { headers: HEADERS });
    expect(raw.status).toBe(200);
    expect(harness.mock.requests[0]?.json).toEqual(body);
    await harness.reset();

    const refused = await harness.post('/v1/messages', { ...body, model: 'claude-openai-only' }, { headers: HEADERS });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: expect.stringContaining('messages[0].content[0].source') } });
    expect(harness.mock.requests).toHaveLength(0);
    const [outcome] = await harness.waitForOutcomes(1);
    expect(outcome).toMatchObject({ status: 400, endState: 'failed_before_output', cost: 0 });
  });
});

describe('failover across channel types, decided per attempt', () => {
  test('a raw attempt that fails (401) fails over to a converted one; the client gets the converted answer in its dialect', async () => {
    const message = await client.messages.create({ model: 'claude-mixed', max_tokens: 64, messages: [{ role: 'user', content: 'Hi' }] });
    expect(message).toMatchObject({ type: 'message', role: 'assistant', model: 'claude-mixed', stop_reason: 'end_turn' });
    expect(message.content[0]).toMatchObject({ type: 'text', text: TEXT });
    expect(harness.mock.requests.map((request) => request.path)).toEqual(['/v1/messages', '/v1/chat/completions']);
    const [outcome] = await harness.waitForOutcomes(1);
    expect(outcome?.attempts.map((attempt) => [attempt.channelId, attempt.status, attempt.passthrough ?? false])).toEqual([
      [dead.id, 401, true],
      [openAi.id, 200, false],
    ]);
  });

  test('a converted attempt that fails (500) fails over to a raw one, streamed: the client gets the upstream events', async () => {
    const response = await harness.post('/v1/messages', { model: 'claude-mixed-back', max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'Hi' }] }, { headers: HEADERS });
    expect(response.status).toBe(200);
    const received = await bytesOf(response);
    expect(harness.mock.requests.map((request) => request.path)).toEqual(['/v1/chat/completions', '/v1/messages']);
    const [outcome] = await harness.waitForOutcomes(1);
    expect(outcome?.attempts.map((attempt) => [attempt.channelId, attempt.status, attempt.passthrough ?? false])).toEqual([
      [openAi.id, 500, false],
      [spare.id, 200, true],
    ]);
    expect(outcome).toMatchObject({ endState: 'completed', usage: { estimated: false } });
    // The raw attempt's request went out with its index 2; replayed alone, the mock numbers it 1.
    const direct = new TextDecoder().decode(await directReply(harness.mock.requests[1]));
    expect(new TextDecoder().decode(received)).toBe(direct.replaceAll('000001', '000002'));
  });
});
