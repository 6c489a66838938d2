/**
 * The `anthropic` channel type: OpenAI-format chat requests go out as Anthropic Messages requests and the
 * answers come back as OpenAI objects, through the Anthropic outbound dialect (architecture.md decision 1).
 * Pure like every adapter: it builds the request, maps errors, reads usage and lends the relay its converters.
 * API reference: https://docs.anthropic.com/en/api/messages, versions and headers:
 * https://docs.anthropic.com/en/api/versioning and https://docs.anthropic.com/en/api/beta-headers.
 */
import { keyFaultErrorTypes } from '../dialects/anthropic/errors.ts';
import { createAnthropicOutbound } from '../dialects/anthropic/outbound.ts';
import { createAnthropicNative } from './anthropic-native.ts';
import type { OutboundContext, OutboundDialect } from '../dialects/types.ts';
import { clientRequestRefused, endpointNotSupported, UpstreamError } from '../errors.ts';
import type { ChannelTarget, HubTranslation, InlineImagesCapability, ProviderAdapter, RelayRequest, UpstreamRequest } from '../types.ts';
import { settingText } from './openai.ts';
import { type ParseErrorContext, parseOpenAIError } from './openai-error.ts';
import { trimBaseUrl, versionedBaseUrl } from './openai-url.ts';

export const ANTHROPIC_DEFAULT_BASE_URL = 'https://api.anthropic.com';
/** The only stable version of the Messages API (https://docs.anthropic.com/en/api/versioning). */
export const ANTHROPIC_VERSION = '2023-06-01';

/**
 * `https://api.anthropic.com` → `…/v1/messages`; a base that already ends in a version (`…/v1`, as proxies are
 * often configured) is used as given.
 */
export function anthropicMessagesUrl(baseUrl: string): string {
  const base = trimBaseUrl(baseUrl) === '' ? ANTHROPIC_DEFAULT_BASE_URL : baseUrl;
  return `${versionedBaseUrl(base)}/messages`;
}

/**
 * Maps a non-2xx reply (`{"type":"error","error":{"type","message"},"request_id"}`) to an UpstreamError. The
 * body shape is the one the OpenAI reader already understands (`error.type` becomes the code, `error.message`
 * the message, the key redacted, `Retry-After` read), so it does the reading; only the fault classification
 * differs: Anthropic names its account failures by type, not by OpenAI's codes.
 */
export function parseAnthropicError(status: number, headers: Headers, bodyText: string, context: ParseErrorContext = {}): UpstreamError {
  const error = parseOpenAIError(status, headers, bodyText, context);
  // A wrong key (401), a key without access (403), an account without credit (`billing_error`): a multi-key
  // channel may hold keys of several organizations, so each is the key's fault, like OpenAI's insufficient_quota.
  if (error.channelAtFault !== false || !keyFaultErrorTypes.has(error.code)) return error;
  return new UpstreamError({
    status: error.status,
    code: error.code,
    message: error.message,
    // A failure of the key's account is always worth another channel (domain.md 4.2).
    retryable: true,
    channelAtFault: 'key',
    retryAfterMs: error.retryAfterMs,
    upstreamBody: error.upstreamBody,
  });
}

/** A beta feature name as Anthropic spells them (`interleaved-thinking-2025-05-14`); anything else is dropped. */
const BETA_NAME = /^[a-z0-9][a-z0-9._-]{0,99}$/i;

/** The channel's beta names and the client's, deduplicated and checked, as one header value (or none). */
export function anthropicBetaHeader(channel: string | undefined, client: readonly string[] | undefined): string | undefined {
  const names = new Set<string>();
  for (const name of [...(channel ?? '').split(','), ...(client ?? [])]) {
    const trimmed = name.trim();
    if (BETA_NAME.test(trimmed)) names.add(trimmed);
  }
  return names.size === 0 ? undefined : [...names].join(',');
}

function outboundContext(request: RelayRequest, target: ChannelTarget): OutboundContext {
  return { upstreamModel: target.upstreamModel, stream: request.stream, settings: target.settings };
}

/**
 * Images Anthropic takes inline (https://platform.claude.com/docs/en/build-with-claude/vision): JPEG, PNG, GIF and
 * WebP, each at most 5 MB of base64 (3.75 MiB of image), in a request of at most 32 MB; base64 is 4/3 of the
 * bytes, and 2 MB of the request is left for everything else.
 */
export const ANTHROPIC_INLINE_IMAGES: InlineImagesCapability = {
  provider: 'Anthropic',
  mediaTypes: new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']),
  maxImageBytes: (5 * 1024 * 1024 * 3) / 4,
  maxTotalBytes: ((32_000_000 - 2_000_000) * 3) / 4,
};

export function createAnthropicAdapter(dialect: OutboundDialect): ProviderAdapter {
  return {
    endpoints: new Set(['chat-completions']),
    // Anthropic always reports usage, in message_start and message_delta; there is nothing to ask for.
    streamUsage: false,
    // Image URLs are fetched by the gateway (inline-images.ts), so the same rules apply as for every channel.
    inlineImages: ANTHROPIC_INLINE_IMAGES,
    buildRequest(request: RelayRequest, target: ChannelTarget): UpstreamRequest {
      if (request.body instanceof FormData) throw endpointNotSupported(`channel type anthropic cannot serve ${request.endpoint} requests`);
      let body: string;
      try {
        body = JSON.stringify(dialect.fromHubRequest(request.body, outboundContext(request, target)));
      } catch (error) {
        // Input Messages cannot express (n > 1, an audio part …): the client's 400, naming the field.
        clientRequestRefused(error);
      }
      const headers: Record<string, string> = {
        'x-api-key': target.key,
        'anthropic-version': ANTHROPIC_VERSION,
        'content-type': 'application/json',
        accept: request.stream ? 'text/event-stream' : 'application/json',
      };
      // Comma-separated beta names, e.g. `context-1m-2025-08-07` (https://docs.anthropic.com/en/api/beta-headers):
      // the channel's own, then the client's, each once.
      const beta = anthropicBetaHeader(settingText(target, 'anthropic_beta'), request.anthropicBeta);
      if (beta !== undefined) headers['anthropic-beta'] = beta;
      return { url: anthropicMessagesUrl(target.baseUrl), method: 'POST', headers, body };
    },
    parseError: parseAnthropicError,
    readUsage: (json) => dialect.readUsage(json),
    // A client of the same dialect is forwarded raw and answered untouched (anthropic-native.ts).
    native: createAnthropicNative(dialect),
    translate(request: RelayRequest, target: ChannelTarget): HubTranslation {
      const context = outboundContext(request, target);
      return {
        response: (native) => dialect.toHubResponse(native, context),
        stream: () => dialect.createStream(context),
      };
    },
  };
}

export const anthropicAdapter = createAnthropicAdapter(createAnthropicOutbound());
