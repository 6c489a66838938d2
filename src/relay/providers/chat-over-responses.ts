/**
 * Chat completions for an OpenAI-family or custom channel whose upstream speaks only the Responses API (channel
 * setting `chat_api: responses` — a server or deployment that offers `/v1/responses` and no `/v1/chat/completions`,
 * or a model OpenAI serves through Responses only). The chat request, after the usual OpenAI-family fixes
 * (openai-body.ts: model, reasoning parameters), is converted to a Responses request by the Responses outbound
 * dialect and sent to the channel's Responses URL; the answer, whole or streamed, comes back through the adapter's
 * `translate` hook as a hub `chat.completion` or chunks (architecture.md decision 1), as an Anthropic or Gemini
 * channel's does. A Responses client's own request goes to such a channel raw (responses-native.ts), and its other
 * endpoints are untouched.
 */
import { createResponsesOutbound } from '../dialects/responses/outbound.ts';
import type { OutboundContext } from '../dialects/types.ts';
import { clientRequestRefused } from '../errors.ts';
import type { ChannelTarget, HubTranslation, JsonBody, RelayRequest } from '../types.ts';

export const CHAT_API_SETTING = 'chat_api';

const dialect = createResponsesOutbound();

/** True when this attempt is a chat request the channel answers through the Responses API. */
export function sendsChatAsResponses(request: RelayRequest, target: ChannelTarget): boolean {
  return request.endpoint === 'chat-completions' && target.settings[CHAT_API_SETTING] === 'responses';
}

function outboundContext(request: RelayRequest, target: ChannelTarget, model: string): OutboundContext {
  return { upstreamModel: model, stream: request.stream, settings: target.settings };
}

/**
 * The Responses request body for a chat body already fixed for the upstream (`model` is the name sent). Input the
 * Responses API cannot express (`n: 2`, audio) is the client's 400, naming the field, before anything is sent.
 */
export function chatAsResponsesBody(chatBody: JsonBody, request: RelayRequest, target: ChannelTarget, model: string): JsonBody {
  try {
    return dialect.fromHubRequest(chatBody, outboundContext(request, target, model));
  } catch (error) {
    clientRequestRefused(error);
  }
}

/** The attempt's converters, Response → hub. */
export function responsesTranslation(request: RelayRequest, target: ChannelTarget): HubTranslation {
  const context = outboundContext(request, target, target.upstreamModel);
  return {
    response: (native) => dialect.toHubResponse(native, context),
    stream: () => dialect.createStream(context),
  };
}
