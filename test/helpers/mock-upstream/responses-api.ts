/**
 * `POST /v1/responses`: the Response object and its event stream, per OpenAI's API reference
 * (https://platform.openai.com/docs/api-reference/responses/create and …/responses-streaming) and the
 * OpenAPI schemas Response, ResponseStreamEvent and the Response*Event family. A stream ends with
 * `response.completed`; there is no `[DONE]`.
 */
import {
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
  responsesUsageJson,
  words,
} from './generation.ts';
import { dataLine, SseWriter } from './sse.ts';
import { isRecord, jsonReply, utf8, type HandlerContext, type MockReply } from './types.ts';

/** The Response echoes function tools normalised: `strict` (default true) and `parameters` always present (FunctionTool). */
function echoTool(tool: unknown): unknown {
  if (!isRecord(tool) || tool.type !== 'function') return tool;
  return { ...tool, description: tool.description ?? null, parameters: tool.parameters ?? null, strict: tool.strict ?? true };
}

export function responses(context: HandlerContext): MockReply {
  const body = context.json ?? {};
  const tool = pickTool(context.controls, typeof body.input === 'string' ? body.input : lastUserText(body.input), body.tools, body.tool_choice);
  const count = context.controls.chunks ?? DEFAULT_CHUNKS;
  const chunks = words(count);
  const prompt = estimateTokens(collectText(body.input) + collectText(body.instructions));
  const itemId = tool === undefined ? mockId('msg_', context.sequence) : mockId('fc_', context.sequence);
  const callId = mockId('call_', context.sequence);
  const failureCode = context.controls.code ?? 'server_error';

  const responseObject = (status: 'in_progress' | 'completed' | 'failed', output: unknown[], usage: Record<string, unknown> | undefined): Record<string, unknown> => ({
    id: mockId('resp_', context.sequence),
    object: 'response',
    created_at: context.createdAt,
    status,
    background: false,
    completed_at: status === 'completed' ? context.createdAt : null,
    error: status === 'failed' ? { code: failureCode, message: FAILURE_MESSAGE } : null,
    incomplete_details: null,
    instructions: typeof body.instructions === 'string' ? body.instructions : null,
    max_output_tokens: typeof body.max_output_tokens === 'number' ? body.max_output_tokens : null,
    model: context.model,
    output,
    parallel_tool_calls: true,
    previous_response_id: typeof body.previous_response_id === 'string' ? body.previous_response_id : null,
    reasoning: { effort: null, summary: null },
    service_tier: 'default',
    store: body.store !== false,
    temperature: typeof body.temperature === 'number' ? body.temperature : 1,
    text: { format: { type: 'text' }, verbosity: 'medium' },
    tool_choice: body.tool_choice ?? 'auto',
    tools: Array.isArray(body.tools) ? body.tools.map(echoTool) : [],
    top_p: typeof body.top_p === 'number' ? body.top_p : 1,
    truncation: 'disabled',
    metadata: isRecord(body.metadata) ? body.metadata : {},
    // The in-progress snapshots of a stream carry no usage.
    ...(usage === undefined ? {} : { usage }),
  });
  const messageItem = (status: 'in_progress' | 'completed', text: string | undefined): Record<string, unknown> => ({
    id: itemId,
    type: 'message',
    status,
    role: 'assistant',
    content: text === undefined ? [] : [{ type: 'output_text', text, annotations: [], logprobs: [] }],
  });
  const callItem = (status: 'in_progress' | 'completed', argumentsText: string): Record<string, unknown> => ({
    id: itemId,
    type: 'function_call',
    status,
    call_id: callId,
    name: tool?.name ?? '',
    arguments: argumentsText,
  });

  if (body.stream !== true) {
    const text = tool === undefined ? chunks.join('') : tool.arguments;
    const usage = reportUsage(prompt, tool === undefined ? count : estimateTokens(tool.arguments), context.controls);
    const output = [tool === undefined ? messageItem('completed', text) : callItem('completed', text)];
    return jsonReply(200, responseObject('completed', output, usage === undefined ? undefined : responsesUsageJson(usage)), { usage, text });
  }

  const sse = new SseWriter(context.controls);
  let sequence = 0;
  const emit = (type: string, payload: Record<string, unknown>): void => sse.event(type, { type, sequence_number: sequence++, ...payload });
  emit('response.created', { response: responseObject('in_progress', [], undefined) });
  emit('response.in_progress', { response: responseObject('in_progress', [], undefined) });
  let completion: number;
  let text = '';
  let finalItem: Record<string, unknown>;
  if (tool !== undefined) {
    emit('response.output_item.added', { output_index: 0, item: callItem('in_progress', '') });
    for (const piece of fragments(tool.arguments, count)) emit('response.function_call_arguments.delta', { item_id: itemId, output_index: 0, delta: piece });
    emit('response.function_call_arguments.done', { item_id: itemId, output_index: 0, name: tool.name, arguments: tool.arguments });
    text = tool.arguments;
    completion = estimateTokens(tool.arguments);
    finalItem = callItem('completed', tool.arguments);
  } else {
    const place = { item_id: itemId, output_index: 0, content_index: 0 };
    emit('response.output_item.added', { output_index: 0, item: messageItem('in_progress', undefined) });
    emit('response.content_part.added', { ...place, part: { type: 'output_text', text: '', annotations: [], logprobs: [] } });
    completion = count;
    chunks.forEach((piece, wordIndex) => {
      let delta = piece;
      if (wordIndex === 0 && context.controls.lineBytes !== undefined) {
        const probe = { type: 'response.output_text.delta', sequence_number: sequence, ...place, delta, logprobs: [] };
        const shortBy = context.controls.lineBytes - dataLine(probe).length;
        if (shortBy > 0) {
          delta += padding(shortBy);
          completion += paddingTokens(shortBy);
        }
      }
      text += delta;
      emit('response.output_text.delta', { ...place, delta, logprobs: [] });
    });
    emit('response.output_text.done', { ...place, text, logprobs: [] });
    emit('response.content_part.done', { ...place, part: { type: 'output_text', text, annotations: [], logprobs: [] } });
    finalItem = messageItem('completed', text);
  }
  emit('response.output_item.done', { output_index: 0, item: finalItem });
  const usage = reportUsage(prompt, completion, context.controls);
  emit('response.completed', { response: responseObject('completed', [finalItem], usage === undefined ? undefined : responsesUsageJson(usage)) });
  const after = context.controls.errorEventAfterChunks;
  if (after === undefined) return sse.reply(usage, text);
  // `error-event-after-chunks`: the first `after` events, then the `error` event and `response.failed`, as OpenAI
  // ends a stream that fails after it started (ResponseErrorEvent, ResponseFailedEvent).
  const failure = new SseWriter(context.controls);
  const failureEvents: [string, Record<string, unknown>][] = [
    ['error', { code: failureCode, message: FAILURE_MESSAGE, param: null }],
    ['response.failed', { response: responseObject('failed', [], undefined) }],
  ];
  failureEvents.forEach(([type, payload], index) => failure.event(type, { type, sequence_number: after + index, ...payload }));
  // One write: OpenAI sends the two back to back, and a client that stops reading at `error` still sees a whole body.
  const failurePart = utf8(failure.parts.map((part) => new TextDecoder().decode(part)).join(''));
  return { ...sse.reply(undefined, text), parts: [...sse.parts.slice(0, after), failurePart], errorEvent: true };
}

const FAILURE_MESSAGE = 'The server had an error processing your request. Sorry about that!';
