/**
 * Image dimensions read from the first bytes of a base64 data URL, so an inline image can be priced by its
 * 512-px tiles without downloading anything. PNG, GIF and JPEG; anything else is unknown.
 */

export interface ImageSize {
  readonly width: number;
  readonly height: number;
}

/** 64 KiB of decoded bytes (a multiple of 4 base64 characters): enough to reach a JPEG's frame header past EXIF. */
const HEAD_BASE64_CHARACTERS = 87_384;

export function imageSizeFromDataUrl(url: string): ImageSize | undefined {
  const prefix = /^data:image\/[a-z0-9+.-]+;base64,/i.exec(url);
  if (prefix === null) return undefined;
  const head = url.slice(prefix[0].length, prefix[0].length + HEAD_BASE64_CHARACTERS);
  const bytes = Buffer.from(head.slice(0, head.length - (head.length % 4)), 'base64');
  return pngSize(bytes) ?? gifSize(bytes) ?? jpegSize(bytes);
}

/** IHDR follows the 8-byte signature: width and height as big-endian 32-bit integers at 16 and 20. */
function pngSize(bytes: Buffer): ImageSize | undefined {
  if (bytes.length < 24 || bytes.readUInt32BE(0) !== 0x89504e47 || bytes.toString('latin1', 12, 16) !== 'IHDR') return undefined;
  return positive(bytes.readUInt32BE(16), bytes.readUInt32BE(20));
}

/** The logical screen size, little-endian 16-bit at 6 and 8. */
function gifSize(bytes: Buffer): ImageSize | undefined {
  if (bytes.length < 10 || bytes.toString('latin1', 0, 4) !== 'GIF8') return undefined;
  return positive(bytes.readUInt16LE(6), bytes.readUInt16LE(8));
}

/** Walks the marker segments to the first start-of-frame (SOF0–SOF15 except DHT, JPG and DAC). */
function jpegSize(bytes: Buffer): ImageSize | undefined {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) return undefined;
  let offset = 2;
  while (offset + 9 < bytes.length) {
    if (bytes[offset] !== 0xff) return undefined;
    const marker = bytes[offset + 1] ?? 0;
    if (marker === 0xff) {
      offset++;
      continue;
    }
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return positive(bytes.readUInt16BE(offset + 7), bytes.readUInt16BE(offset + 5));
    }
    offset += 2 + bytes.readUInt16BE(offset + 2);
  }
  return undefined;
}

function positive(width: number, height: number): ImageSize | undefined {
  return width > 0 && height > 0 ? { width, height } : undefined;
}
