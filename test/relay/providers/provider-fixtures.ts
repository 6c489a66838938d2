/** Plain-data builders for provider adapter tests: a channel target, a relay request, the sent JSON body. */
import type { ChannelTarget, Endpoint, JsonBody, RelayRequest, UpstreamRequest } from '../../../src/relay/types.ts';

export const channelKey = 'sk-proj-Zx81kQ2mN7vB4cT9wL3pR6sY0aE5dF1g';

export function target(overrides: Partial<ChannelTarget> = {}): ChannelTarget {
  return {
    channelId: 7,
    channelName: 'primary',
    type: 'openai',
    baseUrl: 'https://api.openai.com',
    key: channelKey,
    keyPosition: 0,
    upstreamModel: 'gpt-4o-mini',
    settings: {},
    allowPrivate: undefined,
    ...overrides,
  };
}

export function request(endpoint: Endpoint, body: JsonBody | FormData, stream = false): RelayRequest {
  const model = body instanceof FormData ? String(body.get('model') ?? '') : String(body.model ?? '');
  return { endpoint, requestedModel: model, body, stream, clientWantsStreamUsage: false };
}

export function chat(body: JsonBody, stream = false): RelayRequest {
  return request('chat-completions', { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say this is a test!' }], ...body }, stream);
}

/** The JSON body an adapter built. */
export function sentJson(upstream: UpstreamRequest): JsonBody {
  if (typeof upstream.body !== 'string') throw new Error('expected a JSON body');
  return JSON.parse(upstream.body) as JsonBody;
}

export function headers(values: Record<string, string> = {}): Headers {
  return new Headers(values);
}
