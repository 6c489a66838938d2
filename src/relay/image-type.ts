/**
 * What kind of image some bytes are, read from their first bytes (magic numbers), never from a name or a
 * Content-Type header: a server may call anything `image/png`, and a provider refuses an image whose declared
 * type does not match its bytes. Also the facts of a base64 `data:` URL (declared type, decoded size, first
 * bytes) without decoding the whole payload.
 */

/** Enough leading bytes to tell every type below apart (WebP and HEIF need 12). */
export const SNIFF_BYTES = 16;

const ascii = (bytes: Uint8Array, start: number, end: number): string => String.fromCharCode(...bytes.subarray(start, end));

/** ISO BMFF `ftyp` brands of HEIF images (ISO/IEC 23008-12): HEVC-coded ones are `image/heic`. */
const HEIC_BRANDS: ReadonlySet<string> = new Set(['heic', 'heix', 'heim', 'heis', 'hevc', 'hevx', 'hevm', 'hevs']);
const HEIF_BRANDS: ReadonlySet<string> = new Set(['mif1', 'msf1', 'heif']);

/**
 * The media type of an image from its first bytes: PNG, JPEG, GIF, WebP, HEIC or HEIF; undefined for anything
 * else (HTML, JSON, SVG, a truncated file …).
 */
export function sniffImageType(bytes: Uint8Array): string | undefined {
  // PNG: 89 50 4E 47 0D 0A 1A 0A (https://www.w3.org/TR/png/#5PNG-file-signature)
  if (bytes.length >= 8 && bytes[0] === 0x89 && ascii(bytes, 1, 4) === 'PNG' && bytes[4] === 0x0d && bytes[5] === 0x0a && bytes[6] === 0x1a && bytes[7] === 0x0a) {
    return 'image/png';
  }
  // JPEG: SOI marker FF D8 followed by the next marker's FF.
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  if (bytes.length >= 6 && (ascii(bytes, 0, 6) === 'GIF87a' || ascii(bytes, 0, 6) === 'GIF89a')) return 'image/gif';
  // WebP: a RIFF container of form type WEBP (https://developers.google.com/speed/webp/docs/riff_container).
  if (bytes.length >= 12 && ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 12) === 'WEBP') return 'image/webp';
  if (bytes.length >= 12 && ascii(bytes, 4, 8) === 'ftyp') {
    const brand = ascii(bytes, 8, 12);
    if (HEIC_BRANDS.has(brand)) return 'image/heic';
    if (HEIF_BRANDS.has(brand)) return 'image/heif';
  }
  return undefined;
}

/** A base64 `data:` URL, read without decoding its payload. */
export interface DataUrlFacts {
  /** The declared media type, lower case; undefined when the URL names none. */
  readonly declaredType: string | undefined;
  /** The base64 payload as sent. */
  readonly data: string;
  /** The payload's size once decoded, in bytes. */
  readonly decodedBytes: number;
  /** The first decoded bytes, for `sniffImageType`. */
  readonly head: Uint8Array;
}

const DATA_URL = /^data:([^;,]*)((?:;[^;,]*)*),/i;

/**
 * The facts of a `data:` URL; `undefined` when the text is not a data URL at all, `'not-base64'` when it is
 * one whose payload is not base64 (percent-encoded text, an SVG …), which no provider takes as an image.
 */
export function readDataUrl(url: string): DataUrlFacts | 'not-base64' | undefined {
  const match = DATA_URL.exec(url);
  if (match === null) return undefined;
  const parameters = (match[2] ?? '').toLowerCase().split(';');
  if (!parameters.includes('base64')) return 'not-base64';
  const data = url.slice(match[0].length);
  const declared = (match[1] ?? '').trim().toLowerCase();
  return {
    declaredType: declared === '' ? undefined : declared,
    data,
    decodedBytes: base64DecodedBytes(data),
    // 24 base64 characters are 18 bytes, more than SNIFF_BYTES; Buffer skips characters outside the alphabet.
    head: Buffer.from(data.slice(0, 24), 'base64'),
  };
}

/** The decoded size of a base64 text (padding and line breaks not counted). */
export function base64DecodedBytes(data: string): number {
  let length = data.length;
  // Clients sometimes wrap base64 at 76 columns; the line breaks carry no data.
  if (data.includes('\n') || data.includes('\r')) length -= (data.match(/[\r\n]/g) ?? []).length;
  let padding = 0;
  if (data.endsWith('==')) padding = 2;
  else if (data.endsWith('=')) padding = 1;
  return Math.max(0, Math.floor((length * 3) / 4) - padding);
}
