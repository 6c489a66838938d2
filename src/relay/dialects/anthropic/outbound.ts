/**
 * The Anthropic Messages dialect for `anthropic` channels: hub requests go out as Messages requests and the
 * answers come back as hub objects (architecture.md decision 1). Reference: https://docs.anthropic.com/en/api/messages
 * and https://platform.claude.com/docs/en/build-with-claude/streaming. Each direction lives in its own file.
 *
 * The hub's `chat.completion` and `chat.completion.chunk` objects require `created` (Unix seconds), which no
 * Anthropic reply carries; it is the one value taken from outside the data, through `now`, so tests can fix it.
 */
import type { OutboundContext, OutboundDialect } from '../types.ts';
import { hubRequestToAnthropic } from './outbound-request.ts';
import { anthropicResponseToHub, readAnthropicUsage } from './outbound-response.ts';
import { createAnthropicNativeStream } from './outbound-stream.ts';

export interface AnthropicOutboundOptions {
  /** Milliseconds since the epoch; `Date.now` unless a test fixes it. */
  readonly now?: () => number;
}

export function createAnthropicOutbound(options: AnthropicOutboundOptions = {}): OutboundDialect {
  const now = options.now ?? Date.now;
  const createdSeconds = (): number => Math.floor(now() / 1000);
  return {
    fromHubRequest: hubRequestToAnthropic,
    toHubResponse: (native, context: OutboundContext) => anthropicResponseToHub(native, context, createdSeconds()),
    createStream: (context: OutboundContext) => createAnthropicNativeStream(context, createdSeconds()),
    readUsage: readAnthropicUsage,
  };
}

export const anthropicOutbound: OutboundDialect = createAnthropicOutbound();
