/**
 * The OpenAI adapter, and the factory every OpenAI-family provider is built from (Azure, DeepSeek, OpenRouter,
 * Ollama, … are a few options on top of it). Pure: builds the upstream request, maps errors, reads usage.
 * API reference: https://platform.openai.com/docs/api-reference
 */
import type { UpstreamError } from '../errors.ts';
import type { ChannelTarget, Endpoint, HubTranslation, JsonBody, NativeCapability, NativeRequest, ProviderAdapter, RelayRequest, UpstreamRequest } from '../types.ts';
import { CHAT_API_SETTING, chatAsResponsesBody, responsesTranslation, sendsChatAsResponses } from './chat-over-responses.ts';
import { buildFormBody, buildJsonBody } from './openai-body.ts';
import { type ParseErrorContext, parseOpenAIError } from './openai-error.ts';
import { openaiUrl } from './openai-url.ts';
import { readOpenAIUsage } from './openai-usage.ts';
import { parseReasoningSuffix } from './reasoning-suffix.ts';
import { createResponsesNative } from './responses-native.ts';

/** Every endpoint the relay serves. */
export const allEndpoints: readonly Endpoint[] = [
  'chat-completions',
  'completions',
  'embeddings',
  'moderations',
  'images-generations',
  'images-edits',
  'audio-speech',
  'audio-transcriptions',
  'audio-translations',
  'rerank',
  'responses',
];

/** An OpenAI-family adapter; `parseError` also takes the attempt's context (the channel key to redact). */
export interface OpenAIFamilyAdapter extends ProviderAdapter {
  parseError(status: number, headers: Headers, bodyText: string, context?: ParseErrorContext): UpstreamError;
  /** Responses clients' own requests, for the channels whose upstream speaks the Responses API (responses-native.ts). */
  readonly native: NativeCapability;
}

export interface OpenAIAdapterOptions {
  readonly endpoints: readonly Endpoint[];
  /** The upstream honours `stream_options.include_usage` (domain.md 5.1). */
  readonly streamUsage: boolean;
  /** The upstream URL; default `{base}/v1/{path}`. `model` is the name sent upstream. */
  readonly url?: (endpoint: Endpoint, target: ChannelTarget, model: string) => string;
  /**
   * Where a chat request goes when the channel's `chat_api` setting is `responses` (chat-over-responses.ts);
   * default: the adapter's `responses` URL.
   */
  readonly chatAsResponsesUrl?: (target: ChannelTarget, model: string) => string;
  /** The credential headers; default `Authorization: Bearer <key>`. */
  readonly authHeaders?: (target: ChannelTarget) => Record<string, string>;
  /** Headers the provider documents besides the credential (organization, attribution). */
  readonly providerHeaders?: (target: ChannelTarget) => Record<string, string>;
  /** Renames the model for the upstream (after the reasoning suffix is stripped). */
  readonly upstreamModel?: (model: string, target: ChannelTarget) => string;
  /** A provider's own parameter fixes, applied to the JSON body after the common ones. */
  readonly adjustBody?: (body: JsonBody, endpoint: Endpoint) => JsonBody;
  /**
   * Whether the channel's upstream takes a Responses client's request raw; default: when the adapter lists the
   * `responses` endpoint or the channel's `chat_api` setting is `responses`.
   */
  readonly speaksResponses?: (target: ChannelTarget) => boolean;
}

export function createOpenAIAdapter(options: OpenAIAdapterOptions): OpenAIFamilyAdapter {
  const endpoints: ReadonlySet<Endpoint> = new Set(options.endpoints);
  const upstreamModelOf = (target: ChannelTarget) => {
    const suffix = parseReasoningSuffix(target.upstreamModel);
    return { suffix, model: options.upstreamModel?.(suffix.model, target) ?? suffix.model };
  };
  const headersFor = (request: RelayRequest, target: ChannelTarget): Record<string, string> => ({
    ...(options.providerHeaders?.(target) ?? {}),
    ...(options.authHeaders?.(target) ?? bearerAuthorization(target)),
    Accept: acceptFor(request),
  });
  /** The channel's Responses URL: a `chat_api: responses` channel's own (a custom channel's one URL), else the endpoint's. */
  const responsesUrl = (target: ChannelTarget, model: string): string =>
    (target.settings[CHAT_API_SETTING] === 'responses' ? options.chatAsResponsesUrl?.(target, model) : undefined) ??
    options.url?.('responses', target, model) ??
    openaiUrl(target.baseUrl, 'responses');

  /** A Responses client's body as the upstream gets it: the client's text when neither model nor effort changes. */
  const nativeResponsesRequest = (request: RelayRequest, native: NativeRequest, target: ChannelTarget): UpstreamRequest => {
    const { suffix, model } = upstreamModelOf(target);
    const headers = { ...headersFor(request, target), 'Content-Type': 'application/json' };
    const url = responsesUrl(target, model);
    if (native.body.model === model && suffix.effort === undefined && options.adjustBody === undefined) {
      return { url, method: 'POST', headers, body: native.text };
    }
    let body = buildJsonBody({ endpoint: 'responses', stream: request.stream, body: native.body, model, familyModel: suffix.model, effort: suffix.effort, streamUsage: options.streamUsage });
    if (options.adjustBody !== undefined) body = options.adjustBody(body, 'responses');
    return { url, method: 'POST', headers, body: JSON.stringify(body) };
  };

  return {
    endpoints,
    streamUsage: options.streamUsage,
    buildRequest(request: RelayRequest, target: ChannelTarget): UpstreamRequest {
      const { suffix, model } = upstreamModelOf(target);
      const asResponses = sendsChatAsResponses(request, target);
      const url = asResponses ? responsesUrl(target, model) : (options.url?.(request.endpoint, target, model) ?? openaiUrl(target.baseUrl, request.endpoint));
      const headers = headersFor(request, target);
      if (request.body instanceof FormData) {
        // No Content-Type: fetch writes the multipart boundary itself.
        return { url, method: 'POST', headers, body: buildFormBody(request.body, model) };
      }
      let body = buildJsonBody({
        endpoint: request.endpoint,
        stream: request.stream,
        body: request.body,
        model,
        familyModel: suffix.model,
        effort: suffix.effort,
        streamUsage: options.streamUsage,
      });
      if (options.adjustBody !== undefined) body = options.adjustBody(body, request.endpoint);
      if (asResponses) body = chatAsResponsesBody(body, request, target, model);
      headers['Content-Type'] = 'application/json';
      return { url, method: 'POST', headers, body: JSON.stringify(body) };
    },
    parseError: parseOpenAIError,
    // Reads Responses usage too, so a chat request answered through the Responses API is billed from its answer.
    readUsage: readOpenAIUsage,
    translate(request: RelayRequest, target: ChannelTarget): HubTranslation | undefined {
      return sendsChatAsResponses(request, target) ? responsesTranslation(request, target) : undefined;
    },
    native: createResponsesNative({
      accepts: (target) => options.speaksResponses?.(target) ?? (endpoints.has('responses') || target.settings[CHAT_API_SETTING] === 'responses'),
      buildRequest: nativeResponsesRequest,
    }),
  };
}

function bearerAuthorization(target: ChannelTarget): Record<string, string> {
  return { Authorization: `Bearer ${target.key}` };
}

function acceptFor(request: RelayRequest): string {
  if (request.stream) return 'text/event-stream';
  // Speech answers with audio bytes in the format the body names.
  return request.endpoint === 'audio-speech' ? '*/*' : 'application/json';
}

/**
 * A string setting of the channel, usable as a header value: trimmed, non-empty and free of CR/LF (which would
 * let a stored value inject headers, reliability.md 2.3.6).
 */
export function settingText(target: ChannelTarget, name: string): string | undefined {
  const value = target.settings[name];
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  return text === '' || /[\r\n\0]/.test(text) ? undefined : text;
}

/**
 * OpenAI itself: every endpoint but rerank. `organization` and `project` settings become the
 * `OpenAI-Organization` / `OpenAI-Project` headers (https://platform.openai.com/docs/api-reference/authentication).
 */
export const openaiAdapter = createOpenAIAdapter({
  endpoints: allEndpoints.filter((endpoint) => endpoint !== 'rerank'),
  streamUsage: true,
  providerHeaders: (target) => {
    const headers: Record<string, string> = {};
    const organization = settingText(target, 'organization');
    const project = settingText(target, 'project');
    if (organization !== undefined) headers['OpenAI-Organization'] = organization;
    if (project !== undefined) headers['OpenAI-Project'] = project;
    return headers;
  },
});
