/**
 * Anthropic's Messages API, as its reference describes it (https://platform.claude.com/docs/en/api/messages,
 * …/build-with-claude/streaming, …/build-with-claude/extended-thinking, …/api/messages-count-tokens,
 * …/api/errors) and as `@anthropic-ai/sdk` types it (Message, RawMessageStreamEvent, Usage):
 *
 *   POST /v1/messages               the Message object, or with `"stream": true` named SSE events in the
 *                                   documented order: message_start, then per content block
 *                                   content_block_start / content_block_delta… / content_block_stop (a `ping`
 *                                   after the first block's start), message_delta (stop_reason and cumulative
 *                                   usage), message_stop; no `[DONE]`.
 *   POST /v1/messages/count_tokens  `{"input_tokens": n}`.
 *
 * Keys come as `x-api-key` or, as the 1.x SDK sends them, `Authorization: Bearer`; `anthropic-version` is
 * required (400 without it); errors are `{"type":"error","error":{"type","message"},"request_id"}` with
 * Anthropic's statuses. Usage follows Anthropic's split: `input_tokens` excludes the cache-read and
 * cache-write tokens, which the recorded UsageReport adds back into `promptTokens` (the hub's meaning).
 */
import type { MockControls } from './controls.ts';
import { collectText, DEFAULT_CHUNKS, estimateTokens, fragments, lastUserText, mockId, padding, paddingTokens, pickTool, reportUsage, words } from './generation.ts';
import { anthropicImageError } from './images.ts';
import { dataLine, SseWriter } from './sse.ts';
import { isRecord, readNumber, utf8, type Dialect, type HandlerContext, type MockReply, type RecordedRequest, type RouteMatch, type UsageReport } from './types.ts';

/** `POST /v1/messages` and `POST /v1/messages/count_tokens` (a `?beta=true` query changes nothing here). */
export function matchAnthropicRoute(method: string, pathname: string): RouteMatch | undefined {
  if (method !== 'POST') return undefined;
  if (pathname === '/v1/messages') return { endpoint: 'anthropic-messages', form: 'anthropic', deployment: undefined };
  if (pathname === '/v1/messages/count_tokens') return { endpoint: 'anthropic-count-tokens', form: 'anthropic', deployment: undefined };
  return undefined;
}

const requestId = (sequence: number): string => mockId('req_', sequence);

/** An error body as Anthropic sends it (https://platform.claude.com/docs/en/api/errors#error-shapes). */
function anthropicError(status: number, type: string, message: string, sequence: number): MockReply {
  return {
    status,
    headers: { 'content-type': 'application/json' },
    parts: [utf8(JSON.stringify({ type: 'error', error: { type, message }, request_id: requestId(sequence) }))],
    streaming: false,
  };
}

/** The `error.type` Anthropic uses for each HTTP status; other 4xx are invalid_request_error, other 5xx api_error. */
const ERROR_TYPES: Readonly<Record<number, string>> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  504: 'timeout_error',
  529: 'overloaded_error',
};

function errorType(status: number): string {
  return ERROR_TYPES[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
}

function errorMessage(type: string, model: string, input: string | undefined): string {
  switch (type) {
    case 'invalid_request_error':
      return input === undefined ? 'Invalid request.' : `Invalid request: ${input}`;
    case 'authentication_error':
      return 'invalid x-api-key';
    case 'billing_error':
      return 'Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits.';
    case 'permission_error':
      return 'Your API key does not have permission to use the specified resource.';
    case 'not_found_error':
      return `model: ${model}`;
    case 'request_too_large':
      return 'Request exceeds the maximum allowed number of bytes.';
    case 'rate_limit_error':
      return "This request would exceed your organization's rate limit of 50 requests per minute. For details, refer to: https://docs.claude.com/en/api/rate-limits.";
    case 'timeout_error':
      return 'Request timed out.';
    case 'overloaded_error':
      return 'Overloaded';
    default:
      return 'Internal server error';
  }
}

/** Anthropic's own answers before a handler runs (see `Dialect`). */
export const ANTHROPIC_DIALECT: Dialect = {
  credentials(headers) {
    const apiKey = headers['x-api-key'];
    if (apiKey !== undefined) return { key: apiKey, header: 'x-api-key' };
    const authorization = headers.authorization;
    if (authorization !== undefined && /^bearer\s+/i.test(authorization)) return { key: authorization.replace(/^bearer\s+/i, ''), header: 'authorization' };
    return { key: undefined, header: undefined };
  },
  invalidRequest(request, message) {
    return anthropicError(400, 'invalid_request_error', message, request.index);
  },
  keyRejected(request, echoKey) {
    const key = request.apiKey;
    if (echoKey) return anthropicError(401, 'authentication_error', `invalid x-api-key: ${key ?? ''}`, request.index);
    if (key === undefined || key === '') return anthropicError(401, 'authentication_error', 'x-api-key header is required', request.index);
    return anthropicError(401, 'authentication_error', request.keyHeader === 'authorization' ? 'Invalid bearer token' : 'invalid x-api-key', request.index);
  },
  checkHeaders(request) {
    const version = request.headers['anthropic-version'];
    if (version === undefined || version === '') return anthropicError(400, 'invalid_request_error', 'anthropic-version: header is required', request.index);
    return undefined;
  },
  error(request, status) {
    const type = request.controls.code ?? errorType(status);
    const input = request.controls.echoInputInError === true && isRecord(request.json) ? lastUserText(request.json.messages) : undefined;
    return anthropicError(status, type, errorMessage(type, request.model ?? 'mock-model', input), request.index);
  },
  replyHeaders(request: RecordedRequest) {
    return { 'request-id': requestId(request.index), 'anthropic-organization-id': '00000000-0000-4000-8000-000000000000' };
  },
};

/** A 400 from a handler (a missing field), in Anthropic's shape. */
function invalid(context: HandlerContext, message: string): MockReply {
  return anthropicError(400, 'invalid_request_error', message, context.sequence);
}

/** The request's input tokens: messages, system prompt and tool definitions (count_tokens gives the same). */
function inputTokens(body: Record<string, unknown>): number {
  return estimateTokens(`${collectText(body.system)} ${collectText(body.messages)}`.trim()) + (Array.isArray(body.tools) ? estimateTokens(JSON.stringify(body.tools)) : 0);
}

/** Anthropic's custom tools (`{name, input_schema}`, type absent or "custom") as chat tools, for `pickTool`. */
function chatTools(tools: unknown): unknown[] | undefined {
  if (!Array.isArray(tools)) return undefined;
  return tools.flatMap((tool: unknown) => {
    if (!isRecord(tool) || typeof tool.name !== 'string' || (tool.type !== undefined && tool.type !== 'custom')) return [];
    return [{ type: 'function', function: { name: tool.name, parameters: tool.input_schema } }];
  });
}

/** `tool_choice` {type: auto | any | tool | none} in chat terms. */
function chatToolChoice(choice: unknown): unknown {
  if (!isRecord(choice)) return undefined;
  if (choice.type === 'none') return 'none';
  if (choice.type === 'any') return 'required';
  if (choice.type === 'tool' && typeof choice.name === 'string') return { type: 'function', function: { name: choice.name } };
  return undefined;
}

/** True when the conversation's last turn hands back tool results: the model then answers in text. */
function endsWithToolResult(messages: unknown): boolean {
  const last: unknown = Array.isArray(messages) ? messages.at(-1) : undefined;
  return isRecord(last) && last.role === 'user' && Array.isArray(last.content) && last.content.some((block: unknown) => isRecord(block) && block.type === 'tool_result');
}

const THINKING_WORDS = ['Let', ' me', ' think', ' this', ' through', ' step', ' by', ' step', '.'];

/** `thinking: {type: "enabled" | "adaptive"}`; `display: "omitted"` keeps the block but sends no thinking text. */
function thinkingOf(body: Record<string, unknown>): { enabled: boolean; omitted: boolean } {
  const thinking = isRecord(body.thinking) ? body.thinking : undefined;
  const enabled = thinking?.type === 'enabled' || thinking?.type === 'adaptive';
  return { enabled, omitted: enabled && thinking?.display === 'omitted' };
}

function signature(sequence: number): string {
  return Buffer.from(`mock-thinking-signature-${String(sequence).padStart(6, '0')}`).toString('base64');
}

interface SplitUsage {
  readonly report: UsageReport;
  readonly input: number;
  readonly cacheRead: number;
  readonly cacheWrite: number;
}

/** The prompt total split into Anthropic's three input fields (cache reads and writes are not in `input_tokens`). */
function splitUsage(report: UsageReport, controls: MockControls): SplitUsage {
  const cacheRead = report.cachedTokens;
  const cacheWrite = Math.min(controls.cacheWriteTokens ?? 0, Math.max(0, report.promptTokens - cacheRead));
  return { report: { ...report, cacheWriteTokens: cacheWrite }, input: report.promptTokens - cacheRead - cacheWrite, cacheRead, cacheWrite };
}

/** Usage as in a Message (and message_start), output tokens as given. */
function usageJson(usage: SplitUsage, outputTokens: number): Record<string, unknown> {
  return {
    input_tokens: usage.input,
    cache_creation_input_tokens: usage.cacheWrite,
    cache_read_input_tokens: usage.cacheRead,
    cache_creation: { ephemeral_5m_input_tokens: usage.cacheWrite, ephemeral_1h_input_tokens: 0 },
    output_tokens: outputTokens,
    service_tier: 'standard',
    inference_geo: 'not_available',
  };
}

/** message_delta's usage: cumulative counts (MessageDeltaUsage). */
function deltaUsageJson(usage: SplitUsage): Record<string, unknown> {
  return { input_tokens: usage.input, cache_creation_input_tokens: usage.cacheWrite, cache_read_input_tokens: usage.cacheRead, output_tokens: usage.report.completionTokens };
}

/**
 * `error-event-after-chunks`: the first `after` parts, then the error event, then the normal end of the body
 * (https://platform.claude.com/docs/en/build-with-claude/streaming#error-events).
 */
function withErrorEvent(reply: MockReply, controls: MockControls): MockReply {
  const after = controls.errorEventAfterChunks;
  if (after === undefined) return reply;
  const type = controls.code ?? 'overloaded_error';
  const event = new SseWriter(controls);
  event.event('error', { type: 'error', error: { type, message: errorMessage(type, '', undefined) } });
  return { ...reply, parts: [...reply.parts.slice(0, after), ...event.parts], usage: undefined, errorEvent: true };
}

export function anthropicMessages(context: HandlerContext): MockReply {
  const body = context.json ?? {};
  if (typeof body.model !== 'string') return invalid(context, 'model: Field required');
  if (!Array.isArray(body.messages)) return invalid(context, 'messages: Field required');
  const maxTokens = readNumber(body, 'max_tokens');
  if (maxTokens === undefined) return invalid(context, 'max_tokens: Field required');
  const imageError = anthropicImageError(body.messages);
  if (imageError !== undefined) return invalid(context, imageError);
  const { controls } = context;
  const wanted = controls.chunks ?? DEFAULT_CHUNKS;
  const truncated = maxTokens < wanted;
  const count = truncated ? Math.max(0, Math.floor(maxTokens)) : wanted;
  const tool = endsWithToolResult(body.messages) ? undefined : pickTool(controls, lastUserText(body.messages), chatTools(body.tools), chatToolChoice(body.tool_choice));
  const thinking = thinkingOf(body);
  const thinkingWords = thinking.enabled && !thinking.omitted ? THINKING_WORDS : [];
  const usageControls: MockControls = { ...controls, reasoningTokens: controls.reasoningTokens ?? (thinking.enabled ? THINKING_WORDS.length : 0) };
  const prompt = inputTokens(body);
  const stopReason = tool !== undefined ? 'tool_use' : truncated ? 'max_tokens' : 'end_turn';
  const chunks = words(count);
  const toolId = mockId('toolu_', context.sequence);
  const toolInput: unknown = tool === undefined ? undefined : JSON.parse(tool.arguments);
  const usageFor = (visible: number): SplitUsage | undefined => {
    const report = reportUsage(prompt, visible, usageControls);
    return report === undefined ? undefined : splitUsage(report, controls);
  };
  const visibleTokens = tool === undefined ? count : estimateTokens(tool.arguments);
  const base = { model: context.model, id: mockId('msg_', context.sequence), type: 'message', role: 'assistant' };

  if (body.stream !== true) {
    const thinkingBlock = thinking.enabled ? [{ type: 'thinking', thinking: thinkingWords.join(''), signature: signature(context.sequence) }] : [];
    const build = (text: string, visible: number): Record<string, unknown> => {
      const usage = usageFor(visible);
      const content = [...thinkingBlock, tool === undefined ? { type: 'text', text } : { type: 'tool_use', id: toolId, name: tool.name, input: toolInput, caller: { type: 'direct' } }];
      return { ...base, content, stop_reason: stopReason, stop_sequence: null, stop_details: null, ...(usage === undefined ? {} : { usage: usageJson(usage, usage.report.completionTokens) }) };
    };
    let text = chunks.join('');
    let visible = visibleTokens;
    if (controls.lineBytes !== undefined && tool === undefined) {
      // The padding's tokens change the usage digits and so the length: settle on a fixed point (as chat.ts does).
      for (let attempt = 0; attempt < 4; attempt += 1) {
        const shortBy = controls.lineBytes - JSON.stringify(build(chunks.join(''), visible)).length;
        if (shortBy <= 0) break;
        text = chunks.join('') + padding(shortBy);
        const next = count + paddingTokens(shortBy);
        const settled = next === visible;
        visible = next;
        if (settled) break;
      }
    }
    const usage = usageFor(visible);
    const message = build(text, visible);
    return { status: 200, headers: { 'content-type': 'application/json' }, parts: [utf8(JSON.stringify(message))], streaming: false, usage: usage?.report, text: tool?.arguments ?? text };
  }

  const sse = new SseWriter(controls);
  const startUsage = usageFor(visibleTokens);
  sse.event('message_start', { type: 'message_start', message: { ...base, content: [], stop_reason: null, stop_sequence: null, stop_details: null, ...(startUsage === undefined ? {} : { usage: usageJson(startUsage, 1) }) } });
  let index = 0;
  let pinged = false;
  const startBlock = (block: Record<string, unknown>): void => {
    sse.event('content_block_start', { type: 'content_block_start', index, content_block: block });
    if (!pinged) sse.event('ping', { type: 'ping' });
    pinged = true;
  };
  const delta = (payload: Record<string, unknown>): void => sse.event('content_block_delta', { type: 'content_block_delta', index, delta: payload });
  const stopBlock = (): void => {
    sse.event('content_block_stop', { type: 'content_block_stop', index });
    index += 1;
  };

  if (thinking.enabled) {
    startBlock({ type: 'thinking', thinking: '', signature: '' });
    for (const piece of thinkingWords) delta({ type: 'thinking_delta', thinking: piece });
    delta({ type: 'signature_delta', signature: signature(context.sequence) });
    stopBlock();
  }
  let text = '';
  let visible = visibleTokens;
  if (tool !== undefined) {
    startBlock({ type: 'tool_use', id: toolId, name: tool.name, input: {}, caller: { type: 'direct' } });
    delta({ type: 'input_json_delta', partial_json: '' });
    for (const piece of fragments(tool.arguments, Math.max(1, count))) delta({ type: 'input_json_delta', partial_json: piece });
    stopBlock();
    text = tool.arguments;
  } else {
    startBlock({ type: 'text', text: '' });
    chunks.forEach((word, wordIndex) => {
      let piece = word;
      if (wordIndex === 0 && controls.lineBytes !== undefined) {
        const probe = { type: 'content_block_delta', index, delta: { type: 'text_delta', text: word } };
        const shortBy = controls.lineBytes - dataLine(probe).length;
        if (shortBy > 0) {
          piece = word + padding(shortBy);
          visible += paddingTokens(shortBy);
        }
      }
      text += piece;
      delta({ type: 'text_delta', text: piece });
    });
    stopBlock();
  }
  const usage = usageFor(visible);
  sse.event('message_delta', { type: 'message_delta', delta: { stop_reason: stopReason, stop_sequence: null, stop_details: null }, ...(usage === undefined ? {} : { usage: deltaUsageJson(usage) }) });
  sse.event('message_stop', { type: 'message_stop' });
  return withErrorEvent(sse.reply(usage?.report, text), controls);
}

/** `POST /v1/messages/count_tokens`: the same input count a Message reports (without cache splitting). */
export function anthropicCountTokens(context: HandlerContext): MockReply {
  const body = context.json ?? {};
  if (typeof body.model !== 'string') return invalid(context, 'model: Field required');
  if (!Array.isArray(body.messages)) return invalid(context, 'messages: Field required');
  return { status: 200, headers: { 'content-type': 'application/json' }, parts: [utf8(JSON.stringify({ input_tokens: inputTokens(body) }))], streaming: false, text: '' };
}
