/**
 * The `gemini` channel type (the Gemini API with an API key, not Vertex AI): OpenAI-format chat requests go out
 * as generateContent requests and the answers come back as OpenAI objects through the Gemini outbound dialect
 * (architecture.md decision 1); embeddings requests go out as one batchEmbedContents call. Pure like every
 * adapter: it builds the request, maps errors, reads usage and lends the relay its converters.
 * API reference: https://ai.google.dev/api/generate-content, https://ai.google.dev/api/embeddings, errors:
 * https://ai.google.dev/gemini-api/docs/troubleshooting#error-codes.
 */
import { redact, cutToBytes, redactUpstreamBody } from '../../security/redact.ts';
import { statusInRanges } from '../../services/settings.ts';
import { estimatePromptTokens } from '../../tokenizer/count.ts';
import { readGeminiError, upstreamErrorFromGemini } from '../dialects/gemini/errors.ts';
import { createGeminiOutbound, geminiModelAndThinking } from '../dialects/gemini/outbound.ts';
import { createGeminiNative } from './gemini-native.ts';
import { asRecord, invalidRequest, readArray, readNumber, readRecords, readString } from '../dialects/json-fields.ts';
import type { OutboundContext, OutboundDialect } from '../dialects/types.ts';
import { clientRequestRefused, endpointNotSupported, parseRetryAfter, UpstreamError } from '../errors.ts';
import type { ChannelTarget, Endpoint, HubTranslation, InlineImagesCapability, JsonBody, ProviderAdapter, RelayRequest, UpstreamRequest } from '../types.ts';
import { defaultRetryStatusRanges, type ParseErrorContext } from './openai-error.ts';
import { trimBaseUrl } from './openai-url.ts';

export const GEMINI_DEFAULT_BASE_URL = 'https://generativelanguage.googleapis.com';

export type GeminiMethod = 'generateContent' | 'streamGenerateContent' | 'embedContent' | 'batchEmbedContents';

/**
 * `{base}/v1beta/models/{model}:{method}`. A base that already names an API version (`…/v1beta`, `…/v1`, as
 * proxies are often configured) is used as given. The model is the upstream model without its thinking suffix
 * (thinking.ts), encoded as one path segment: a client-chosen name must not climb out of the path (`../`, `?`)
 * nor add a method (`:`). Streams ask for `alt=sse` unless `sse` is false (a Gemini client's own choice, passed
 * through); without it Google streams one JSON array.
 */
export function geminiMethodUrl(baseUrl: string, upstreamModel: string, method: GeminiMethod, sse = method === 'streamGenerateContent'): string {
  const trimmed = trimBaseUrl(baseUrl);
  const base = trimmed === '' ? GEMINI_DEFAULT_BASE_URL : trimmed;
  const root = /\/v1(?:alpha|beta)?$/.test(base) ? base : `${base}/v1beta`;
  const model = geminiModelAndThinking(upstreamModel).model;
  if (model === '') {
    throw new UpstreamError({
      status: 400,
      code: 'invalid_model_name',
      message: `the model name "${upstreamModel}" leaves no Gemini model once its thinking suffix is removed`,
      retryable: false,
      channelAtFault: false,
    });
  }
  const url = `${root}/models/${encodeURIComponent(model)}:${method}`;
  return method === 'streamGenerateContent' && sse ? `${url}?alt=sse` : url;
}

/** Longest error message handed on (the full body goes to the log only), as for the OpenAI family. */
const MESSAGE_LIMIT_BYTES = 1024;

/**
 * Maps a non-2xx reply (`{"error":{"code","message","status","details"}}`) to an UpstreamError. The fault is
 * classified as for an in-band error event (errors.ts `upstreamErrorFromGemini`): a rejected, blocked or
 * suspended key, UNAUTHENTICATED and PERMISSION_DENIED are the key's fault; FAILED_PRECONDITION ("User location
 * is not supported") the channel's. Google answers a wrong key with 400 INVALID_ARGUMENT and reason
 * API_KEY_INVALID; it is reported as 401 with that reason as the code, so failover, the client's
 * `upstream_credentials_rejected` and auto-disable (default statuses: 401) treat it as OpenAI's invalid key.
 * Any other 400 is the client's request: not retried, nobody's fault. A 429 RESOURCE_EXHAUSTED carries its
 * delay in `Retry-After` or in a `google.rpc.RetryInfo` detail.
 */
export function parseGeminiError(status: number, headers: Headers, bodyText: string, context: ParseErrorContext = {}): UpstreamError {
  const secrets = context.secrets ?? [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(bodyText);
  } catch {
    parsed = undefined;
  }
  const detail = readGeminiError(parsed);
  // The classification of the event reader, fed the HTTP status; its message and body are not used here.
  const classified = detail === undefined ? undefined : upstreamErrorFromGemini({ ...detail, code: status }, '');
  const channelAtFault = classified?.channelAtFault ?? (status === 401 ? 'key' : false);
  const keyReason = channelAtFault === 'key' ? detail?.reason : undefined;
  const reportedStatus = channelAtFault === 'key' && status === 400 ? 401 : status;
  const ranges = context.retryStatusRanges ?? defaultRetryStatusRanges;
  const message = detail?.message ?? `the upstream answered HTTP ${status}${bodyText.trim() === '' ? ' with an empty body' : ''}`;
  return new UpstreamError({
    status: reportedStatus,
    code: keyReason ?? detail?.status ?? `http_${status}`,
    message: cutToBytes(redact(message, secrets), MESSAGE_LIMIT_BYTES),
    // Failures of the key or the channel always fail over, as do statuses outside HTTP's range (domain.md 4.2).
    retryable: channelAtFault !== false || reportedStatus < 100 || reportedStatus > 599 || statusInRanges(reportedStatus, ranges),
    channelAtFault,
    retryAfterMs: parseRetryAfter(headers.get('retry-after'), context.now ?? Date.now()) ?? retryInfoDelayMs(parsed),
    upstreamBody: bodyText === '' ? undefined : redactUpstreamBody(bodyText, secrets),
  });
}

/** `google.rpc.RetryInfo.retryDelay`, a protobuf Duration in JSON (`"38s"`, `"1.5s"`), in milliseconds. */
function retryInfoDelayMs(parsed: unknown): number | undefined {
  const error = asRecord(asRecord(Array.isArray(parsed) ? parsed[0] : parsed)?.error);
  for (const detail of readRecords(error?.details)) {
    const delay = /^(\d+(?:\.\d+)?)s$/.exec(readString(detail.retryDelay) ?? '');
    if (delay?.[1] !== undefined) return Math.round(Number(delay[1]) * 1000);
  }
  return undefined;
}

function outboundContext(request: RelayRequest, target: ChannelTarget): OutboundContext {
  return { upstreamModel: target.upstreamModel, stream: request.stream, settings: target.settings };
}

/**
 * A hub embeddings request (https://platform.openai.com/docs/api-reference/embeddings/create) → a
 * batchEmbedContents body (https://ai.google.dev/api/embeddings#method:-models.batchembedcontents): one request
 * per input string, each naming the model as Google requires; `dimensions` → `outputDimensionality`. Token
 * arrays cannot be sent: Gemini takes text only.
 */
export function geminiEmbeddingsBody(body: JsonBody, upstreamModel: string): JsonBody {
  const input = body.input;
  const texts = typeof input === 'string' ? [input] : readArray(input);
  if (texts === undefined || texts.length === 0 || !texts.every((text) => typeof text === 'string')) {
    throw invalidRequest('input', 'must be a string or a non-empty array of strings; Gemini channels do not take token arrays');
  }
  if (body.encoding_format !== undefined && body.encoding_format !== 'float' && body.encoding_format !== 'base64') {
    throw invalidRequest('encoding_format', 'must be "float" or "base64"');
  }
  const dimensions = body.dimensions;
  if (dimensions !== undefined && (typeof dimensions !== 'number' || !Number.isInteger(dimensions) || dimensions < 1)) {
    throw invalidRequest('dimensions', 'must be a positive integer');
  }
  const model = `models/${geminiModelAndThinking(upstreamModel).model}`;
  const requests = texts.map((text) => ({
    model,
    content: { parts: [{ text }] },
    ...(dimensions === undefined ? {} : { outputDimensionality: dimensions }),
  }));
  return { requests };
}

/**
 * A batchEmbedContents answer (`{embeddings: [{values}]}`) → OpenAI's embeddings list, one item per input in
 * order; `encoding_format: "base64"` gives each vector as the base64 of its little-endian float32 bytes, as
 * OpenAI does. Gemini reports no token usage for embeddings, so `usage` holds the gateway's local count of the
 * input — the same estimate the relay bills (the outcome's usage is marked estimated).
 */
export function geminiEmbeddingsToHub(native: JsonBody, request: RelayRequest, upstreamModel: string): JsonBody {
  const body = request.body instanceof FormData ? {} : request.body;
  const embeddings = readRecords(native.embeddings);
  const vectors = embeddings.map((embedding) => readArray(embedding.values));
  if (vectors.length === 0 || vectors.some((values) => values === undefined || !values.every((value) => readNumber(value) !== undefined))) {
    throw new UpstreamError({
      status: 0,
      code: 'bad_response_body',
      message: 'the Gemini upstream answered batchEmbedContents without a list of numeric embeddings',
      retryable: true,
      channelAtFault: false,
      upstreamBody: redactUpstreamBody(JSON.stringify(native)),
    });
  }
  const base64 = body.encoding_format === 'base64';
  const data = vectors.map((values, index) => {
    // Checked above: every vector is an array of finite numbers.
    const numbers = (values ?? []) as number[];
    return { object: 'embedding', index, embedding: base64 ? Buffer.from(new Float32Array(numbers).buffer).toString('base64') : numbers };
  });
  const promptTokens = estimatePromptTokens(request.requestedModel, body, 'embeddings');
  return {
    object: 'list',
    data,
    model: geminiModelAndThinking(upstreamModel).model,
    usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
  };
}

const methodFor = (endpoint: Endpoint, stream: boolean): GeminiMethod | undefined => {
  if (endpoint === 'embeddings') return 'batchEmbedContents';
  if (endpoint === 'chat-completions') return stream ? 'streamGenerateContent' : 'generateContent';
  return undefined;
};

/** A Files API URI (`https://generativelanguage.googleapis.com/v1beta/files/abc-123`, https://ai.google.dev/api/files). */
const GEMINI_FILE_URI = /^https:\/\/generativelanguage\.googleapis\.com\/v1(?:alpha|beta)?\/files\/[a-z0-9-]+$/i;

/**
 * Images Gemini takes inline (https://ai.google.dev/gemini-api/docs/image-understanding): PNG, JPEG, WebP, HEIC
 * and HEIF. Inline data may make up 100 MB of a request, base64-encoded
 * (https://ai.google.dev/gemini-api/docs/file-input-methods; 20 MB before January 2026): 4 MB are left for the
 * rest. Google's own file URIs go on as `fileData` (outbound-parts.ts) and are never fetched by the gateway:
 * Files API URIs (a gs:// object registered with the Files API gets one too) and gs:// URIs, which Vertex AI
 * reads and the Gemini API answers for itself.
 */
export const GEMINI_INLINE_IMAGES: InlineImagesCapability = {
  provider: 'Gemini',
  mediaTypes: new Set(['image/png', 'image/jpeg', 'image/webp', 'image/heic', 'image/heif']),
  maxImageBytes: (100_000_000 * 3) / 4,
  maxTotalBytes: ((100_000_000 - 4_000_000) * 3) / 4,
  keepsUrl: (url) => url.startsWith('gs://') || GEMINI_FILE_URI.test(url),
};

export function createGeminiAdapter(dialect: OutboundDialect): ProviderAdapter {
  return {
    endpoints: new Set(['chat-completions', 'embeddings']),
    // Gemini reports usageMetadata on every stream event unasked; there is nothing to ask for.
    streamUsage: false,
    inlineImages: GEMINI_INLINE_IMAGES,
    buildRequest(request: RelayRequest, target: ChannelTarget): UpstreamRequest {
      const method = methodFor(request.endpoint, request.stream);
      if (request.body instanceof FormData || method === undefined) throw endpointNotSupported(`channel type gemini cannot serve ${request.endpoint} requests`);
      let body: string;
      try {
        const native = method === 'batchEmbedContents' ? geminiEmbeddingsBody(request.body, target.upstreamModel) : dialect.fromHubRequest(request.body, outboundContext(request, target));
        body = JSON.stringify(native);
      } catch (error) {
        clientRequestRefused(error);
      }
      return {
        url: geminiMethodUrl(target.baseUrl, target.upstreamModel, method),
        method: 'POST',
        // The key goes in a header, never as `?key=`: URLs reach logs and error messages.
        headers: {
          'x-goog-api-key': target.key,
          'content-type': 'application/json',
          accept: method === 'streamGenerateContent' ? 'text/event-stream' : 'application/json',
        },
        body,
      };
    },
    parseError: parseGeminiError,
    readUsage: (json) => dialect.readUsage(json),
    // A client of the same dialect is forwarded raw and answered untouched (gemini-native.ts).
    native: createGeminiNative(dialect),
    translate(request: RelayRequest, target: ChannelTarget): HubTranslation {
      const context = outboundContext(request, target);
      return {
        response: (native) =>
          request.endpoint === 'embeddings' ? geminiEmbeddingsToHub(native, request, target.upstreamModel) : dialect.toHubResponse(native, context),
        stream: () => dialect.createStream(context),
      };
    },
  };
}

export const geminiAdapter = createGeminiAdapter(createGeminiOutbound());
