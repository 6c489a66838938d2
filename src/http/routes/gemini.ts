/**
 * Google's Gemini API surface (https://ai.google.dev/api) for the Google GenAI SDK and anything speaking
 * generateContent: `POST /v1beta/models/{model}:generateContent`, `:streamGenerateContent` (`?alt=sse`, or a
 * JSON array without it), `:countTokens`, `:embedContent`, `:batchEmbedContents`, and the model list. The
 * POST methods are served under `/v1/models/…` too, where the 3.x SDK sends them by default; `GET /v1/models`
 * is OpenAI's route, answered in Google's shape only for requests carrying `x-goog-api-key`. The request is converted to the hub format
 * (src/relay/dialects/gemini) and relayed as a chat completion (or an embeddings request), so billing, logging
 * and failover are the pipeline's, exactly as for OpenAI clients; the hub's answer is converted back. The
 * client's own body rides along (`native`): an attempt on a `gemini` channel forwards it raw (the model in the
 * URL replaced) and its answer comes back untouched.
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
import { GatewayError } from '../../errors/gateway-error.ts';
import type { AuthResult } from '../../relay/auth.ts';
import { checkModelAllowed } from '../../relay/auth.ts';
import { geminiInbound } from '../../relay/dialects/gemini/inbound.ts';
import { asRecord, invalidRequest, readArray, readNumber, readRecords, readString } from '../../relay/dialects/json-fields.ts';
import type { HubToClientStream, InboundContext } from '../../relay/dialects/types.ts';
import { RelayFailure } from '../../relay/failure.ts';
import { relayCallerOf } from '../../relay/pipeline.ts';
import { affinityKeyOf } from '../../relay/router.ts';
import type { JsonBody } from '../../relay/types.ts';
import { estimatePromptTokens } from '../../tokenizer/count.ts';
import { checkModelName, convertHubStream, dialectErrorResponse, eventStreamResponse, parseJson, readHubJson } from '../hub-relay.ts';
import { withGeminiRequestId } from '../dialect-errors.ts';
import { requestIdOf } from '../plugins/request-id.ts';
import { geminiStreamFailureStatus } from '../../relay/providers/gemini-native.ts';
import { chatStandIn, hubRequestOrRefusal, promptTextOf } from '../native-relay.ts';
import { readJsonBody, readJsonBodyAndText } from '../relay-body.ts';
import { requestPath } from '../request-path.ts';
import type { OpenAiRoutesOptions } from './openai.ts';

export type GeminiRoutesOptions = OpenAiRoutesOptions;

/** `/v1beta` is the Gemini API's documented version; the 3.x SDK defaults to `/v1`. */
const MODEL_PREFIXES = ['/v1beta/models', '/v1/models'] as const;
const LIST_PATH = '/v1beta/models';
/** OpenAI's model list, which Google clients reach too (see the hook in geminiRoutes). */
const V1_MODELS_PATH = '/v1/models';

const GENERATION_METHODS = ['generateContent', 'streamGenerateContent', 'countTokens'] as const;

/**
 * A stream failure after the 200: a deadline (DEADLINE_EXCEEDED, 504), or the upstream gone (UNAVAILABLE, 502),
 * whatever its HTTP status was.
 */
const failureStatusOf = geminiStreamFailureStatus;

/**
 * An error response in Google's shape. The request id travels as a `google.rpc.RequestInfo` detail
 * (https://cloud.google.com/apis/design/errors#error_details), beside the ErrorInfo the dialect adds.
 * Unexpected errors are rethrown for the errors plugin to log.
 */
function geminiErrorResponse(error: unknown, request: Request): Response {
  return dialectErrorResponse(error, request, geminiInbound, withGeminiRequestId);
}

type ModelMethod = 'generateContent' | 'streamGenerateContent' | 'countTokens' | 'embedContent' | 'batchEmbedContents';
const MODEL_METHODS: ReadonlySet<string> = new Set<ModelMethod>(['generateContent', 'streamGenerateContent', 'countTokens', 'embedContent', 'batchEmbedContents']);

function readModelName(model: string): string {
  if (model.trim() === '') throw invalidRequest('model', 'the URL names no model; call /v1beta/models/{model}:generateContent, e.g. /v1beta/models/gemini-2.5-flash:generateContent');
  return checkModelName(model, LIST_PATH);
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
  return { model: readModelName(decoded.slice(0, colon)), method: method as ModelMethod };
}

/**
 * Without `alt=sse`, Google answers streamGenerateContent with one JSON array of GenerateContentResponse
 * objects (https://ai.google.dev/api/generate-content#method:-models.streamgeneratecontent). The converted
 * events are collected into that array, so the client gets the whole answer at once; a stream that fails
 * after the 200 ends the array with Google's error object, as Google does.
 */
async function geminiJsonArray(hubBody: ReadableStream<Uint8Array> | null, converter: HubToClientStream, signal: AbortSignal): Promise<Response> {
  const hub = convertHubStream(hubBody, converter, failureStatusOf);
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
    const { body, text } = await readJsonBodyAndText(request, options.maxRequestBodyBytes);
    const context: InboundContext = { model, stream };
    const hub = hubRequestOrRefusal(
      () => geminiInbound.toHubRequest(body, context),
      () => chatStandIn(model, body, asRecord(body.generationConfig)?.maxOutputTokens),
    );
    checkModelAllowed(auth, model);
    const caller = relayCallerOf(auth, { requestId: requestIdOf(request) ?? Bun.randomUUIDv7(), clientIp, affinityKey: affinityKeyOf(body, request.headers) });
    const sse = new URL(request.url).searchParams.get('alt') === 'sse';
    const answer = await options.pipeline.relay(
      // The last Gemini event carries usageMetadata, so the hub's usage chunk is always wanted.
      {
        endpoint: 'chat-completions',
        requestedModel: model,
        body: hub.body,
        stream,
        clientWantsStreamUsage: true,
        native: {
          dialect: 'gemini',
          operation: stream ? 'streamGenerateContent' : 'generateContent',
          body,
          text,
          query: stream && sse ? { alt: 'sse' } : {},
          headers: {},
          refusal: hub.refusal,
        },
      },
      caller,
      request.signal,
    );
    // A gemini channel's own answer, already in the client's dialect (SSE, or one JSON array without alt=sse).
    if (answer.native) return answer.response;
    const response = answer.response;
    if (!stream) return Response.json(geminiInbound.fromHubResponse(await readHubJson(response, 'JSON'), context), { status: 200 });
    const converter = geminiInbound.createStream(context);
    if (!sse) return geminiJsonArray(response.body, converter, request.signal);
    // `?alt=sse`: Google's `data:` events.
    return eventStreamResponse(response.body, converter, failureStatusOf);
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
    const { body, text } = await readJsonBodyAndText(request, options.maxRequestBodyBytes);
    const hub = hubRequestOrRefusal(
      () => embeddingsHubRequest(body, model, batch),
      () => ({ model, input: promptTextOf(body) }),
    );
    checkModelAllowed(auth, model);
    const caller = relayCallerOf(auth, { requestId: requestIdOf(request) ?? Bun.randomUUIDv7(), clientIp, affinityKey: undefined });
    const answer = await options.pipeline.relay(
      {
        endpoint: 'embeddings',
        requestedModel: model,
        body: hub.body,
        stream: false,
        clientWantsStreamUsage: false,
        native: { dialect: 'gemini', operation: batch ? 'batchEmbedContents' : 'embedContent', body, text, query: {}, headers: {}, refusal: hub.refusal },
      },
      caller,
      request.signal,
    );
    if (answer.native) return answer.response;
    const response = answer.response;
    const embeddings = googleEmbeddings(await readHubJson(response, 'JSON'));
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
