/**
 * Shared shapes of the mock upstream: what a route handler receives, what it answers, and what the mock
 * records for the tests (the ground truth for billing and disconnect assertions).
 */
import type { Endpoint } from '../../../src/relay/types.ts';
import type { MockControls } from './controls.ts';

/** The native endpoints of Anthropic (anthropic.ts) and Gemini (gemini.ts). */
export type DialectEndpoint =
  | 'anthropic-messages'
  | 'anthropic-count-tokens'
  | 'gemini-generate-content'
  | 'gemini-stream-generate-content'
  | 'gemini-count-tokens'
  | 'gemini-embed-content'
  | 'gemini-batch-embed-contents';

/** Every route the mock serves: the relay's endpoints, the model list, and Anthropic's and Gemini's own. */
export type MockEndpoint = Endpoint | 'models' | DialectEndpoint;

/**
 * How the caller addressed the endpoint: OpenAI's `/v1/{task}`, Azure's
 * `/openai/deployments/{deployment}/{task}?api-version=…` (or Azure's `/openai/v1/{task}`), a full custom
 * URL `/custom/…/{task}` as a "custom" channel type would configure it, Anthropic's `/v1/messages…`, or
 * Gemini's `/v1beta/models/{model}:{method}` (and `/v1/…`). The last two are also wire dialects: their keys,
 * errors and reply headers follow the provider (see `Dialect`).
 */
export type RouteForm = 'openai' | 'azure' | 'custom' | 'anthropic' | 'gemini';

export interface RouteMatch {
  readonly endpoint: MockEndpoint;
  readonly form: RouteForm;
  readonly deployment: string | undefined;
  /** The model named by the URL path (Gemini's `models/{model}:…`, URL-decoded); it wins over a body `model`. */
  readonly model?: string;
}

/** Token counts exactly as a reply reported them (possibly negative or fractional under a `usage` fault). */
export interface UsageReport {
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly totalTokens: number;
  readonly cachedTokens: number;
  readonly reasoningTokens: number;
  /**
   * Prompt tokens written to the cache (Anthropic's `cache_creation_input_tokens`), when the dialect reports
   * them. `promptTokens` counts every input token, cached and cache-written ones included (the hub's meaning).
   */
  readonly cacheWriteTokens?: number;
}

/** What a route handler answers; the wire writer applies framing and faults to it. */
export interface MockReply {
  readonly status: number;
  /** Lower-case names; `content-type` included. Framing headers are added by the writer. */
  readonly headers: Readonly<Record<string, string>>;
  /** Body pieces: one per SSE event for streams, a single piece for an ordinary body. */
  readonly parts: readonly Uint8Array[];
  /** A stream (SSE or streamed audio): chunked by default; otherwise `content-length` by default. */
  readonly streaming: boolean;
  /** The usage this reply reports, undefined when it reports none. */
  readonly usage?: UsageReport;
  /** The generated text (or tool-call arguments) the reply carries. */
  readonly text?: string;
  /**
   * The stream ends with an in-band error event (`error-event-after-chunks`): it reaches its end on the wire
   * but is recorded with ending `error-event`, not as a completed reply.
   */
  readonly errorEvent?: boolean;
}

/** What `Response.formData()` yields (undici's FormData type, which the DOM's global one does not match). */
export type ParsedFormData = Awaited<ReturnType<Response['formData']>>;

export interface HandlerContext {
  readonly endpoint: MockEndpoint;
  readonly route: RouteMatch;
  /** Parsed JSON body, or undefined for multipart and bodiless requests. */
  readonly json: Record<string, unknown> | undefined;
  readonly formData: ParsedFormData | undefined;
  /** The model as the caller named it (body `model`, else Azure deployment), echoed in replies. */
  readonly model: string;
  readonly controls: MockControls;
  /** 1-based number of the request since start or reset: ids are derived from it, so runs repeat. */
  readonly sequence: number;
  /** Unix seconds put in `created` fields (fixed by default so replies are deterministic). */
  readonly createdAt: number;
  /** The mock's own base URL (for image URLs it serves itself). */
  readonly baseUrl: string;
  /** The query string's parameters (Gemini's `alt=sse`). */
  readonly query?: Readonly<Record<string, string>>;
}

/** How a reply ended on the wire. */
export type ReplyEnding =
  | 'in-flight'
  | 'completed'
  /** RST after `reset-after-chunks`. */
  | 'reset'
  /** FIN after `fin-after-chunks` (a close-delimited body then reads as a clean end). */
  | 'fin'
  /** The client closed the connection before the reply was complete. */
  | 'client-gone'
  /** Closed by `stop()` while stalled or hanging. */
  | 'stopped'
  /** Ended normally on the wire, but with an in-band error event (`error-event-after-chunks`). */
  | 'error-event';

export interface ReplyRecord {
  status: number | undefined;
  ending: ReplyEnding;
  /** Body parts (SSE events) fully written. */
  chunksWritten: number;
  usage: UsageReport | undefined;
}

export interface RecordedRequest {
  /** 1-based, equal to the sequence used in reply ids. */
  readonly index: number;
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly bodySha256: string;
  readonly bodyBytes: number;
  /** Parsed JSON body when the body is JSON. */
  readonly json: unknown;
  /** Field names of a multipart body, in order (files included). */
  readonly multipartFields: readonly string[] | undefined;
  /** The key from `Authorization: Bearer …`, Azure's `api-key`, Anthropic's `x-api-key`, or Gemini's `x-goog-api-key` / `?key=`. */
  readonly apiKey: string | undefined;
  readonly keyHeader: KeyHeader | undefined;
  readonly endpoint: MockEndpoint | undefined;
  readonly form: RouteForm | undefined;
  readonly deployment: string | undefined;
  readonly apiVersion: string | undefined;
  readonly model: string | undefined;
  /** The controls in effect (defaults, then the `mock/…` script, then `x-mock-*` headers). */
  readonly controls: MockControls;
  readonly reply: ReplyRecord;
}

/** One reply that reached its normal end: the ledger may bill at most these. */
export interface CompletedReply {
  readonly requestIndex: number;
  readonly endpoint: MockEndpoint;
  readonly model: string;
  readonly apiKey: string | undefined;
  readonly stream: boolean;
  /** The usage the reply sent, undefined when it sent none. */
  readonly usage: UsageReport | undefined;
  readonly chunks: number;
  readonly text: string;
}

/** Where a key was found: a header name, or `key` for Gemini's `?key=` query parameter. */
export type KeyHeader = 'authorization' | 'api-key' | 'x-api-key' | 'x-goog-api-key' | 'key';

/**
 * What a provider's own wire format changes on the mock's common path (mock-upstream.ts): where the key is,
 * and the shape of the answers given before a route handler runs — a bad control, a missing or rejected key,
 * a missing required header, the `status` control. Faults, framing and recording stay common.
 */
export interface Dialect {
  credentials(headers: Readonly<Record<string, string>>, query: URLSearchParams): { key: string | undefined; header: KeyHeader | undefined };
  /** A request the mock refuses itself (a bad `mock/…` control). */
  invalidRequest(request: RecordedRequest, message: string): MockReply;
  /** A missing or rejected key; `echoKey` puts the whole key in the message (`echo-key-in-401`). */
  keyRejected(request: RecordedRequest, echoKey: boolean): MockReply;
  /** A check made once the key is accepted (Anthropic's required `anthropic-version`). */
  checkHeaders(request: RecordedRequest): MockReply | undefined;
  /** The answer to the `status` control (with `code`, `echo-input-in-error`, `retry-after`). */
  error(request: RecordedRequest, status: number): MockReply;
  /** Headers every reply carries, in place of OpenAI's `x-request-id` and `openai-*`. */
  replyHeaders(request: RecordedRequest): Readonly<Record<string, string>>;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function readString(record: Record<string, unknown> | undefined, key: string): string | undefined {
  const value = record?.[key];
  return typeof value === 'string' ? value : undefined;
}

export function readNumber(record: Record<string, unknown> | undefined, key: string): number | undefined {
  const value = record?.[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

const encoder = new TextEncoder();

export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** An ordinary (non-stream) JSON reply. */
export function jsonReply(status: number, body: unknown, extra: Partial<Pick<MockReply, 'usage' | 'text'>> = {}): MockReply {
  return {
    status,
    headers: { 'content-type': 'application/json' },
    parts: [utf8(JSON.stringify(body))],
    streaming: false,
    ...extra,
  };
}
