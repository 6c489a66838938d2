/**
 * Responses API clients (the OpenAI SDK's `responses`, Codex, the Agents SDK) on channels whose upstream speaks
 * the Responses API — OpenAI, Azure, the OpenAI-compatible presets that list `responses`, a custom channel whose
 * URL is a Responses endpoint, any OpenAI-family channel with `chat_api: responses`: the client's body goes
 * upstream as it came and the answer comes back untouched (architecture.md decision 1, passthrough), so what only
 * the Responses API keeps or runs — previous_response_id, conversation, background, built-in tools, stored prompts,
 * `include` — reaches it. Channels that speak only chat get the request converted instead (the pipeline decides
 * per attempt, with `accepts`).
 *
 * The adapter (openai.ts) builds the upstream request as it always did for `/v1/responses`: the channel's upstream
 * model, a reasoning suffix (`o3-mini-high`) as `reasoning.effort`, the channel's credentials and headers. Usage is
 * read on the side (responses/stream-observer.ts), and a stream the upstream did not finish ends with a Responses
 * `error` event numbered after the last event relayed
 * (https://platform.openai.com/docs/api-reference/responses-streaming/error).
 */
import { readResponsesUsage, reasoningItemText } from '../dialects/responses/outbound-response.ts';
import { createResponsesObserver } from '../dialects/responses/stream-observer.ts';
import { asRecord, readRecords, readString } from '../dialects/json-fields.ts';
import type { ChannelTarget, NativeCapability, NativeRequest, RelayRequest, UpstreamRequest } from '../types.ts';

export interface ResponsesNativeOptions {
  /** True when this channel's upstream takes Responses requests. */
  accepts(target: ChannelTarget): boolean;
  /** The upstream request for the client's own Responses body. */
  buildRequest(request: RelayRequest, native: NativeRequest, target: ChannelTarget): UpstreamRequest;
}

/** The generated text of a Response (text, refusals, reasoning, function calls), for a local count when it reports no usage. */
export function responseText(json: unknown): string {
  let text = '';
  for (const item of readRecords(asRecord(json)?.output)) {
    if (item.type === 'message') {
      for (const part of readRecords(item.content)) text += readString(part.text) ?? readString(part.refusal) ?? '';
    } else if (item.type === 'reasoning') {
      text += reasoningItemText(item);
    } else if (item.type === 'function_call') {
      text += `${readString(item.name) ?? ''}${readString(item.arguments) ?? ''}`;
    }
  }
  return text;
}

export function createResponsesNative(options: ResponsesNativeOptions): NativeCapability {
  return {
    accepts: (native, target) => native.dialect === 'responses' && native.operation === 'responses' && options.accepts(target),
    buildRequest: options.buildRequest,
    observe: () => createResponsesObserver(),
    readWhole: (json) => ({ usage: readResponsesUsage(json), text: responseText(json) }),
    errorEvent: (error, observer) => ({
      event: 'error',
      data: JSON.stringify({
        type: 'error',
        code: error.code,
        message: error.message,
        param: null,
        sequence_number: observer?.lastSequenceNumber === undefined ? 0 : observer.lastSequenceNumber + 1,
      }),
    }),
  };
}
