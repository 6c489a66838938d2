/**
 * The Responses dialect for clients (the OpenAI SDK's `responses` API, Codex, the Agents SDK) whose model is served
 * by a channel that speaks only Chat Completions (architecture.md decision 1: "Responses later through the same
 * door"). Reference: https://platform.openai.com/docs/api-reference/responses and
 * https://platform.openai.com/docs/api-reference/responses-streaming. Each direction lives in its own file; this
 * one only assembles them.
 *
 * A Response carries `created_at` and `completed_at` (Unix seconds); `created_at` is the hub completion's `created`
 * when it has one, and both otherwise come from `now`, the one value from outside the data, which tests fix.
 */
import type { InboundContext, InboundDialect } from '../types.ts';
import { renderResponsesError } from './errors.ts';
import { responsesRequestToHub } from './inbound-request.ts';
import { hubResponseToResponses } from './inbound-response.ts';
import { createResponsesClientStream } from './inbound-stream.ts';

export interface ResponsesInboundOptions {
  /** Milliseconds since the epoch; `Date.now` unless a test fixes it. */
  readonly now?: () => number;
}

export function createResponsesInbound(options: ResponsesInboundOptions = {}): InboundDialect {
  const now = options.now ?? Date.now;
  const seconds = (): number => Math.floor(now() / 1000);
  return {
    toHubRequest: responsesRequestToHub,
    fromHubResponse: (completion, context: InboundContext) => hubResponseToResponses(completion, context, seconds()),
    createStream: (context: InboundContext) => createResponsesClientStream(context, seconds),
    renderError: renderResponsesError,
  };
}

export const responsesInbound: InboundDialect = createResponsesInbound();
