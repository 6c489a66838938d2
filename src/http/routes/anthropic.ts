/**
 * Anthropic's Messages surface (https://docs.anthropic.com/en/api/messages) for Claude Code and the Anthropic
 * SDK: `POST /v1/messages` (whole and streamed), `POST /v1/messages/count_tokens`, and the model list in
 * Anthropic's shape for clients that send `anthropic-version`. The request is converted to the hub format
 * (src/relay/dialects/anthropic) and relayed as a chat completion, so billing, logging and failover are the
 * pipeline's, exactly as for OpenAI clients; the hub's answer is converted back.
 *
 * Errors are rendered here, in Anthropic's shape, rather than by the global errors plugin: that plugin's
 * `onError` runs before any route-level one (Elysia calls error hooks in registration order), so every
 * handler below catches what it expects — GatewayError, RelayFailure — and renders it itself. Anything else
 * is rethrown, so the errors plugin still logs it (and answers 500 in OpenAI's shape).
 */
import { Elysia } from 'elysia';
import { GatewayError, isGatewayError } from '../../errors/gateway-error.ts';
import type { AuthResult } from '../../relay/auth.ts';
import { checkModelAllowed } from '../../relay/auth.ts';
import type { ErrorToRender } from '../../relay/dialects/anthropic/errors.ts';
import { anthropicInbound } from '../../relay/dialects/anthropic/inbound.ts';
import { asRecord, invalidRequest, readString } from '../../relay/dialects/json-fields.ts';
import type { HubToClientStream, InboundContext, SseOut } from '../../relay/dialects/types.ts';
import { RelayFailure } from '../../relay/failure.ts';
import { relayCallerOf } from '../../relay/pipeline.ts';
import { affinityKeyOf } from '../../relay/router.ts';
import { encodeSseEvent, SSE_KEEPALIVE, type SseEvent, SseParser } from '../../relay/stream/sse-parser.ts';
import type { JsonBody } from '../../relay/types.ts';
import { estimatePromptTokens } from '../../tokenizer/count.ts';
import { requestIdOf } from '../plugins/request-id.ts';
import { readJsonBody } from '../relay-body.ts';
import type { OpenAiRoutesOptions } from './openai.ts';

export type AnthropicRoutesOptions = OpenAiRoutesOptions;

const MESSAGES_PATH = '/v1/messages';
const MODELS_PATH = '/v1/models';

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

interface RenderableError extends ErrorToRender {
  readonly retryAfterSeconds: number | undefined;
}

function errorToRender(error: unknown): RenderableError | undefined {
  if (isGatewayError(error)) return { status: error.status, code: error.code, message: error.message, retryAfterSeconds: error.retryAfterSeconds };
  if (error instanceof RelayFailure) return { status: error.status, code: error.code, message: error.message, retryAfterSeconds: error.retryAfterSeconds };
  return undefined;
}

/**
 * An error response in Anthropic's shape, with `request_id` at the top level as Anthropic sends it
 * (https://platform.claude.com/docs/en/api/errors). Unexpected errors are rethrown for the errors plugin to log.
 */
function anthropicErrorResponse(error: unknown, request: Request): Response {
  const known = errorToRender(error);
  if (known === undefined) throw error;
  const { status, body } = anthropicInbound.renderError(known);
  const requestId = requestIdOf(request);
  const headers: Record<string, string> = {};
  if (known.retryAfterSeconds !== undefined) headers['retry-after'] = String(Math.ceil(known.retryAfterSeconds));
  return Response.json(requestId === undefined ? body : { ...body, request_id: requestId }, { status, headers });
}

/** The model and stream flag of a Messages body; the converter checks the rest. */
function readModelAndStream(body: JsonBody): InboundContext {
  const model = body.model;
  if (typeof model !== 'string' || model.trim() === '') {
    throw invalidRequest('model', 'the request body needs a "model" string, e.g. "claude-sonnet-4-5"');
  }
  const name = model.trim();
  if (name.length > MAX_MODEL_NAME_LENGTH || CONTROL_CHARACTERS.test(name)) {
    throw invalidRequest(
      'model',
      `must be a model name of at most ${MAX_MODEL_NAME_LENGTH} characters without control characters; list the models this key may use with GET /v1/models`,
    );
  }
  if (body.stream !== undefined && body.stream !== null && typeof body.stream !== 'boolean') {
    throw invalidRequest('stream', 'must be true or false');
  }
  return { model: name, stream: body.stream === true };
}

function encodeEvents(events: readonly SseOut[]): string {
  let text = '';
  for (const event of events) text += encodeSseEvent(event);
  return text;
}

function parseJson(data: string): unknown {
  try {
    return JSON.parse(data);
  } catch {
    return undefined;
  }
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

/**
 * The pipeline's OpenAI stream (chat.completion.chunk events, then `[DONE]`, or one `{"error": …}` event when
 * the upstream did not finish) → Anthropic's events. A stream that ends without either is cut, and ends with
 * an Anthropic `error` event, never with a made-up message_stop (architecture.md decision 4). Cancelling this
 * stream (the client left) cancels the pipeline's, which aborts the upstream and settles billing by its rule.
 */
function anthropicEventStream(hubBody: ReadableStream<Uint8Array> | null, converter: HubToClientStream): ReadableStream<Uint8Array> {
  const reader = hubBody?.getReader();
  const parser = new SseParser(RELAYED_LINE_CAP_BYTES);
  let ended = false;
  let atLineStart = true;

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
      ended = true;
      const code = readString(error.code) ?? 'upstream_error';
      const message = readString(error.message) ?? 'the upstream stream failed before it was complete';
      // Status 0: a transport failure after the 200; the dialect makes it 502 api_error (504 for timeouts).
      return converter.fail({ status: 0, code, message });
    }
    return converter.push(json);
  };

  const cut = (code: string, message: string): string => {
    if (ended) return '';
    ended = true;
    return encodeEvents(converter.fail({ status: 0, code, message }));
  };

  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (reader === undefined) {
        controller.enqueue(encoder.encode(cut('upstream_error', 'the upstream answered without a stream')));
        controller.close();
        return;
      }
      // Reads until there is something to write: a pull that enqueues nothing is not called again.
      for (;;) {
        let text = '';
        let done = false;
        try {
          const result = await reader.read();
          if (result.done) {
            done = true;
          } else {
            if (!ended && holdsComment(result.value, atLineStart)) text += SSE_KEEPALIVE;
            const last = result.value.at(-1);
            if (last !== undefined) atLineStart = last === 0x0a || last === 0x0d;
            const events: SseEvent[] = [];
            try {
              parser.push(result.value, events);
            } finally {
              for (const event of events) text += encodeEvents(handle(event));
            }
          }
        } catch (error) {
          const code = error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : 'stream_failed';
          text += cut(code, 'the upstream stream failed before it was complete');
          done = true;
          await reader.cancel().catch(() => undefined);
        }
        if (done) text += cut('upstream_error', 'the upstream ended the stream before it was complete');
        if (text !== '') controller.enqueue(encoder.encode(text));
        if (done) {
          controller.close();
          return;
        }
        if (text !== '') return;
      }
    },
    async cancel(reason) {
      await reader?.cancel(reason);
    },
  });
}

async function wholeAnswer(response: Response, context: InboundContext): Promise<Response> {
  const json = asRecord(await response.json().catch(() => undefined));
  if (!response.ok) {
    const error = asRecord(json?.error);
    throw new RelayFailure(response.status, readString(error?.code) ?? 'upstream_error', readString(error?.message) ?? `the upstream answered ${response.status}`);
  }
  if (json === undefined) throw new RelayFailure(502, 'invalid_upstream_response', 'the upstream answered with something other than a JSON chat completion');
  return Response.json(anthropicInbound.fromHubResponse(json, context), { status: 200 });
}

function anthropicModel(id: string) {
  // The gateway knows no release dates; the epoch stands for "unknown", as `created: 0` does for OpenAI.
  return { type: 'model' as const, id, display_name: id, created_at: '1970-01-01T00:00:00Z' };
}

export function anthropicRoutes(options: AnthropicRoutesOptions) {
  const clientIpOf = (server: { requestIP(request: Request): { address: string } | null } | null, request: Request): string | undefined =>
    options.clientIp(server?.requestIP(request)?.address, request.headers);

  const allowedModels = (auth: AuthResult): string[] =>
    options.modelsFor(auth.group).filter((model) => auth.models.length === 0 || auth.models.includes(model));

  return (
    new Elysia({ name: 'anthropic-routes' })
      /**
       * GET /v1/models is the OpenAI route's (openai.ts); Elysia keeps one handler per method and path (a
       * second registration replaces the first), so Anthropic clients — recognised by `anthropic-version`,
       * which the Anthropic SDK always sends — are answered by this hook before that handler runs. It applies
       * to the routes registered after this plugin: mount it before openAiRoutes.
       */
      .onBeforeHandle({ as: 'global' }, async ({ request, server, path }) => {
        if (request.method !== 'GET' || !request.headers.has('anthropic-version')) return undefined;
        if (path !== MODELS_PATH && !path.startsWith(`${MODELS_PATH}/`)) return undefined;
        try {
          const auth = await options.authenticate(request, { path: MODELS_PATH, clientIp: clientIpOf(server, request) });
          const allowed = allowedModels(auth);
          if (path === MODELS_PATH) {
            return { data: allowed.map(anthropicModel), has_more: false, first_id: allowed[0] ?? null, last_id: allowed.at(-1) ?? null };
          }
          const id = decodeURIComponent(path.slice(MODELS_PATH.length + 1));
          if (!allowed.includes(id)) {
            throw new GatewayError({ code: 'not_found', message: `model: ${id} does not exist or this key cannot use it; list models with GET /v1/models` });
          }
          return anthropicModel(id);
        } catch (error) {
          return anthropicErrorResponse(error, request);
        }
      })
      .post(
        MESSAGES_PATH,
        async ({ request, server }) => {
          try {
            const clientIp = clientIpOf(server, request);
            const auth = await options.authenticate(request, { path: MESSAGES_PATH, clientIp });
            // From here the relay's own first-byte, idle and total timers govern the request, not Bun's idle timer.
            server?.timeout(request, 0);
            const body = await readJsonBody(request, options.maxRequestBodyBytes);
            const context = readModelAndStream(body);
            const hubBody = anthropicInbound.toHubRequest(body, context);
            checkModelAllowed(auth, context.model);
            const caller = relayCallerOf(auth, {
              requestId: requestIdOf(request) ?? Bun.randomUUIDv7(),
              clientIp,
              affinityKey: affinityKeyOf(body, request.headers),
            });
            const response = await options.pipeline.relay(
              // The Anthropic client needs usage in message_delta, so the hub's usage chunk is always wanted.
              { endpoint: 'chat-completions', requestedModel: context.model, body: hubBody, stream: context.stream, clientWantsStreamUsage: true },
              caller,
              request.signal,
            );
            if (!context.stream) return await wholeAnswer(response, context);
            return new Response(anthropicEventStream(response.body, anthropicInbound.createStream(context)), {
              status: 200,
              headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' },
            });
          } catch (error) {
            return anthropicErrorResponse(error, request);
          }
        },
        { parse: 'none' },
      )
      .post(
        `${MESSAGES_PATH}/count_tokens`,
        async ({ request, server }) => {
          try {
            const auth = await options.authenticate(request, { path: `${MESSAGES_PATH}/count_tokens`, clientIp: clientIpOf(server, request) });
            const body = await readJsonBody(request, options.maxRequestBodyBytes);
            const context = readModelAndStream({ ...body, stream: false });
            // count_tokens takes no max_tokens (https://docs.anthropic.com/en/api/messages-count-tokens); the
            // converter requires one, and it does not change the prompt.
            const hubBody = anthropicInbound.toHubRequest({ ...body, max_tokens: 1 }, context);
            checkModelAllowed(auth, context.model);
            return { input_tokens: estimatePromptTokens(context.model, hubBody, 'chat-completions') };
          } catch (error) {
            return anthropicErrorResponse(error, request);
          }
        },
        { parse: 'none' },
      )
  );
}
