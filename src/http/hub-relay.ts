/**
 * What the Anthropic and Gemini routes share: both convert a client's request to the hub format, relay it
 * through the pipeline as a chat completion (or embeddings), and convert the hub's answer back. This module
 * holds the parts that do not depend on the dialect — error rendering around the dialect's own body, the
 * model-name limits, reading the hub's JSON answer, and reading the hub's SSE body into the client's events.
 */
import { parseJson } from '../relay/stream/chunk-facts.ts';
import { isGatewayError } from '../errors/gateway-error.ts';
import { asRecord, invalidRequest, readString } from '../relay/dialects/json-fields.ts';
import type { HubToClientStream, InboundDialect, SseOut } from '../relay/dialects/types.ts';
import { RelayFailure } from '../relay/failure.ts';
import { encodeSseEvent, SSE_KEEPALIVE, type SseEvent, SseParser } from '../relay/stream/sse-parser.ts';
import type { JsonBody } from '../relay/types.ts';
import { requestIdOf } from './plugins/request-id.ts';

/**
 * The pipeline's stream was already parsed with the operator's line cap (STREAM_SCANNER_MAX_BUFFER_MB, at
 * most 256 MiB) and re-encoded line for line, so its lines fit under the largest cap plus room for the
 * relay's own usage chunk. Memory stays bounded by one line either way.
 */
const RELAYED_LINE_CAP_BYTES = 257 * 1024 * 1024;

/** As openai.ts: a model name no channel could serve is refused without echoing it (reliability.md I1). */
const MAX_MODEL_NAME_LENGTH = 256;
// C0 controls, DEL and C1 controls never occur in a model name; CR/LF would also split log lines.
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;

const encoder = new TextEncoder();

interface RenderableError {
  readonly status: number;
  readonly code: string;
  readonly message: string;
  readonly retryAfterSeconds: number | undefined;
}

/** The errors a dialect route renders itself: GatewayError and RelayFailure; anything else is not ours. */
function errorToRender(error: unknown): RenderableError | undefined {
  if (isGatewayError(error)) return { status: error.status, code: error.code, message: error.message, retryAfterSeconds: error.retryAfterSeconds };
  if (error instanceof RelayFailure) return { status: error.status, code: error.code, message: error.message, retryAfterSeconds: error.retryAfterSeconds };
  return undefined;
}

/**
 * An error response in the dialect's shape, with `retry-after` (whole seconds, rounded up) when the error has
 * one. `withRequestId` places the request id where the dialect carries it; it is called only when there is
 * one. Unexpected errors are rethrown, so the global errors plugin still logs them (and answers 500).
 */
export function dialectErrorResponse(
  error: unknown,
  request: Request,
  dialect: Pick<InboundDialect, 'renderError'>,
  withRequestId: (body: JsonBody, requestId: string) => JsonBody,
): Response {
  const known = errorToRender(error);
  if (known === undefined) throw error;
  const { status, body } = dialect.renderError(known);
  const requestId = requestIdOf(request);
  const headers: Record<string, string> = {};
  if (known.retryAfterSeconds !== undefined) headers['retry-after'] = String(Math.ceil(known.retryAfterSeconds));
  return Response.json(requestId === undefined ? body : withRequestId(body, requestId), { status, headers });
}

/**
 * The trimmed model name, or a 400 naming `model` when it is longer than any channel stores or holds control
 * characters; `listPath` is the dialect's model list, named in the fix. Emptiness is the caller's check (its
 * message says where the name belongs).
 */
export function checkModelName(model: string, listPath: string): string {
  const name = model.trim();
  if (name.length > MAX_MODEL_NAME_LENGTH || CONTROL_CHARACTERS.test(name)) {
    throw invalidRequest(
      'model',
      `must be a model name of at most ${MAX_MODEL_NAME_LENGTH} characters without control characters; list the models this key may use with GET ${listPath}`,
    );
  }
  return name;
}

export { parseJson };

/**
 * The pipeline's whole answer as a JSON object. A non-2xx answer (already in OpenAI's shape) becomes a
 * RelayFailure with its status and code; a 2xx answer that is not a JSON object is a 502. `expected` names
 * what was expected, for that message (e.g. "a JSON chat completion").
 */
export async function readHubJson(response: Response, expected: string): Promise<JsonBody> {
  const json = asRecord(await response.json().catch(() => undefined));
  if (!response.ok) {
    const error = asRecord(json?.error);
    throw new RelayFailure(response.status, readString(error?.code) ?? 'upstream_error', readString(error?.message) ?? `the upstream answered ${response.status}`);
  }
  if (json === undefined) throw new RelayFailure(502, 'invalid_upstream_response', `the upstream answered with something other than ${expected}`);
  return json;
}

/**
 * True when the bytes hold a comment line (`:` at the start of a line), given whether they start at a line
 * start. The relay writes its keep-alive comments as chunks of their own; the parser drops comments.
 */
function holdsComment(chunk: Uint8Array, atLineStart: boolean): boolean {
  let lineStart = atLineStart;
  for (const byte of chunk) {
    if (lineStart && byte === 0x3a) return true;
    lineStart = byte === 0x0a || byte === 0x0d;
  }
  return false;
}

interface ConvertedStep {
  /** The client's events converted from this read of the hub stream (possibly none). */
  readonly events: SseOut[];
  /** The hub stream carried a keep-alive comment. */
  readonly keepAlive: boolean;
  /** The hub stream is over (completed, failed or cut); nothing follows. */
  readonly done: boolean;
}

/**
 * The status a stream failure after the 200 is handed to the converter's `fail()` with, from the hub's error
 * code; each dialect maps it to its own status and error type.
 */
export type FailureStatusOf = (code: string) => number;

/**
 * Reads the pipeline's OpenAI stream (chat.completion.chunk events, then `[DONE]`, or one `{"error": …}` event
 * when the upstream did not finish) and converts it read by read. A stream that ends without either is cut,
 * and ends with the dialect's error event, never with a made-up final event (architecture.md decision 4).
 */
export function convertHubStream(hubBody: ReadableStream<Uint8Array> | null, converter: HubToClientStream, failureStatusOf: FailureStatusOf) {
  const reader = hubBody?.getReader();
  const parser = new SseParser(RELAYED_LINE_CAP_BYTES);
  let ended = false;
  let atLineStart = true;

  const fail = (code: string, message: string): SseOut[] => {
    if (ended) return [];
    ended = true;
    return converter.fail({ status: failureStatusOf(code), code, message });
  };

  const handle = (event: SseEvent): SseOut[] => {
    if (ended) return [];
    if (event.data === '[DONE]') {
      ended = true;
      return converter.finish();
    }
    const json = asRecord(parseJson(event.data));
    if (json === undefined) return [];
    const error = asRecord(json.error);
    if (error !== undefined && json.choices === undefined) {
      return fail(readString(error.code) ?? 'upstream_error', readString(error.message) ?? 'the upstream stream failed before it was complete');
    }
    return converter.push(json);
  };

  return {
    async next(): Promise<ConvertedStep> {
      if (reader === undefined) return { events: fail('upstream_error', 'the upstream answered without a stream'), keepAlive: false, done: true };
      const events: SseOut[] = [];
      let keepAlive = false;
      try {
        const result = await reader.read();
        if (result.done) {
          events.push(...fail('upstream_error', 'the upstream ended the stream before it was complete'));
          return { events, keepAlive, done: true };
        }
        keepAlive = !ended && holdsComment(result.value, atLineStart);
        const last = result.value.at(-1);
        if (last !== undefined) atLineStart = last === 0x0a || last === 0x0d;
        const parsed: SseEvent[] = [];
        try {
          parser.push(result.value, parsed);
        } finally {
          for (const event of parsed) events.push(...handle(event));
        }
        return { events, keepAlive, done: false };
      } catch (error) {
        const code = error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : 'stream_failed';
        events.push(...fail(code, 'the upstream stream failed before it was complete'));
        await reader.cancel().catch(() => undefined);
        return { events, keepAlive: false, done: true };
      }
    },
    async cancel(reason: unknown): Promise<void> {
      await reader?.cancel(reason);
    },
  };
}

function encodeEvents(events: readonly SseOut[]): string {
  let text = '';
  for (const event of events) text += encodeSseEvent(event);
  return text;
}

/**
 * The converted events as an SSE body, keep-alive comments relayed. Cancelling this stream (the client left)
 * cancels the pipeline's, which aborts the upstream and settles billing by its rule.
 */
function clientEventStream(hubBody: ReadableStream<Uint8Array> | null, converter: HubToClientStream, failureStatusOf: FailureStatusOf): ReadableStream<Uint8Array> {
  const hub = convertHubStream(hubBody, converter, failureStatusOf);
  let cancelled = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      // Reads until there is something to write: a pull that enqueues nothing is not called again.
      for (;;) {
        const step = await hub.next();
        if (cancelled) return;
        const text = (step.keepAlive ? SSE_KEEPALIVE : '') + encodeEvents(step.events);
        if (text !== '') controller.enqueue(encoder.encode(text));
        if (step.done) {
          controller.close();
          return;
        }
        if (text !== '') return;
      }
    },
    async cancel(reason) {
      cancelled = true;
      await hub.cancel(reason);
    },
  });
}

/** A 200 `text/event-stream` answer of the client's events converted from the pipeline's stream. */
export function eventStreamResponse(hubBody: ReadableStream<Uint8Array> | null, converter: HubToClientStream, failureStatusOf: FailureStatusOf): Response {
  return new Response(clientEventStream(hubBody, converter, failureStatusOf), {
    status: 200,
    headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' },
  });
}
