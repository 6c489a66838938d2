/**
 * Anthropic's Messages surface (https://docs.anthropic.com/en/api/messages) for Claude Code and the Anthropic
 * SDK: `POST /v1/messages` (whole and streamed), `POST /v1/messages/count_tokens`, and the model list in
 * Anthropic's shape for clients that send `anthropic-version`. The request is converted to the hub format
 * (src/relay/dialects/anthropic) and relayed as a chat completion, so billing, logging and failover are the
 * pipeline's, exactly as for OpenAI clients; the hub's answer is converted back. The client's own body rides
 * along (`native`): an attempt on an `anthropic` channel forwards it raw and its answer comes back untouched.
 *
 * Errors are rendered here, in Anthropic's shape, rather than by the global errors plugin: that plugin's
 * `onError` runs before any route-level one (Elysia calls error hooks in registration order), so every
 * handler below catches what it expects — GatewayError, RelayFailure — and renders it itself. Anything else
 * is rethrown, so the errors plugin still logs it (and answers 500 in OpenAI's shape).
 */
import { Elysia } from 'elysia';
import { GatewayError } from '../../errors/gateway-error.ts';
import type { AuthResult } from '../../relay/auth.ts';
import { checkModelAllowed } from '../../relay/auth.ts';
import { anthropicInbound } from '../../relay/dialects/anthropic/inbound.ts';
import { invalidRequest } from '../../relay/dialects/json-fields.ts';
import type { InboundContext } from '../../relay/dialects/types.ts';
import { relayCallerOf } from '../../relay/pipeline.ts';
import { affinityKeyOf } from '../../relay/router.ts';
import type { JsonBody } from '../../relay/types.ts';
import { estimatePromptTokens } from '../../tokenizer/count.ts';
import { checkModelName, dialectErrorResponse, eventStreamResponse, readHubJson } from '../hub-relay.ts';
import { withAnthropicRequestId } from '../dialect-errors.ts';
import { requestIdOf } from '../plugins/request-id.ts';
import { chatStandIn, hubRequestOrRefusal } from '../native-relay.ts';
import { readJsonBody, readJsonBodyAndText } from '../relay-body.ts';
import type { OpenAiRoutesOptions } from './openai.ts';

export type AnthropicRoutesOptions = OpenAiRoutesOptions;

const MESSAGES_PATH = '/v1/messages';
const MODELS_PATH = '/v1/models';

/**
 * An error response in Anthropic's shape, with `request_id` at the top level as Anthropic sends it
 * (https://platform.claude.com/docs/en/api/errors). Unexpected errors are rethrown for the errors plugin to log.
 */
function anthropicErrorResponse(error: unknown, request: Request): Response {
  return dialectErrorResponse(error, request, anthropicInbound, withAnthropicRequestId);
}

/** The model and stream flag of a Messages body; the converter checks the rest. */
function readModelAndStream(body: JsonBody): InboundContext {
  const model = body.model;
  if (typeof model !== 'string' || model.trim() === '') {
    throw invalidRequest('model', 'the request body needs a "model" string, e.g. "claude-sonnet-4-5"');
  }
  const name = checkModelName(model, MODELS_PATH);
  if (body.stream !== undefined && body.stream !== null && typeof body.stream !== 'boolean') {
    throw invalidRequest('stream', 'must be true or false');
  }
  return { model: name, stream: body.stream === true };
}

/**
 * Status 0 for a stream that fails after the 200 (a transport failure, an upstream error event): the dialect
 * makes it 502 api_error, or 504 timeout_error for the relay's timeout codes. The stream ends with Anthropic's
 * `error` event, never with a made-up message_stop.
 */
const failureStatusOf = (): number => 0;

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
            const { body, text } = await readJsonBodyAndText(request, options.maxRequestBodyBytes);
            const context = readModelAndStream(body);
            const hub = hubRequestOrRefusal(
              () => anthropicInbound.toHubRequest(body, context),
              () => chatStandIn(context.model, body, body.max_tokens),
            );
            checkModelAllowed(auth, context.model);
            const caller = relayCallerOf(auth, {
              requestId: requestIdOf(request) ?? Bun.randomUUIDv7(),
              clientIp,
              affinityKey: affinityKeyOf(body, request.headers),
            });
            const version = request.headers.get('anthropic-version');
            const answer = await options.pipeline.relay(
              // The Anthropic client needs usage in message_delta, so the hub's usage chunk is always wanted.
              {
                endpoint: 'chat-completions',
                requestedModel: context.model,
                body: hub.body,
                stream: context.stream,
                clientWantsStreamUsage: true,
                // Beta features (`anthropic-beta`) reach Anthropic channels; `?beta=true` (the SDK's beta
                // namespace) goes with a raw request, and changes nothing for a converted one.
                anthropicBeta: (request.headers.get('anthropic-beta') ?? '').split(',').filter((name) => name.trim() !== ''),
                native: {
                  dialect: 'anthropic',
                  operation: 'messages',
                  body,
                  text,
                  query: new URL(request.url).searchParams.get('beta') === 'true' ? { beta: 'true' } : {},
                  headers: version === null ? {} : { 'anthropic-version': version },
                  refusal: hub.refusal,
                },
              },
              caller,
              request.signal,
            );
            // An anthropic channel's own answer, already in the client's dialect.
            if (answer.native) return answer.response;
            const response = answer.response;
            if (!context.stream) {
              const completion = await readHubJson(response, 'a JSON chat completion');
              return Response.json(anthropicInbound.fromHubResponse(completion, context), { status: 200 });
            }
            return eventStreamResponse(response.body, anthropicInbound.createStream(context), failureStatusOf);
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
