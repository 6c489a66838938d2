/**
 * Image URLs sent to Anthropic and Gemini channels (src/relay/inline-images.ts) end to end: the official clients
 * name an image by URL, the gateway fetches it through the outbound guard and the upstream — the mock, which
 * checks inline images as Anthropic and Gemini do — receives base64 (Anthropic `{type: "image", source: {type:
 * "base64"}}`, Gemini `inlineData`). The test images are served by the mock itself (`/mock-images/…`), which the
 * channels' private exception allows; an image server on another loopback port is not allowed and must never
 * be reached. A refused image is the client's 400 in its own dialect, naming the part, with no upstream call and
 * no failover; a failover to a second channel reuses the download.
 */
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeEach, describe, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { GIF_BYTES, JPEG_BYTES } from '../helpers/mock-upstream/images.ts';
import { PNG_BYTES } from '../helpers/mock-upstream/media.ts';
import { type RelayHarness, startRelayHarness } from '../helpers/relay-harness.ts';
import { readRawStream, rejection } from '../helpers/relay-streams.ts';

const harness: RelayHarness = await startRelayHarness({ env: { MAX_FILE_DOWNLOAD_MB: '1' } });
afterAll(async () => {
  await outside.stop(true);
  await harness.stop();
});
beforeEach(() => harness.reset());

/** Loopback, but not the channels' private exception: no request may ever reach it. */
let outsideHits = 0;
const outside = Bun.serve({
  hostname: '127.0.0.1',
  port: 0,
  fetch() {
    outsideHits += 1;
    return new Response(PNG_BYTES, { headers: { 'content-type': 'image/png' } });
  },
});

await harness.addChannel({ name: 'claude', type: 'anthropic', models: ['claude-vision'], modelMapping: { 'claude-vision': 'claude-sonnet-4-5' } });
const broken = await harness.addChannel({ name: 'claude-broken', type: 'anthropic', models: ['claude-failover'], priority: 1, modelMapping: { 'claude-failover': 'mock/server-error' } });
const spare = await harness.addChannel({ name: 'claude-spare', type: 'anthropic', models: ['claude-failover'], priority: 0, modelMapping: { 'claude-failover': 'claude-sonnet-4-5' } });
await harness.addChannel({ name: 'gemini', type: 'gemini', models: ['gemini-vision'], modelMapping: { 'gemini-vision': 'gemini-2.5-flash' } });
await harness.addChannel({ name: 'gpt', type: 'openai', models: ['gpt-vision'] });

const client = harness.client();
const TEXT = 'Hello from the mock upstream with a quick';
const PNG_BASE64 = Buffer.from(PNG_BYTES).toString('base64');
const image = (name: string) => `${harness.mock.url}/mock-images/${name}`;
const outsideUrl = `http://127.0.0.1:${outside.port}/cat.png`;

const ask = (url: string): OpenAI.Chat.ChatCompletionMessageParam[] => [
  { role: 'user', content: [{ type: 'text', text: 'What is in this image?' }, { type: 'image_url', image_url: { url, detail: 'low' } }] },
];

/** The mock's requests of one kind: the image downloads, and the upstream API calls. */
const downloads = () => harness.mock.requests.filter((request) => request.path.startsWith('/mock-images/'));
const upstreamCalls = () => harness.mock.requests.filter((request) => request.method === 'POST');
const upstreamJson = (index = 0) => upstreamCalls()[index]?.json as Record<string, unknown> | undefined;

describe('an image URL reaches the upstream as base64', () => {
  test('Anthropic channel: one download, a base64 image block beside the text, the answer back', async () => {
    const completion = await client.chat.completions.create({ model: 'claude-vision', messages: ask(image('cat.png')), max_tokens: 64 });
    expect(completion.choices[0]?.message.content).toBe(TEXT);
    expect(downloads().map((request) => request.path)).toEqual(['/mock-images/cat.png']);
    expect(downloads()[0]?.headers.accept).toBe('image/jpeg, image/png, image/gif, image/webp');
    expect(upstreamJson()?.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'What is in this image?' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_BASE64 } }] },
    ]);
  });

  test('Gemini channel, streamed: inlineData with the type read from the bytes', async () => {
    const read = await readRawStream(harness, { model: 'gemini-vision', stream: true, messages: ask(image('cat.jpg')) });
    expect(read.status).toBe(200);
    expect(read.data.at(-1)).toBe('[DONE]');
    const contents = upstreamJson()?.contents as { parts: unknown[] }[];
    expect(contents[0]?.parts).toEqual([{ text: 'What is in this image?' }, { inlineData: { mimeType: 'image/jpeg', data: Buffer.from(JPEG_BYTES).toString('base64') } }]);
  });

  test('Gemini channel: a Files API URI goes on as fileData, never fetched', async () => {
    const uri = 'https://generativelanguage.googleapis.com/v1beta/files/cat-123';
    await client.chat.completions.create({ model: 'gemini-vision', messages: ask(uri) });
    expect(downloads()).toEqual([]);
    const contents = upstreamJson()?.contents as { parts: unknown[] }[];
    expect(contents[0]?.parts[1]).toEqual({ fileData: { fileUri: uri, mimeType: 'image/jpeg' } });
  });

  test('an OpenAI channel gets the URL as sent: OpenAI fetches images itself', async () => {
    await client.chat.completions.create({ model: 'gpt-vision', messages: ask(image('cat.png')) });
    expect(downloads()).toEqual([]);
    expect(upstreamJson()?.messages).toEqual(ask(image('cat.png')));
  });

  test('failover to a second Anthropic channel reuses the download', async () => {
    const completion = await client.chat.completions.create({ model: 'claude-failover', messages: ask(image('cat.png')) });
    expect(completion.choices[0]?.message.content).toBe(TEXT);
    expect(downloads()).toHaveLength(1);
    expect(upstreamCalls()).toHaveLength(2);
    for (const index of [0, 1]) {
      const content = (upstreamJson(index)?.messages as { content: unknown[] }[])[0]?.content;
      expect(content?.[1]).toEqual({ type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_BASE64 } });
    }
    const [outcome] = await harness.waitForOutcomes(1);
    expect(outcome?.attempts.map((attempt) => [attempt.channelId, attempt.status])).toEqual([
      [broken.id, 500],
      [spare.id, 200],
    ]);
  });

  test('the Anthropic SDK\'s url image source goes to a Gemini channel as inlineData', async () => {
    // (Anthropic client → Anthropic channel is same-dialect passthrough: the body, URL included, is Anthropic's to read.)
    const anthropic = new Anthropic({ apiKey: harness.key, baseURL: harness.url, maxRetries: 0, timeout: 10_000 });
    const message = await anthropic.messages.create({
      model: 'gemini-vision',
      max_tokens: 64,
      messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'url', url: image('cat.png') } }, { type: 'text', text: 'What is this?' }] }],
    });
    expect(message.content[0]).toMatchObject({ type: 'text', text: TEXT });
    const contents = upstreamJson()?.contents as { parts: unknown[] }[];
    expect(contents[0]?.parts[0]).toEqual({ inlineData: { mimeType: 'image/png', data: PNG_BASE64 } });
  });
});

describe('a refused image is the client\'s 400, with no upstream call and no failover', () => {
  test('a loopback address the channel does not allow: never reached, 400 naming the part, hold released', async () => {
    const error = await rejection(client.chat.completions.create({ model: 'claude-failover', messages: ask(outsideUrl) }), OpenAI.BadRequestError);
    expect(error.status).toBe(400);
    expect(error.code).toBe('invalid_request');
    expect(error.message).toContain('messages[0].content[1].image_url:');
    expect(error.message).toContain('private, local or metadata address');
    expect(outsideHits).toBe(0);
    expect(upstreamCalls()).toEqual([]);
    const [outcome] = await harness.waitForOutcomes(1);
    expect(outcome).toMatchObject({ status: 400, errorCode: 'invalid_request', endState: 'failed_before_output', cost: 0, channelId: broken.id });
    // One attempt, recorded as the client's error: the second channel is not tried.
    expect(outcome?.attempts.map((attempt) => [attempt.channelId, attempt.status, attempt.errorCode, attempt.retryable])).toEqual([[broken.id, 400, 'invalid_request', false]]);
  });

  test('Gemini channel: the same address refused in the same way', async () => {
    const response = await harness.post('/v1/chat/completions', { model: 'gemini-vision', messages: ask(outsideUrl) });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { type: 'invalid_request_error', code: 'invalid_request', message: expect.stringContaining('messages[0].content[1].image_url') } });
    expect(outsideHits).toBe(0);
    expect(upstreamCalls()).toEqual([]);
  });

  test('not an image (HTML served as image/png), a 404, too large (MAX_FILE_DOWNLOAD_MB=1), a type Gemini does not take', async () => {
    const cases: [string, string, string][] = [
      ['claude-vision', image('page.png'), 'did not answer with a PNG, JPEG, GIF, WebP, HEIC or HEIF image'],
      ['claude-vision', image('missing.png'), 'answered HTTP 404 for the image'],
      ['gemini-vision', image('big.png?bytes=1100000'), 'is larger than 1 MiB, the most this channel takes for one image'],
      ['gemini-vision', image('cat.gif'), 'the image is image/gif, which Gemini does not take'],
    ];
    for (const [model, url, words] of cases) {
      const response = await harness.post('/v1/chat/completions', { model, messages: ask(url) });
      const body = (await response.json()) as { error: { message: string } };
      expect({ url, status: response.status, message: body.error.message }).toEqual({ url, status: 400, message: expect.stringContaining(words) });
    }
    expect(upstreamCalls()).toEqual([]);
  });

  test('a data: URL is checked too: GIF bytes to Gemini refused, a wrong declared type corrected for Anthropic', async () => {
    const gif = `data:image/png;base64,${Buffer.from(GIF_BYTES).toString('base64')}`;
    const refused = await harness.post('/v1/chat/completions', { model: 'gemini-vision', messages: ask(gif) });
    expect(refused.status).toBe(400);
    await client.chat.completions.create({ model: 'claude-vision', messages: ask(gif) });
    const content = (upstreamJson()?.messages as { content: unknown[] }[])[0]?.content;
    expect(content?.[1]).toEqual({ type: 'image', source: { type: 'base64', media_type: 'image/gif', data: Buffer.from(GIF_BYTES).toString('base64') } });
  });

  test('in the caller\'s dialect: Anthropic\'s error shape on /v1/messages (to a Gemini channel)', async () => {
    const anthropic = new Anthropic({ apiKey: harness.key, baseURL: harness.url, maxRetries: 0, timeout: 10_000 });
    const error = await rejection(
      anthropic.messages.create({ model: 'gemini-vision', max_tokens: 64, messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'url', url: outsideUrl } }] }] }),
      Anthropic.BadRequestError,
    );
    expect(error.status).toBe(400);
    expect(error.error).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: expect.stringContaining('image_url') } });
    expect(outsideHits).toBe(0);
  });

  test('in the caller\'s dialect: Google\'s error shape on generateContent (to an Anthropic channel)', async () => {
    const response = await fetch(`${harness.url}/v1beta/models/claude-vision:generateContent`, {
      method: 'POST',
      headers: { 'x-goog-api-key': harness.key, 'content-type': 'application/json' },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'What is this?' }, { fileData: { fileUri: outsideUrl, mimeType: 'image/png' } }] }] }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: 400, status: 'INVALID_ARGUMENT', message: expect.stringContaining('image_url') } });
    expect(outsideHits).toBe(0);
    expect(upstreamCalls()).toEqual([]);
  });
});

test('the channels serve text as before (no image, no download)', async () => {
  const completion = await client.chat.completions.create({ model: 'claude-vision', messages: [{ role: 'user', content: 'Hi' }] });
  expect(completion.choices[0]?.message.content).toBe(TEXT);
  expect(downloads()).toEqual([]);
});
