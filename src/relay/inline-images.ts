/**
 * Images given by URL, sent inline to the channels that take them so (an adapter's `inlineImages` capability:
 * Anthropic and Gemini). Before `buildRequest`, every http(s) `image_url` of a chat request is downloaded
 * through the one outbound client (image-download.ts: the outbound guard, redirects checked, a byte cap and a
 * deadline) and replaced by a base64 `data:` URL, which the outbound converters turn into Anthropic's base64
 * image source and Gemini's `inlineData`. `data:` URLs the client sent are checked the same way (size, type
 * read from the bytes). Gemini's own file URIs stay URLs: Google reads them itself.
 *
 * Why fetch here rather than let the provider do it: Gemini reads no arbitrary URL in `fileData`, and sending
 * bytes makes every channel type see the same image, checked by the same rules (reliability.md G6, G8: the
 * gateway, not a provider, decides what it downloads, how much and for how long), before any upstream call.
 *
 * An image that cannot be used is the client's fault: a ClientInputError (400 `invalid_request`) naming
 * `messages[i].content[j].image_url` and why, which the pipeline answers without failover. Downloads are kept
 * per client request, so a failover to another channel of the same kind reuses them instead of fetching again.
 */
import { asRecord, readString } from './dialects/json-fields.ts';
import type { Dispatcher } from './dispatch.ts';
import { ClientInputError } from './errors.ts';
import { ByteBudget, downloadImage, ImageRefusal, sizeText } from './image-download.ts';
import { readDataUrl, sniffImageType } from './image-type.ts';
import type { ChannelTarget, InlineImagesCapability, JsonBody, ProviderAdapter, RelayRequest } from './types.ts';

export interface ImageInlinerOptions {
  readonly dispatcher: Dispatcher;
  /** Largest image downloaded, decoded bytes (MAX_FILE_DOWNLOAD_MB); the provider's own limit may be lower. */
  readonly maxDownloadBytes: number;
  /** Largest sum of inline images in one request, decoded bytes (MAX_REQUEST_BODY_MB); the provider's may be lower. */
  readonly maxRequestBytes: number;
  /** Deadline for the downloads of one request (image_fetch_timeout_seconds), cut to what is left of the request's. */
  readonly timeoutMs: number;
  /** Image URLs downloaded per request at most (max_image_urls); 0 refuses image URLs on these channels. */
  readonly maxUrls: number;
  /** Downloads of one request running at once. */
  readonly concurrency?: number;
}

export interface InlineContext {
  /** The client's signal: a departed client aborts the downloads. */
  readonly signal: AbortSignal;
  /** What is left of the request's total deadline. */
  readonly remainingMs: number;
}

export interface ImageInliner {
  /**
   * `request` with its image URLs inlined as the adapter's capability asks, or `request` itself when there is
   * nothing to change (no capability, no image, nothing but acceptable data: URLs). Throws a ClientInputError
   * for an image that cannot be used; a `client_gone` UpstreamError when the client left meanwhile.
   */
  prepare(
    request: RelayRequest,
    adapter: Pick<ProviderAdapter, 'inlineImages'>,
    target: Pick<ChannelTarget, 'allowPrivate'>,
    context: InlineContext,
  ): Promise<RelayRequest>;
}

const DEFAULT_CONCURRENCY = 4;

/** One `image_url` content part of a chat message. */
interface ImagePart {
  readonly messageIndex: number;
  readonly partIndex: number;
  /** `messages[i].content[j].image_url`, for messages. */
  readonly field: string;
  readonly url: string;
}

/** What the downloads of one attempt share. */
interface FetchScope {
  readonly capability: InlineImagesCapability;
  readonly maxImageBytes: number;
  readonly budget: ByteBudget;
  readonly target: Pick<ChannelTarget, 'allowPrivate'>;
  readonly context: InlineContext;
}

interface FetchedImage {
  readonly mediaType: string;
  readonly decodedBytes: number;
  readonly base64: string;
}

/** The image_url parts of a chat body, in order; parts without a string URL are left to the converter to refuse. */
function imageParts(body: JsonBody): ImagePart[] {
  const found: ImagePart[] = [];
  const messages = Array.isArray(body.messages) ? body.messages : [];
  messages.forEach((message: unknown, messageIndex) => {
    const content = asRecord(message)?.content;
    if (!Array.isArray(content)) return;
    content.forEach((value: unknown, partIndex) => {
      const part = asRecord(value);
      if (part?.type !== 'image_url') return;
      const url = readString(asRecord(part.image_url)?.url) ?? readString(part.image_url);
      if (url !== undefined) found.push({ messageIndex, partIndex, field: `messages[${messageIndex}].content[${partIndex}].image_url`, url });
    });
  });
  return found;
}

/** `body` with the URLs of some image parts replaced; everything else is shared with the original. */
function withUrls(body: JsonBody, replacements: ReadonlyMap<ImagePart, string>): JsonBody {
  // The parts were found by imageParts, so `messages` and each replaced part's `content` are arrays.
  const messages = [...(body.messages as unknown[])];
  for (const [part, url] of replacements) {
    const message = { ...asRecord(messages[part.messageIndex]) };
    const content = [...(message.content as unknown[])];
    const original = asRecord(content[part.partIndex]) ?? {};
    const imageUrl = asRecord(original.image_url);
    // Keeps `detail` and any other field of the image_url object; the bare-string form stays a string.
    content[part.partIndex] = { ...original, image_url: imageUrl === undefined ? url : { ...imageUrl, url } };
    message.content = content;
    messages[part.messageIndex] = message;
  }
  return { ...body, messages };
}

function typeList(types: ReadonlySet<string>): string {
  return [...types].map((type) => type.replace('image/', '').toUpperCase()).join(', ');
}

export function createImageInliner(options: ImageInlinerOptions): ImageInliner {
  const concurrency = Math.max(1, options.concurrency ?? DEFAULT_CONCURRENCY);
  /** Downloads per client request (the same RelayRequest object across its attempts), by allow-private and URL. */
  const downloads = new WeakMap<RelayRequest, Map<string, Promise<FetchedImage>>>();

  async function prepare(
    request: RelayRequest,
    adapter: Pick<ProviderAdapter, 'inlineImages'>,
    target: Pick<ChannelTarget, 'allowPrivate'>,
    context: InlineContext,
  ): Promise<RelayRequest> {
    const capability = adapter.inlineImages;
    if (capability === undefined || request.body instanceof FormData) return request;
    const parts = imageParts(request.body);
    if (parts.length === 0) return request;

    const maxImageBytes = Math.min(capability.maxImageBytes, options.maxDownloadBytes);
    const maxTotal = Math.min(capability.maxTotalBytes, options.maxRequestBytes);
    const budget = new ByteBudget(maxTotal, (max) => `the images of this request add up to more than ${sizeText(max)}, the most one request to this channel may carry; send fewer or smaller images`);
    const replacements = new Map<ImagePart, string>();
    const toFetch: ImagePart[] = [];
    const refuse = (part: ImagePart, message: string): ClientInputError => new ClientInputError(part.field, message);
    const checkType = (part: ImagePart, mediaType: string): void => {
      if (!capability.mediaTypes.has(mediaType)) {
        throw refuse(part, `the image is ${mediaType}, which ${capability.provider} does not take; send ${typeList(capability.mediaTypes)}`);
      }
    };

    for (const part of parts) {
      const data = readDataUrl(part.url);
      if (data === 'not-base64') throw refuse(part, 'is a data: URL without ";base64"; send the image base64-encoded');
      if (data !== undefined) {
        // data: URLs are already in the body (under MAX_REQUEST_BODY_MB); they are checked, not fetched.
        if (data.decodedBytes > capability.maxImageBytes) {
          throw refuse(part, `the image is larger than ${sizeText(capability.maxImageBytes)}, the most ${capability.provider} takes for one image; send a smaller image`);
        }
        const sniffed = sniffImageType(data.head);
        if (sniffed === undefined) throw refuse(part, 'the data: URL does not hold a PNG, JPEG, GIF, WebP, HEIC or HEIF image');
        checkType(part, sniffed);
        // A provider refuses an image whose declared type is not what its bytes are; the bytes are right.
        if (data.declaredType !== sniffed) replacements.set(part, `data:${sniffed};base64,${data.data}`);
        try {
          budget.add(data.decodedBytes);
        } catch (error) {
          throw error instanceof ImageRefusal ? refuse(part, error.message) : error;
        }
        continue;
      }
      if (capability.keepsUrl?.(part.url) === true) continue;
      if (!/^https?:\/\//i.test(part.url)) throw refuse(part, 'must be an http(s) URL or a base64 data: URL');
      if (!URL.canParse(part.url)) throw refuse(part, 'is not a valid http(s) URL');
      const parsed = new URL(part.url);
      if (parsed.username !== '' || parsed.password !== '') throw refuse(part, 'must not carry a user name or password');
      toFetch.push(part);
    }
    const beyond = toFetch[options.maxUrls];
    if (beyond !== undefined) {
      throw refuse(
        beyond,
        options.maxUrls === 0
          ? 'this channel takes images as base64 data: URLs only; the gateway fetches no image URLs (GATEWAY_MAX_IMAGE_URLS is 0)'
          : `the request names more than ${options.maxUrls} image URLs, the most the gateway fetches for one request; send the others as base64 data: URLs`,
      );
    }

    if (toFetch.length > 0) {
      let cache = downloads.get(request);
      if (cache === undefined) {
        cache = new Map();
        downloads.set(request, cache);
      }
      const fetched = await fetchAll(toFetch, cache, { capability, maxImageBytes, budget, target, context });
      toFetch.forEach((part, index) => {
        const image = fetched[index];
        if (image === undefined) return;
        if (image.decodedBytes > maxImageBytes) {
          throw refuse(part, `the image is larger than ${sizeText(maxImageBytes)}, the most this channel takes for one image; send a smaller image`);
        }
        checkType(part, image.mediaType);
        replacements.set(part, `data:${image.mediaType};base64,${image.base64}`);
      });
    }
    if (replacements.size === 0) return request;
    return { ...request, body: withUrls(request.body, replacements) };
  }

  /**
   * Downloads the parts' images, `concurrency` at a time, reusing the request's earlier downloads. The first
   * failure aborts the downloads still running and is thrown, as a ClientInputError naming its part.
   */
  async function fetchAll(parts: readonly ImagePart[], cache: Map<string, Promise<FetchedImage>>, scope: FetchScope): Promise<FetchedImage[]> {
    const { capability, maxImageBytes, budget, target, context } = scope;
    const abort = new AbortController();
    const onClientAbort = (): void => abort.abort(context.signal.reason);
    if (context.signal.aborted) onClientAbort();
    else context.signal.addEventListener('abort', onClientAbort, { once: true });
    // One deadline for all the downloads of the attempt, so images cannot eat the upstream's first-byte time.
    const deadline = performance.now() + Math.max(1, Math.min(options.timeoutMs, Math.floor(context.remainingMs)));
    const results: FetchedImage[] = [];
    let next = 0;
    let failure: unknown;

    const one = async (part: ImagePart): Promise<FetchedImage> => {
      // The same URL is the same download only under the same private exception (it decides what may be reached).
      const key = `${target.allowPrivate ?? ''} ${part.url}`;
      const earlier = cache.get(key);
      if (earlier !== undefined) {
        const image = await earlier;
        // Counted again: the upstream body carries it once more.
        budget.add(image.decodedBytes);
        return image;
      }
      const download = downloadImage(options.dispatcher, part.url, {
        maxBytes: maxImageBytes,
        budget,
        timeoutMs: Math.max(1, Math.round(deadline - performance.now())),
        accept: [...capability.mediaTypes],
        allowPrivate: target.allowPrivate,
        signal: abort.signal,
      }).then(({ mediaType, bytes }): FetchedImage => ({ mediaType, decodedBytes: bytes.byteLength, base64: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64') }));
      cache.set(key, download);
      return download;
    };

    const worker = async (): Promise<void> => {
      while (failure === undefined && next < parts.length) {
        const index = next++;
        const part = parts[index];
        if (part === undefined) break;
        try {
          results[index] = await one(part);
        } catch (error) {
          if (failure === undefined) {
            failure = error instanceof ImageRefusal ? new ClientInputError(part.field, error.message) : error;
            abort.abort(failure);
          }
        }
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(concurrency, parts.length) }, worker));
    } finally {
      context.signal.removeEventListener('abort', onClientAbort);
    }
    if (failure !== undefined) throw failure;
    return results;
  }

  return { prepare };
}
