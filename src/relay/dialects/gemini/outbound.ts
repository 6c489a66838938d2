/**
 * The Gemini generateContent dialect for `gemini` channels: hub requests go out as generateContent bodies and
 * the answers come back as hub objects (architecture.md decision 1). Reference:
 * https://ai.google.dev/api/generate-content. Each direction lives in its own file.
 *
 * The body holds no model: the caller puts `geminiModelAndThinking(upstreamModel).model` in the URL
 * (`/v1beta/models/{model}:generateContent`, `:streamGenerateContent?alt=sse`), the thinking suffix stripped.
 * The hub's `created` (Unix seconds) is the one value from outside the data — Gemini sends no timestamp (Vertex
 * sends `createTime`, which wins) — so it comes through `now`, which tests fix.
 */
import type { OutboundContext, OutboundDialect } from '../types.ts';
import { fromHubRequest } from './outbound-request.ts';
import { toHubResponse } from './outbound-response.ts';
import { createGeminiUpstreamStream } from './outbound-stream.ts';
import { readGeminiUsage } from './usage.ts';

export { geminiModelAndThinking } from './thinking.ts';

export interface GeminiOutboundOptions {
  /** Milliseconds since the epoch; `Date.now` unless a test fixes it. */
  readonly now?: () => number;
}

export function createGeminiOutbound(options: GeminiOutboundOptions = {}): OutboundDialect {
  const now = options.now ?? Date.now;
  const seconds = (): number => Math.floor(now() / 1000);
  return {
    fromHubRequest,
    toHubResponse: (native, context: OutboundContext) => toHubResponse(native, context, seconds()),
    createStream: (context: OutboundContext) => createGeminiUpstreamStream(context, seconds()),
    readUsage: readGeminiUsage,
  };
}

export const geminiOutbound: OutboundDialect = createGeminiOutbound();
