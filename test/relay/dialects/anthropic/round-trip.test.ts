/**
 * Both directions together: an Anthropic request through the hub and back keeps its meaning, an Anthropic answer
 * (whole or streamed) through the hub and back keeps its content, and what the inbound side writes is read
 * correctly by the official @anthropic-ai/sdk (its real SSE decoder and message accumulator, over a fake fetch).
 */
import { describe, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import { anthropicInbound } from '../../../../src/relay/dialects/anthropic/inbound.ts';
import { createAnthropicOutbound } from '../../../../src/relay/dialects/anthropic/outbound.ts';
import type { SseOut } from '../../../../src/relay/dialects/types.ts';
import type { JsonBody } from '../../../../src/relay/types.ts';
import { antImageUrl, base64Jpeg, basicMessage, cacheReadUsage, decoded, getWeatherTool, parseSse, textStream, thinkingMessage, thinkingStream, toolStream, toolUseMessage } from './fixtures.ts';

const outbound = createAnthropicOutbound({ now: () => 1_741_570_283_000 });
const model = 'claude-sonnet-4-6';
const inboundContext = { model, stream: false };
const outboundContext = { upstreamModel: model, stream: false, settings: {} };

/** Anthropic → hub → Anthropic for a request. */
const requestRoundTrip = (body: JsonBody): JsonBody => outbound.fromHubRequest(anthropicInbound.toHubRequest(body, inboundContext), outboundContext);

/** Anthropic SSE events → hub chunks → Anthropic SSE events. */
function streamRoundTrip(text: string): SseOut[] {
  const native = outbound.createStream({ ...outboundContext, stream: true });
  const client = anthropicInbound.createStream({ model, stream: true });
  const events = parseSse(text).flatMap((event) => native.push(event).flatMap((chunk) => client.push(chunk)));
  expect(native.completed).toBe(true);
  return [...events, ...client.finish()];
}

function sseText(events: readonly SseOut[]): string {
  return events.map((event) => `event: ${event.event}\ndata: ${event.data}\n\n`).join('');
}

function sdkOver(body: string, contentType: string, status = 200): Anthropic {
  return new Anthropic({ apiKey: 'sk-ant-test', maxRetries: 0, fetch: async () => new Response(body, { status, headers: { 'content-type': contentType } }) });
}

describe('request round trips keep meaning', () => {
  test('multi-turn with tools, images, system, sampling and metadata', () => {
    const body = {
      model,
      max_tokens: 1024,
      system: 'You are a weather assistant.',
      temperature: 0,
      stop_sequences: ['END'],
      metadata: { user_id: 'user-42' },
      tools: [getWeatherTool],
      tool_choice: { type: 'any', disable_parallel_tool_use: true },
      messages: [
        { role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: base64Jpeg } }, { type: 'image', source: { type: 'url', url: antImageUrl } }, { type: 'text', text: 'Where is this? What is the weather there?' }] },
        { role: 'assistant', content: [{ type: 'text', text: 'San Francisco.' }, { type: 'tool_use', id: 'toolu_01A09q90qw90lq917835lq9', name: 'get_weather', input: { location: 'San Francisco, CA' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01A09q90qw90lq917835lq9', content: '15 degrees' }] },
      ],
    };
    expect(requestRoundTrip(body)).toEqual({
      model,
      max_tokens: 1024,
      system: 'You are a weather assistant.',
      temperature: 0,
      stop_sequences: ['END'],
      metadata: { user_id: 'user-42' },
      tools: [getWeatherTool],
      tool_choice: { type: 'any', disable_parallel_tool_use: true },
      messages: body.messages.map((message, index) => (index === 2 ? { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01A09q90qw90lq917835lq9', content: '15 degrees' }] } : message)),
    });
  });

  test('a thinking budget comes back in the same effort band', () => {
    const native = requestRoundTrip({ model, max_tokens: 32000, thinking: { type: 'enabled', budget_tokens: 10000 }, messages: [{ role: 'user', content: 'Prove it.' }] });
    expect(native).toMatchObject({ thinking: { type: 'enabled', budget_tokens: 8192 }, max_tokens: 32000 });
  });
});

describe('answer round trips keep content', () => {
  test.each([
    ['text', basicMessage],
    ['tool use', toolUseMessage],
    ['cache usage', { ...basicMessage, usage: cacheReadUsage }],
  ])('%s', (_name, message) => {
    const back = anthropicInbound.fromHubResponse(outbound.toHubResponse(message, outboundContext), { model: message.model, stream: false });
    expect(back).toEqual({ ...message, usage: { cache_creation_input_tokens: 0, cache_read_input_tokens: 0, ...message.usage } });
  });

  test('thinking comes back without its signature', () => {
    const back = anthropicInbound.fromHubResponse(outbound.toHubResponse(thinkingMessage, outboundContext), inboundContext);
    expect(back.content).toEqual([{ ...thinkingMessage.content[0], signature: '' }, thinkingMessage.content[1]]);
  });

  test.each([
    ['text', textStream],
    ['tool use', toolStream],
    ['thinking', thinkingStream],
  ])('the %s stream comes back as the same event sequence', (_name, text) => {
    const original = parseSse(text)
      .filter((event) => !event.data.includes('signature_delta') && !event.data.includes('"partial_json":""'))
      .map((event) => event.event ?? 'message');
    const events = decoded(streamRoundTrip(text)).map(([type]) => type);
    // Anthropic places its ping after the first content_block_start; so does the inbound stream. The thinking
    // example has no ping, the round trip adds one.
    expect(events.filter((type) => type !== 'ping')).toEqual(original.filter((type) => type !== 'ping'));
  });
});

describe('the official Anthropic SDK reads what the inbound side writes', () => {
  test('a streamed tool-use answer accumulates into the original message', async () => {
    const sdk = sdkOver(sseText(streamRoundTrip(toolStream)), 'text/event-stream');
    const message = await sdk.messages.stream({ model, max_tokens: 1024, messages: [{ role: 'user', content: 'Weather?' }] }).finalMessage();
    const content: unknown = message.content;
    expect(content).toEqual([
      { type: 'text', text: "Okay, let's check the weather for San Francisco, CA:" },
      { type: 'tool_use', id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', name: 'get_weather', input: { location: 'San Francisco, CA', unit: 'fahrenheit' } },
    ]);
    expect(message.stop_reason).toBe('tool_use');
    expect(message.usage).toMatchObject({ input_tokens: 472, output_tokens: 89 });
  });

  test('a streamed thinking answer keeps a thinking block with a signature field', async () => {
    const sdk = sdkOver(sseText(streamRoundTrip(thinkingStream)), 'text/event-stream');
    const message = await sdk.messages.stream({ model, max_tokens: 4096, messages: [{ role: 'user', content: 'GCD?' }] }).finalMessage();
    const [thinking, text]: unknown[] = message.content;
    expect(thinking).toMatchObject({ type: 'thinking', signature: '' });
    expect(text).toMatchObject({ type: 'text', text: 'The greatest common divisor of 1071 and 462 is **21**.' });
  });

  test('a stream cut by fail() raises the Anthropic error type in the SDK', async () => {
    const client = anthropicInbound.createStream({ model, stream: true });
    const events = [...client.push({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 0, model: 'm', choices: [{ index: 0, delta: { content: 'Hel' }, finish_reason: null }] })];
    events.push(...client.fail({ status: 529, code: 'overloaded_error', message: 'Overloaded' }));
    const sdk = sdkOver(sseText(events), 'text/event-stream');
    const error = await sdk.messages
      .stream({ model, max_tokens: 1024, messages: [{ role: 'user', content: 'Hi' }] })
      .finalMessage()
      .then(
        () => undefined,
        (caught: unknown) => caught,
      );
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect((error as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
  });

  test('renderError bodies are read as the SDK error classes', async () => {
    const rendered = anthropicInbound.renderError({ status: 429, code: 'rate_limited', message: 'token "ci-bot" is over 60 requests per minute; wait or raise it' });
    const sdk = sdkOver(JSON.stringify(rendered.body), 'application/json', rendered.status);
    const error = await sdk.messages.create({ model, max_tokens: 1, messages: [{ role: 'user', content: 'Hi' }] }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(Anthropic.RateLimitError);
  });
});
