/**
 * OpenAI's Responses API (`POST /v1/responses`, https://platform.openai.com/docs/api-reference/responses) for the
 * OpenAI SDK's `responses`, Codex and the Agents SDK, on any channel that serves the model (architecture.md
 * decision 1). The client's body rides along (`native`) with a hub chat request converted from it
 * (src/relay/dialects/responses): an attempt on a channel whose upstream speaks the Responses API (OpenAI, Azure,
 * the compatible presets that list it, a `chat_api: responses` channel) forwards the body raw and its answer comes
 * back untouched; any other channel (anthropic, gemini, the chat-only presets) gets the hub request, and its answer
 * is converted back here to a Response or to Responses events. A body the converter refuses — previous_response_id,
 * built-in tools, background … — still goes raw to a Responses channel, and is the client's 400 naming the field
 * only when none took it (native-relay.ts).
 *
 * Errors keep OpenAI's shape: the route (openai.ts) renders a RelayFailure, the errors plugin a GatewayError; a
 * converted stream that fails after the 200 ends with an `error` event and `response.failed`.
 */
import { responsesInbound } from '../relay/dialects/responses/inbound.ts';
import type { InboundContext } from '../relay/dialects/types.ts';
import type { Pipeline, RelayCaller } from '../relay/pipeline.ts';
import type { JsonBody } from '../relay/types.ts';
import { eventStreamResponse, readHubJson } from './hub-relay.ts';
import { chatStandIn, hubRequestOrRefusal } from './native-relay.ts';

export interface ResponsesRelayInput {
  /** The client's parsed body and its text as sent. */
  readonly body: JsonBody;
  readonly text: string;
  /** The model the client asked for, checked by the route. */
  readonly model: string;
  readonly stream: boolean;
}

/**
 * Status 0 for a converted stream that fails after the 200: the converter's `response.failed` then says
 * `server_error` (or `rate_limit_exceeded` for the rate-limit codes), whatever the transport failure was.
 */
const failureStatusOf = (): number => 0;

export async function relayResponses(pipeline: Pipeline, input: ResponsesRelayInput, caller: RelayCaller, signal: AbortSignal): Promise<Response> {
  // The Response echoes the request's settings (instructions, tools, temperature …), so the converter gets the body.
  const context: InboundContext = { model: input.model, stream: input.stream, request: input.body };
  const hub = hubRequestOrRefusal(
    () => responsesInbound.toHubRequest(input.body, context),
    () => chatStandIn(input.model, input.body, input.body.max_output_tokens),
  );
  const answer = await pipeline.relay(
    {
      endpoint: 'chat-completions',
      clientEndpoint: 'responses',
      requestedModel: input.model,
      body: hub.body,
      stream: input.stream,
      // response.completed carries usage, so the hub's usage chunk is always wanted.
      clientWantsStreamUsage: true,
      native: { dialect: 'responses', operation: 'responses', body: input.body, text: input.text, query: {}, headers: {}, refusal: hub.refusal },
    },
    caller,
    signal,
  );
  // A Responses channel's own answer, already in the client's dialect.
  if (answer.native) return answer.response;
  if (!input.stream) {
    const completion = await readHubJson(answer.response, 'a JSON chat completion');
    return Response.json(responsesInbound.fromHubResponse(completion, context), { status: 200 });
  }
  return eventStreamResponse(answer.response.body, responsesInbound.createStream(context), failureStatusOf);
}
