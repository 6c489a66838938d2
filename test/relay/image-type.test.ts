/** Image types from leading bytes, and the facts of base64 data: URLs (src/relay/image-type.ts). */
import { describe, expect, test } from 'bun:test';
import { base64DecodedBytes, readDataUrl, sniffImageType } from '../../src/relay/image-type.ts';
import { GIF_BYTES, JPEG_BYTES } from '../helpers/mock-upstream/images.ts';
import { PNG_BYTES } from '../helpers/mock-upstream/media.ts';

const bytes = (text: string, prefix: number[] = []): Uint8Array => Uint8Array.from([...prefix, ...Buffer.from(text, 'latin1')]);

describe('sniffImageType', () => {
  test('PNG, JPEG, GIF (87a and 89a), WebP, HEIC and HEIF by their signatures', () => {
    expect(sniffImageType(PNG_BYTES)).toBe('image/png');
    expect(sniffImageType(JPEG_BYTES)).toBe('image/jpeg');
    expect(sniffImageType(GIF_BYTES)).toBe('image/gif');
    expect(sniffImageType(bytes('GIF87a\x01\x00'))).toBe('image/gif');
    expect(sniffImageType(bytes('RIFF\x24\x00\x00\x00WEBPVP8 '))).toBe('image/webp');
    expect(sniffImageType(bytes('\x00\x00\x00\x18ftypheic\x00\x00\x00\x00'))).toBe('image/heic');
    expect(sniffImageType(bytes('\x00\x00\x00\x18ftypmif1\x00\x00\x00\x00'))).toBe('image/heif');
  });

  test('anything else is not an image: HTML, JSON, SVG, a WAV (RIFF but not WEBP), MP4, truncated signatures, nothing', () => {
    for (const sample of [
      bytes('<!doctype html><html>'),
      bytes('{"error":"not found"}'),
      bytes('<svg xmlns="http://www.w3.org/2000/svg"/>'),
      bytes('RIFF\x24\x00\x00\x00WAVEfmt '),
      bytes('\x00\x00\x00\x18ftypisom\x00\x00\x02\x00'),
      PNG_BYTES.subarray(0, 7),
      Uint8Array.from([0xff, 0xd8]),
      new Uint8Array(0),
    ]) {
      expect(sniffImageType(sample)).toBeUndefined();
    }
  });
});

describe('readDataUrl', () => {
  const png = Buffer.from(PNG_BYTES).toString('base64');

  test('declared type (lower case), payload, decoded size and the first bytes, without decoding the rest', () => {
    const facts = readDataUrl(`data:Image/PNG;base64,${png}`);
    expect(facts).toEqual({ declaredType: 'image/png', data: png, decodedBytes: PNG_BYTES.length, head: expect.any(Uint8Array) });
    if (typeof facts === 'object') expect(sniffImageType(facts.head)).toBe('image/png');
    expect(readDataUrl(`data:;base64,${png}`)).toMatchObject({ declaredType: undefined });
    expect(readDataUrl(`data:image/png;name=cat.png;base64,${png}`)).toMatchObject({ declaredType: 'image/png', data: png });
  });

  test('not base64, not a data URL at all', () => {
    expect(readDataUrl('data:image/svg+xml,<svg/>')).toBe('not-base64');
    expect(readDataUrl('data:text/plain;charset=utf-8,hello')).toBe('not-base64');
    expect(readDataUrl('https://example.com/cat.png')).toBeUndefined();
  });

  test('decoded sizes: padding and wrapped lines not counted', () => {
    expect(base64DecodedBytes('')).toBe(0);
    expect(base64DecodedBytes('QQ==')).toBe(1);
    expect(base64DecodedBytes('QUI=')).toBe(2);
    expect(base64DecodedBytes('QUJD')).toBe(3);
    expect(base64DecodedBytes('QUJD\nREVG')).toBe(6);
    expect(base64DecodedBytes('QUJD\r\nREVG')).toBe(6);
  });
});
