/**
 * The hub's `finish_reason` (https://platform.openai.com/docs/api-reference/chat/object#chat/object-choices) ⇄ a
 * Response's `status` and `incomplete_details.reason`
 * (https://platform.openai.com/docs/api-reference/responses/object#responses/object-status). A Response has no
 * "tool calls" ending: a turn that called functions is `completed` with function_call items in its output.
 */

export type HubFinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter';

export interface ResponseEnding {
  readonly status: 'completed' | 'incomplete';
  readonly incompleteDetails: { reason: 'max_output_tokens' | 'content_filter' } | null;
}

/** Hub → Responses: `length` and `content_filter` are incomplete answers; anything else is completed. */
export function responseEndingFor(finishReason: unknown): ResponseEnding {
  if (finishReason === 'length') return { status: 'incomplete', incompleteDetails: { reason: 'max_output_tokens' } };
  if (finishReason === 'content_filter') return { status: 'incomplete', incompleteDetails: { reason: 'content_filter' } };
  return { status: 'completed', incompleteDetails: null };
}

/**
 * Responses → hub. An incomplete response ran into a limit unless its reason says the filter cut it (the API
 * reference names `max_output_tokens` and `content_filter`; its own response.incomplete example says
 * `max_tokens`, so any other reason is a limit too). A completed turn with function calls is `tool_calls`.
 */
export function hubFinishReasonFor(status: unknown, incompleteDetails: unknown, sawFunctionCall: boolean): HubFinishReason {
  if (status === 'incomplete') {
    const reason = typeof incompleteDetails === 'object' && incompleteDetails !== null ? (incompleteDetails as { reason?: unknown }).reason : undefined;
    return reason === 'content_filter' ? 'content_filter' : 'length';
  }
  return sawFunctionCall ? 'tool_calls' : 'stop';
}
