/**
 * Gemini clients (the Google GenAI SDK, anything speaking generateContent) on `gemini` channels: the client's
 * body goes upstream as it came and the answer comes back untouched (architecture.md decision 1, passthrough),
 * so what the hub cannot carry — Google's own tools (googleSearch, codeExecution), cachedContent, file parts,
 * safety settings, thought signatures, fields added later — reaches Google and the client.
 *
 * What the gateway still does, the same as for a converted request:
 * - the model in the URL is the channel's upstream model (model mapping) without the gateway's thinking suffix
 *   (thinking.ts); that suffix sets `generationConfig.thinkingConfig` as it does for converted requests — the
 *   operator's choice, priced as such, so it wins over the client's own thinkingConfig;
 * - embedContent and batchEmbedContents name the model in the body too (`models/…`): those names become the
 *   upstream model's;
 * - the channel's `safety_settings` apply when the client sent no `safetySettings` of its own;
 * - the channel's key as `x-goog-api-key`, never `?key=`; `alt=sse` as the client asked (without it Google
 *   answers a stream as one JSON array, which is relayed whole).
 * `thinking_to_content` applies to converted requests only: a Gemini client reads thought parts natively.
 * countTokens is answered locally and never comes here.
 */
import { readGeminiError, renderGeminiError, upstreamErrorFromGemini } from '../dialects/gemini/errors.ts';
import { geminiModelAndThinking } from '../dialects/gemini/outbound.ts';
import { readGeminiUsage } from '../dialects/gemini/usage.ts';
import { asRecord, readArray, readRecords, readString } from '../dialects/json-fields.ts';
import type { OutboundDialect } from '../dialects/types.ts';
import type { ChannelTarget, JsonBody, NativeCapability, NativeRequest, RelayRequest, UpstreamRequest, Usage } from '../types.ts';
import { type GeminiMethod, geminiMethodUrl } from './gemini.ts';

const GENERATE: ReadonlySet<string> = new Set(['generateContent', 'streamGenerateContent']);
const EMBED: ReadonlySet<string> = new Set(['embedContent', 'batchEmbedContents']);

/** The relay's own timeout codes: Google's DEADLINE_EXCEEDED (504); any other cut is UNAVAILABLE (502). */
const TIMEOUT_CODES: ReadonlySet<string> = new Set(['first_byte_timeout', 'idle_timeout', 'total_timeout']);

/** The HTTP status of a stream failure after the 200 that carries none of its own (a cut, a timeout). */
export function geminiStreamFailureStatus(code: string): number {
  return TIMEOUT_CODES.has(code) ? 504 : 502;
}

/** The client's text when nothing in it has to change; else its body with the gateway's changes. */
export function geminiNativeBody(native: NativeRequest, target: ChannelTarget): string {
  const { model, thinkingBudget } = geminiModelAndThinking(target.upstreamModel);
  let edited: JsonBody | undefined;
  const body = (): JsonBody => (edited ??= { ...native.body });
  if (GENERATE.has(native.operation)) {
    if (thinkingBudget !== undefined) {
      const thinkingConfig = thinkingBudget === 0 ? { thinkingBudget: 0 } : { thinkingBudget, includeThoughts: true };
      body().generationConfig = { ...asRecord(native.body.generationConfig), thinkingConfig };
    }
    const safety = target.settings.safety_settings;
    if (Array.isArray(safety) && native.body.safetySettings === undefined) body().safetySettings = safety;
  } else {
    const resource = `models/${model}`;
    const named = (value: unknown): boolean => typeof value === 'string' && value !== resource;
    if (named(native.body.model)) body().model = resource;
    const entries = readArray(native.body.requests);
    if (entries?.some((entry) => named(asRecord(entry)?.model)) === true) {
      body().requests = entries.map((entry) => {
        const request = asRecord(entry);
        return request !== undefined && typeof request.model === 'string' ? { ...request, model: resource } : entry;
      });
    }
  }
  return edited === undefined ? native.text : JSON.stringify(edited);
}

/** The generated text of GenerateContentResponses (text and thought parts, function calls), for a local count. */
function answerText(responses: readonly unknown[]): string {
  let text = '';
  for (const response of responses) {
    for (const candidate of readRecords(asRecord(response)?.candidates)) {
      for (const part of readRecords(asRecord(candidate.content)?.parts)) {
        text += readString(part.text) ?? '';
        const call = asRecord(part.functionCall);
        if (call !== undefined) text += `${readString(call.name) ?? ''}${JSON.stringify(call.args ?? {})}`;
      }
    }
  }
  return text;
}

export function createGeminiNative(dialect: OutboundDialect): NativeCapability {
  return {
    accepts: (native) => native.dialect === 'gemini' && (GENERATE.has(native.operation) || EMBED.has(native.operation)),
    buildRequest(_request: RelayRequest, native: NativeRequest, target: ChannelTarget): UpstreamRequest {
      // `accepts` let through the four methods GeminiMethod names.
      const method = native.operation as GeminiMethod;
      const sse = method === 'streamGenerateContent' && native.query.alt === 'sse';
      return {
        url: geminiMethodUrl(target.baseUrl, target.upstreamModel, method, sse),
        method: 'POST',
        // The key goes in a header, never as `?key=`: URLs reach logs and error messages.
        headers: { 'x-goog-api-key': target.key, 'content-type': 'application/json', accept: sse ? 'text/event-stream' : 'application/json' },
        body: geminiNativeBody(native, target),
      };
    },
    observe: (request, target) => dialect.createStream({ upstreamModel: target.upstreamModel, stream: request.stream, settings: target.settings }),
    readWhole(json) {
      // A stream without `alt=sse` is one JSON array of responses; a failure after the 200 is its last element.
      const responses = Array.isArray(json) ? json : [json];
      const last: unknown = responses.at(-1);
      const error = readGeminiError(last);
      if (error !== undefined) throw upstreamErrorFromGemini(error, JSON.stringify(last));
      let usage: Usage | undefined;
      for (let index = responses.length - 1; index >= 0 && usage === undefined; index--) usage = readGeminiUsage(responses[index]);
      return { usage, text: answerText(responses) };
    },
    errorEvent(error) {
      const status = error.status >= 400 && error.status <= 599 ? error.status : geminiStreamFailureStatus(error.code);
      return { data: JSON.stringify(renderGeminiError({ ...error, status }).body) };
    },
  };
}
