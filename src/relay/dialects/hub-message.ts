/**
 * What both outbound dialects build the same way: the hub's assistant message from the text, reasoning and
 * tool calls an Anthropic or Gemini answer carried, and the `<think>` form of reasoning a channel may ask for
 * (channel setting `thinking_to_content: true`: reasoning inside the content, for clients that only show it).
 */
import type { JsonBody } from '../types.ts';
import type { OutboundContext } from './types.ts';

export const THINK_OPEN = '<think>\n';
export const THINK_CLOSE = '\n</think>\n\n';

export function thinkingToContent(context: OutboundContext): boolean {
  return context.settings.thinking_to_content === true;
}

/**
 * A chat.completion message: reasoning as `reasoning_content` (or prefixed to the content in `<think>`), content
 * `null` when the answer is only tool calls, and `refusal: null`, which the schema requires (both providers
 * report refusals as a stop reason with the text as content).
 */
export function hubAssistantMessage(parts: { text: string; reasoning: string; toolCalls: readonly JsonBody[] }, context: OutboundContext): JsonBody {
  let text = parts.text;
  const message: JsonBody = { role: 'assistant' };
  if (parts.reasoning !== '' && thinkingToContent(context)) text = `${THINK_OPEN}${parts.reasoning}${THINK_CLOSE}${text}`;
  else if (parts.reasoning !== '') message.reasoning_content = parts.reasoning;
  message.content = text === '' && parts.toolCalls.length > 0 ? null : text;
  message.refusal = null;
  if (parts.toolCalls.length > 0) message.tool_calls = [...parts.toolCalls];
  return message;
}
