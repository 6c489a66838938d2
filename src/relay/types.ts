/**
 * The contracts between the relay's parts (architecture.md, "relay pipeline"):
 *   route handler → pipeline → select (channel + key) → provider adapter (pure: builds the upstream request,
 *   reads errors and usage) → dispatch (the one outbound client) → stream transforms → outcome hook.
 * Adapters never call fetch, touch the database or import Elysia; the dispatcher owns the network.
 */
import type { GatewayError } from '../errors/gateway-error.ts';
import type { ChannelKind } from '../services/channel-types.ts';
import type { NativeToHubStream, SseOut } from './dialects/types.ts';

/** The OpenAI-shaped endpoints the relay serves. */
export type Endpoint =
  | 'chat-completions'
  | 'completions'
  | 'embeddings'
  | 'moderations'
  | 'images-generations'
  | 'images-edits'
  | 'audio-speech'
  | 'audio-transcriptions'
  | 'audio-translations'
  | 'rerank'
  | 'responses';

/** What the client sent, after authentication and model resolution. */
export interface RelayRequest {
  readonly endpoint: Endpoint;
  /** The model name the client asked for (billed and shown). */
  readonly requestedModel: string;
  /** Parsed JSON body for JSON endpoints (unknown fields pass through), or the multipart form. */
  readonly body: JsonBody | FormData;
  readonly stream: boolean;
  /** Whether the client asked for the usage chunk (`stream_options.include_usage: true`). */
  readonly clientWantsStreamUsage: boolean;
  /**
   * Anthropic beta feature names the client asked for (its `anthropic-beta` header, comma-separated), passed
   * to Anthropic channels with the channel's own `anthropic_beta`; other adapters ignore them.
   */
  readonly anthropicBeta?: readonly string[];
  /**
   * The client's own request, when it spoke a dialect some upstream speaks natively (Anthropic Messages, Gemini
   * generateContent, OpenAI Responses): a channel whose adapter accepts it gets these bytes instead of the hub request, and its
   * answer goes back untouched (architecture.md decision 1, passthrough). Chosen per attempt, by the channel.
   */
  readonly native?: NativeRequest;
  /**
   * The endpoint the client called when it is not `endpoint` (a Responses client relayed as a chat request, so
   * that chat-only channels can serve it): the outcome and the request log name it.
   */
  readonly clientEndpoint?: Endpoint;
}

/** A client dialect an upstream may speak as its own. */
export type NativeDialect = 'anthropic' | 'gemini' | 'responses';

/**
 * What the client asked for, in its dialect: Anthropic `messages`; Gemini's methods (countTokens is answered
 * locally, never sent); OpenAI's Responses API `responses`.
 */
export type NativeOperation = 'messages' | 'generateContent' | 'streamGenerateContent' | 'embedContent' | 'batchEmbedContents' | 'responses';

/**
 * The client's request as it came, beside the hub request in `RelayRequest.body`. The hub request still sizes
 * the reservation and serves every channel that needs the request converted.
 */
export interface NativeRequest {
  readonly dialect: NativeDialect;
  readonly operation: NativeOperation;
  /** The parsed body (unknown fields kept): what the adapter edits when the model must change. */
  readonly body: JsonBody;
  /** The body's text as the client sent it (UTF-8 checked): forwarded as is when nothing in it has to change. */
  readonly text: string;
  /** Query parameters of the client's URL the dialect passes on (Anthropic `beta`, Gemini `alt`); never a key. */
  readonly query: Readonly<Record<string, string>>;
  /** Client headers the dialect passes on (Anthropic `anthropic-version`); the adapter still builds the allowlist. */
  readonly headers: Readonly<Record<string, string>>;
  /**
   * Why the body could not be converted to the hub (a block or tool only the native upstream knows): converted
   * attempts skip their channel with it, and when no channel took the request natively it is the client's 400.
   */
  readonly refusal?: GatewayError;
}

export type JsonBody = Record<string, unknown>;

/** One channel and one of its keys, chosen for one attempt. */
export interface ChannelTarget {
  readonly channelId: number;
  readonly channelName: string;
  readonly type: ChannelKind;
  readonly baseUrl: string;
  /** Decrypted provider key; never logged. */
  readonly key: string;
  readonly keyPosition: number;
  /** The model name sent upstream after the channel's model mapping. */
  readonly upstreamModel: string;
  /** Provider settings from the channel (`api_version` for Azure, extra headers …). */
  readonly settings: Readonly<Record<string, unknown>>;
  /** Exact host:port this channel may reach although it is private. */
  readonly allowPrivate: string | undefined;
  /** Upstream status → status reported (and used for retry decisions); from `--status-code-map`. */
  readonly statusCodeMapping?: Readonly<Record<string, number>>;
}

/** What an adapter asks the dispatcher to send. */
export interface UpstreamRequest {
  readonly url: string;
  readonly method: 'GET' | 'POST';
  /** Built from an allowlist by the adapter: never the client's Authorization, Cookie, X-Forwarded-* or Host. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | FormData | undefined;
}

/**
 * Token counts of one request, in OpenAI's semantics whatever the provider: `promptTokens` includes the
 * cached, cache-write, image and audio input tokens; `completionTokens` includes the reasoning and audio
 * output tokens. `estimated` when counted locally because the upstream reported nothing.
 */
export interface Usage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  cachedTokens: number;
  cacheWriteTokens: number;
  reasoningTokens: number;
  imageInputTokens: number;
  audioInputTokens: number;
  audioOutputTokens: number;
  estimated: boolean;
  /** An upstream value was negative, fractional or absurd and was clamped. */
  clamped: boolean;
}

/**
 * A pure provider adapter. Optional capabilities are members, not stubs: an endpoint the adapter cannot
 * serve is absent from `endpoints`, and the pipeline answers it without calling upstream.
 */
export interface ProviderAdapter {
  readonly endpoints: ReadonlySet<Endpoint>;
  /** True when the upstream honours `stream_options.include_usage` (the pipeline then asks for it). */
  readonly streamUsage: boolean;
  /**
   * Present when the channel gets images as inline bytes: before `buildRequest`, the pipeline has every http(s)
   * `image_url` fetched through the dispatcher and replaced by a base64 `data:` URL (inline-images.ts).
   */
  readonly inlineImages?: InlineImagesCapability;
  buildRequest(request: RelayRequest, target: ChannelTarget): UpstreamRequest;
  /**
   * Maps a non-2xx reply to an UpstreamError; `bodyText` is at most a few KiB. `context.secrets` (the channel
   * key) are redacted from the message and the logged body.
   */
  parseError(
    status: number,
    headers: Headers,
    bodyText: string,
    context?: { secrets?: readonly string[]; now?: number },
  ): import('./errors.ts').UpstreamError;
  /** Usage from a non-stream JSON reply or from one stream chunk; undefined when it carries none. */
  readUsage(json: unknown): Usage | undefined;
  /**
   * Present when the upstream may answer in its own format (Anthropic, Gemini; an OpenAI-family channel whose
   * `chat_api` setting is `responses`): the relay converts every answer of one attempt to the hub's (OpenAI Chat
   * Completions) with the converters it returns before the client sees it. Undefined for an attempt whose
   * answer is already in the hub's format and passes through byte for byte.
   */
  translate?(request: RelayRequest, target: ChannelTarget): HubTranslation | undefined;
  /**
   * Present when the upstream speaks a client dialect natively (Anthropic, Gemini; the Responses API for the
   * OpenAI family): a request that carries that dialect (`RelayRequest.native`) is forwarded raw and answered
   * untouched, usage observed on the side.
   */
  readonly native?: NativeCapability;
}

/** An adapter's passthrough of a client dialect its upstream speaks (src/relay/passthrough/). */
export interface NativeCapability {
  /** True when this channel takes the client's request as is. */
  accepts(native: NativeRequest, target: ChannelTarget): boolean;
  /**
   * The upstream request: the client's body with the upstream model and the gateway's own model-name rules
   * (thinking suffixes) applied, the channel's credentials and headers; nothing else of the client's changes.
   */
  buildRequest(request: RelayRequest, native: NativeRequest, target: ChannelTarget): UpstreamRequest;
  /**
   * Reads a stream's events on the side, without changing a byte: usage, the provider's end marker, and the hub
   * chunks to count what was delivered; throws an UpstreamError on an in-band error or a malformed event.
   */
  observe(request: RelayRequest, target: ChannelTarget): NativeObserver;
  /**
   * A whole native answer's usage and generated text (for a local count when it reports none); throws an
   * UpstreamError when the 2xx body is an error (Gemini's JSON array stream ending with one).
   */
  readWhole(json: unknown, request: RelayRequest, target: ChannelTarget): { usage: Usage | undefined; text: string };
  /**
   * The one event a stream the upstream did not finish ends with, in the dialect's own shape; `observer` is the
   * stream's, for dialects that number their events (a Responses `error` follows the last `sequence_number`).
   */
  errorEvent(error: { status: number; code: string; message: string }, observer?: NativeObserver): SseOut;
}

/** What a passthrough stream's observer reads besides usage and the end marker. */
export interface NativeObserver extends NativeToHubStream {
  /** The `sequence_number` of the last event relayed, in dialects that number their events (Responses). */
  readonly lastSequenceNumber?: number;
}

/** The converters of one attempt's answer, native → hub (src/relay/dialects/types.ts `OutboundDialect`). */
export interface HubTranslation {
  /** A native non-stream JSON answer → a hub `chat.completion`; throws an UpstreamError on one it cannot read. */
  response(native: JsonBody): JsonBody;
  /**
   * A state machine for the native stream: each event → hub chunks, `completed` once the provider's own end
   * marker was seen, `usage()` as reported so far; throws an UpstreamError on an in-band error event.
   */
  stream(): NativeToHubStream;
}

/** What a provider takes as inline images, from its published limits (src/relay/inline-images.ts applies them). */
export interface InlineImagesCapability {
  /** Who is named in messages about these limits ("Anthropic"). */
  readonly provider: string;
  /** The image media types the provider takes, e.g. `image/png`. */
  readonly mediaTypes: ReadonlySet<string>;
  /** Largest single image, in decoded bytes. */
  readonly maxImageBytes: number;
  /** Largest sum of the inline images of one request, in decoded bytes. */
  readonly maxTotalBytes: number;
  /** URLs the provider reads itself, sent on as they are instead of fetched (Gemini's Files API URIs, gs://). */
  keepsUrl?(url: string): boolean;
}
