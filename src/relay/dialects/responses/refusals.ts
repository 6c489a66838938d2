/**
 * What a Responses request may ask for that a Chat Completions channel cannot give: state kept by OpenAI
 * (`previous_response_id`, `conversation`, stored prompts and items), work OpenAI runs itself (built-in tools,
 * background responses, server-side compaction). Such a request is refused before it goes anywhere, naming the
 * field, rather than answered as if the field had not been sent.
 */
import type { GatewayError } from '../../../errors/gateway-error.ts';
import type { JsonBody } from '../../types.ts';
import { invalidRequest, readArray } from '../json-fields.ts';

/** The `invalid_request` for a field only a Responses channel can serve, with what to do instead. */
export function needsResponsesChannel(field: string, what: string, instead: string): GatewayError {
  return invalidRequest(field, `${what} needs a channel that speaks the Responses API, and this model is served by a Chat Completions channel; ${instead}`);
}

/** Refuses the top-level fields that need OpenAI's own state or machinery. */
export function refuseStatefulFields(body: JsonBody): void {
  const previous = body.previous_response_id;
  if (previous !== undefined && previous !== null && previous !== '') {
    throw needsResponsesChannel('previous_response_id', 'continuing a stored response', 'send the whole conversation in input (and store: false)');
  }
  if (body.conversation !== undefined && body.conversation !== null) {
    throw needsResponsesChannel('conversation', 'a stored conversation', 'send the whole conversation in input');
  }
  if (body.background === true) {
    throw needsResponsesChannel('background', 'a background response', 'send the request without "background": true');
  }
  if (body.prompt !== undefined && body.prompt !== null) {
    throw needsResponsesChannel('prompt', 'a stored prompt template', 'send its text as instructions and input');
  }
  const compaction = body.context_management;
  if (compaction !== undefined && compaction !== null && (readArray(compaction)?.length ?? 1) > 0) {
    throw needsResponsesChannel('context_management', 'server-side compaction', 'leave context_management out');
  }
}
