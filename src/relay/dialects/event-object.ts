/**
 * The data of one upstream SSE event read as a JSON object, for the outbound stream converters whose providers
 * put one object in every event (Anthropic Messages, the Responses API). Anything else is a malformed event:
 * the stream cannot be trusted past it, so it ends the attempt (not retried once output flowed).
 */
import { UpstreamError } from '../errors.ts';
import { asRecord } from './json-fields.ts';
import type { SseIn } from './types.ts';

/** `upstream` names the provider in the message ("Anthropic", "Responses"). */
export function parseEventObject(event: SseIn, upstream: string): Record<string, unknown> {
  let data: unknown;
  try {
    data = JSON.parse(event.data);
  } catch {
    data = undefined;
  }
  const record = asRecord(data);
  if (record === undefined) {
    throw new UpstreamError({
      status: 502,
      code: 'malformed_event',
      message: `the ${upstream} upstream sent a ${event.event ?? 'message'} event whose data is not a JSON object`,
      retryable: false,
      channelAtFault: false,
      upstreamBody: event.data.slice(0, 2048),
    });
  }
  return record;
}
