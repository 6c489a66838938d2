/**
 * Whole (non-stream) answers: a JSON answer is read to its end before anything reaches the client (to find its
 * usage, and so that a body cut short is a failed attempt rather than a 200 with broken JSON); any other body
 * (speech audio) is passed through as it arrives. Without upstream usage, the usage is estimated locally.
 * A channel that answers in its own format (the adapter's `translate`) has its answer converted to a hub
 * `chat.completion` before the client sees it; OpenAI-format answers are returned as received.
 */
import { redactUpstreamBody } from '../security/redact.ts';
import { countText } from '../tokenizer/count.ts';
import type { DispatchResponse } from './dispatch.ts';
import { isUpstreamError, UpstreamError } from './errors.ts';
import { emptyUsage } from './outcome.ts';
import { asRecord } from './json-record.ts';
import type { HubTranslation, ProviderAdapter, RelayRequest, Usage } from './types.ts';

/** Non-stream JSON answers are read whole (to find usage); bigger ones are an upstream fault. */
const MAX_JSON_RESPONSE_BYTES = 64 * 1024 * 1024;

export interface WholeEnd {
  state: 'completed' | 'upstream_error' | 'client_gone';
  errorCode: string | undefined;
  usage: Usage;
}

/**
 * Hands a whole (non-stream) answer back. JSON answers are read to their end before anything is sent, to find
 * usage and so that a body cut short is a failed attempt (the next channel may answer) instead of a 200 with
 * broken JSON; their usage is returned. Other answers (speech audio) are passed through as they arrive and
 * reported through `ended` when they end.
 */
export async function answerWhole(
  request: RelayRequest,
  response: DispatchResponse,
  adapter: ProviderAdapter,
  promptTokens: () => number,
  ended: (end: WholeEnd) => void,
  translation?: HubTranslation,
): Promise<{ response: Response; usage: Usage | undefined }> {
  const contentType = response.headers.get('content-type');
  if (translation !== undefined) return answerTranslated(request, response, adapter, promptTokens, translation);
  if (contentType === null || !contentType.toLowerCase().includes('json')) {
    const headers = new Headers();
    if (contentType !== null) headers.set('content-type', contentType);
    const body = observeBody(response, (state, errorCode) => ended({ state, errorCode, usage: estimateWhole(request, promptTokens, undefined) }));
    return { response: new Response(body, { status: response.status, headers }), usage: undefined };
  }
  const text = await readWholeBody(response, MAX_JSON_RESPONSE_BYTES);
  let usage: Usage | undefined;
  try {
    usage = adapter.readUsage(JSON.parse(text));
  } catch {
    usage = undefined;
  }
  return { response: new Response(text, { status: response.status, headers: { 'content-type': contentType } }), usage: usage ?? estimateWhole(request, promptTokens, text) };
}

/**
 * A native JSON answer (Anthropic, Gemini) read whole and converted to a hub `chat.completion`. Usage is read
 * from the native answer, whose counts the converter only restates. A 2xx that is not a JSON object (a proxy's
 * HTML page) is a failed attempt: there is nothing to convert.
 */
async function answerTranslated(
  request: RelayRequest,
  response: DispatchResponse,
  adapter: ProviderAdapter,
  promptTokens: () => number,
  translation: HubTranslation,
): Promise<{ response: Response; usage: Usage }> {
  const text = await readWholeBody(response, MAX_JSON_RESPONSE_BYTES);
  let native: unknown;
  try {
    native = JSON.parse(text);
  } catch {
    native = undefined;
  }
  const record = asRecord(native);
  if (record === undefined) {
    throw new UpstreamError({
      status: 0,
      code: 'bad_response_body',
      message: 'the upstream answered 2xx without a JSON object',
      retryable: true,
      channelAtFault: false,
      upstreamBody: redactUpstreamBody(text),
    });
  }
  const hubText = JSON.stringify(translation.response(record));
  const usage = adapter.readUsage(record) ?? estimateWhole(request, promptTokens, hubText);
  return { response: new Response(hubText, { status: response.status, headers: { 'content-type': 'application/json' } }), usage };
}

/** Reads a body whole as UTF-8; a read failure or a body over `maxBytes` rejects with an UpstreamError. */
async function readWholeBody(response: DispatchResponse, maxBytes: number): Promise<string> {
  // One decode of the whole body (a code point split across chunks decodes as it would in a streaming decode).
  return utf8.decode(await readWholeBytes(response, maxBytes));
}

/** Reads a body whole, as the bytes it came in; a read failure or a body over `maxBytes` rejects with an UpstreamError. */
export async function readWholeBytes(response: DispatchResponse, maxBytes: number = MAX_JSON_RESPONSE_BYTES): Promise<Uint8Array> {
  const next = chunkSource(response);
  const parts: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const chunk = await next();
      if (chunk === undefined) break;
      total += chunk.byteLength;
      if (total > maxBytes) {
        throw new UpstreamError({
          status: 0,
          code: 'bad_response_body',
          message: `the upstream answer is larger than ${Math.round(maxBytes / 1024 / 1024)} MiB`,
          retryable: false,
          channelAtFault: false,
        });
      }
      parts.push(chunk);
    }
  } catch (error) {
    response.cancel();
    if (isUpstreamError(error)) throw error;
    throw new UpstreamError({ status: 0, code: 'bad_response_body', message: 'the upstream answer could not be read', retryable: true, channelAtFault: false });
  }
  if (parts.length === 1 && parts[0] !== undefined) return parts[0];
  const whole = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    whole.set(part, offset);
    offset += part.byteLength;
  }
  return whole;
}

const utf8 = new TextDecoder();

/**
 * The next non-empty chunk of a dispatched body, undefined at its end: the dispatcher's direct read when it has
 * one (no wrapper stream), else the body's reader. Empty chunks are skipped either way.
 */
function chunkSource(response: DispatchResponse): () => Promise<Uint8Array | undefined> {
  if (response.read !== undefined) return response.read.bind(response);
  const reader = response.body.getReader();
  return async () => {
    for (;;) {
      const result = await reader.read();
      if (result.done) return undefined;
      if (result.value.byteLength > 0) return result.value;
    }
  };
}

/** Passes a body through untouched and reports once how it ended. */
function observeBody(response: DispatchResponse, ended: (state: WholeEnd['state'], errorCode: string | undefined) => void): ReadableStream<Uint8Array> {
  const reader = response.body.getReader();
  let reported = false;
  const report = (state: WholeEnd['state'], errorCode: string | undefined): void => {
    if (reported) return;
    reported = true;
    ended(state, errorCode);
  };
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const result = await reader.read();
          if (result.done) {
            report('completed', undefined);
            controller.close();
          } else {
            controller.enqueue(result.value);
          }
        } catch (error) {
          report('upstream_error', isUpstreamError(error) ? error.code : 'stream_failed');
          controller.error(error);
        }
      },
      cancel() {
        response.cancel();
        report('client_gone', 'client_gone');
      },
    },
    { highWaterMark: 0 },
  );
}

/** Local estimate when the upstream reported no usage: the prompt, plus the answer's text when there is one. */
function estimateWhole(request: RelayRequest, promptTokens: () => number, text: string | undefined): Usage {
  return estimatedUsage(request, promptTokens, text === undefined ? '' : answerText(text));
}

/** A local count, flagged estimated: the prompt, plus the generated text (empty for none). */
export function estimatedUsage(request: RelayRequest, promptTokens: () => number, generatedText: string): Usage {
  const usage = emptyUsage(true);
  usage.promptTokens = promptTokens();
  if (generatedText !== '') usage.completionTokens = countText(request.requestedModel, generatedText);
  usage.totalTokens = usage.promptTokens + usage.completionTokens;
  return usage;
}

/** The generated text of a chat or completions answer (content, reasoning and tool arguments). */
function answerText(json: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return '';
  }
  const choices = (parsed as { choices?: unknown }).choices;
  if (!Array.isArray(choices)) return '';
  const parts: string[] = [];
  for (const choice of choices as { text?: unknown; message?: { content?: unknown; reasoning_content?: unknown; tool_calls?: unknown } }[]) {
    if (typeof choice.text === 'string') parts.push(choice.text);
    const message = choice.message;
    if (message === undefined) continue;
    if (typeof message.content === 'string') parts.push(message.content);
    if (typeof message.reasoning_content === 'string') parts.push(message.reasoning_content);
    if (Array.isArray(message.tool_calls)) {
      for (const call of message.tool_calls as { function?: { arguments?: unknown } }[]) {
        if (typeof call.function?.arguments === 'string') parts.push(call.function.arguments);
      }
    }
  }
  return parts.join('');
}
