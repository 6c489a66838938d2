/**
 * The Responses dialect for channels whose upstream speaks only the Responses API (an OpenAI-family or custom
 * channel with the setting `chat_api: responses`): hub chat requests go out as Responses requests and the answers
 * come back as hub objects (architecture.md decision 1). Reference:
 * https://platform.openai.com/docs/api-reference/responses and
 * https://platform.openai.com/docs/api-reference/responses-streaming. Each direction lives in its own file.
 *
 * The hub's `created` is the Response's `created_at`; `now` stands in only for an answer without one, and tests fix it.
 */
import type { OutboundContext, OutboundDialect } from '../types.ts';
import { hubRequestToResponses } from './outbound-request.ts';
import { readResponsesUsage, responsesResponseToHub } from './outbound-response.ts';
import { createResponsesNativeStream } from './outbound-stream.ts';

export interface ResponsesOutboundOptions {
  /** Milliseconds since the epoch; `Date.now` unless a test fixes it. */
  readonly now?: () => number;
}

export function createResponsesOutbound(options: ResponsesOutboundOptions = {}): OutboundDialect {
  const now = options.now ?? Date.now;
  const seconds = (): number => Math.floor(now() / 1000);
  return {
    fromHubRequest: hubRequestToResponses,
    toHubResponse: (native, context: OutboundContext) => responsesResponseToHub(native, context, seconds()),
    createStream: (context: OutboundContext) => createResponsesNativeStream(context, seconds()),
    readUsage: readResponsesUsage,
  };
}

export const responsesOutbound: OutboundDialect = createResponsesOutbound();
