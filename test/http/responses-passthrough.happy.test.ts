/**
 * Responses clients on channels whose upstream speaks the Responses API (architecture.md decision 1,
 * passthrough): an `openai` channel, a `chat_api=responses` channel and a custom Responses URL get the client's
 * own body — byte for byte when the model needs no change — and the answer comes back as the upstream's bytes,
 * whole and streamed, with usage read on the side and billed. What only the Responses API can do
 * (previous_response_id, built-in tools) goes raw; the choice raw-or-converted is made per attempt, so one model's
 * candidates fail over from a raw attempt to a converted one and back, and a converted channel the body cannot
 * go to is skipped for a raw one.
 */
import { afterAll, beforeEach, describe, expect, test } from 'bun:test';
import { createHash } from 'node:crypto';
import { expectConforms } from '../helpers/openai-schema.ts';
import type { RecordedRequest } from '../helpers/mock-upstream.ts';
import { type RelayHarness, splitSse, startRelayHarness } from '../helpers/relay-harness.ts';
import { mockUsage } from '../helpers/relay-streams.ts';

const harness: RelayHarness = await startRelayHarness();
afterAll(() => harness.stop());
beforeEach(() => harness.reset());

const MODEL = 'gpt-4.1';
const openAi = await harness.addChannel({ name: 'openai', models: [MODEL, 'gpt-mapped', 'gpt-priced', 'gpt-effort'], modelMapping: { 'gpt-mapped': 'gpt-4.1-mini', 'gpt-priced': MODEL, 'gpt-effort': 'o3-mini-high' } });
const responsesOnly = await harness.addChannel({ name: 'responses-only', models: ['codex-only'], settings: { chat_api: 'responses' } });
const custom = await harness.addChannel({ name: 'responses-custom', type: 'custom', baseUrl: `${harness.mock.url}/custom/acme/v1/responses`, models: ['custom-codex'], settings: { chat_api: 'responses' } });
// Raw first (500), converted second; converted first (500), raw second; a chat-only channel the body cannot go to, then a raw one.
const rawFailing = await harness.addChannel({ name: 'raw-failing', models: ['mixed-raw-first'], priority: 1, modelMapping: { 'mixed-raw-first': 'mock/server-error' } });
const claudeSpare = await harness.addChannel({ name: 'claude-spare', type: 'anthropic', models: ['mixed-raw-first'], priority: 0 });
const chatFailing = await harness.addChannel({ name: 'chat-failing', type: 'deepseek', models: ['mixed-converted-first'], priority: 1, modelMapping: { 'mixed-converted-first': 'mock/server-error' } });
const rawSpare = await harness.addChannel({ name: 'raw-spare', models: ['mixed-converted-first', 'stateful'], priority: 0 });
const chatOnly = await harness.addChannel({ name: 'chat-only', type: 'deepseek', models: ['stateful'], priority: 1 });
await harness.deps.prices.set('gpt-priced', { input: '2', output: '8' });
await harness.reload();

const client = harness.client();
const TEXT = 'Hello from the mock upstream with a quick';

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
const bytesOf = async (response: Response): Promise<Uint8Array> => new Uint8Array(await response.arrayBuffer());

/**
 * What the mock answers the request it recorded when asked directly (its ids restart after a reset, so the same
 * request gets the same bytes): the ground truth the gateway's answer must equal byte for byte.
 */
async function directReply(recorded: RecordedRequest | undefined): Promise<Uint8Array> {
  if (recorded === undefined) throw new Error('the mock recorded no request');
  await harness.reset();
  const response = await fetch(`${harness.mock.url}${recorded.path}`, {
    method: 'POST',
    headers: { authorization: 'Bearer sk-direct', 'content-type': 'application/json' },
    body: JSON.stringify(recorded.json),
  });
  return new Uint8Array(await response.arrayBuffer());
}

/** A body with what only the Responses API can serve: a stored response, a built-in tool, an unknown field. */
function statefulBody(model: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    model,
    previous_response_id: 'resp_earlier',
    input: [{ role: 'user', content: [{ type: 'input_text', text: 'And tomorrow?' }] }],
    tools: [{ type: 'web_search' }],
    include: ['reasoning.encrypted_content'],
    future_field: { nested: [1, 2.5, 'three'] },
    ...extra,
  };
}

describe('raw requests, untouched answers', () => {
  test('non-stream: the client text forwarded byte for byte; the answer is the upstream bytes; usage billed', async () => {
    // Spacing and key order no serializer would reproduce: the upstream must get exactly this text.
    const text = `{ "model" : "gpt-priced",\n "input": "Hi",   "store": false, "x_unknown": {"a": [1, 2]} }`;
    const mapped = await fetch(`${harness.url}/v1/responses`, { method: 'POST', headers: { authorization: `Bearer ${harness.key}`, 'content-type': 'application/json' }, body: text });
    expect(mapped.status).toBe(200);
    await mapped.arrayBuffer();
    // gpt-priced is mapped to gpt-4.1: the body is re-serialized with only the model changed.
    expect(harness.mock.requests[0]?.json).toEqual({ model: MODEL, input: 'Hi', store: false, x_unknown: { a: [1, 2] } });
    const [billed] = await harness.waitForOutcomes(1);
    const usage = mockUsage(harness);
    expect(billed).toMatchObject({ endpoint: 'responses', channelId: openAi.id, endState: 'completed', usage: { promptTokens: usage.promptTokens, completionTokens: usage.completionTokens, estimated: false } });
    expect(billed?.cost).toBe(Math.ceil(usage.promptTokens * 2 + usage.completionTokens * 8));
    await harness.reset();

    const exact = text.replace('gpt-priced', MODEL);
    const response = await fetch(`${harness.url}/v1/responses`, { method: 'POST', headers: { authorization: `Bearer ${harness.key}`, 'content-type': 'application/json' }, body: exact });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/json');
    const received = await bytesOf(response);
    const sent = harness.mock.requests[0];
    expect(sent?.path).toBe('/v1/responses');
    expect(sent?.bodySha256).toBe(sha256(exact));
    expect(sent?.headers.authorization).toBe(`Bearer ${harness.channelKeys[0]}`);
    const [outcome] = await harness.waitForOutcomes(1);
    expect(outcome).toMatchObject({ endpoint: 'responses', channelId: openAi.id, stream: false, status: 200, endState: 'completed', partial: false });
    expect(outcome?.attempts).toEqual([expect.objectContaining({ channelId: openAi.id, status: 200, passthrough: true })]);
    expect(received).toEqual(await directReply(sent));
  });

  test('stream: the SDK reads the upstream events, and the raw stream is the upstream bytes exactly; usage from response.completed', async () => {
    const final = await client.responses.stream({ model: MODEL, input: 'Hi' }).finalResponse();
    expectConforms('Response', final);
    expect(final.output_text).toBe(TEXT);
    const [sdkOutcome] = await harness.waitForOutcomes(1);
    expect(sdkOutcome?.usage).toMatchObject({ completionTokens: mockUsage(harness).completionTokens, estimated: false });
    await harness.reset();

    const response = await harness.post('/v1/responses', { model: MODEL, input: 'Hi', stream: true });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toStartWith('text/event-stream');
    const received = await bytesOf(response);
    const types = splitSse(new TextDecoder().decode(received)).events.map((event) => event.event);
    expect(types.at(0)).toBe('response.created');
    expect(types.at(-1)).toBe('response.completed');
    const sent = harness.mock.requests[0];
    const [outcome] = await harness.waitForOutcomes(1);
    const usage = mockUsage(harness);
    expect(outcome).toMatchObject({ endpoint: 'responses', stream: true, endState: 'completed', partial: false, usage: { promptTokens: usage.promptTokens, completionTokens: usage.completionTokens, estimated: false } });
    expect(outcome?.attempts[0]?.passthrough).toBe(true);
    expect(received).toEqual(await directReply(sent));
  });

  test('what only the Responses API serves (previous_response_id, built-in tools, include) goes upstream untouched', async () => {
    const response = await harness.post('/v1/responses', statefulBody('gpt-mapped'));
    expect(response.status).toBe(200);
    const json = (await response.json()) as Record<string, unknown>;
    // The answer is the upstream's: the mock echoes the model it was sent and the stored response it continues.
    expect(json).toMatchObject({ model: 'gpt-4.1-mini', previous_response_id: 'resp_earlier' });
    expect(harness.mock.requests[0]?.json).toEqual(statefulBody('gpt-4.1-mini'));
    const [outcome] = await harness.waitForOutcomes(1);
    expect(outcome).toMatchObject({ requestedModel: 'gpt-mapped', upstreamModel: 'gpt-4.1-mini', endState: 'completed' });
  });

  test('a reasoning suffix in the mapping still becomes reasoning.effort, the rest of the body kept', async () => {
    await client.responses.create({ model: 'gpt-effort', input: 'Hi', reasoning: { summary: 'auto' } });
    expect(harness.mock.requests[0]?.json).toEqual({ model: 'o3-mini', input: 'Hi', reasoning: { summary: 'auto', effort: 'high' } });
  });

  test('a chat_api=responses channel takes a Responses client raw (not converted twice), on its own or a custom URL', async () => {
    const body = statefulBody('codex-only', { store: true, stream: true });
    const response = await harness.post('/v1/responses', body);
    expect(response.status).toBe(200);
    expect(splitSse(await response.text()).events.at(-1)?.event).toBe('response.completed');
    expect(harness.mock.requests[0]?.path).toBe('/v1/responses');
    expect(harness.mock.requests[0]?.json).toEqual(body);
    const [outcome] = await harness.waitForOutcomes(1);
    expect(outcome).toMatchObject({ channelId: responsesOnly.id, endState: 'completed', usage: { estimated: false } });
    expect(outcome?.attempts[0]?.passthrough).toBe(true);
    await harness.reset();

    const answer = await client.responses.create({ model: 'custom-codex', input: 'Hi' });
    expect(answer.output_text).toBe(TEXT);
    expect(harness.mock.requests[0]?.path).toBe('/custom/acme/v1/responses');
    expect(harness.mock.requests[0]?.json).toEqual({ model: 'custom-codex', input: 'Hi' });
    const [customOutcome] = await harness.waitForOutcomes(1);
    expect(customOutcome).toMatchObject({ channelId: custom.id, attempts: [expect.objectContaining({ passthrough: true })] });
  });
});

describe('raw or converted, per attempt', () => {
  test('a raw attempt that fails over to a converted channel: the answer is converted back to a Response', async () => {
    const response = await client.responses.create({ model: 'mixed-raw-first', input: 'Hi' });
    expectConforms('Response', response);
    expect(response.output_text).toBe(TEXT);
    expect(harness.mock.requests.map((request) => request.path)).toEqual(['/v1/responses', '/v1/messages']);
    const [outcome] = await harness.waitForOutcomes(1);
    expect(outcome?.attempts.map((attempt) => [attempt.channelId, attempt.status, attempt.passthrough])).toEqual([
      [rawFailing.id, 500, true],
      [claudeSpare.id, 200, undefined],
    ]);
    expect(outcome).toMatchObject({ endpoint: 'responses', channelId: claudeSpare.id, endState: 'completed' });
  });

  test('a converted attempt that fails over to a raw channel: the stream is the upstream own', async () => {
    const response = await harness.post('/v1/responses', { model: 'mixed-converted-first', input: 'Hi', stream: true });
    const events = splitSse(await response.text()).events;
    expect(events.at(-1)?.event).toBe('response.completed');
    expect(harness.mock.requests.map((request) => request.path)).toEqual(['/v1/chat/completions', '/v1/responses']);
    const [outcome] = await harness.waitForOutcomes(1);
    expect(outcome?.attempts.map((attempt) => [attempt.channelId, attempt.status, attempt.passthrough])).toEqual([
      [chatFailing.id, 500, undefined],
      [rawSpare.id, 200, true],
    ]);
  });

  test('a body only the Responses API can serve skips the chat-only channel for a raw one, using up no retry', async () => {
    const response = await harness.post('/v1/responses', statefulBody('stateful'));
    expect(response.status).toBe(200);
    expect(harness.mock.requests).toHaveLength(1);
    expect(harness.mock.requests[0]?.json).toEqual(statefulBody('stateful'));
    const [outcome] = await harness.waitForOutcomes(1);
    expect(outcome?.attempts.map((attempt) => [attempt.channelId, attempt.status, attempt.errorCode, attempt.passthrough])).toEqual([
      [chatOnly.id, 0, 'invalid_request', undefined],
      [rawSpare.id, 200, undefined, true],
    ]);
  });
});
