/**
 * The Anthropic Messages dialect for clients (Claude Code, the Anthropic SDK) whose request goes to a channel
 * that speaks the hub format (architecture.md decision 1). Reference: https://docs.anthropic.com/en/api/messages,
 * https://platform.claude.com/docs/en/build-with-claude/streaming and https://platform.claude.com/docs/en/api/errors.
 * Each direction lives in its own file; this one only assembles them.
 */
import type { InboundDialect } from '../types.ts';
import { renderAnthropicError } from './errors.ts';
import { anthropicRequestToHub } from './inbound-request.ts';
import { hubResponseToAnthropic } from './inbound-response.ts';
import { createAnthropicClientStream } from './inbound-stream.ts';

export const anthropicInbound: InboundDialect = {
  toHubRequest: anthropicRequestToHub,
  fromHubResponse: hubResponseToAnthropic,
  createStream: createAnthropicClientStream,
  renderError: renderAnthropicError,
};
