/**
 * Fixtures copied from OpenAI's published references:
 * - Responses create, its examples (text, image, file, web search, streaming, functions, reasoning):
 *   https://platform.openai.com/docs/api-reference/responses/create (also the `x-oaiMeta` examples of
 *   `POST /responses` in the OpenAPI document).
 * - Streaming events: https://platform.openai.com/docs/api-reference/responses-streaming (each event's example);
 *   the streamed function call of https://platform.openai.com/docs/guides/function-calling#streaming; reasoning
 *   summaries of https://platform.openai.com/docs/guides/reasoning#reasoning-summaries.
 * - Chat Completions: https://platform.openai.com/docs/api-reference/chat/object and
 *   https://platform.openai.com/docs/api-reference/chat-streaming/streaming.
 * Sequence numbers were added where the reference's example leaves them out.
 */
import { expect } from 'bun:test';
import type { OutboundContext, SseIn, SseOut } from '../../../../src/relay/dialects/types.ts';
import type { JsonBody } from '../../../../src/relay/types.ts';
import { validateOpenAi } from '../../../helpers/openai-schema.ts';

/** The "Functions" example's tool, in the Responses form (`strict`, required by the schema, as the answer echoes it). */
export const weatherTool = {
  type: 'function',
  strict: false,
  name: 'get_current_weather',
  description: 'Get the current weather in a given location',
  parameters: {
    type: 'object',
    properties: {
      location: { type: 'string', description: 'The city and state, e.g. San Francisco, CA' },
      unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
    },
    required: ['location', 'unit'],
  },
};

/** The same tool as Chat Completions nests it. */
export const chatWeatherTool = {
  type: 'function',
  function: { name: weatherTool.name, description: weatherTool.description, parameters: weatherTool.parameters, strict: false },
};

export const imageUrl = 'https://upload.wikimedia.org/wikipedia/commons/thumb/d/dd/Gfp-wisconsin-madison-the-nature-boardwalk.jpg/2560px-Gfp-wisconsin-madison-the-nature-boardwalk.jpg';

/** "Text input" example's answer. */
export const textResponse: JsonBody = {
  id: 'resp_67ccd2bed1ec8190b14f964abc0542670bb6a6b452d3795b',
  object: 'response',
  created_at: 1741476542,
  status: 'completed',
  completed_at: 1741476543,
  error: null,
  incomplete_details: null,
  instructions: null,
  max_output_tokens: null,
  model: 'gpt-5.4',
  output: [
    {
      type: 'message',
      id: 'msg_67ccd2bf17f0819081ff3bb2cf6508e60bb6a6b452d3795b',
      status: 'completed',
      role: 'assistant',
      content: [
        {
          type: 'output_text',
          text: 'In a peaceful grove beneath a silver moon, a unicorn named Lumina discovered a hidden pool that reflected the stars.',
          annotations: [],
        },
      ],
    },
  ],
  parallel_tool_calls: true,
  previous_response_id: null,
  reasoning: { effort: null, summary: null },
  store: true,
  temperature: 1.0,
  text: { format: { type: 'text' } },
  tool_choice: 'auto',
  tools: [],
  top_p: 1.0,
  truncation: 'disabled',
  usage: { input_tokens: 36, input_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 }, output_tokens: 87, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 123 },
  user: null,
  metadata: {},
};

/** "Functions" example's answer (its usage has no input_tokens_details). */
export const functionResponse: JsonBody = {
  ...textResponse,
  id: 'resp_67ca09c5efe0819096d0511c92b8c890096610f474011cc0',
  created_at: 1741294021,
  output: [
    {
      type: 'function_call',
      id: 'fc_67ca09c6bedc8190a7abfec07b1a1332096610f474011cc0',
      call_id: 'call_unLAR8MvFNptuiZK6K6HCy5k',
      name: 'get_current_weather',
      arguments: '{"location":"Boston, MA","unit":"celsius"}',
      status: 'completed',
    },
  ],
  tools: [{ ...weatherTool, strict: true }],
  usage: { input_tokens: 291, output_tokens: 23, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 314 },
};

/** The reasoning guide's answer with a reasoning summary, and the "Reasoning" example's usage. */
export const reasoningResponse: JsonBody = {
  ...textResponse,
  id: 'resp_6876cf02e0bc8192b74af0fb64b715ff06fa2fcced15a5ac',
  model: 'o4-mini-2025-04-16',
  output: [
    {
      id: 'rs_6876cf02e0bc8192b74af0fb64b715ff06fa2fcced15a5ac',
      type: 'reasoning',
      summary: [{ type: 'summary_text', text: "**Answering a simple question**\n\nI'm looking at a straightforward question: the capital of France is Paris." }],
    },
    {
      id: 'msg_6876cf054f58819284ecc1058131305506fa2fcced15a5ac',
      type: 'message',
      status: 'completed',
      content: [{ type: 'output_text', annotations: [], logprobs: [], text: 'The capital of France is Paris.' }],
      role: 'assistant',
    },
  ],
  reasoning: { effort: 'high', summary: 'auto' },
  usage: { input_tokens: 81, input_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 }, output_tokens: 1035, output_tokens_details: { reasoning_tokens: 832 }, total_tokens: 1116 },
};

const streamedResponse = (status: string, output: string, usage: string): string =>
  `{"id":"resp_67c9fdcecf488190bdd9a0409de3a1ec07b8b0ad4e5eb654","object":"response","created_at":1741290958,"status":"${status}","error":null,"incomplete_details":null,"instructions":"You are a helpful assistant.","max_output_tokens":null,"model":"gpt-5.4","output":${output},"parallel_tool_calls":true,"previous_response_id":null,"reasoning":{"effort":null,"summary":null},"store":true,"temperature":1.0,"text":{"format":{"type":"text"}},"tool_choice":"auto","tools":[],"top_p":1.0,"truncation":"disabled","usage":${usage},"user":null,"metadata":{}}`;

const streamedMessage = '{"id":"msg_67c9fdcf37fc8190ba82116e33fb28c507b8b0ad4e5eb654","type":"message","status":"completed","role":"assistant","content":[{"type":"output_text","text":"Hi there! How can I assist you today?","annotations":[]}]}';

/** "Streaming" example (its elided deltas spelled out). */
export const textStream = `event: response.created
data: {"type":"response.created","sequence_number":0,"response":${streamedResponse('in_progress', '[]', 'null')}}

event: response.in_progress
data: {"type":"response.in_progress","sequence_number":1,"response":${streamedResponse('in_progress', '[]', 'null')}}

event: response.output_item.added
data: {"type":"response.output_item.added","sequence_number":2,"output_index":0,"item":{"id":"msg_67c9fdcf37fc8190ba82116e33fb28c507b8b0ad4e5eb654","type":"message","status":"in_progress","role":"assistant","content":[]}}

event: response.content_part.added
data: {"type":"response.content_part.added","sequence_number":3,"item_id":"msg_67c9fdcf37fc8190ba82116e33fb28c507b8b0ad4e5eb654","output_index":0,"content_index":0,"part":{"type":"output_text","text":"","annotations":[]}}

event: response.output_text.delta
data: {"type":"response.output_text.delta","sequence_number":4,"item_id":"msg_67c9fdcf37fc8190ba82116e33fb28c507b8b0ad4e5eb654","output_index":0,"content_index":0,"delta":"Hi"}

event: response.output_text.delta
data: {"type":"response.output_text.delta","sequence_number":5,"item_id":"msg_67c9fdcf37fc8190ba82116e33fb28c507b8b0ad4e5eb654","output_index":0,"content_index":0,"delta":" there! How can I assist you today?"}

event: response.output_text.done
data: {"type":"response.output_text.done","sequence_number":6,"item_id":"msg_67c9fdcf37fc8190ba82116e33fb28c507b8b0ad4e5eb654","output_index":0,"content_index":0,"text":"Hi there! How can I assist you today?"}

event: response.content_part.done
data: {"type":"response.content_part.done","sequence_number":7,"item_id":"msg_67c9fdcf37fc8190ba82116e33fb28c507b8b0ad4e5eb654","output_index":0,"content_index":0,"part":{"type":"output_text","text":"Hi there! How can I assist you today?","annotations":[]}}

event: response.output_item.done
data: {"type":"response.output_item.done","sequence_number":8,"output_index":0,"item":${streamedMessage}}

event: response.completed
data: {"type":"response.completed","sequence_number":9,"response":${streamedResponse('completed', `[${streamedMessage}]`, '{"input_tokens":37,"output_tokens":11,"output_tokens_details":{"reasoning_tokens":0},"total_tokens":48}')}}
`;

/** The function-calling guide's streamed call (`data:` only, as the guide prints it; the type names the event). */
export const functionCallStream = `data: {"type":"response.created","sequence_number":0,"response":{"id":"resp_1234xyz","object":"response","created_at":1741294021,"status":"in_progress","model":"gpt-4.1","output":[]}}

data: {"type":"response.output_item.added","sequence_number":1,"response_id":"resp_1234xyz","output_index":0,"item":{"type":"function_call","id":"fc_1234xyz","call_id":"call_1234xyz","name":"get_weather","arguments":""}}

data: {"type":"response.function_call_arguments.delta","sequence_number":2,"response_id":"resp_1234xyz","item_id":"fc_1234xyz","output_index":0,"delta":"{\\""}

data: {"type":"response.function_call_arguments.delta","sequence_number":3,"response_id":"resp_1234xyz","item_id":"fc_1234xyz","output_index":0,"delta":"location"}

data: {"type":"response.function_call_arguments.delta","sequence_number":4,"response_id":"resp_1234xyz","item_id":"fc_1234xyz","output_index":0,"delta":"\\":\\""}

data: {"type":"response.function_call_arguments.delta","sequence_number":5,"response_id":"resp_1234xyz","item_id":"fc_1234xyz","output_index":0,"delta":"Paris"}

data: {"type":"response.function_call_arguments.delta","sequence_number":6,"response_id":"resp_1234xyz","item_id":"fc_1234xyz","output_index":0,"delta":",\\u0020France"}

data: {"type":"response.function_call_arguments.delta","sequence_number":7,"response_id":"resp_1234xyz","item_id":"fc_1234xyz","output_index":0,"delta":"\\"}"}

data: {"type":"response.function_call_arguments.done","sequence_number":8,"response_id":"resp_1234xyz","item_id":"fc_1234xyz","output_index":0,"arguments":"{\\"location\\":\\"Paris, France\\"}"}

data: {"type":"response.output_item.done","sequence_number":9,"response_id":"resp_1234xyz","output_index":0,"item":{"type":"function_call","id":"fc_1234xyz","call_id":"call_1234xyz","name":"get_weather","arguments":"{\\"location\\":\\"Paris, France\\"}"}}

data: {"type":"response.completed","sequence_number":10,"response":{"id":"resp_1234xyz","object":"response","created_at":1741294021,"status":"completed","model":"gpt-4.1","output":[{"type":"function_call","id":"fc_1234xyz","call_id":"call_1234xyz","name":"get_weather","arguments":"{\\"location\\":\\"Paris, France\\"}"}],"usage":{"input_tokens":291,"output_tokens":23,"output_tokens_details":{"reasoning_tokens":0},"total_tokens":314}}}
`;

/** Reasoning summary events as the streaming reference's examples show them, then a short answer. */
export const reasoningStream = `event: response.created
data: {"type":"response.created","sequence_number":0,"response":{"id":"resp_6806bfca","object":"response","created_at":1745272778,"status":"in_progress","model":"o4-mini","output":[]}}

event: response.output_item.added
data: {"type":"response.output_item.added","sequence_number":1,"output_index":0,"item":{"id":"rs_6806bfca0b2481918a5748308061a2600d3ce51bdffd5476","type":"reasoning","summary":[]}}

event: response.reasoning_summary_part.added
data: {"type":"response.reasoning_summary_part.added","sequence_number":2,"item_id":"rs_6806bfca0b2481918a5748308061a2600d3ce51bdffd5476","output_index":0,"summary_index":0,"part":{"type":"summary_text","text":""}}

event: response.reasoning_summary_text.delta
data: {"type":"response.reasoning_summary_text.delta","sequence_number":3,"item_id":"rs_6806bfca0b2481918a5748308061a2600d3ce51bdffd5476","output_index":0,"summary_index":0,"delta":"**Responding to a greeting**\\n\\nThe user just said, \\"Hello!\\""}

event: response.reasoning_summary_text.done
data: {"type":"response.reasoning_summary_text.done","sequence_number":4,"item_id":"rs_6806bfca0b2481918a5748308061a2600d3ce51bdffd5476","output_index":0,"summary_index":0,"text":"**Responding to a greeting**\\n\\nThe user just said, \\"Hello!\\""}

event: response.reasoning_summary_part.done
data: {"type":"response.reasoning_summary_part.done","sequence_number":5,"item_id":"rs_6806bfca0b2481918a5748308061a2600d3ce51bdffd5476","output_index":0,"summary_index":0,"part":{"type":"summary_text","text":"**Responding to a greeting**\\n\\nThe user just said, \\"Hello!\\""}}

event: response.reasoning_summary_part.added
data: {"type":"response.reasoning_summary_part.added","sequence_number":6,"item_id":"rs_6806bfca0b2481918a5748308061a2600d3ce51bdffd5476","output_index":0,"summary_index":1,"part":{"type":"summary_text","text":""}}

event: response.reasoning_summary_text.delta
data: {"type":"response.reasoning_summary_text.delta","sequence_number":7,"item_id":"rs_6806bfca0b2481918a5748308061a2600d3ce51bdffd5476","output_index":0,"summary_index":1,"delta":"**Greeting back**"}

event: response.output_item.done
data: {"type":"response.output_item.done","sequence_number":8,"output_index":0,"item":{"id":"rs_6806bfca0b2481918a5748308061a2600d3ce51bdffd5476","type":"reasoning","summary":[]}}

event: response.output_item.added
data: {"type":"response.output_item.added","sequence_number":9,"output_index":1,"item":{"id":"msg_6806bfcb","type":"message","status":"in_progress","role":"assistant","content":[]}}

event: response.output_text.delta
data: {"type":"response.output_text.delta","sequence_number":10,"item_id":"msg_6806bfcb","output_index":1,"content_index":0,"delta":"Hello!"}

event: response.completed
data: {"type":"response.completed","sequence_number":11,"response":{"id":"resp_6806bfca","object":"response","created_at":1745272778,"status":"completed","model":"o4-mini","output":[],"usage":{"input_tokens":8,"input_tokens_details":{"cached_tokens":0,"cache_write_tokens":0},"output_tokens":150,"output_tokens_details":{"reasoning_tokens":128},"total_tokens":158}}}
`;

/** ResponseErrorEvent's example. */
export const errorEvent = `event: error
data: {"type":"error","code":"ERR_SOMETHING","message":"Something went wrong","param":null,"sequence_number":1}
`;

/** ResponseFailedEvent's example. */
export const failedEvent = `event: response.failed
data: {"type":"response.failed","sequence_number":1,"response":{"id":"resp_123","object":"response","created_at":1740855869,"status":"failed","completed_at":null,"error":{"code":"server_error","message":"The model failed to generate a response."},"incomplete_details":null,"instructions":null,"max_output_tokens":null,"model":"gpt-4o-mini-2024-07-18","output":[],"previous_response_id":null,"store":false,"temperature":1,"text":{"format":{"type":"text"}},"tool_choice":"auto","tools":[],"top_p":1,"truncation":"disabled","usage":null,"user":null,"metadata":{}}}
`;

/** ResponseIncompleteEvent's example (its reason spelled `max_tokens`). */
export const incompleteEvent = `event: response.incomplete
data: {"type":"response.incomplete","response":{"id":"resp_123","object":"response","created_at":1740855869,"status":"incomplete","completed_at":null,"error":null,"incomplete_details":{"reason":"max_tokens"},"instructions":null,"max_output_tokens":null,"model":"gpt-4o-mini-2024-07-18","output":[],"previous_response_id":null,"store":false,"temperature":1,"text":{"format":{"type":"text"}},"tool_choice":"auto","tools":[],"top_p":1,"truncation":"disabled","usage":null,"user":null,"metadata":{}},"sequence_number":1}
`;

/** Splits SSE text (LF only, one `data:` line per event, as in the fixtures) into events. */
export function parseSse(text: string): SseIn[] {
  return text
    .split('\n\n')
    .map((block) => block.trim())
    .filter((block) => block !== '')
    .map((block) => {
      let event: string | undefined;
      let data = '';
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data = line.slice(5).trim();
      }
      return { event, data };
    });
}

/** The events as `[type, payload]`, after checking each has `event:` equal to its data's `type`. */
export function decoded(events: readonly SseOut[]): [string, Record<string, unknown>][] {
  return events.map((event) => {
    const data = JSON.parse(event.data) as Record<string, unknown>; // the converters only write JSON objects
    expect(event.event).toBe(String(data.type));
    return [String(data.type), data];
  });
}

/** SSE text as a Responses server writes it, for the official SDK to read. */
export function sseText(events: readonly SseOut[]): string {
  return events.map((event) => `${event.event === undefined ? '' : `event: ${event.event}\n`}data: ${event.data}\n\n`).join('');
}

export function expectValidOpenAi(schema: string, value: unknown): void {
  expect(validateOpenAi(schema, value)).toEqual([]);
}

/** A hub chunk in the shape OpenAI streams (https://platform.openai.com/docs/api-reference/chat-streaming/streaming). */
export function hubChunk(delta: JsonBody, finishReason: string | null = null): JsonBody {
  return {
    id: 'chatcmpl-123',
    object: 'chat.completion.chunk',
    created: 1694268190,
    model: 'gpt-4o-mini',
    system_fingerprint: 'fp_44709d6fcb',
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
  };
}

export function hubUsageChunk(usage: JsonBody): JsonBody {
  return { id: 'chatcmpl-123', object: 'chat.completion.chunk', created: 1694268190, model: 'gpt-4o-mini', choices: [], usage };
}

/** The chat reference's completion example, with a message and usage given by the test. */
export function hubCompletion(message: JsonBody, finishReason = 'stop', usage?: JsonBody): JsonBody {
  const completion: JsonBody = {
    id: 'chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG',
    object: 'chat.completion',
    created: 1741570283,
    model: 'gpt-4o-2024-08-06',
    choices: [{ index: 0, message: { role: 'assistant', refusal: null, annotations: [], ...message }, logprobs: null, finish_reason: finishReason }],
    service_tier: 'default',
    system_fingerprint: 'fp_fc9f1d7035',
  };
  if (usage !== undefined) completion.usage = usage;
  return completion;
}

export function outboundContext(settings: Record<string, unknown> = {}, stream = false): OutboundContext {
  return { upstreamModel: 'gpt-5.4', stream, settings };
}
