/**
 * Downloads one image a client named by URL, through the one outbound client (src/relay/dispatch.ts): the
 * outbound guard checks every resolved address and every redirect hop (at most 3), the connection is pinned to
 * the checked address, and one deadline covers the whole download (reliability.md 2.3.4, 2.3.7, G6 and G8).
 * The bytes are counted as they arrive, decompressed — `Content-Length` is only used to refuse early — against
 * the image's own cap and the request's budget; the type is read from the bytes, never from the header alone.
 */
import type { Dispatcher, DispatchResponse } from './dispatch.ts';
import { isUpstreamError } from './errors.ts';
import { sniffImageType, SNIFF_BYTES } from './image-type.ts';

/** Redirect hops a download follows (reliability.md 2.3.4); the dispatcher checks each one. */
export const IMAGE_REDIRECTS = 3;

/** Bytes of the inline images of one request (data: URLs and downloads), shared by its downloads as they run. */
export class ByteBudget {
  private used = 0;

  constructor(
    readonly max: number,
    /** Says, for the client, what the limit is. */
    private readonly explain: (max: number) => string,
  ) {}

  /** Counts `bytes` more; throws an ImageRefusal once the total passes `max`. */
  add(bytes: number): void {
    this.used += bytes;
    if (this.used > this.max) throw new ImageRefusal(this.explain(this.max));
  }
}

/** Why an image cannot be used, in words for the client; the caller adds the field that named it. */
export class ImageRefusal extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImageRefusal';
  }
}

export interface DownloadOptions {
  /** Largest image, decoded bytes. */
  readonly maxBytes: number;
  readonly budget: ByteBudget;
  /** Deadline for the whole download: lookups, redirects, headers and body. */
  readonly timeoutMs: number;
  /** Media types asked for (`Accept`); the caller checks the one it gets against what the provider takes. */
  readonly accept: readonly string[];
  /** The channel's one exact host:port that may be private. */
  readonly allowPrivate: string | undefined;
  /** Aborts the download (the client left, or another image of the request already failed). */
  readonly signal: AbortSignal;
}

export interface DownloadedImage {
  /** Sniffed from the bytes. */
  readonly mediaType: string;
  readonly bytes: Uint8Array;
}

/** Content-Type values that say nothing about the bytes (object stores serve uploads so); the bytes decide. */
const OPAQUE_TYPES: ReadonlySet<string> = new Set(['application/octet-stream', 'binary/octet-stream']);

/** `3.75 MiB`, `20 MiB`; below 1 MiB in KiB. */
export function sizeText(bytes: number): string {
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KiB`;
  const value = bytes / (1024 * 1024);
  return `${Number.isInteger(value) ? value : value.toFixed(2)} MiB`;
}

/**
 * The image at `url` (http or https), or an ImageRefusal saying why not. A dispatcher `client_gone` failure is
 * rethrown as it is: the client left, and the pipeline reports that.
 */
export async function downloadImage(dispatcher: Dispatcher, url: string, options: DownloadOptions): Promise<DownloadedImage> {
  const origin = originOf(url);
  let response: DispatchResponse;
  try {
    response = await dispatcher.dispatch(
      { url, method: 'GET', headers: { accept: options.accept.join(', '), 'user-agent': 'gateway-image-fetch/1' }, body: undefined },
      {
        allowPrivate: options.allowPrivate,
        signal: options.signal,
        // One deadline: the first-byte timer is not armed when it equals the total one.
        firstByteTimeoutMs: options.timeoutMs,
        idleTimeoutMs: options.timeoutMs,
        totalTimeoutMs: options.timeoutMs,
        followRedirects: IMAGE_REDIRECTS,
      },
    );
  } catch (error) {
    throw refusalFor(error, origin, options.timeoutMs);
  }
  try {
    if (response.status < 200 || response.status > 299) throw new ImageRefusal(`${origin} answered HTTP ${response.status} for the image`);
    const declared = (response.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    if (declared !== '' && !declared.startsWith('image/') && !OPAQUE_TYPES.has(declared)) {
      throw new ImageRefusal(`${origin} did not answer with an image (Content-Type ${declared})`);
    }
    const length = Number(response.headers.get('content-length') ?? Number.NaN);
    if (Number.isFinite(length) && length > options.maxBytes) throw tooLarge(origin, options.maxBytes);
    return await readImage(response, origin, options);
  } catch (error) {
    response.cancel();
    throw refusalFor(error, origin, options.timeoutMs);
  }
}

async function readImage(response: DispatchResponse, origin: string, options: DownloadOptions): Promise<DownloadedImage> {
  const read = response.read ?? chunkReader(response.body);
  const chunks: Uint8Array[] = [];
  let total = 0;
  let mediaType: string | undefined;
  for (;;) {
    const chunk = await read();
    if (chunk === undefined) break;
    total += chunk.byteLength;
    if (total > options.maxBytes) throw tooLarge(origin, options.maxBytes);
    options.budget.add(chunk.byteLength);
    chunks.push(chunk);
    // Refuse a page or a JSON error as soon as its first bytes are in, not after reading megabytes of it.
    if (mediaType === undefined && total >= SNIFF_BYTES) mediaType = sniffOrRefuse(Buffer.concat(chunks), origin);
  }
  const bytes = Buffer.concat(chunks, total);
  mediaType ??= sniffOrRefuse(bytes, origin);
  return { mediaType, bytes };
}

function sniffOrRefuse(bytes: Uint8Array, origin: string): string {
  const type = sniffImageType(bytes);
  if (type === undefined) throw new ImageRefusal(`${origin} did not answer with a PNG, JPEG, GIF, WebP, HEIC or HEIF image (its bytes are something else)`);
  return type;
}

function chunkReader(body: ReadableStream<Uint8Array>): () => Promise<Uint8Array | undefined> {
  const reader = body.getReader();
  return async () => {
    const result = await reader.read();
    return result.done ? undefined : result.value;
  };
}

function tooLarge(origin: string, maxBytes: number): ImageRefusal {
  return new ImageRefusal(`the image at ${origin} is larger than ${sizeText(maxBytes)}, the most this channel takes for one image; send a smaller image`);
}

/** The origin for messages: never the path or query, which may carry a signature. */
function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '(invalid URL)';
  }
}

const TIMEOUT_CODES: ReadonlySet<string> = new Set(['first_byte_timeout', 'idle_timeout', 'total_timeout']);

/** A dispatcher failure in words for the client; refusals and a departed client's failure pass through. */
function refusalFor(error: unknown, origin: string, timeoutMs: number): unknown {
  if (error instanceof ImageRefusal || !isUpstreamError(error) || error.code === 'client_gone') return error;
  switch (error.code) {
    case 'blocked_destination':
      // The dispatcher's own message advises the operator (allow-private); the client gets the rule instead.
      return new ImageRefusal(`${origin} is, or resolves to, a private, local or metadata address, which the gateway does not fetch images from; send the image as a base64 data: URL`);
    case 'invalid_upstream_url':
      return new ImageRefusal('is not a valid http(s) URL without user name or password');
    case 'redirect_refused':
      return new ImageRefusal(`${error.message} while fetching the image`);
    default:
      if (TIMEOUT_CODES.has(error.code)) return new ImageRefusal(`fetching the image from ${origin} did not finish within ${Math.round(timeoutMs / 100) / 10} s`);
      // connection_failed: the dispatcher names the origin and the cause (ENOTFOUND, ECONNREFUSED …), never the path.
      return new ImageRefusal(`the image could not be fetched: ${error.message}`);
  }
}
