/**
 * Custom channels (New API type 8, domain.md 3.1): the base URL is the full endpoint URL, with `{model}`
 * replaced by the upstream model, and the channel serves that one endpoint — chat completions unless the
 * channel's `endpoint` setting names another (`embeddings`, `responses`, …). The body is forwarded in OpenAI's
 * shape with a Bearer key; with the `chat_api: responses` setting the URL is a Responses endpoint and chat requests
 * are converted for it (chat-over-responses.ts).
 */
import { endpointNotSupported, UpstreamError } from '../errors.ts';
import { CHAT_API_SETTING } from './chat-over-responses.ts';
import type { ChannelTarget, Endpoint } from '../types.ts';
import { allEndpoints, createOpenAIAdapter, settingText } from './openai.ts';
import { encodePathValue } from './openai-url.ts';

const MODEL_PLACEHOLDER = '{model}';

/** The endpoint a custom channel serves, or undefined when its `endpoint` setting names none. */
export function customEndpoint(target: ChannelTarget): Endpoint | undefined {
  const setting = settingText(target, 'endpoint');
  if (setting === undefined) return 'chat-completions';
  return allEndpoints.find((endpoint) => endpoint === setting);
}

export function customUrl(endpoint: Endpoint, target: ChannelTarget, model: string): string {
  const served = customEndpoint(target);
  if (endpoint !== served) {
    throw endpointNotSupported(
      served === undefined
        ? `custom channel "${target.channelName}" has an endpoint setting that names no endpoint; use one of: ${allEndpoints.join(', ')}`
        : `custom channel "${target.channelName}" serves ${served} only (its base URL is the full endpoint URL)`,
    );
  }
  const url = target.baseUrl.trim();
  const placeholder = url.indexOf(MODEL_PLACEHOLDER);
  if (placeholder === -1) return url;
  // The model comes from the client; it may fill in the path or the query, never the host.
  const pathStart = url.indexOf('/', url.indexOf('://') + 3);
  if (pathStart === -1 || placeholder < pathStart) {
    throw new UpstreamError({
      status: 500,
      code: 'invalid_channel_url',
      message: `custom channel "${target.channelName}" has {model} in the host of its URL; it may appear only in the path or query`,
      retryable: true,
      channelAtFault: 'channel',
    });
  }
  return url.replaceAll(MODEL_PLACEHOLDER, encodePathValue(model, true));
}

export const customAdapter = createOpenAIAdapter({
  endpoints: allEndpoints,
  streamUsage: false,
  url: customUrl,
  // With `chat_api: responses` the channel's one URL is the upstream's Responses endpoint, and it serves chat
  // completions (converted) whether its `endpoint` setting says chat-completions or responses.
  chatAsResponsesUrl: (target, model) => customUrl(customEndpoint(target) === 'responses' ? 'responses' : 'chat-completions', target, model),
  // Responses clients go raw to that URL too, and to a channel whose `endpoint` setting is `responses`.
  speaksResponses: (target) => {
    const served = customEndpoint(target);
    return served === 'responses' || (served === 'chat-completions' && target.settings[CHAT_API_SETTING] === 'responses');
  },
});
