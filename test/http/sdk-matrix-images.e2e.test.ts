/**
 * Images across dialects with the official SDKs: an OpenAI client's base64 `data:` URL, an Anthropic client's
 * base64 image block and a Gemini client's `inlineData`, each sent to a channel of each other kind. The upstream
 * must receive the same bytes and media type in its own native form (OpenAI `image_url` with a data URL,
 * Anthropic `{type: "image", source: {type: "base64"}}`, Gemini `inlineData`), next to the question's text; the
 * client gets the answer, billed as the upstream reported it.
 */
import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import { afterAll, beforeEach, describe, expect, test } from 'bun:test';
import { startRelayHarness, type RelayHarness } from '../helpers/relay-harness.ts';
import {
  addMatrixChannels,
  CHANNEL_KINDS,
  type ChannelKind,
  expectBilledAsReported,
  expectUpstreamPath,
  matrixModel,
  MOCK_TEXT,
  nativeConversation,
  PNG_BASE64,
  upstreamBody,
} from '../helpers/sdk-matrix.ts';

const harness: RelayHarness = await startRelayHarness();
afterAll(() => harness.stop());
beforeEach(() => harness.reset());

const PREFIX = 'images';
const channels = await addMatrixChannels(harness, PREFIX);

const openai = harness.client();
const anthropic = new Anthropic({ apiKey: harness.key, baseURL: harness.url, maxRetries: 0, timeout: 10_000 });
const gemini = new GoogleGenAI({ apiKey: harness.key, httpOptions: { baseUrl: harness.url, timeout: 10_000 } });

const QUESTION = 'What is in this image?';

interface NativeImage {
  readonly mediaType: string;
  readonly data: string;
}

/** The base64 images of a native content value, whatever the dialect; anything else that is not text is reported. */
function nativeImages(kind: ChannelKind, content: unknown): { images: NativeImage[]; others: unknown[] } {
  const images: NativeImage[] = [];
  const others: unknown[] = [];
  for (const part of Array.isArray(content) ? (content as Record<string, unknown>[]) : []) {
    if (kind === 'openai' && part.type === 'image_url') {
      const url = String((part.image_url as { url?: unknown } | undefined)?.url);
      const match = /^data:([^;,]+);base64,(.*)$/s.exec(url);
      if (match !== null) images.push({ mediaType: match[1] ?? '', data: match[2] ?? '' });
      else others.push(part);
    } else if (kind === 'anthropic' && part.type === 'image') {
      const source = part.source as { type?: string; media_type?: string; data?: string };
      if (source.type === 'base64') images.push({ mediaType: source.media_type ?? '', data: source.data ?? '' });
      else others.push(part);
    } else if (kind === 'gemini' && part.inlineData !== undefined) {
      const inline = part.inlineData as { mimeType?: string; data?: string };
      images.push({ mediaType: inline.mimeType ?? '', data: inline.data ?? '' });
    } else if (typeof part.text !== 'string') {
      others.push(part);
    }
  }
  return { images, others };
}

/** The one user turn the upstream received holds the question and the PNG, in the channel's native form. */
function expectImageReceived(kind: ChannelKind, stream: boolean): void {
  expectUpstreamPath(harness, 0, kind, stream);
  const turns = nativeConversation(kind, upstreamBody(harness, 0)).turns;
  expect(turns.map((turn) => [turn.role, turn.text])).toEqual([['user', QUESTION]]);
  const raw = turns[0]?.raw;
  const { images, others } = nativeImages(kind, kind === 'gemini' ? raw?.parts : raw?.content);
  expect(images).toEqual([{ mediaType: 'image/png', data: PNG_BASE64 }]);
  expect(others).toEqual([]);
}

const others = (client: ChannelKind): ChannelKind[] => CHANNEL_KINDS.filter((kind) => kind !== client);

describe.each(others('openai'))('OpenAI SDK image_url data URL → %s channel', (kind) => {
  test('the image reaches the upstream as its own base64 form; the answer comes back', async () => {
    const model = matrixModel(PREFIX, kind);
    const completion = await openai.chat.completions.create({
      model,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: QUESTION },
            { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG_BASE64}`, detail: 'low' } },
          ],
        },
      ],
    });
    expect(completion.choices[0]?.message.content).toBe(MOCK_TEXT);
    expectImageReceived(kind, false);
    await expectBilledAsReported(harness, 1, model, channels[kind]);
  });
});

describe.each(others('anthropic'))('Anthropic SDK base64 image block → %s channel', (kind) => {
  test('the image reaches the upstream as its own base64 form; the streamed answer comes back', async () => {
    const model = matrixModel(PREFIX, kind);
    const stream = anthropic.messages.stream({
      model,
      max_tokens: 256,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_BASE64 } },
            { type: 'text', text: QUESTION },
          ],
        },
      ],
    });
    const final = await stream.finalMessage();
    expect(final.content.map((block) => (block.type === 'text' ? block.text : '')).join('')).toBe(MOCK_TEXT);
    expectImageReceived(kind, true);
    await expectBilledAsReported(harness, 1, model, channels[kind]);
  });
});

describe.each(others('gemini'))('Google GenAI SDK inlineData → %s channel', (kind) => {
  test('the image reaches the upstream as its own base64 form; the answer comes back', async () => {
    const model = matrixModel(PREFIX, kind);
    const response = await gemini.models.generateContent({
      model,
      contents: [{ role: 'user', parts: [{ text: QUESTION }, { inlineData: { mimeType: 'image/png', data: PNG_BASE64 } }] }],
    });
    expect(response.text).toBe(MOCK_TEXT);
    expectImageReceived(kind, false);
    await expectBilledAsReported(harness, 1, model, channels[kind]);
  });
});
