/**
 * A hub `chat.completion` (https://platform.openai.com/docs/api-reference/chat/object) → a Response
 * (https://platform.openai.com/docs/api-reference/responses/object) for a Responses client.
 *
 * Output items in the order a reasoning model writes them: a `reasoning` item whose summary is the completion's
 * `reasoning_content` (or `reasoning`, as OpenRouter and vLLM name it), the `message` with its `output_text` (and a
 * `refusal` part when the model refused), then one `function_call` item per tool call. A completion that ended on
 * `length` or `content_filter` is `incomplete` with its reason (finish-reason.ts); usage is restated in the
 * Responses names (usage.ts).
 */
import { readOpenAIUsage } from '../../providers/openai-usage.ts';
import type { JsonBody } from '../../types.ts';
import type { InboundContext } from '../types.ts';
import { asRecord, readNumber, readRecords, readString } from '../json-fields.ts';
import { responseEndingFor } from './finish-reason.ts';
import { idBase, itemIdFor, responseIdFor, responseObject } from './response-object.ts';
import { responsesUsageFromHub } from './usage.ts';

/** `reasoning_content` (DeepSeek, vLLM, the gateway's own outbound dialects) or `reasoning` (OpenRouter). */
export function hubReasoning(record: Record<string, unknown>): string | undefined {
  return readString(record.reasoning_content) ?? readString(record.reasoning);
}

export function reasoningItem(id: string, text: string): JsonBody {
  return { id, type: 'reasoning', summary: [{ type: 'summary_text', text }] };
}

export function outputTextPart(text: string): JsonBody {
  return { type: 'output_text', text, annotations: [], logprobs: [] };
}

export function functionCallItem(fields: { id: string; callId: string; name: string; arguments: string; status: string }): JsonBody {
  return { id: fields.id, type: 'function_call', status: fields.status, call_id: fields.callId, name: fields.name, arguments: fields.arguments };
}

/** For upstreams that omit tool call ids; the id only has to be unique within the answer. */
export function fallbackCallId(base: string, index: number): string {
  return `call_${base}_${index}`;
}

export function hubResponseToResponses(completion: JsonBody, context: InboundContext, nowSeconds: number): JsonBody {
  const base = idBase(completion.id);
  const choice = readRecords(completion.choices).find((candidate) => (readNumber(candidate.index) ?? 0) === 0);
  const message = asRecord(choice?.message) ?? {};
  const ending = responseEndingFor(choice?.finish_reason);
  const output: JsonBody[] = [];

  const reasoning = hubReasoning(message) ?? '';
  if (reasoning !== '') output.push(reasoningItem(itemIdFor('rs', base, output.length), reasoning));
  const calls = readRecords(message.tool_calls);
  const content = messageParts(message);
  if (content.length > 0 || (calls.length === 0 && reasoning === '')) {
    const parts = content.length > 0 ? content : [outputTextPart('')];
    output.push({ id: itemIdFor('msg', base, output.length), type: 'message', status: ending.status, role: 'assistant', content: parts });
  }
  calls.forEach((call, index) => {
    const fn = asRecord(call.function) ?? {};
    output.push(
      functionCallItem({
        id: itemIdFor('fc', base, output.length),
        callId: readString(call.id) ?? fallbackCallId(base, index),
        name: readString(fn.name) ?? '',
        arguments: readString(fn.arguments) ?? '',
        status: 'completed',
      }),
    );
  });

  const usage = readOpenAIUsage(completion);
  const createdAt = readNumber(completion.created) ?? nowSeconds;
  return responseObject({
    id: responseIdFor(base),
    createdAt,
    completedAt: ending.status === 'completed' ? Math.max(createdAt, nowSeconds) : null,
    status: ending.status,
    incompleteDetails: ending.incompleteDetails,
    model: context.model,
    output,
    usage: usage === undefined ? undefined : responsesUsageFromHub(usage),
    request: context.request,
  });
}

/** The message's text (a string, or text parts some servers answer with) and its refusal, as output parts. */
function messageParts(message: Record<string, unknown>): JsonBody[] {
  const parts: JsonBody[] = [];
  const content = message.content;
  const text = typeof content === 'string' ? content : readRecords(content).map((part) => readString(part.text) ?? '').join('');
  if (text !== '') parts.push(outputTextPart(text));
  const refusal = readString(message.refusal);
  if (refusal !== undefined && refusal !== '') parts.push({ type: 'refusal', refusal });
  return parts;
}
