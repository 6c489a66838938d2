/**
 * The contracts of the dialect converters (architecture.md decision 1, "one hub format"). The hub is OpenAI's
 * Chat Completions format — request body, `chat.completion` object and `chat.completion.chunk` stream objects
 * — because the relay already speaks it end to end, OpenAI publishes a schema for it that the tests validate
 * against, and it can carry everything the other dialects need (tools, images, reasoning, usage details).
 * Every converter is a pure function or a small state machine over plain JSON: no I/O and no Elysia; the one
 * time they need (the `created` second of a chat.completion) comes from a clock their factory takes
 * (`createAnthropicOutbound({ now })`, `createGeminiOutbound({ now })`), so tests fix it.
 *
 * - An inbound dialect turns a client's request in its own format (Anthropic Messages, Gemini
 *   generateContent) into a hub request, and the hub's answer back into the client's format.
 * - An outbound dialect turns a hub request into a provider's native request (for `anthropic` and `gemini`
 *   channels), and the provider's answer back into the hub.
 * When the client's dialect is the channel's own, the relay forwards the raw body and converts nothing.
 */
import type { JsonBody, Usage } from '../types.ts';

/** One server-sent event to write: `event:` (optional) and `data:`. */
export interface SseOut {
  readonly event?: string;
  readonly data: string;
}

/** One parsed upstream server-sent event (as src/relay/stream/sse-parser.ts yields it). */
export interface SseIn {
  readonly event: string | undefined;
  readonly data: string;
}

/** What an inbound converter knows about the request beyond its body. */
export interface InboundContext {
  /** The model name the client asked for (from the body or, for Gemini, from the URL). */
  readonly model: string;
  readonly stream: boolean;
  /**
   * The client's own request body, for dialects whose answers echo the request's settings (a Responses `response`
   * repeats `instructions`, `tools`, `temperature` …); without it they echo the documented defaults.
   */
  readonly request?: JsonBody;
}

/** Converts the hub's stream (chat.completion.chunk objects) into a client dialect's events, in order. */
export interface HubToClientStream {
  /** Events for one hub chunk (possibly none, possibly several). */
  push(chunk: JsonBody): SseOut[];
  /** The closing events of a completed stream (e.g. Anthropic's message_delta + message_stop). */
  finish(): SseOut[];
  /** The single error event a cut stream ends with, in the client's dialect (never a completion marker). */
  fail(error: { status: number; code: string; message: string }): SseOut[];
}

export interface InboundDialect {
  /** The client's request → a hub request. Throws a GatewayError (`invalid_request`, naming the field) on bad input. */
  toHubRequest(body: JsonBody, context: InboundContext): JsonBody;
  /** A hub `chat.completion` → the client's non-stream answer. */
  fromHubResponse(completion: JsonBody, context: InboundContext): JsonBody;
  createStream(context: InboundContext): HubToClientStream;
  /** An error in the client's dialect's shape and status. */
  renderError(error: { status: number; code: string; message: string }): { status: number; body: JsonBody };
}

/** What an outbound converter knows about the channel and the request. */
export interface OutboundContext {
  /** The model name to send upstream (after model mapping). */
  readonly upstreamModel: string;
  readonly stream: boolean;
  /** Channel settings (e.g. `thinking_to_content: true` to put thinking inside `<think>` content). */
  readonly settings: Readonly<Record<string, unknown>>;
}

/** Converts a provider's native stream into hub chunks (chat.completion.chunk objects). */
export interface NativeToHubStream {
  push(event: SseIn): JsonBody[];
  /** True once the provider's own end marker was seen (Anthropic `message_stop`; Gemini: a finishReason). */
  readonly completed: boolean;
  /** Usage as reported so far, in the hub's semantics (see src/relay/types.ts `Usage`). */
  usage(): Usage | undefined;
}

export interface OutboundDialect {
  /** A hub request → the provider's native request body. Throws a GatewayError on input it cannot express. */
  fromHubRequest(request: JsonBody, context: OutboundContext): JsonBody;
  /** The provider's native non-stream answer → a hub `chat.completion`. */
  toHubResponse(native: JsonBody, context: OutboundContext): JsonBody;
  createStream(context: OutboundContext): NativeToHubStream;
  /** Usage from a native answer, in the hub's semantics (prompt includes cached and cache-write tokens). */
  readUsage(native: unknown): Usage | undefined;
}
