/**
 * Image URLs fetched for the channels that take images inline (src/relay/inline-images.ts), against local
 * Bun.serve image servers: one on 127.0.0.2, which the test address policy treats as public (reliability.md
 * 3.3), named `images.test` by the injected resolver, and one on 127.0.0.1, private as in production, which
 * counts its hits (the canary). Covered: the rewrite to data: URLs, type sniffing, the size and count caps, the
 * request budget, blocked and redirected private addresses, the per-channel exception, the deadline, the
 * cache across attempts, data: URLs and Gemini's file URIs.
 */
import { afterAll, describe, expect, test } from 'bun:test';
import { createDispatcher, type Resolver } from '../../src/relay/dispatch.ts';
import { ClientInputError, isUpstreamError } from '../../src/relay/errors.ts';
import { createImageInliner, type ImageInliner, type ImageInlinerOptions } from '../../src/relay/inline-images.ts';
import { ANTHROPIC_INLINE_IMAGES } from '../../src/relay/providers/anthropic.ts';
import { GEMINI_INLINE_IMAGES } from '../../src/relay/providers/gemini.ts';
import type { InlineImagesCapability, JsonBody, RelayRequest } from '../../src/relay/types.ts';
import { isDeniedAddress } from '../../src/security/outbound-guard.ts';
import { GIF_BYTES, JPEG_BYTES } from '../helpers/mock-upstream/images.ts';
import { PNG_BYTES } from '../helpers/mock-upstream/media.ts';

const PNG_BASE64 = Buffer.from(PNG_BYTES).toString('base64');
const KIB = 1024;

const testPolicy = (ip: string): boolean => ip !== '127.0.0.2' && isDeniedAddress(ip);
const resolver: Resolver = async (hostname) => {
  if (hostname === 'images.test') return ['127.0.0.2'];
  throw Object.assign(new Error(`no answer for ${hostname}`), { code: 'ENOTFOUND' });
};
const dispatcher = createDispatcher({ resolver, addressPolicy: testPolicy });

const hits = new Map<string, number>();
const hitsOf = (path: string): number => hits.get(path) ?? 0;
let privatePort = 0;

function png(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  bytes.set(PNG_BYTES);
  return bytes;
}

const publicServer = Bun.serve({
  hostname: '127.0.0.2',
  port: 0,
  async fetch(request) {
    const url = new URL(request.url);
    hits.set(url.pathname, hitsOf(url.pathname) + 1);
    const image = (bytes: Uint8Array, type = 'image/png', init: ResponseInit = {}) => new Response(bytes, { ...init, headers: { 'content-type': type, ...init.headers } });
    switch (url.pathname) {
      case '/cat.png':
        return image(PNG_BYTES);
      case '/cat.jpg':
        return image(JPEG_BYTES, 'image/jpeg');
      case '/jpeg-named-png.png':
        return image(JPEG_BYTES, 'image/png');
      case '/cat.gif':
        return image(GIF_BYTES, 'image/gif');
      case '/octet':
        return image(PNG_BYTES, 'application/octet-stream');
      case '/untyped':
        return new Response(PNG_BYTES);
      case '/html-as-png':
        return image(new TextEncoder().encode('<!doctype html><p>not an image</p>'.repeat(10)), 'image/png');
      case '/page':
        return new Response('<!doctype html><p>hello</p>', { headers: { 'content-type': 'text/html; charset=utf-8' } });
      case '/big.png':
        return image(png(200 * KIB));
      case '/big-chunked.png':
        // No Content-Length: the cap must hold while reading.
        return new Response(
          new ReadableStream({
            start(controller) {
              controller.enqueue(png(32 * KIB));
              for (let index = 0; index < 20; index += 1) controller.enqueue(new Uint8Array(32 * KIB));
              controller.close();
            },
          }),
          { headers: { 'content-type': 'image/png' } },
        );
      case '/medium.png':
        return image(png(40 * KIB));
      case '/slow.png':
        await Bun.sleep(1000);
        return image(PNG_BYTES);
      case '/missing.png':
        return new Response('not found', { status: 404 });
      case '/redirect-public':
        return Response.redirect(`http://images.test:${url.port}/cat.png`, 302);
      case '/redirect-private':
        return Response.redirect(`http://127.0.0.1:${privatePort}/cat.png`, 302);
      case '/redirect-loop':
        return Response.redirect(`http://images.test:${url.port}/redirect-loop`, 302);
      default:
        return new Response('not found', { status: 404 });
    }
  },
});

let privateHits = 0;
const privateServer = Bun.serve({
  hostname: '127.0.0.1',
  port: 0,
  fetch() {
    privateHits += 1;
    return new Response(PNG_BYTES, { headers: { 'content-type': 'image/png' } });
  },
});
privatePort = privateServer.port ?? 0;
afterAll(async () => {
  await publicServer.stop(true);
  await privateServer.stop(true);
});

const base = `http://images.test:${publicServer.port}`;

const defaults: ImageInlinerOptions = { dispatcher, maxDownloadBytes: 64 * KIB, maxRequestBytes: 1024 * KIB, timeoutMs: 300, maxUrls: 3 };
const inliner = (overrides: Partial<ImageInlinerOptions> = {}): ImageInliner => createImageInliner({ ...defaults, ...overrides });

const imagePart = (url: string, detail?: string) => ({ type: 'image_url', image_url: detail === undefined ? { url } : { url, detail } });

function chat(...parts: unknown[]): RelayRequest {
  return {
    endpoint: 'chat-completions',
    requestedModel: 'vision',
    stream: false,
    clientWantsStreamUsage: false,
    body: { model: 'vision', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: [{ type: 'text', text: 'What is this?' }, ...parts] }] },
  };
}

const anthropic = { inlineImages: ANTHROPIC_INLINE_IMAGES };
const gemini = { inlineImages: GEMINI_INLINE_IMAGES };
const noPrivate = { allowPrivate: undefined };
const context = () => ({ signal: new AbortController().signal, remainingMs: 4000 });

/** The URL of the image part at content index `index` of the user message (index 1 is the first image). */
function urlAt(request: RelayRequest, index = 1): string {
  const body = request.body as JsonBody;
  const message = (body.messages as { content: { image_url: { url: string } | string }[] }[])[1];
  const imageUrl = message?.content[index]?.image_url;
  return typeof imageUrl === 'string' ? imageUrl : (imageUrl?.url ?? '');
}

async function refusal(promise: Promise<unknown>): Promise<ClientInputError> {
  const caught = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(caught).toBeInstanceOf(ClientInputError);
  return caught as ClientInputError;
}

describe('image URLs become data: URLs', () => {
  test('an http image is fetched and sent as base64 with its sniffed type; detail and everything else kept; the original untouched', async () => {
    const request = chat(imagePart(`${base}/cat.png`, 'high'));
    const prepared = await inliner().prepare(request, anthropic, noPrivate, context());
    expect(prepared).not.toBe(request);
    const body = prepared.body as JsonBody;
    expect(body.messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG_BASE64}`, detail: 'high' } }] },
    ]);
    expect(urlAt(request)).toBe(`${base}/cat.png`);
    expect(body.model).toBe('vision');
  });

  test('the bare-string image_url form stays a string', async () => {
    const request = chat({ type: 'image_url', image_url: `${base}/cat.png` });
    const prepared = await inliner().prepare(request, gemini, noPrivate, context());
    expect(urlAt(prepared)).toBe(`data:image/png;base64,${PNG_BASE64}`);
  });

  test('nothing to do: no capability, no image, or only acceptable data: URLs give the same request object', async () => {
    const images = inliner();
    const withUrl = chat(imagePart(`${base}/cat.png`));
    expect(await images.prepare(withUrl, {}, noPrivate, context())).toBe(withUrl);
    const textOnly = chat();
    expect(await images.prepare(textOnly, anthropic, noPrivate, context())).toBe(textOnly);
    const inline = chat(imagePart(`data:image/png;base64,${PNG_BASE64}`));
    expect(await images.prepare(inline, anthropic, noPrivate, context())).toBe(inline);
  });

  test('the type comes from the bytes: a JPEG served as image/png is sent as image/jpeg; octet-stream and no Content-Type are read by their bytes', async () => {
    const images = inliner();
    expect(urlAt(await images.prepare(chat(imagePart(`${base}/jpeg-named-png.png`)), anthropic, noPrivate, context()))).toStartWith('data:image/jpeg;base64,');
    expect(urlAt(await images.prepare(chat(imagePart(`${base}/octet`)), anthropic, noPrivate, context()))).toBe(`data:image/png;base64,${PNG_BASE64}`);
    expect(urlAt(await images.prepare(chat(imagePart(`${base}/untyped`)), anthropic, noPrivate, context()))).toBe(`data:image/png;base64,${PNG_BASE64}`);
  });

  test('a redirect to a public address is followed and checked', async () => {
    const prepared = await inliner().prepare(chat(imagePart(`${base}/redirect-public`)), anthropic, noPrivate, context());
    expect(urlAt(prepared)).toBe(`data:image/png;base64,${PNG_BASE64}`);
  });
});

describe('refusals are the client\'s 400, naming the image part', () => {
  test('the error: ClientInputError, 400 invalid_request, not retryable, nobody\'s fault, field first', async () => {
    const error = await refusal(inliner().prepare(chat(imagePart(`${base}/missing.png`)), anthropic, noPrivate, context()));
    expect(error).toMatchObject({ status: 400, code: 'invalid_request', retryable: false, channelAtFault: false, field: 'messages[1].content[1].image_url' });
    expect(error.message).toBe(`messages[1].content[1].image_url: ${base} answered HTTP 404 for the image`);
  });

  test('not an image: HTML served as image/png (sniffed), a text/html Content-Type (refused before the body)', async () => {
    const images = inliner();
    const sniffed = await refusal(images.prepare(chat(imagePart(`${base}/html-as-png`)), anthropic, noPrivate, context()));
    expect(sniffed.message).toContain('did not answer with a PNG, JPEG, GIF, WebP, HEIC or HEIF image');
    const declared = await refusal(images.prepare(chat(imagePart(`${base}/page`)), anthropic, noPrivate, context()));
    expect(declared.message).toContain('did not answer with an image (Content-Type text/html)');
  });

  test('an image type the provider does not take: GIF for Gemini (Anthropic takes it)', async () => {
    const images = inliner();
    const error = await refusal(images.prepare(chat(imagePart(`${base}/cat.gif`)), gemini, noPrivate, context()));
    expect(error.message).toContain('the image is image/gif, which Gemini does not take; send PNG, JPEG, WEBP, HEIC, HEIF');
    expect(urlAt(await images.prepare(chat(imagePart(`${base}/cat.gif`)), anthropic, noPrivate, context()))).toStartWith('data:image/gif;base64,');
  });

  test('size cap: a Content-Length above the cap is refused at once; a body without one is cut while reading', async () => {
    const images = inliner();
    const declared = await refusal(images.prepare(chat(imagePart(`${base}/big.png`)), anthropic, noPrivate, context()));
    expect(declared.message).toContain('is larger than 64 KiB, the most this channel takes for one image');
    const streamed = await refusal(images.prepare(chat(imagePart(`${base}/big-chunked.png`)), anthropic, noPrivate, context()));
    expect(streamed.message).toContain('is larger than 64 KiB');
  });

  test('the cap is the smaller of MAX_FILE_DOWNLOAD_MB and the provider\'s per-image limit', async () => {
    const tiny: InlineImagesCapability = { ...ANTHROPIC_INLINE_IMAGES, maxImageBytes: 16 * KIB };
    const error = await refusal(inliner().prepare(chat(imagePart(`${base}/medium.png`)), { inlineImages: tiny }, noPrivate, context()));
    expect(error.message).toContain('larger than 16 KiB');
    const prepared = await inliner({ maxDownloadBytes: 64 * KIB }).prepare(chat(imagePart(`${base}/medium.png`)), anthropic, noPrivate, context());
    expect(urlAt(prepared)).toStartWith('data:image/png;base64,');
  });

  test('the request budget: images adding up to more than the smaller of MAX_REQUEST_BODY_MB and the provider\'s total', async () => {
    const error = await refusal(
      inliner({ maxRequestBytes: 100 * KIB }).prepare(chat(imagePart(`${base}/medium.png`), imagePart(`${base}/medium.png?2`), imagePart(`${base}/medium.png?3`)), anthropic, noPrivate, context()),
    );
    expect(error.message).toContain('the images of this request add up to more than 100 KiB');
  });

  test('the count cap names the first image past it; 0 refuses image URLs altogether', async () => {
    const before = hitsOf('/cat.png');
    const four = chat(...[1, 2, 3, 4].map((index) => imagePart(`${base}/cat.png?${index}`)));
    const error = await refusal(inliner({ maxUrls: 3 }).prepare(four, anthropic, noPrivate, context()));
    expect(error.field).toBe('messages[1].content[4].image_url');
    expect(error.message).toContain('more than 3 image URLs');
    // Counted before anything is fetched.
    expect(hitsOf('/cat.png')).toBe(before);
    const none = await refusal(inliner({ maxUrls: 0 }).prepare(chat(imagePart(`${base}/cat.png`)), anthropic, noPrivate, context()));
    expect(none.message).toContain('GATEWAY_MAX_IMAGE_URLS is 0');
  });

  test('the deadline: an image server slower than the timeout', async () => {
    const started = performance.now();
    const error = await refusal(inliner({ timeoutMs: 200 }).prepare(chat(imagePart(`${base}/slow.png`)), anthropic, noPrivate, context()));
    expect(error.message).toContain('did not finish within 0.2 s');
    expect(performance.now() - started).toBeLessThan(900);
  });

  test('the deadline is cut to what is left of the request\'s', async () => {
    const error = await refusal(inliner({ timeoutMs: 5000 }).prepare(chat(imagePart(`${base}/slow.png`)), anthropic, noPrivate, { signal: new AbortController().signal, remainingMs: 100 }));
    expect(error.message).toContain('did not finish within 0.1 s');
  });

  test('schemes other than http(s), credentials in the URL, invalid URLs', async () => {
    const images = inliner();
    for (const [url, words] of [
      ['file:///etc/passwd', 'must be an http(s) URL or a base64 data: URL'],
      ['ftp://images.test/cat.png', 'must be an http(s) URL'],
      [`http://user:secret@images.test:${publicServer.port}/cat.png`, 'must not carry a user name or password'],
      ['http://', 'is not a valid http(s) URL'],
    ] as const) {
      const error = await refusal(images.prepare(chat(imagePart(url)), anthropic, noPrivate, context()));
      expect({ url, message: error.message }).toEqual({ url, message: expect.stringContaining(words) });
    }
  });
});

describe('the outbound guard (reliability.md F1, F3, F4 for image_url)', () => {
  test('a loopback, private or metadata address is refused without a connection', async () => {
    const images = inliner();
    const before = privateHits;
    for (const url of [`http://127.0.0.1:${privatePort}/cat.png`, `http://localhost:${privatePort}/cat.png`, `http://[::ffff:127.0.0.1]:${privatePort}/cat.png`, 'http://169.254.169.254/latest/meta-data/', `http://0x7f.1:${privatePort}/`]) {
      const error = await refusal(images.prepare(chat(imagePart(url)), anthropic, noPrivate, context()));
      expect({ url, message: error.message }).toEqual({ url, message: expect.stringContaining('private, local or metadata address, which the gateway does not fetch images from') });
    }
    expect(privateHits).toBe(before);
  });

  test('a redirect from a public address to a private one is refused at the hop', async () => {
    const before = privateHits;
    const error = await refusal(inliner().prepare(chat(imagePart(`${base}/redirect-private`)), anthropic, noPrivate, context()));
    expect(error.message).toContain('private, local or metadata address');
    expect(privateHits).toBe(before);
  });

  test('a redirect chain stops after 3 hops', async () => {
    const error = await refusal(inliner().prepare(chat(imagePart(`${base}/redirect-loop`)), anthropic, noPrivate, context()));
    expect(error.message).toContain('more than 3 redirects');
  });

  test('the channel\'s private exception lets exactly its host:port through, nothing else', async () => {
    const url = `http://127.0.0.1:${privatePort}/cat.png`;
    const before = privateHits;
    const prepared = await inliner().prepare(chat(imagePart(url)), anthropic, { allowPrivate: `127.0.0.1:${privatePort}` }, context());
    expect(urlAt(prepared)).toBe(`data:image/png;base64,${PNG_BASE64}`);
    expect(privateHits).toBe(before + 1);
    await refusal(inliner().prepare(chat(imagePart(url)), anthropic, { allowPrivate: `127.0.0.1:${privatePort + 1}` }, context()));
    expect(privateHits).toBe(before + 1);
  });
});

describe('one download per image per client request', () => {
  test('a second attempt (failover) for the same request reuses the download; another request fetches again', async () => {
    const images = inliner();
    const path = '/cat.png';
    const before = hitsOf(path);
    const request = chat(imagePart(`${base}${path}`));
    const first = await images.prepare(request, anthropic, noPrivate, context());
    const second = await images.prepare(request, anthropic, noPrivate, context());
    expect(urlAt(second)).toBe(urlAt(first));
    expect(hitsOf(path)).toBe(before + 1);
    // Another channel kind: the same bytes, checked against its own types and limits.
    expect(urlAt(await images.prepare(request, gemini, noPrivate, context()))).toBe(urlAt(first));
    expect(hitsOf(path)).toBe(before + 1);
    await images.prepare(chat(imagePart(`${base}${path}`)), anthropic, noPrivate, context());
    expect(hitsOf(path)).toBe(before + 2);
  });

  test('a channel with another private exception fetches again (what may be reached differs)', async () => {
    const images = inliner();
    const before = hitsOf('/cat.jpg');
    const request = chat(imagePart(`${base}/cat.jpg`));
    await images.prepare(request, anthropic, noPrivate, context());
    await images.prepare(request, anthropic, { allowPrivate: `127.0.0.1:${privatePort}` }, context());
    expect(hitsOf('/cat.jpg')).toBe(before + 2);
  });

  test('a cached image still meets the next channel\'s limits', async () => {
    const images = inliner();
    const request = chat(imagePart(`${base}/cat.gif`));
    expect(urlAt(await images.prepare(request, anthropic, noPrivate, context()))).toStartWith('data:image/gif;base64,');
    await refusal(images.prepare(request, gemini, noPrivate, context()));
  });

  test('the same URL twice in one request is fetched once', async () => {
    const before = hitsOf('/cat.png');
    const prepared = await inliner().prepare(chat(imagePart(`${base}/cat.png`), imagePart(`${base}/cat.png`)), anthropic, noPrivate, context());
    expect([urlAt(prepared, 1), urlAt(prepared, 2)]).toEqual([`data:image/png;base64,${PNG_BASE64}`, `data:image/png;base64,${PNG_BASE64}`]);
    expect(hitsOf('/cat.png')).toBe(before + 1);
  });

  test('a client that leaves aborts the downloads with client_gone, not a 400', async () => {
    const controller = new AbortController();
    const pending = inliner({ timeoutMs: 3000 }).prepare(chat(imagePart(`${base}/slow.png`)), anthropic, noPrivate, { signal: controller.signal, remainingMs: 4000 });
    await Bun.sleep(50);
    controller.abort();
    const caught = await pending.then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(caught).not.toBeInstanceOf(ClientInputError);
    expect(isUpstreamError(caught) ? caught.code : caught).toBe('client_gone');
  });
});

describe('data: URLs are checked too', () => {
  test('a declared type that is not what the bytes are is corrected', async () => {
    const jpeg = Buffer.from(JPEG_BYTES).toString('base64');
    const prepared = await inliner().prepare(chat(imagePart(`data:image/png;base64,${jpeg}`)), anthropic, noPrivate, context());
    expect(urlAt(prepared)).toBe(`data:image/jpeg;base64,${jpeg}`);
  });

  test('not an image, not base64, a type the provider does not take, larger than the provider takes', async () => {
    const images = inliner();
    const html = Buffer.from('<html><body>hi</body></html>').toString('base64');
    expect((await refusal(images.prepare(chat(imagePart(`data:image/png;base64,${html}`)), anthropic, noPrivate, context()))).message).toContain('does not hold a PNG, JPEG');
    expect((await refusal(images.prepare(chat(imagePart('data:image/svg+xml,<svg/>')), anthropic, noPrivate, context()))).message).toContain('without ";base64"');
    const gif = Buffer.from(GIF_BYTES).toString('base64');
    expect((await refusal(images.prepare(chat(imagePart(`data:image/gif;base64,${gif}`)), gemini, noPrivate, context()))).message).toContain('which Gemini does not take');
    // Anthropic: 5 MiB of base64 at most, 3.75 MiB of image.
    const big = Buffer.from(png(ANTHROPIC_INLINE_IMAGES.maxImageBytes + 1)).toString('base64');
    const error = await refusal(images.prepare(chat(imagePart(`data:image/png;base64,${big}`)), anthropic, noPrivate, context()));
    expect(error.message).toContain('larger than 3.75 MiB, the most Anthropic takes for one image');
    const fits = Buffer.from(png(ANTHROPIC_INLINE_IMAGES.maxImageBytes)).toString('base64');
    const accepted = chat(imagePart(`data:image/png;base64,${fits}`));
    expect(await inliner({ maxRequestBytes: 8 * 1024 * KIB }).prepare(accepted, anthropic, noPrivate, context())).toBe(accepted);
  });
});

describe('Gemini\'s own file URIs', () => {
  test('Files API and gs:// URIs go on as they are, never fetched; Anthropic channels refuse gs://', async () => {
    const files = 'https://generativelanguage.googleapis.com/v1beta/files/abc-123';
    const request = chat(imagePart(files), imagePart('gs://bucket/cat.png'));
    expect(await inliner().prepare(request, gemini, noPrivate, context())).toBe(request);
    // Anthropic cannot read them: refused as an unknown scheme (gs://) before anything is sent.
    const error = await refusal(inliner().prepare(chat(imagePart('gs://bucket/cat.png')), anthropic, noPrivate, context()));
    expect(error.message).toContain('must be an http(s) URL');
  });
});
