/**
 * Google's Gemini API surface (https://ai.google.dev/api) for the Google GenAI SDK and anything speaking
 * generateContent: `POST /v1beta/models/{model}:generateContent`, `:streamGenerateContent` (`?alt=sse`, or a
 * JSON array without it), `:countTokens`, `:embedContent`, `:batchEmbedContents`, and the model list. The
 * POST methods are served under `/v1/models/…` too, where the 3.x SDK sends them by default; `GET /v1/models`
 * is OpenAI's route, answered in Google's shape only for requests carrying `x-goog-api-key`. The request is converted to the hub format
 * (src/relay/dialects/gemini) and relayed as a chat completion (or an embeddings request), so billing, logging
 * and failover are the pipeline's, exactly as for OpenAI clients; the hub's answer is converted back.
 *
 * The model and method share one path segment (`gemini-2.5-flash:generateContent`), and a model name may
 * contain `/` (`mock/tool-call`, sent as is or URL-encoded): Elysia's router has no pattern for that, so one
 * wildcard route per prefix takes the rest of the path and splits it on the last `:`.
 *
 * Errors are rendered here, in Google's shape, rather than by the global errors plugin, for the reason given
 * in anthropic.ts: that plugin's `onError` runs before any route-level one. Every handler catches what it
 * expects — GatewayError, RelayFailure — and renders it; anything else is rethrown for the plugin to log.
 */
import { Elysia } from 'elysia';
import { GatewayError, isGatewayError } from '../../errors/gateway-error.ts';
import type { AuthResult } from '../../relay/auth.ts';
import { checkModelAllowed } from '../../relay/auth.ts';
import { geminiInbound } from '../../relay/dialects/gemini/inbound.ts';
import { asRecord, invalidRequest, readArray, readNumber, readRecords, readString } from '../../relay/dialects/json-fields.ts';
import type { HubToClientStream, InboundContext, SseOut } from '../../relay/dialects/types.ts';
import { RelayFailure } from '../../relay/failure.ts';
import { relayCallerOf } from '../../relay/pipeline.ts';
import { affinityKeyOf } from '../../relay/router.ts';
import { encodeSseEvent, SSE_KEEPALIVE, type SseEvent, SseParser } from '../../relay/stream/sse-parser.ts';
import type { JsonBody } from '../../relay/types.ts';
import { estimatePromptTokens } from '../../tokenizer/count.ts';
import { requestIdOf } from '../plugins/request-id.ts';
import { readJsonBody } from '../relay-body.ts';
import { requestPath } from '../request-path.ts';
import type { OpenAiRoutesOptions } from './openai.ts';

export type GeminiRoutesOptions = OpenAiRoutesOptions;

/** `/v1beta` is the Gemini API's documented version; the 3.x SDK defaults to `/v1`. */
const MODEL_PREFIXES = ['/v1beta/models', '/v1/models'] as const;
const LIST_PATH = '/v1beta/models';
/** OpenAI's model list, which Google clients reach too (see the hook in geminiRoutes). */
const V1_MODELS_PATH = '/v1/models';

const GENERATION_METHODS = ['generateContent', 'streamGenerateContent', 'countTokens'] as const;

/** As anthropic.ts: the pipeline's lines fit under the largest operator cap plus the relay's own usage chunk. */
const RELAYED_LINE_CAP_BYTES = 257 * 1024 * 1024;

/** As openai.ts: a model name no channel could serve is refused without echoing it (reliability.md I1). */
const MAX_MODEL_NAME_LENGTH = 256;
// C0 controls, DEL and C1 controls never occur in a model name; CR/LF would also split log lines.
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;

/** Hub stream error codes that are deadlines: Google's DEADLINE_EXCEEDED (504) rather than UNAVAILABLE (502). */
const TIMEOUT_CODES: ReadonlySet<string> = new Set(['first_byte_timeout', 'idle_timeout', 'total_timeout']);

const encoder = new TextEncoder();

interface RenderableError {
  readonly status: number;
  readonly code: string;
  readonly message: string;
  readonly retryAfterSeconds: number | undefined;
}

function errorToRender(error: unknown): RenderableError | undefined {
  if (isGatewayError(error)) return { status: error.status, code: error.code, message: error.message, retryAfterSeconds: error.retryAfterSeconds };
  if (error instanceof RelayFailure) return { status: error.status, code: error.code, message: error.message, retryAfterSeconds: error.retryAfterSeconds };
  return undefined;
}

/**
 * An error response in Google's shape. The request id travels as a `google.rpc.RequestInfo` detail
 * (https://cloud.google.com/apis/design/errors#error_details), beside the ErrorInfo the dialect adds.
 * Unexpected errors are rethrown for the errors plugin to log.
 */
function geminiErrorResponse(error: unknown, request: Request): Response {
  const known = errorToRender(error);
  if (known === undefined) throw error;
  const { status, body } = geminiInbound.renderError(known);
  const requestId = requestIdOf(request);
  const rendered = asRecord(body.error);
  if (requestId !== undefined && rendered !== undefined) {
    rendered.details = [...(readArray(rendered.details) ?? []), { '@type': 'type.googleapis.com/google.rpc.RequestInfo', requestId }];
  }
  const headers: Record<string, string> = {};
  if (known.retryAfterSeconds !== undefined) headers['retry-after'] = String(Math.ceil(known.retryAfterSeconds));
  return Response.json(body, { status, headers });
}

type ModelMethod = 'generateContent' | 'streamGenerateContent' | 'countTokens' | 'embedContent' | 'batchEmbedContents';
const MODEL_METHODS: ReadonlySet<string> = new Set<ModelMethod>(['generateContent', 'streamGenerateContent', 'countTokens', 'embedContent', 'batchEmbedContents']);

function checkModelName(model: string): string {
  const name = model.trim();
  if (name === '') throw invalidRequest('model', 'the URL names no model; call /v1beta/models/{model}:generateContent, e.g. /v1beta/models/gemini-2.5-flash:generateContent');
  if (name.length > MAX_MODEL_NAME_LENGTH || CONTROL_CHARACTERS.test(name)) {
    throw invalidRequest(
      'model',
      `must be a model name of at most ${MAX_MODEL_NAME_LENGTH} characters without control characters; list the models this key may use with GET /v1beta/models`,
    );
  }
  return name;
}

function decodePathPart(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw invalidRequest('model', 'the model name in the URL is not valid percent-encoding');
  }
}

/** `{model}:{method}` from the rest of the path after `/models/`, split on the last `:` (model names may hold one). */
function readModelAndMethod(rest: string): { model: string; method: ModelMethod } {
  const decoded = decodePathPart(rest);
  const colon = decoded.lastIndexOf(':');
  const method = colon === -1 ? '' : decoded.slice(colon + 1);
  if (!MODEL_METHODS.has(method)) {
    throw new GatewayError({
      code: 'not_found',
      message: `no method ${JSON.stringify(method.slice(0, 64))} on models; use {model}:generateContent, :streamGenerateContent, :countTokens, :embedContent or :batchEmbedContents`,
    });
  }
  // The set above holds exactly the ModelMethod names.
  return { model: checkModelName(decoded.slice(0, colon)), method: method as ModelMethod };
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

interface ConvertedStep {
  /** The client's events converted from this read of the hub stream (possibly none). */
  readonly events: SseOut[];
  /** The hub stream carried a keep-alive comment. */
  readonly keepAlive: boolean;
  /** The hub stream is over (completed, failed or cut); nothing follows. */
  readonly done: boolean;
}

/**
 * Reads the pipeline's OpenAI stream (chat.completion.chunk events, then `[DONE]`, or one `{"error": …}` event
 * when the upstream did not finish) and converts it read by read. A stream that ends without either is cut,
 * and ends with Google's error body, never with a made-up final event (architecture.md decision 4).
 */
function convertHubStream(hubBody: ReadableStream<Uint8Array> | null, converter: HubToClientStream) {
  const reader = hubBody?.getReader();
  const parser = new SseParser(RELAYED_LINE_CAP_BYTES);
  let ended = false;
  let atLineStart = true;

  const fail = (code: string, message: string): SseOut[] => {
    if (ended) return [];
    ended = true;
    // A failure after the 200: a deadline, or the upstream gone (UNAVAILABLE), whatever its HTTP status was.
    return converter.fail({ status: TIMEOUT_CODES.has(code) ? 504 : 502, code, message });
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
 * `?alt=sse`: Google's `data:` events. Cancelling this stream (the client left) cancels the pipeline's, which
 * aborts the upstream and settles billing by its rule.
 */
function geminiEventStream(hubBody: ReadableStream<Uint8Array> | null, converter: HubToClientStream): ReadableStream<Uint8Array> {
  const hub = convertHubStream(hubBody, converter);
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

/**
 * Without `alt=sse`, Google answers streamGenerateContent with one JSON array of GenerateContentResponse
 * objects (https://ai.google.dev/api/generate-content#method:-models.streamgeneratecontent). The converted
 * events are collected into that array, so the client gets the whole answer at once; a stream that fails
 * after the 200 ends the array with Google's error object, as Google does.
 */
async function geminiJsonArray(hubBody: ReadableStream<Uint8Array> | null, converter: HubToClientStream, signal: AbortSignal): Promise<Response> {
  const hub = convertHubStream(hubBody, converter);
  const abort = () => void hub.cancel(signal.reason).catch(() => undefined);
  signal.addEventListener('abort', abort, { once: true });
  const items: unknown[] = [];
  try {
    for (;;) {
      const step = await hub.next();
      for (const event of step.events) items.push(parseJson(event.data));
      if (step.done) break;
    }
  } finally {
    signal.removeEventListener('abort', abort);
  }
  return Response.json(items, { status: 200 });
}

async function readHubJson(response: Response): Promise<JsonBody> {
  const json = asRecord(await response.json().catch(() => undefined));
  if (!response.ok) {
    const error = asRecord(json?.error);
    throw new RelayFailure(response.status, readString(error?.code) ?? 'upstream_error', readString(error?.message) ?? `the upstream answered ${response.status}`);
  }
  if (json === undefined) throw new RelayFailure(502, 'invalid_upstream_response', 'the upstream answered with something other than JSON');
  return json;
}

/** The text of a Gemini `Content` to embed: its text parts joined by newlines. */
function embeddingText(value: unknown, field: string): string {
  const content = asRecord(value);
  const parts = readArray(content?.parts);
  if (parts === undefined || parts.length === 0) throw invalidRequest(`${field}.parts`, 'must be a non-empty array of text parts, e.g. [{"text": "Hello"}]');
  const texts = parts.map((part) => readString(asRecord(part)?.text));
  if (texts.some((text) => text === undefined)) throw invalidRequest(`${field}.parts`, 'may hold only text parts for embeddings');
  return texts.join('\n');
}

/** `outputDimensionality` → the hub's `dimensions`; absent stays absent (style.md rule 5). */
function embeddingDimensions(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  const dimensions = readNumber(value);
  if (dimensions === undefined || !Number.isInteger(dimensions) || dimensions < 1) throw invalidRequest(field, 'must be a positive whole number');
  return dimensions;
}

/**
 * embedContent (`{content, outputDimensionality}`) or batchEmbedContents (`{requests: [{model, content,
 * outputDimensionality}]}`, https://ai.google.dev/api/embeddings) → a hub embeddings request. A batch is one
 * hub request, so its entries must agree on the dimensions; `taskType` and `title` have no hub equivalent.
 */
function embeddingsHubRequest(body: JsonBody, model: string, batch: boolean): JsonBody {
  if (!batch) {
    const request: JsonBody = { model, input: embeddingText(body.content, 'content') };
    const dimensions = embeddingDimensions(body.outputDimensionality, 'outputDimensionality');
    if (dimensions !== undefined) request.dimensions = dimensions;
    return request;
  }
  const entries = readArray(body.requests);
  if (entries === undefined || entries.length === 0) throw invalidRequest('requests', 'must be a non-empty array of {"content": {"parts": [{"text": "…"}]}}');
  const inputs: string[] = [];
  const dimensions = new Set<number | undefined>();
  entries.forEach((raw, index) => {
    const entry = asRecord(raw);
    if (entry === undefined) throw invalidRequest(`requests[${index}]`, 'must be an object');
    const entryModel = readString(entry.model);
    if (entryModel !== undefined && entryModel.replace(/^models\//, '') !== model) {
      throw invalidRequest(`requests[${index}].model`, `must be the model in the URL (models/${model}), not ${JSON.stringify(entryModel.slice(0, 64))}`);
    }
    inputs.push(embeddingText(entry.content, `requests[${index}].content`));
    dimensions.add(embeddingDimensions(entry.outputDimensionality, `requests[${index}].outputDimensionality`));
  });
  if (dimensions.size > 1) throw invalidRequest('requests', 'every entry must ask for the same outputDimensionality');
  const request: JsonBody = { model, input: inputs };
  const [only] = dimensions;
  if (only !== undefined) request.dimensions = only;
  return request;
}

/** The hub's embeddings list (`{data: [{index, embedding}]}`) → Google's embedding objects, by index. */
function googleEmbeddings(hub: JsonBody): JsonBody[] {
  const rows = readRecords(hub.data);
  const ordered = rows.every((row) => readNumber(row.index) !== undefined)
    ? [...rows].sort((left, right) => (readNumber(left.index) ?? 0) - (readNumber(right.index) ?? 0))
    : rows;
  return ordered.map((row) => {
    const values = readArray(row.embedding);
    if (values === undefined) {
      throw new RelayFailure(502, 'invalid_upstream_response', 'the upstream answered embeddings without float vectors (base64 encoding is not converted)');
    }
    return { values };
  });
}

function googleModel(id: string) {
  return { name: `models/${id}`, displayName: id, supportedGenerationMethods: [...GENERATION_METHODS] };
}

export function geminiRoutes(options: GeminiRoutesOptions) {
  const clientIpOf = (server: { requestIP(request: Request): { address: string } | null } | null, request: Request): string | undefined =>
    options.clientIp(server?.requestIP(request)?.address, request.headers);

  const allowedModels = (auth: AuthResult): string[] =>
    options.modelsFor(auth.group).filter((model) => auth.models.length === 0 || auth.models.includes(model));

  type Server = Parameters<typeof clientIpOf>[0] & { timeout(request: Request, seconds: number): void };

  const generate = async (request: Request, server: Server | null, model: string, stream: boolean): Promise<Response> => {
    const clientIp = clientIpOf(server, request);
    const auth = await options.authenticate(request, { path: requestPath(request), clientIp });
    // From here the relay's own first-byte, idle and total timers govern the request, not Bun's idle timer.
    server?.timeout(request, 0);
    const body = await readJsonBody(request, options.maxRequestBodyBytes);
    const context: InboundContext = { model, stream };
    const hubBody = geminiInbound.toHubRequest(body, context);
    checkModelAllowed(auth, model);
    const caller = relayCallerOf(auth, { requestId: requestIdOf(request) ?? Bun.randomUUIDv7(), clientIp, affinityKey: affinityKeyOf(body, request.headers) });
    const response = await options.pipeline.relay(
      // The last Gemini event carries usageMetadata, so the hub's usage chunk is always wanted.
      { endpoint: 'chat-completions', requestedModel: model, body: hubBody, stream, clientWantsStreamUsage: true },
      caller,
      request.signal,
    );
    if (!stream) return Response.json(geminiInbound.fromHubResponse(await readHubJson(response), context), { status: 200 });
    const converter = geminiInbound.createStream(context);
    if (new URL(request.url).searchParams.get('alt') !== 'sse') return geminiJsonArray(response.body, converter, request.signal);
    return new Response(geminiEventStream(response.body, converter), {
      status: 200,
      headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' },
    });
  };

  const countTokens = async (request: Request, server: Server | null, model: string): Promise<Response> => {
    const auth = await options.authenticate(request, { path: requestPath(request), clientIp: clientIpOf(server, request) });
    const body = await readJsonBody(request, options.maxRequestBodyBytes);
    // countTokens takes `contents` or a whole `generateContentRequest` (https://ai.google.dev/api/tokens).
    const generateRequest = asRecord(body.generateContentRequest) ?? body;
    const hubBody = geminiInbound.toHubRequest(generateRequest, { model, stream: false });
    checkModelAllowed(auth, model);
    return Response.json({ totalTokens: estimatePromptTokens(model, hubBody, 'chat-completions') });
  };

  const embed = async (request: Request, server: Server | null, model: string, batch: boolean): Promise<Response> => {
    const clientIp = clientIpOf(server, request);
    const auth = await options.authenticate(request, { path: requestPath(request), clientIp });
    server?.timeout(request, 0);
    const body = await readJsonBody(request, options.maxRequestBodyBytes);
    const hubBody = embeddingsHubRequest(body, model, batch);
    checkModelAllowed(auth, model);
    const caller = relayCallerOf(auth, { requestId: requestIdOf(request) ?? Bun.randomUUIDv7(), clientIp, affinityKey: undefined });
    const response = await options.pipeline.relay(
      { endpoint: 'embeddings', requestedModel: model, body: hubBody, stream: false, clientWantsStreamUsage: false },
      caller,
      request.signal,
    );
    const embeddings = googleEmbeddings(await readHubJson(response));
    if (batch) return Response.json({ embeddings });
    const [embedding] = embeddings;
    if (embedding === undefined) throw new RelayFailure(502, 'invalid_upstream_response', 'the upstream answered embeddings without a vector');
    return Response.json({ embedding });
  };

  const listModels = async (request: Request, server: Server | null): Promise<JsonBody> => {
    const auth = await options.authenticate(request, { path: LIST_PATH, clientIp: clientIpOf(server, request) });
    return { models: allowedModels(auth).map(googleModel) };
  };

  const getModel = async (request: Request, server: Server | null, rest: string): Promise<JsonBody> => {
    const auth = await options.authenticate(request, { path: LIST_PATH, clientIp: clientIpOf(server, request) });
    // The SDK sends `models/{id}` as the path, so the id is what follows; `models/` is tolerated once more.
    const id = decodePathPart(rest).replace(/^models\//, '');
    if (!allowedModels(auth).includes(id)) {
      throw new GatewayError({ code: 'not_found', message: `models/${id} does not exist or this key cannot use it; list models with GET /v1beta/models` });
    }
    return googleModel(id);
  };

  const app = new Elysia({ name: 'gemini-routes' })
    /**
     * GET /v1/models is the OpenAI route's, and the 3.x SDK lists models there by default. Google clients —
     * recognised by `x-goog-api-key`, which the SDK always sends and OpenAI clients never do — are answered in
     * Google's shape by this hook before that handler runs. As anthropic.ts's hook, it covers the routes
     * registered after this plugin: mount it before openAiRoutes.
     */
    .onBeforeHandle({ as: 'global' }, async ({ request, server, path }) => {
      if (request.method !== 'GET' || !request.headers.has('x-goog-api-key') || request.headers.has('anthropic-version')) return undefined;
      if (path !== V1_MODELS_PATH && !path.startsWith(`${V1_MODELS_PATH}/`)) return undefined;
      try {
        if (path === V1_MODELS_PATH) return await listModels(request, server);
        return await getModel(request, server, path.slice(V1_MODELS_PATH.length + 1));
      } catch (error) {
        return geminiErrorResponse(error, request);
      }
    });
  for (const prefix of MODEL_PREFIXES) {
    app.post(
      `${prefix}/*`,
      async ({ request, server, params }) => {
        try {
          const { model, method } = readModelAndMethod(params['*']);
          if (method === 'generateContent') return await generate(request, server, model, false);
          if (method === 'streamGenerateContent') return await generate(request, server, model, true);
          if (method === 'countTokens') return await countTokens(request, server, model);
          return await embed(request, server, model, method === 'batchEmbedContents');
        } catch (error) {
          return geminiErrorResponse(error, request);
        }
      },
      { parse: 'none' },
    );
  }

  app.get(LIST_PATH, async ({ request, server }) => {
    try {
      return await listModels(request, server);
    } catch (error) {
      return geminiErrorResponse(error, request);
    }
  });

  app.get(`${LIST_PATH}/*`, async ({ request, server, params }) => {
    try {
      return await getModel(request, server, params['*']);
    } catch (error) {
      return geminiErrorResponse(error, request);
    }
  });
  return app;
}
