/**
 * The mock upstream's images (mock-upstream/images.ts): the test images it serves, and the checks its Anthropic
 * and Gemini routes make on inline images, driven by the official SDKs so the error shapes are the ones those
 * clients read.
 */
import Anthropic from '@anthropic-ai/sdk';
import { ApiError, GoogleGenAI } from '@google/genai';
import { afterAll, describe, expect, test } from 'bun:test';
import { startMockUpstream, type MockUpstream } from '../mock-upstream.ts';
import { GIF_BYTES, JPEG_BYTES } from './images.ts';
import { PNG_BYTES } from './media.ts';

const mock: MockUpstream = await startMockUpstream();
afterAll(() => mock.stop());

const anthropic = new Anthropic({ apiKey: 'sk-ant-mock-0001', baseURL: mock.url, maxRetries: 0 });
const gemini = new GoogleGenAI({ apiKey: 'AIza-mock-0001', httpOptions: { baseUrl: mock.url, apiVersion: 'v1beta' } });
const base64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');

describe('GET /mock-images/…', () => {
  test('PNG, JPEG and GIF with their types, a padded PNG of the asked size, HTML named .png, and 404', async () => {
    const get = (name: string) => fetch(`${mock.url}/mock-images/${name}`);
    const png = await get('cat.png');
    expect([png.headers.get('content-type'), new Uint8Array(await png.arrayBuffer())]).toEqual(['image/png', Uint8Array.from(PNG_BYTES)]);
    expect((await get('cat.jpg')).headers.get('content-type')).toBe('image/jpeg');
    expect(new Uint8Array(await (await get('cat.gif')).arrayBuffer())).toEqual(Uint8Array.from(GIF_BYTES));
    expect((await (await get('big.png?bytes=5000')).arrayBuffer()).byteLength).toBe(5000);
    const page = await get('page.png');
    expect([page.headers.get('content-type'), (await page.text()).startsWith('<!doctype html>')]).toEqual(['image/png', true]);
    expect((await get('nothing.png')).status).toBe(404);
  });
});

describe('Anthropic checks base64 images', () => {
  const send = (mediaType: string, data: string) =>
    anthropic.messages.create({
      model: 'claude-opus-4-7',
      max_tokens: 16,
      // The SDK types media_type as the four types Anthropic takes; the mock must refuse others as Anthropic does.
      messages: [{ role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image', source: { type: 'base64', media_type: mediaType as 'image/png', data } }] }],
    });

  test('a valid image is answered', async () => {
    expect((await send('image/png', base64(PNG_BYTES))).type).toBe('message');
  });

  test('a type it does not take, invalid base64, bytes of another type: 400 invalid_request_error naming the block', async () => {
    for (const [mediaType, data, message] of [
      ['image/bmp', base64(PNG_BYTES), "messages.0.content.1.image.source.base64.media_type: Input should be 'image/jpeg', 'image/png', 'image/gif' or 'image/webp'"],
      ['image/png', '!!not base64!!', 'messages.0.content.1.image.source.base64.data: Invalid base64 data'],
      ['image/png', base64(JPEG_BYTES), 'messages.0.content.1.image.source.base64.data: The image was specified using the image/png media type, but the image appears to be a image/jpeg image'],
    ] as const) {
      const error = await send(mediaType, data).then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(Anthropic.BadRequestError);
      expect((error as InstanceType<typeof Anthropic.BadRequestError>).error).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message } });
    }
  });
});

describe('Gemini checks inlineData images', () => {
  const send = (mimeType: string, data: string) =>
    gemini.models.generateContent({ model: 'gemini-2.5-flash', contents: [{ role: 'user', parts: [{ text: 'What is this?' }, { inlineData: { mimeType, data } }] }] });

  test('a valid image is answered; a Files API URI is taken as it is', async () => {
    expect((await send('image/jpeg', base64(JPEG_BYTES))).text).toBeString();
    const byUri = await gemini.models.generateContent({
      model: 'gemini-2.5-flash',
      contents: [{ role: 'user', parts: [{ fileData: { fileUri: 'https://generativelanguage.googleapis.com/v1beta/files/abc', mimeType: 'image/png' } }] }],
    });
    expect(byUri.text).toBeString();
  });

  test('a type it does not take, invalid base64, bytes that are no image: 400 INVALID_ARGUMENT', async () => {
    for (const [mimeType, data, message] of [
      ['image/gif', base64(GIF_BYTES), 'Unsupported MIME type: image/gif'],
      ['image/png', '%%%', "Invalid value at 'contents[0].parts[1].inline_data.data' (TYPE_BYTES), Base64 decoding failed"],
      ['image/png', base64(new TextEncoder().encode('<html></html>')), 'Unable to process input image'],
    ] as const) {
      const error = await send(mimeType, data).then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(ApiError);
      expect({ status: (error as ApiError).status, message: (error as ApiError).message }).toEqual({ status: 400, message: expect.stringContaining(message) });
    }
  });
});
