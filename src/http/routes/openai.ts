/**
 * The OpenAI-compatible surface under /v1: every relay endpoint with OpenAI's request and response shapes,
 * the model list of the calling key, and 501 (in OpenAI's error shape) for the routes the gateway does not
 * implement. Route handlers only parse and authenticate; the pipeline (src/relay/pipeline.ts) does the rest.
 */
import { Elysia } from 'elysia';
import { GatewayError } from '../../errors/gateway-error.ts';
import type { AuthResult } from '../../relay/auth.ts';
import { checkModelAllowed } from '../../relay/auth.ts';
import { RelayFailure } from '../../relay/failure.ts';
import { type Pipeline, relayCallerOf } from '../../relay/pipeline.ts';
import { affinityKeyOf } from '../../relay/router.ts';
import type { Endpoint, JsonBody, RelayRequest } from '../../relay/types.ts';
import type { ClientIpResolver } from '../client-ip.ts';
import { openAiError } from '../plugins/errors.ts';
import { requestIdOf } from '../plugins/request-id.ts';
import { checkInteger, readFormBody, readJsonBody, readJsonBodyAndText } from '../relay-body.ts';
import { relayResponses } from '../responses-relay.ts';

export interface OpenAiRoutesOptions {
  readonly authenticate: (request: Request, context: { path: string; clientIp: string | undefined }) => Promise<AuthResult>;
  readonly pipeline: Pipeline;
  /** Models a group may use (from the routing index), for /v1/models. */
  readonly modelsFor: (group: string) => string[];
  readonly maxRequestBodyBytes: number;
  /** The client's address from the socket and, behind trusted proxies, X-Forwarded-For. */
  readonly clientIp: ClientIpResolver;
}

interface EndpointSpec {
  readonly endpoint: Endpoint;
  readonly multipart: boolean;
  /** OpenAI's default when the body names no model (domain.md 2.2). */
  readonly defaultModel?: string;
  readonly streams: boolean;
}

const endpoints: Record<string, EndpointSpec> = {
  '/v1/chat/completions': { endpoint: 'chat-completions', multipart: false, streams: true },
  '/v1/completions': { endpoint: 'completions', multipart: false, streams: true },
  '/v1/embeddings': { endpoint: 'embeddings', multipart: false, streams: false },
  '/v1/moderations': { endpoint: 'moderations', multipart: false, defaultModel: 'omni-moderation-latest', streams: false },
  '/v1/images/generations': { endpoint: 'images-generations', multipart: false, defaultModel: 'dall-e-2', streams: false },
  '/v1/images/edits': { endpoint: 'images-edits', multipart: true, defaultModel: 'dall-e-2', streams: false },
  '/v1/audio/speech': { endpoint: 'audio-speech', multipart: false, defaultModel: 'tts-1', streams: false },
  '/v1/audio/transcriptions': { endpoint: 'audio-transcriptions', multipart: true, defaultModel: 'whisper-1', streams: false },
  '/v1/audio/translations': { endpoint: 'audio-translations', multipart: true, defaultModel: 'whisper-1', streams: false },
  '/v1/rerank': { endpoint: 'rerank', multipart: false, streams: false },
};

/** Served by responses-relay.ts on every channel type; checked as the endpoints above. */
const RESPONSES_PATH = '/v1/responses';
const responsesSpec: EndpointSpec = { endpoint: 'responses', multipart: false, streams: true };

/** Routes OpenAI has and the gateway does not serve: 501, as New API answers them (domain.md 2.3). */
const notImplemented: readonly [method: string, path: string][] = [
  ['POST', '/v1/images/variations'],
  ['GET', '/v1/files'],
  ['POST', '/v1/files'],
  ['GET', '/v1/files/*'],
  ['DELETE', '/v1/files/*'],
  ['DELETE', '/v1/models/:model'],
  ['GET', '/v1/fine_tuning/*'],
  ['POST', '/v1/fine_tuning/*'],
  ['GET', '/v1/fine-tunes/*'],
  ['POST', '/v1/fine-tunes/*'],
  ['GET', '/v1/batches'],
  ['POST', '/v1/batches'],
  ['GET', '/v1/batches/*'],
  ['POST', '/v1/batches/*'],
  ['GET', '/v1/assistants'],
  ['POST', '/v1/assistants'],
  ['GET', '/v1/assistants/*'],
  ['POST', '/v1/assistants/*'],
  ['POST', '/v1/threads'],
  ['GET', '/v1/threads/*'],
  ['POST', '/v1/threads/*'],
  ['GET', '/v1/vector_stores'],
  ['POST', '/v1/vector_stores'],
  ['POST', '/v1/edits'],
  ['GET', '/v1/realtime'],
];

/** OpenAI's error `type` for an HTTP status the upstream (or the relay) answered with. */
function typeForStatus(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 429) return 'rate_limit_error';
  if (status >= 500) return 'upstream_error';
  return 'invalid_request_error';
}

/** The upstream's status and code, with a message that is already redacted by the adapter. */
function relayFailureResponse(failure: RelayFailure, requestId: string): Response {
  const status = failure.status >= 400 && failure.status <= 599 ? failure.status : 502;
  return Response.json(
    { error: { message: failure.message, type: typeForStatus(status), code: failure.code, request_id: requestId } },
    { status, headers: failure.retryAfterSeconds === undefined ? {} : { 'retry-after': String(failure.retryAfterSeconds) } },
  );
}

/** Channels, aliases and mappings store model names of at most this many characters (channel-validation.ts). */
const MAX_MODEL_NAME_LENGTH = 256;
// C0 controls, DEL and C1 controls never occur in a model name; CR/LF would also split log lines.
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * A requested model name no channel could ever serve is the client's mistake (400), not a missing channel
 * (503): refused here, without echoing a name that may be a megabyte long (reliability.md I1).
 */
function checkModelName(model: string, where: string): string {
  const name = model.trim();
  if (name.length > MAX_MODEL_NAME_LENGTH || CONTROL_CHARACTERS.test(name)) {
    throw new GatewayError({
      code: 'invalid_request',
      field: 'model',
      message: `${where} "model" must be a model name of at most ${MAX_MODEL_NAME_LENGTH} characters without control characters; list the models this key may use with GET /v1/models`,
    });
  }
  return name;
}

/** Builds the RelayRequest from a JSON body: model (or the endpoint's default), stream flag, usage wish. */
function jsonRelayRequest(spec: EndpointSpec, body: JsonBody): RelayRequest {
  const model = body.model ?? spec.defaultModel;
  if (typeof model !== 'string' || model.trim() === '') {
    throw new GatewayError({ code: 'invalid_request', field: 'model', message: 'the request body needs a "model" string, for example "gpt-4o-mini"' });
  }
  const requestedModel = checkModelName(model, 'the request body\'s');
  if (body.stream !== undefined && body.stream !== null && typeof body.stream !== 'boolean') {
    throw new GatewayError({ code: 'invalid_request', field: 'stream', message: '"stream" must be true or false' });
  }
  checkInteger(body, 'max_tokens', 1, 10_000_000);
  checkInteger(body, 'max_completion_tokens', 1, 10_000_000);
  checkInteger(body, 'max_output_tokens', 1, 10_000_000);
  checkInteger(body, 'n', 1, 128);
  const stream = spec.streams && body.stream === true;
  const options = body.stream_options;
  const clientWantsStreamUsage =
    options !== null && typeof options === 'object' && (options as { include_usage?: unknown }).include_usage === true;
  return { endpoint: spec.endpoint, requestedModel, body, stream, clientWantsStreamUsage };
}

function formRelayRequest(spec: EndpointSpec, form: FormData): RelayRequest {
  const model = form.get('model') ?? spec.defaultModel;
  if (typeof model !== 'string' || model.trim() === '') {
    throw new GatewayError({ code: 'invalid_request', field: 'model', message: 'the form needs a "model" field, for example "whisper-1"' });
  }
  return { endpoint: spec.endpoint, requestedModel: checkModelName(model, 'the form\'s'), body: form, stream: false, clientWantsStreamUsage: false };
}

export function openAiRoutes(options: OpenAiRoutesOptions) {
  const app = new Elysia({ name: 'openai-routes' });

  const clientIpOf = (server: { requestIP(request: Request): { address: string } | null } | null, request: Request): string | undefined =>
    options.clientIp(server?.requestIP(request)?.address, request.headers);

  for (const [path, spec] of Object.entries(endpoints)) {
    app.post(
      path,
      async ({ request, server }) => {
        const clientIp = clientIpOf(server, request);
        const auth = await options.authenticate(request, { path, clientIp });
        // From here the relay's own first-byte, idle and total timers govern the request, not Bun's idle timer.
        server?.timeout(request, 0);
        const relayRequest = spec.multipart
          ? formRelayRequest(spec, await readFormBody(request, options.maxRequestBodyBytes))
          : jsonRelayRequest(spec, await readJsonBody(request, options.maxRequestBodyBytes));
        checkModelAllowed(auth, relayRequest.requestedModel);
        const requestId = requestIdOf(request) ?? Bun.randomUUIDv7();
        try {
          const affinityKey = relayRequest.body instanceof FormData ? undefined : affinityKeyOf(relayRequest.body, request.headers);
          return (await options.pipeline.relay(relayRequest, relayCallerOf(auth, { requestId, clientIp, affinityKey }), request.signal)).response;
        } catch (error) {
          if (error instanceof RelayFailure) return relayFailureResponse(error, requestId);
          throw error;
        }
      },
      { parse: 'none' },
    );
  }

  app.post(
    RESPONSES_PATH,
    async ({ request, server }) => {
      const clientIp = clientIpOf(server, request);
      const auth = await options.authenticate(request, { path: RESPONSES_PATH, clientIp });
      server?.timeout(request, 0);
      const { body, text } = await readJsonBodyAndText(request, options.maxRequestBodyBytes);
      const checked = jsonRelayRequest(responsesSpec, body);
      checkModelAllowed(auth, checked.requestedModel);
      const requestId = requestIdOf(request) ?? Bun.randomUUIDv7();
      try {
        // `previous_response_id` and `prompt_cache_key` keep a conversation on its channel.
        const caller = relayCallerOf(auth, { requestId, clientIp, affinityKey: affinityKeyOf(body, request.headers) });
        return await relayResponses(options.pipeline, { body, text, model: checked.requestedModel, stream: checked.stream }, caller, request.signal);
      } catch (error) {
        if (error instanceof RelayFailure) return relayFailureResponse(error, requestId);
        throw error;
      }
    },
    { parse: 'none' },
  );

  const modelObject = (id: string) => ({ id, object: 'model' as const, created: 0, owned_by: 'gateway' });

  app.get('/v1/models', async ({ request, server }) => {
    const auth = await options.authenticate(request, { path: '/v1/models', clientIp: clientIpOf(server, request) });
    const allowed = options.modelsFor(auth.group).filter((model) => auth.models.length === 0 || auth.models.includes(model));
    return { object: 'list', data: allowed.map(modelObject) };
  });

  app.get('/v1/models/*', async ({ request, server, params }) => {
    const auth = await options.authenticate(request, { path: '/v1/models', clientIp: clientIpOf(server, request) });
    const id = decodeURIComponent(params['*']);
    const allowed = options.modelsFor(auth.group).filter((model) => auth.models.length === 0 || auth.models.includes(model));
    if (!allowed.includes(id)) {
      throw new GatewayError({ code: 'not_found', message: `The model '${id}' does not exist or this key cannot use it; list models with GET /v1/models` });
    }
    return modelObject(id);
  });

  for (const [method, path] of notImplemented) {
    app.route(method, path, ({ request, set }) => {
      set.status = 501;
      return openAiError('not_implemented', `${method} ${new URL(request.url).pathname} is not implemented by this gateway`, requestIdOf(request));
    });
  }
  return app;
}
