/**
 * The Gemini generateContent dialect on the client side (architecture.md decision 1): the Google GenAI SDK, or
 * anything speaking https://ai.google.dev/api/generate-content, talking to the gateway about any model. The
 * model comes from the URL (`/v1beta/models/{model}:generateContent`), so from InboundContext.model.
 */
import type { InboundDialect } from '../types.ts';
import { renderGeminiError } from './errors.ts';
import { toHubRequest } from './inbound-request.ts';
import { fromHubResponse } from './inbound-response.ts';
import { createGeminiClientStream } from './inbound-stream.ts';

export const geminiInbound: InboundDialect = {
  toHubRequest,
  fromHubResponse,
  createStream: createGeminiClientStream,
  renderError: renderGeminiError,
};
