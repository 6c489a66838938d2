/**
 * The contracts between the relay's parts (architecture.md, "relay pipeline"):
 *   route handler → pipeline → select (channel + key) → provider adapter (pure: builds the upstream request,
 *   reads errors and usage) → dispatch (the one outbound client) → stream transforms → outcome hook.
 * Adapters never call fetch, touch the database or import Elysia; the dispatcher owns the network.
 */
import type { ChannelKind } from '../services/channel-types.ts';
import type { NativeToHubStream } from './dialects/types.ts';

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
   * Present when the upstream answers in its own format (Anthropic, Gemini): the relay converts every answer of
   * one attempt to the hub's (OpenAI Chat Completions) with it before the client sees it. Absent for the OpenAI
   * family, whose answers pass through byte for byte.
   */
  translate?(request: RelayRequest, target: ChannelTarget): HubTranslation;
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
