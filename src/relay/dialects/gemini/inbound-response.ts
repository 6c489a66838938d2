/**
 * A hub `chat.completion` → the GenerateContentResponse a Gemini client expects
 * (https://ai.google.dev/api/generate-content#v1beta.GenerateContentResponse): one candidate per choice, whose parts are
 * a thought part `{text, thought: true}` (from `reasoning_content`), a text part, then one `functionCall` part
 * per tool call (arguments parsed; text that is not a JSON object is kept under `raw_arguments`). The call's
 * hub id travels as `functionCall.id`, so a client that echoes it in its functionResponse is matched exactly.
 */
import type { JsonBody } from '../../types.ts';
import type { InboundContext } from '../types.ts';
import { geminiFinishReason } from './finish-reason.ts';
import { asRecord, parseToolArguments, readNumber, readRecords, readString } from '../json-fields.ts';
import { usageMetadataFromHub } from './usage.ts';

/** Thought, then text parts; empty strings give no part. `refusal` is text the model wrote, so it is text. */
export function textParts(reasoning: unknown, content: unknown, refusal?: unknown): JsonBody[] {
  const parts: JsonBody[] = [];
  if (typeof reasoning === 'string' && reasoning !== '') parts.push({ text: reasoning, thought: true });
  if (typeof content === 'string' && content !== '') parts.push({ text: content });
  if (typeof refusal === 'string' && refusal !== '') parts.push({ text: refusal });
  return parts;
}

export interface HubToolCall {
  readonly id: string | undefined;
  readonly name: string;
  readonly arguments: string;
}

export function functionCallPart(call: HubToolCall): JsonBody {
  const functionCall: JsonBody = { name: call.name, args: parseToolArguments(call.arguments) };
  if (call.id !== undefined) functionCall.id = call.id;
  return { functionCall };
}

/** A candidate's content; a part-less answer gets one empty text part, which clients reading `parts[0]` survive. */
export function candidateContent(parts: JsonBody[]): JsonBody {
  return { role: 'model', parts: parts.length > 0 ? parts : [{ text: '' }] };
}

export function fromHubResponse(completion: JsonBody, context: InboundContext): JsonBody {
  const candidates = readRecords(completion.choices).map((choice, position) => {
    const message = asRecord(choice.message) ?? {};
    const calls = readRecords(message.tool_calls).map((call) => {
      const fn = asRecord(call.function) ?? {};
      return { id: readString(call.id), name: readString(fn.name) ?? '', arguments: readString(fn.arguments) ?? '' };
    });
    const parts = [...textParts(message.reasoning_content, message.content, message.refusal), ...calls.map(functionCallPart)];
    return {
      content: candidateContent(parts),
      finishReason: geminiFinishReason(choice.finish_reason),
      index: readNumber(choice.index) ?? position,
    };
  });
  const response: JsonBody = { candidates };
  const usageMetadata = usageMetadataFromHub(completion.usage);
  if (usageMetadata !== undefined) response.usageMetadata = usageMetadata;
  response.modelVersion = readString(completion.model) ?? context.model;
  const id = readString(completion.id);
  if (id !== undefined) response.responseId = id;
  return response;
}
