/**
 * `POST /v1/chat/completions` and the legacy `POST /v1/completions`, as specified by OpenAI's API
 * reference (https://platform.openai.com/docs/api-reference/chat/create, …/chat/streaming,
 * …/completions/create) and its OpenAPI document: CreateChatCompletionResponse,
 * CreateChatCompletionStreamResponse, CreateCompletionResponse.
 */
import {
  chatUsageJson,
  collectText,
  DEFAULT_CHUNKS,
  estimateTokens,
  fragments,
  lastUserText,
  mockId,
  padding,
  paddingTokens,
  pickTool,
  reportUsage,
  words,
} from './generation.ts';
import { dataLine, obfuscation, SseWriter } from './sse.ts';
import { isRecord, jsonReply, readNumber, type HandlerContext, type MockReply } from './types.ts';

interface StreamSettings {
  readonly stream: boolean;
  readonly includeUsage: boolean;
  readonly includeObfuscation: boolean;
}

function streamSettings(body: Record<string, unknown>): StreamSettings {
  const options = isRecord(body.stream_options) ? body.stream_options : {};
  return { stream: body.stream === true, includeUsage: options.include_usage === true, includeObfuscation: options.include_obfuscation !== false };
}

/** How many content chunks to send, and whether `max_tokens` cut the answer (finish_reason "length"). */
function contentLength(context: HandlerContext, body: Record<string, unknown>): { count: number; truncated: boolean } {
  const wanted = context.controls.chunks ?? DEFAULT_CHUNKS;
  const limit = readNumber(body, 'max_completion_tokens') ?? readNumber(body, 'max_tokens');
  if (limit !== undefined && limit < wanted) return { count: Math.max(0, Math.floor(limit)), truncated: true };
  return { count: wanted, truncated: false };
}

/**
 * Azure OpenAI adds content-filter annotations: `prompt_filter_results` on the reply and
 * `content_filter_results` per choice (https://learn.microsoft.com/azure/ai-foundry/openai/concepts/content-filter).
 */
const AZURE_FILTER = {
  hate: { filtered: false, severity: 'safe' },
  self_harm: { filtered: false, severity: 'safe' },
  sexual: { filtered: false, severity: 'safe' },
  violence: { filtered: false, severity: 'safe' },
};
const AZURE_PROMPT_FILTER = [{ prompt_index: 0, content_filter_results: AZURE_FILTER }];

/**
 * True when the turn being answered hands back tool results (a `tool` message after the last assistant
 * message): the model then answers in text, as anthropic.ts and gemini.ts do, so a round trip ends.
 */
function answersToolResult(messages: unknown): boolean {
  if (!Array.isArray(messages)) return false;
  const lastAssistant = messages.findLastIndex((message: unknown) => isRecord(message) && message.role === 'assistant');
  return lastAssistant >= 0 && messages.slice(lastAssistant + 1).some((message: unknown) => isRecord(message) && message.role === 'tool');
}

export function chatCompletions(context: HandlerContext): MockReply {
  const body = context.json ?? {};
  const settings = streamSettings(body);
  const azure = context.route.form === 'azure';
  const tool = answersToolResult(body.messages) ? undefined : pickTool(context.controls, lastUserText(body.messages), body.tools, body.tool_choice);
  const { count, truncated } = contentLength(context, body);
  const prompt = estimateTokens(collectText(body.messages)) + (Array.isArray(body.tools) ? estimateTokens(JSON.stringify(body.tools)) : 0);
  const chunks = words(count);
  const finishReason = tool !== undefined ? 'tool_calls' : truncated ? 'length' : 'stop';
  const base = (object: string): Record<string, unknown> => ({ id: mockId('chatcmpl-', context.sequence), object, created: context.createdAt, model: context.model, service_tier: 'default', system_fingerprint: 'fp_mock' });
  const toolCallId = mockId('call_', context.sequence);

  if (!settings.stream) {
    const message: Record<string, unknown> = { role: 'assistant', content: tool === undefined ? chunks.join('') : null, refusal: null, annotations: [] };
    if (tool !== undefined) message.tool_calls = [{ id: toolCallId, type: 'function', function: { name: tool.name, arguments: tool.arguments } }];
    const choice: Record<string, unknown> = { index: 0, message, logprobs: null, finish_reason: finishReason };
    if (azure) choice.content_filter_results = AZURE_FILTER;
    let completion = tool === undefined ? count : estimateTokens(tool.arguments);
    const build = (usageCompletion: number): Record<string, unknown> => {
      const usage = reportUsage(prompt, usageCompletion, context.controls);
      return { ...base('chat.completion'), choices: [choice], ...(usage === undefined ? {} : { usage: chatUsageJson(usage) }), ...(azure ? { prompt_filter_results: AZURE_PROMPT_FILTER } : {}) };
    };
    const lineBytes = context.controls.lineBytes;
    if (lineBytes !== undefined && tool === undefined) {
      // The padding's tokens change the usage digits and so the length: settle on a fixed point.
      const unpadded = completion;
      for (let attempt = 0; attempt < 4; attempt += 1) {
        message.content = chunks.join('');
        const shortBy = lineBytes - JSON.stringify(build(completion)).length;
        if (shortBy <= 0) break;
        message.content = chunks.join('') + padding(shortBy);
        const settled = completion === unpadded + paddingTokens(shortBy);
        completion = unpadded + paddingTokens(shortBy);
        if (settled) break;
      }
    }
    const json = build(completion);
    return jsonReply(200, json, { usage: reportUsage(prompt, completion, context.controls), text: typeof message.content === 'string' ? message.content : tool?.arguments ?? '' });
  }

  const sse = new SseWriter(context.controls);
  let position = 0;
  const build = (at: number, choices: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> => {
    const payload: Record<string, unknown> = { ...base('chat.completion.chunk'), choices, ...extra };
    // With include_usage every other chunk carries `usage: null` (CreateChatCompletionStreamResponse).
    if (settings.includeUsage && !('usage' in payload) && context.controls.usage !== 'absent') payload.usage = null;
    if (settings.includeObfuscation) payload.obfuscation = obfuscation(at);
    return payload;
  };
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> => build(position++, choices, extra);
  const delta = (content: Record<string, unknown>, finish: string | null = null): Record<string, unknown> => ({
    index: 0,
    delta: content,
    logprobs: null,
    finish_reason: finish,
    ...(azure ? { content_filter_results: finish === null && Object.keys(content).length > 0 ? AZURE_FILTER : {} } : {}),
  });

  // Azure streams open with a chunk that has no choices, only the prompt's filter results, and empty id,
  // model and object: clients that read `choices[0]` unguarded fail on it.
  if (azure) sse.data({ choices: [], created: 0, id: '', model: '', object: '', prompt_filter_results: AZURE_PROMPT_FILTER });
  let completion: number;
  let text: string;
  if (tool !== undefined) {
    const pieces = fragments(tool.arguments, count);
    sse.data(chunk([delta({ role: 'assistant', content: null, tool_calls: [{ index: 0, id: toolCallId, type: 'function', function: { name: tool.name, arguments: '' } }], refusal: null })]));
    for (const piece of pieces) sse.data(chunk([delta({ tool_calls: [{ index: 0, function: { arguments: piece } }] })]));
    completion = estimateTokens(tool.arguments);
    text = tool.arguments;
  } else {
    sse.data(chunk([delta({ role: 'assistant', content: '', refusal: null })]));
    completion = count;
    text = '';
    chunks.forEach((content, wordIndex) => {
      let piece = content;
      if (wordIndex === 0 && context.controls.lineBytes !== undefined) {
        const probe = build(position, [delta({ content })]);
        const shortBy = context.controls.lineBytes - dataLine(probe).length;
        if (shortBy > 0) {
          piece = content + padding(shortBy);
          completion += paddingTokens(shortBy);
        }
      }
      text += piece;
      sse.data(chunk([delta({ content: piece })]));
    });
  }
  sse.data(chunk([delta({}, finishReason)]));
  const usage = reportUsage(prompt, completion, context.controls);
  // The usage chunk (empty `choices`) comes only when the client asked for it with
  // `stream_options.include_usage` (https://platform.openai.com/docs/api-reference/chat/create#chat-create-stream_options).
  if (settings.includeUsage && usage !== undefined) sse.data(chunk([], { usage: chatUsageJson(usage) }));
  sse.done();
  return sse.reply(settings.includeUsage ? usage : undefined, text);
}

/** The legacy text completion (`text_completion` objects), still served by gpt-3.5-turbo-instruct. */
export function completions(context: HandlerContext): MockReply {
  const body = context.json ?? {};
  const settings = streamSettings(body);
  const { count, truncated } = contentLength(context, body);
  const chunks = words(count);
  const text = chunks.join('');
  const prompt = estimateTokens(collectText(body.prompt));
  const usage = reportUsage(prompt, count, context.controls);
  const usageJson = usage === undefined ? undefined : { prompt_tokens: usage.promptTokens, completion_tokens: usage.completionTokens, total_tokens: usage.totalTokens };
  const finishReason = truncated ? 'length' : 'stop';
  const base = { id: mockId('cmpl-', context.sequence), object: 'text_completion', created: context.createdAt, model: context.model, system_fingerprint: 'fp_mock' };
  if (!settings.stream) {
    return jsonReply(200, { ...base, choices: [{ text, index: 0, logprobs: null, finish_reason: finishReason }], ...(usageJson === undefined ? {} : { usage: usageJson }) }, { usage, text });
  }
  const sse = new SseWriter(context.controls);
  const withUsage = settings.includeUsage && usage !== undefined;
  for (const piece of chunks) sse.data({ ...base, choices: [{ text: piece, index: 0, logprobs: null, finish_reason: null }], ...(withUsage ? { usage: null } : {}) });
  sse.data({ ...base, choices: [{ text: '', index: 0, logprobs: null, finish_reason: finishReason }], ...(withUsage ? { usage: null } : {}) });
  if (withUsage) sse.data({ ...base, choices: [], usage: usageJson });
  sse.done();
  return sse.reply(withUsage ? usage : undefined, text);
}
