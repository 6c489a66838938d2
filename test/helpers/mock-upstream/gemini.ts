/**
 * The Gemini API's generateContent family, as its reference describes it (https://ai.google.dev/api/generate-content,
 * …/api/tokens, …/api/embeddings, …/gemini-api/docs/thinking, …/gemini-api/docs/troubleshooting) and as
 * `@google/genai` reads it (GenerateContentResponse, GenerateContentResponseUsageMetadata, ApiError):
 *
 *   POST /{v1beta|v1}/models/{model}:generateContent        a GenerateContentResponse
 *   POST …:streamGenerateContent?alt=sse                     `data: <GenerateContentResponse>` events framed
 *                                                           with CRLF as Google writes them, no event names, no
 *                                                           `[DONE]`; the text split across events, the last
 *                                                           with finishReason and the full usageMetadata (the
 *                                                           earlier ones carry only the prompt count, as
 *                                                           Google's do). Without `alt=sse`: a streamed JSON array.
 *   POST …:countTokens                                       `{totalTokens, promptTokensDetails}`
 *   POST …:embedContent / …:batchEmbedContents               `{embedding: {values}}` / `{embeddings: [{values}]}`
 *
 * The model comes from the URL path (URL-decoded, so `models/mock%2Fchunks%3D3:generateContent` selects the
 * controls `chunks=3`), the key from `x-goog-api-key` or `?key=`; errors are Google's
 * `{"error":{"code","message","status"}}`: a missing key is 403 PERMISSION_DENIED, a rejected one 400
 * INVALID_ARGUMENT with reason API_KEY_INVALID. Usage semantics: `promptTokenCount` includes cached tokens,
 * `candidatesTokenCount` excludes thoughts, `totalTokenCount` = prompt + candidates + thoughts.
 */
import type { MockControls } from './controls.ts';
import { collectText, DEFAULT_CHUNKS, estimateTokens, mockId, padding, paddingTokens, pickTool, reportUsage, words } from './generation.ts';
import { geminiImageError } from './images.ts';
import { embeddingVector } from './retrieval.ts';
import { dataLine, SseWriter } from './sse.ts';
import { isRecord, readNumber, utf8, type Dialect, type DialectEndpoint, type HandlerContext, type MockReply, type RecordedRequest, type RouteMatch, type UsageReport } from './types.ts';

const METHODS: Readonly<Record<string, DialectEndpoint>> = {
  generateContent: 'gemini-generate-content',
  streamGenerateContent: 'gemini-stream-generate-content',
  countTokens: 'gemini-count-tokens',
  embedContent: 'gemini-embed-content',
  batchEmbedContents: 'gemini-batch-embed-contents',
};

/** `POST /{v1beta|v1|v1alpha}/models/{model}:{method}`; the model segment may be URL-encoded. */
export function matchGeminiRoute(method: string, pathname: string): RouteMatch | undefined {
  if (method !== 'POST') return undefined;
  const match = /^\/(?:v1beta|v1|v1alpha)\/models\/(.+):([A-Za-z]+)$/.exec(pathname);
  const endpoint = match === null ? undefined : METHODS[match[2] ?? ''];
  if (match === null || endpoint === undefined) return undefined;
  let model = match[1] ?? '';
  try {
    model = decodeURIComponent(model);
  } catch {
    // A malformed escape stays as sent.
  }
  return { endpoint, form: 'gemini', deployment: undefined, model };
}

const JSON_TYPE = 'application/json; charset=UTF-8';

function googleJson(status: number, body: unknown): MockReply {
  return { status, headers: { 'content-type': JSON_TYPE }, parts: [utf8(JSON.stringify(body))], streaming: false };
}

/** google.rpc.Code names by HTTP status (https://ai.google.dev/gemini-api/docs/troubleshooting#error-codes). */
const STATUS_NAMES: Readonly<Record<number, string>> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ABORTED',
  429: 'RESOURCE_EXHAUSTED',
  499: 'CANCELLED',
  500: 'INTERNAL',
  501: 'UNIMPLEMENTED',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

function googleError(status: number, statusName: string, message: string, details?: unknown[]): MockReply {
  return googleJson(status, { error: { code: status, message, status: statusName, ...(details === undefined ? {} : { details }) } });
}

const API_KEY_INVALID = 'API key not valid. Please pass a valid API key.';

/** The text of the last user turn of `contents` (for tool triggers and `echo-input-in-error`). */
function lastUserText(contents: unknown): string {
  if (!Array.isArray(contents)) return '';
  for (let index = contents.length - 1; index >= 0; index -= 1) {
    const content: unknown = contents[index];
    if (isRecord(content) && (content.role === undefined || content.role === 'user')) return collectText(content.parts);
  }
  return '';
}

function errorMessage(statusName: string, request: RecordedRequest): string {
  switch (statusName) {
    case 'INVALID_ARGUMENT': {
      const input = request.controls.echoInputInError === true && isRecord(request.json) ? lastUserText(request.json.contents) : undefined;
      return input === undefined ? 'Request contains an invalid argument.' : `Request contains an invalid argument: ${input}`;
    }
    case 'FAILED_PRECONDITION':
      return 'User location is not supported for the API use.';
    case 'UNAUTHENTICATED':
      return 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.';
    case 'PERMISSION_DENIED':
      return 'The caller does not have permission';
    case 'NOT_FOUND': {
      const path = /^\/(v[^/]+)\/models\/.+:([A-Za-z]+)$/.exec(request.path);
      return `models/${request.model ?? ''} is not found for API version ${path?.[1] ?? 'v1beta'}, or is not supported for ${path?.[2] ?? 'generateContent'}. Call ListModels to see the list of available models and their supported methods.`;
    }
    case 'RESOURCE_EXHAUSTED':
      return 'You exceeded your current quota, please check your plan and billing details. For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits.';
    case 'UNAVAILABLE':
      return 'The model is overloaded. Please try again later.';
    case 'DEADLINE_EXCEEDED':
      return 'Deadline expired before operation could complete.';
    default:
      return 'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting';
  }
}

/** A 429's details: which quota, and when to retry (RetryInfo carries the `retry-after` control). */
function quotaDetails(request: RecordedRequest): unknown[] {
  const details: unknown[] = [
    {
      '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
      violations: [{ quotaMetric: 'generativelanguage.googleapis.com/generate_content_requests', quotaId: 'GenerateRequestsPerMinutePerProjectPerModel', quotaDimensions: { location: 'global', model: request.model ?? '' }, quotaValue: '15' }],
    },
  ];
  if (request.controls.retryAfter !== undefined) details.push({ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${request.controls.retryAfter}s` });
  return details;
}

/** Google's own answers before a handler runs (see `Dialect`). */
export const GEMINI_DIALECT: Dialect = {
  credentials(headers, query) {
    const header = headers['x-goog-api-key'];
    if (header !== undefined) return { key: header, header: 'x-goog-api-key' };
    const key = query.get('key');
    if (key !== null) return { key, header: 'key' };
    const authorization = headers.authorization;
    if (authorization !== undefined && /^bearer\s+/i.test(authorization)) return { key: authorization.replace(/^bearer\s+/i, ''), header: 'authorization' };
    return { key: undefined, header: undefined };
  },
  invalidRequest(_request, message) {
    return googleError(400, 'INVALID_ARGUMENT', message);
  },
  keyRejected(request, echoKey) {
    if (echoKey) return googleError(401, 'UNAUTHENTICATED', `API key not valid: ${request.apiKey ?? ''}. Please pass a valid API key.`);
    if (request.apiKey === undefined || request.apiKey === '') {
      return googleError(403, 'PERMISSION_DENIED', "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.");
    }
    return googleError(400, 'INVALID_ARGUMENT', API_KEY_INVALID, [
      { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', domain: 'googleapis.com', metadata: { service: 'generativelanguage.googleapis.com' } },
      { '@type': 'type.googleapis.com/google.rpc.LocalizedMessage', locale: 'en-US', message: API_KEY_INVALID },
    ]);
  },
  checkHeaders() {
    return undefined;
  },
  error(request, status) {
    const statusName = request.controls.code ?? STATUS_NAMES[status] ?? 'UNKNOWN';
    return googleError(status, statusName, errorMessage(statusName, request), statusName === 'RESOURCE_EXHAUSTED' ? quotaDetails(request) : undefined);
  },
  replyHeaders() {
    return { 'x-content-type-options': 'nosniff', 'server-timing': 'gfet4t7; dur=1' };
  },
};

function invalid(message: string): MockReply {
  return googleError(400, 'INVALID_ARGUMENT', message);
}

/** Prompt tokens: contents, system instruction and tool declarations (countTokens gives the same). */
function promptTokens(body: Record<string, unknown>): number {
  return estimateTokens(`${collectText(body.systemInstruction ?? body.system_instruction)} ${collectText(body.contents)}`.trim()) + (Array.isArray(body.tools) ? estimateTokens(JSON.stringify(body.tools)) : 0);
}

/** Gemini's OpenAPI-subset schemas use upper-case types (`OBJECT`, `STRING`); JSON Schema's are lower-case. */
function jsonSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(jsonSchema);
  if (!isRecord(schema)) return schema;
  return Object.fromEntries(Object.entries(schema).map(([key, value]) => [key, key === 'type' && typeof value === 'string' ? value.toLowerCase() : jsonSchema(value)]));
}

/** `tools[].functionDeclarations` as chat tools, for `pickTool`. */
function chatTools(tools: unknown): unknown[] | undefined {
  if (!Array.isArray(tools)) return undefined;
  return tools.flatMap((tool: unknown) => {
    if (!isRecord(tool)) return [];
    const declarations: unknown = tool.functionDeclarations ?? tool.function_declarations;
    if (!Array.isArray(declarations)) return [];
    return declarations.flatMap((declaration: unknown) => {
      if (!isRecord(declaration) || typeof declaration.name !== 'string') return [];
      return [{ type: 'function', function: { name: declaration.name, parameters: jsonSchema(declaration.parameters ?? declaration.parametersJsonSchema) } }];
    });
  });
}

/** `toolConfig.functionCallingConfig` {mode: AUTO | ANY | NONE, allowedFunctionNames} in chat terms. */
function chatToolChoice(toolConfig: unknown): unknown {
  const config = isRecord(toolConfig) && isRecord(toolConfig.functionCallingConfig) ? toolConfig.functionCallingConfig : undefined;
  if (config?.mode === 'NONE') return 'none';
  if (config?.mode === 'ANY' || config?.mode === 'VALIDATED') {
    const allowed = Array.isArray(config.allowedFunctionNames) ? config.allowedFunctionNames : [];
    return allowed.length === 1 && typeof allowed[0] === 'string' ? { type: 'function', function: { name: allowed[0] } } : 'required';
  }
  return undefined;
}

/** True when the last turn hands back function responses: the model then answers in text. */
function endsWithFunctionResponse(contents: unknown): boolean {
  const last: unknown = Array.isArray(contents) ? contents.at(-1) : undefined;
  return isRecord(last) && Array.isArray(last.parts) && last.parts.some((part: unknown) => isRecord(part) && (part.functionResponse !== undefined || part.function_response !== undefined));
}

const THOUGHT_WORDS = ['**Weighing', ' the', ' request**', '\n\n', 'Let', ' me', ' think', ' this', ' through', '.'];

interface Thinking {
  /** The model thinks (thoughtsTokenCount is reported). */
  readonly thinks: boolean;
  /** Thought summaries are returned as `thought: true` parts. */
  readonly includeThoughts: boolean;
}

/** `generationConfig.thinkingConfig`: includeThoughts, a non-zero thinkingBudget, or a thinkingLevel. */
function thinkingOf(config: Record<string, unknown>): Thinking {
  const thinking = isRecord(config.thinkingConfig) ? config.thinkingConfig : {};
  const includeThoughts = thinking.includeThoughts === true;
  const budget = readNumber(thinking, 'thinkingBudget');
  return { thinks: includeThoughts || (budget !== undefined && budget !== 0) || typeof thinking.thinkingLevel === 'string', includeThoughts };
}

function usageMetadata(report: UsageReport): Record<string, unknown> {
  const candidates = report.completionTokens - report.reasoningTokens;
  return {
    promptTokenCount: report.promptTokens,
    candidatesTokenCount: candidates,
    totalTokenCount: report.totalTokens,
    ...(report.cachedTokens > 0 ? { cachedContentTokenCount: report.cachedTokens } : {}),
    promptTokensDetails: [{ modality: 'TEXT', tokenCount: report.promptTokens }],
    ...(report.cachedTokens > 0 ? { cacheTokensDetails: [{ modality: 'TEXT', tokenCount: report.cachedTokens }] } : {}),
    ...(report.reasoningTokens > 0 ? { thoughtsTokenCount: report.reasoningTokens } : {}),
  };
}

/** What every stream event but the last carries: the prompt count only. */
function partialUsageMetadata(report: UsageReport): Record<string, unknown> {
  return { promptTokenCount: report.promptTokens, totalTokenCount: report.promptTokens, promptTokensDetails: [{ modality: 'TEXT', tokenCount: report.promptTokens }] };
}

function thoughtSignature(sequence: number): string {
  return Buffer.from(`mock-thought-signature-${String(sequence).padStart(6, '0')}`).toString('base64');
}

/** `error-event-after-chunks`: the first `after` events, then Google's in-band error, then the end of the body. */
function withErrorEvent(reply: MockReply, controls: MockControls, sseControls: MockControls): MockReply {
  const after = controls.errorEventAfterChunks;
  if (after === undefined) return reply;
  const statusName = controls.code ?? 'UNAVAILABLE';
  const status = Number(Object.entries(STATUS_NAMES).find(([, name]) => name === statusName)?.[0] ?? 503);
  const event = new SseWriter(sseControls);
  event.data({ error: { code: status, message: statusName === 'UNAVAILABLE' ? 'The model is overloaded. Please try again later.' : `Mock error ${statusName}.`, status: statusName } });
  return { ...reply, parts: [...reply.parts.slice(0, after), ...event.parts], usage: undefined, errorEvent: true };
}

function generate(context: HandlerContext, stream: boolean): MockReply {
  const body = context.json ?? {};
  if (!Array.isArray(body.contents) || body.contents.length === 0) return invalid('* GenerateContentRequest.contents: contents is not specified\n');
  const imageError = geminiImageError(body.contents);
  if (imageError !== undefined) return invalid(imageError);
  const { controls } = context;
  const config = isRecord(body.generationConfig) ? body.generationConfig : {};
  const thinking = thinkingOf(config);
  const usageControls: MockControls = { ...controls, reasoningTokens: controls.reasoningTokens ?? (thinking.thinks ? THOUGHT_WORDS.length : 0) };
  const wanted = controls.chunks ?? DEFAULT_CHUNKS;
  const limit = readNumber(config, 'maxOutputTokens');
  const truncated = limit !== undefined && limit < wanted;
  const count = truncated ? Math.max(0, Math.floor(limit)) : wanted;
  const tool = endsWithFunctionResponse(body.contents) ? undefined : pickTool(controls, lastUserText(body.contents), chatTools(body.tools), chatToolChoice(body.toolConfig));
  const finishReason = truncated && tool === undefined ? 'MAX_TOKENS' : 'STOP';
  const prompt = promptTokens(body);
  const usageFor = (visible: number): UsageReport | undefined => reportUsage(prompt, visible, usageControls);
  const envelope = { modelVersion: context.model, responseId: mockId('', context.sequence) };
  const thoughtPart = { text: THOUGHT_WORDS.join(''), thought: true };
  const callPart = tool === undefined ? undefined : { functionCall: { name: tool.name, args: JSON.parse(tool.arguments) as unknown }, ...(thinking.thinks ? { thoughtSignature: thoughtSignature(context.sequence) } : {}) };
  const toolTokens = tool === undefined ? 0 : estimateTokens(tool.arguments);

  if (!stream) {
    const build = (text: string, visible: number): Record<string, unknown> => {
      const usage = usageFor(visible);
      const parts = [...(thinking.includeThoughts ? [thoughtPart] : []), callPart ?? { text }];
      return { candidates: [{ content: { parts, role: 'model' }, finishReason, index: 0 }], ...(usage === undefined ? {} : { usageMetadata: usageMetadata(usage) }), ...envelope };
    };
    const unpadded = words(count).join('');
    let text = unpadded;
    let visible = tool === undefined ? count : toolTokens;
    if (controls.lineBytes !== undefined && tool === undefined) {
      for (let attempt = 0; attempt < 4; attempt += 1) {
        const shortBy = controls.lineBytes - JSON.stringify(build(unpadded, visible)).length;
        if (shortBy <= 0) break;
        text = unpadded + padding(shortBy);
        const next = count + paddingTokens(shortBy);
        const settled = next === visible;
        visible = next;
        if (settled) break;
      }
    }
    return { ...googleJson(200, build(text, visible)), usage: usageFor(visible), text: tool?.arguments ?? text };
  }

  const sse = context.query?.alt === 'sse';
  const sseControls: MockControls = { ...controls, sse: controls.sse ?? 'crlf' };
  const pieces = tool === undefined ? words(count) : [];
  let visible = tool === undefined ? count : toolTokens;
  const partial = usageFor(visible);
  const chunk = (parts: unknown[], last: boolean, lastVisible: number): Record<string, unknown> => {
    const usage = last ? usageFor(lastVisible) : partial;
    const candidate = { content: { parts, role: 'model' }, ...(last ? { finishReason } : {}) };
    return { candidates: [candidate], ...(usage === undefined ? {} : { usageMetadata: last ? usageMetadata(usage) : partialUsageMetadata(usage) }), ...envelope };
  };
  const textChunk = (index: number, piece: string, lastVisible: number): Record<string, unknown> => chunk([{ text: piece }], index === pieces.length - 1, lastVisible);
  if (sse && controls.lineBytes !== undefined && pieces.length > 0) {
    const first = pieces[0] ?? '';
    let extra = 0;
    for (let attempt = 0; attempt < 4; attempt += 1) {
      const shortBy = controls.lineBytes - dataLine(textChunk(0, first, count + extra)).length;
      if (shortBy <= 0) break;
      pieces[0] = first + padding(shortBy);
      const next = paddingTokens(shortBy);
      const settled = next === extra;
      extra = next;
      if (settled) break;
    }
    visible = count + extra;
  }
  const events: Record<string, unknown>[] = [];
  if (thinking.includeThoughts) events.push(chunk([thoughtPart], false, visible));
  if (callPart !== undefined) events.push(chunk([callPart], true, visible));
  else if (pieces.length === 0) events.push(chunk([{ text: '' }], true, visible));
  else pieces.forEach((piece, index) => events.push(textChunk(index, piece, visible)));
  const usage = usageFor(visible);
  const text = tool?.arguments ?? pieces.join('');

  if (!sse) {
    // Without `alt=sse` the stream is one JSON array written element by element.
    const parts = events.map((event, index) => utf8(`${index === 0 ? '[' : ',\r\n'}${JSON.stringify(event)}`));
    parts.push(utf8(']'));
    return { status: 200, headers: { 'content-type': JSON_TYPE }, parts, streaming: true, usage, text };
  }
  const writer = new SseWriter(sseControls);
  for (const event of events) writer.data(event);
  const reply = writer.reply(usage, text);
  return withErrorEvent({ ...reply, headers: { 'content-type': 'text/event-stream', 'content-disposition': 'attachment' } }, controls, sseControls);
}

export function geminiGenerateContent(context: HandlerContext): MockReply {
  return generate(context, false);
}

export function geminiStreamGenerateContent(context: HandlerContext): MockReply {
  return generate(context, true);
}

/** `:countTokens` takes `contents` or a whole `generateContentRequest`; it counts as generateContent's usage does. */
export function geminiCountTokens(context: HandlerContext): MockReply {
  const body = context.json ?? {};
  const request = isRecord(body.generateContentRequest) ? body.generateContentRequest : body;
  if (!Array.isArray(request.contents)) return invalid('* CountTokensRequest.contents: contents is not specified\n');
  const total = promptTokens(request);
  return { ...googleJson(200, { totalTokens: total, promptTokensDetails: [{ modality: 'TEXT', tokenCount: total }] }), text: '' };
}

/** gemini-embedding-* models default to 3072 dimensions, the older text-embedding-* to 768. */
function dimensions(model: string, request: Record<string, unknown>): number {
  return Math.min(readNumber(request, 'outputDimensionality') ?? (model.includes('gemini-embedding') ? 3072 : 768), 4096);
}

function embedding(model: string, request: Record<string, unknown>): { values: number[] } {
  return { values: embeddingVector(collectText(request.content), dimensions(model, request)) };
}

export function geminiEmbedContent(context: HandlerContext): MockReply {
  const body = context.json ?? {};
  if (!isRecord(body.content)) return invalid('* EmbedContentRequest.content: content is not specified\n');
  return { ...googleJson(200, { embedding: embedding(context.model, body) }), text: '' };
}

export function geminiBatchEmbedContents(context: HandlerContext): MockReply {
  const body = context.json ?? {};
  if (!Array.isArray(body.requests) || body.requests.length === 0) return invalid('* BatchEmbedContentsRequest.requests: requests is not specified\n');
  const embeddings: { values: number[] }[] = [];
  for (const [index, request] of body.requests.entries()) {
    if (!isRecord(request) || !isRecord(request.content)) return invalid(`* BatchEmbedContentsRequest.requests[${index}].content: content is not specified\n`);
    embeddings.push(embedding(context.model, request));
  }
  return { ...googleJson(200, { embeddings }), text: '' };
}
