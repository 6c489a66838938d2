/**
 * Images in and around the mock upstream:
 *
 *   GET /mock-images/{name}   test images for the gateway to fetch (it may reach the mock through the channel's
 *                             private exception): `cat.png`, `cat.jpg`, `cat.gif`, `big.png?bytes=N` (a PNG
 *                             signature padded to N bytes), `page.png` (an HTML page served as image/png) and
 *                             `missing.png` (404).
 *
 * and the checks Anthropic and Gemini make on the inline images they receive, with their error messages: a
 * media type they do not take, base64 that does not decode, bytes that are not the declared type, Anthropic's
 * 5 MB of base64 per image (https://platform.claude.com/docs/en/build-with-claude/vision,
 * https://ai.google.dev/gemini-api/docs/image-understanding). Images by URL are accepted as the providers do
 * (Anthropic fetches `url` sources, Google reads its own file URIs); the mock fetches nothing.
 */
import { PNG_BYTES } from './media.ts';
import { isRecord, type MockReply } from './types.ts';

/** The start of a JPEG (SOI, then an APP0 JFIF marker); the mock never decodes it. */
export const JPEG_BYTES: Uint8Array = Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0xff, 0xd9]);
/** A 1×1 GIF. */
export const GIF_BYTES: Uint8Array = Uint8Array.from(Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64'));

const binary = (type: string, bytes: Uint8Array, status = 200): MockReply => ({ status, headers: { 'content-type': type }, parts: [bytes], streaming: false });

/** The reply to `GET /mock-images/…`, or undefined for any other path. */
export function mockImageReply(url: URL): MockReply | undefined {
  if (!url.pathname.startsWith('/mock-images/')) return undefined;
  switch (url.pathname.slice('/mock-images/'.length)) {
    case 'cat.png':
      return binary('image/png', PNG_BYTES);
    case 'cat.jpg':
      return binary('image/jpeg', JPEG_BYTES);
    case 'cat.gif':
      return binary('image/gif', GIF_BYTES);
    case 'big.png': {
      const bytes = new Uint8Array(Math.max(PNG_BYTES.length, Number(url.searchParams.get('bytes') ?? 0)));
      bytes.set(PNG_BYTES);
      return binary('image/png', bytes);
    }
    case 'page.png':
      return binary('image/png', new TextEncoder().encode('<!doctype html><title>Not an image</title>'));
    default:
      return binary('text/plain', new TextEncoder().encode('Not Found'), 404);
  }
}

/** Leading-byte signatures of the types both providers name. */
function actualType(bytes: Uint8Array): string | undefined {
  const text = (start: number, end: number): string => String.fromCharCode(...bytes.subarray(start, end));
  if (bytes[0] === 0x89 && text(1, 4) === 'PNG') return 'image/png';
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  if (text(0, 4) === 'GIF8') return 'image/gif';
  if (text(0, 4) === 'RIFF' && text(8, 12) === 'WEBP') return 'image/webp';
  if (text(4, 8) === 'ftyp') return text(8, 12).startsWith('he') ? 'image/heic' : 'image/heif';
  return undefined;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

const ANTHROPIC_TYPES = ['image/jpeg', 'image/png', 'image/gif', 'image/webp'];
const ANTHROPIC_MAX_BASE64 = 5 * 1024 * 1024;

/** The message Anthropic answers 400 `invalid_request_error` with for the first bad base64 image, if any. */
export function anthropicImageError(messages: unknown): string | undefined {
  if (!Array.isArray(messages)) return undefined;
  for (const [messageIndex, message] of messages.entries()) {
    const content: unknown = isRecord(message) ? message.content : undefined;
    if (!Array.isArray(content)) continue;
    for (const [blockIndex, block] of content.entries()) {
      if (!isRecord(block) || block.type !== 'image' || !isRecord(block.source) || block.source.type !== 'base64') continue;
      const at = `messages.${messageIndex}.content.${blockIndex}.image.source.base64`;
      const { media_type: mediaType, data } = block.source;
      if (typeof mediaType !== 'string' || !ANTHROPIC_TYPES.includes(mediaType)) return `${at}.media_type: Input should be 'image/jpeg', 'image/png', 'image/gif' or 'image/webp'`;
      if (typeof data !== 'string' || !BASE64.test(data)) return `${at}.data: Invalid base64 data`;
      if (data.length > ANTHROPIC_MAX_BASE64) return `${at}: image exceeds 5 MB maximum: ${data.length} bytes > ${ANTHROPIC_MAX_BASE64} bytes`;
      const actual = actualType(Buffer.from(data.slice(0, 24), 'base64'));
      if (actual !== mediaType) return `${at}.data: The image was specified using the ${mediaType} media type, but the image appears to be ${actual === undefined ? 'invalid' : `a ${actual} image`}`;
    }
  }
  return undefined;
}

const GEMINI_TYPES = ['image/png', 'image/jpeg', 'image/webp', 'image/heic', 'image/heif'];

/** The message Gemini answers 400 INVALID_ARGUMENT with for the first bad inline image, if any. */
export function geminiImageError(contents: unknown): string | undefined {
  if (!Array.isArray(contents)) return undefined;
  for (const [contentIndex, content] of contents.entries()) {
    const parts: unknown = isRecord(content) ? content.parts : undefined;
    if (!Array.isArray(parts)) continue;
    for (const [partIndex, part] of parts.entries()) {
      const inline: unknown = isRecord(part) ? (part.inlineData ?? part.inline_data) : undefined;
      if (!isRecord(inline)) continue;
      const { mimeType, data } = inline;
      if (typeof mimeType !== 'string' || !mimeType.startsWith('image/')) continue;
      if (typeof data !== 'string' || !BASE64.test(data)) {
        return `Invalid value at 'contents[${contentIndex}].parts[${partIndex}].inline_data.data' (TYPE_BYTES), Base64 decoding failed`;
      }
      if (!GEMINI_TYPES.includes(mimeType)) return `Unsupported MIME type: ${mimeType}`;
      if (actualType(Buffer.from(data.slice(0, 24), 'base64')) === undefined) {
        return 'Unable to process input image. Please retry or report in https://developers.generativeai.google/guide/troubleshooting';
      }
    }
  }
  return undefined;
}
