/**
 * Anthropic `stop_reason` ⇄ OpenAI `finish_reason`.
 * - Anthropic values: https://platform.claude.com/docs/en/build-with-claude/handling-stop-reasons and the
 *   `Message.stop_reason` field of https://docs.anthropic.com/en/api/messages (end_turn, max_tokens,
 *   stop_sequence, tool_use, pause_turn, refusal, model_context_window_exceeded).
 * - OpenAI values: https://platform.openai.com/docs/api-reference/chat/object#chat/object-choices (stop, length,
 *   tool_calls, content_filter, function_call).
 */

export type AnthropicStopReason = 'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use' | 'refusal';
export type HubFinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter';

/**
 * A hub finish reason → Anthropic's. `stop` becomes `stop_sequence` only when the matched sequence is known
 * (`matchedStop`; OpenAI does not report it, vLLM does as `choices[].stop_reason`). A missing or unknown
 * reason is a natural end.
 */
export function toAnthropicStopReason(finishReason: unknown, matchedStop: string | undefined): AnthropicStopReason {
  switch (finishReason) {
    case 'length':
      return 'max_tokens';
    case 'tool_calls':
    case 'function_call':
      return 'tool_use';
    case 'content_filter':
      return 'refusal';
    case 'stop':
      return matchedStop === undefined ? 'end_turn' : 'stop_sequence';
    default:
      return 'end_turn';
  }
}

/**
 * An Anthropic stop reason → the hub's. `pause_turn` (a server tool paused a long turn) has no OpenAI
 * counterpart; the turn did end, so it is `stop`. `model_context_window_exceeded` is a length limit.
 */
export function toHubFinishReason(stopReason: unknown): HubFinishReason {
  switch (stopReason) {
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'refusal':
      return 'content_filter';
    default:
      return 'stop';
  }
}
