/**
 * Hub `chat.completion` objects (https://platform.openai.com/docs/api-reference/chat/object) → Responses
 * (https://platform.openai.com/docs/api-reference/responses/object), each held to OpenAI's Response schema and
 * read back by the official SDK; and errors in OpenAI's shape.
 */
import { describe, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { createResponsesInbound } from '../../../../src/relay/dialects/responses/inbound.ts';
import type { JsonBody } from '../../../../src/relay/types.ts';
import { expectValidOpenAi, hubCompletion, weatherTool } from './fixtures.ts';

const NOW_SECONDS = 1_741_570_290;
const inbound = createResponsesInbound({ now: () => NOW_SECONDS * 1000 });
const context = { model: 'gpt-4o', stream: false };

function toResponse(completion: JsonBody, extra: Partial<typeof context> & { request?: JsonBody } = {}): JsonBody {
  expectValidOpenAi('CreateChatCompletionResponse', completion);
  const response = inbound.fromHubResponse(completion, { ...context, ...extra });
  expectValidOpenAi('Response', response);
  return response;
}

const usage = {
  prompt_tokens: 19,
  completion_tokens: 10,
  total_tokens: 29,
  prompt_tokens_details: { cached_tokens: 4, audio_tokens: 0 },
  completion_tokens_details: { reasoning_tokens: 3, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
};
const responsesUsage = { input_tokens: 19, input_tokens_details: { cached_tokens: 4, cache_write_tokens: 0 }, output_tokens: 10, output_tokens_details: { reasoning_tokens: 3 }, total_tokens: 29 };

describe('hub chat.completion → Response', () => {
  test('text: one message item with output_text, usage in the Responses names, the whole object', () => {
    const response = toResponse(hubCompletion({ content: 'Hello there, how may I assist you today?' }, 'stop', usage));
    expect(response).toEqual({
      id: 'resp_B9MHDbslfkBeAs8l4bebGdFOJ6PeG',
      object: 'response',
      created_at: 1741570283,
      status: 'completed',
      background: false,
      completed_at: NOW_SECONDS,
      error: null,
      incomplete_details: null,
      instructions: null,
      max_output_tokens: null,
      model: 'gpt-4o',
      output: [
        {
          id: 'msg_B9MHDbslfkBeAs8l4bebGdFOJ6PeG_0',
          type: 'message',
          status: 'completed',
          role: 'assistant',
          content: [{ type: 'output_text', text: 'Hello there, how may I assist you today?', annotations: [], logprobs: [] }],
        },
      ],
      parallel_tool_calls: true,
      previous_response_id: null,
      reasoning: { effort: null, summary: null },
      store: false,
      temperature: 1,
      text: { format: { type: 'text' } },
      tool_choice: 'auto',
      tools: [],
      top_p: 1,
      truncation: 'disabled',
      metadata: {},
      usage: responsesUsage,
    });
  });

  test('tool calls: function_call items with the call ids; a tool-calls ending is completed', () => {
    const completion = hubCompletion(
      {
        content: null,
        tool_calls: [
          { id: 'call_abc123', type: 'function', function: { name: 'get_current_weather', arguments: '{\n"location": "Boston, MA"\n}' } },
          { id: 'call_def456', type: 'function', function: { name: 'get_current_weather', arguments: '{"location": "Paris"}' } },
        ],
      },
      'tool_calls',
      usage,
    );
    const response = toResponse(completion);
    expect(response.status).toBe('completed');
    expect(response.output).toEqual([
      { id: 'fc_B9MHDbslfkBeAs8l4bebGdFOJ6PeG_0', type: 'function_call', status: 'completed', call_id: 'call_abc123', name: 'get_current_weather', arguments: '{\n"location": "Boston, MA"\n}' },
      { id: 'fc_B9MHDbslfkBeAs8l4bebGdFOJ6PeG_1', type: 'function_call', status: 'completed', call_id: 'call_def456', name: 'get_current_weather', arguments: '{"location": "Paris"}' },
    ]);
  });

  test('reasoning_content (or `reasoning`) becomes a reasoning item before the message', () => {
    for (const field of ['reasoning_content', 'reasoning']) {
      const response = toResponse(hubCompletion({ content: 'Paris.', [field]: 'The capital of France is Paris.' }, 'stop', usage));
      expect(response.output).toEqual([
        { id: 'rs_B9MHDbslfkBeAs8l4bebGdFOJ6PeG_0', type: 'reasoning', summary: [{ type: 'summary_text', text: 'The capital of France is Paris.' }] },
        expect.objectContaining({ id: 'msg_B9MHDbslfkBeAs8l4bebGdFOJ6PeG_1', type: 'message', content: [expect.objectContaining({ text: 'Paris.' })] }),
      ]);
    }
  });

  test('length and content_filter endings are incomplete, with their reason and an incomplete message', () => {
    const cut = toResponse(hubCompletion({ content: 'Once upon a' }, 'length', usage));
    expect(cut).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' }, completed_at: null });
    expect((cut.output as JsonBody[])[0]).toMatchObject({ type: 'message', status: 'incomplete' });
    expect(toResponse(hubCompletion({ content: '' }, 'content_filter'))).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'content_filter' } });
    // A length ending inside the reasoning: no message item at all.
    expect((toResponse(hubCompletion({ content: '', reasoning_content: 'Let me think' }, 'length')).output as JsonBody[]).map((item) => item.type)).toEqual(['reasoning']);
  });

  test('a refusal is a refusal part; an empty answer still has its (empty) message', () => {
    const refused = toResponse(hubCompletion({ content: null, refusal: "I'm sorry, I can't help with that." }));
    expect((refused.output as JsonBody[])[0]).toMatchObject({ type: 'message', content: [{ type: 'refusal', refusal: "I'm sorry, I can't help with that." }] });
    const empty = toResponse(hubCompletion({ content: '' }));
    expect((empty.output as JsonBody[])[0]).toMatchObject({ type: 'message', content: [{ type: 'output_text', text: '' }] });
  });

  test('without usage from the hub the Response has none (the relay bills its estimate); explicit zeros are kept', () => {
    expect(toResponse(hubCompletion({ content: 'Hi' })).usage).toBeUndefined();
    const zero = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };
    expect(toResponse(hubCompletion({ content: 'Hi' }, 'stop', zero)).usage).toEqual({
      input_tokens: 0,
      input_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 },
      output_tokens: 0,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: 0,
    });
  });

  test('with the client request at hand, its settings are echoed', () => {
    const request = {
      model: 'gpt-4o',
      instructions: 'Be brief.',
      input: 'Hi',
      temperature: 0,
      top_p: 0.5,
      max_output_tokens: 64,
      tools: [weatherTool],
      tool_choice: 'required',
      parallel_tool_calls: false,
      reasoning: { effort: 'low' },
      text: { format: { type: 'json_object' }, verbosity: 'low' },
      metadata: { team: 'a' },
      user: 'user-1',
    };
    const response = toResponse(hubCompletion({ content: '{}' }), { request });
    expect(response).toMatchObject({
      instructions: 'Be brief.',
      temperature: 0,
      top_p: 0.5,
      max_output_tokens: 64,
      tool_choice: 'required',
      parallel_tool_calls: false,
      reasoning: { effort: 'low', summary: null },
      text: { format: { type: 'json_object' }, verbosity: 'low' },
      tools: [{ type: 'function', name: 'get_current_weather', description: weatherTool.description, parameters: weatherTool.parameters, strict: false }],
      metadata: { team: 'a' },
      user: 'user-1',
      store: false,
    });
  });

  test('the official SDK reads the Response, output_text included', async () => {
    const response = inbound.fromHubResponse(hubCompletion({ content: 'Hello from the hub.' }, 'stop', usage), context);
    const client = new OpenAI({ apiKey: 'sk-test', baseURL: 'http://sdk.invalid/v1', fetch: async () => Response.json(response) });
    const read = await client.responses.create({ model: 'gpt-4o', input: 'Hi' });
    expect(read.output_text).toBe('Hello from the hub.');
    expect(read.usage?.input_tokens_details.cached_tokens).toBe(4);
  });
});

describe('errors in OpenAI\'s shape', () => {
  test('gateway codes get their OpenAI type; the status is kept', () => {
    expect(inbound.renderError({ status: 400, code: 'invalid_request', message: 'previous_response_id: needs …' })).toEqual({
      status: 400,
      body: { error: { message: 'previous_response_id: needs …', type: 'invalid_request_error', param: null, code: 'invalid_request' } },
    });
    expect(inbound.renderError({ status: 429, code: 'quota_exhausted', message: 'no quota' }).body).toMatchObject({ error: { type: 'insufficient_quota' } });
    expect(inbound.renderError({ status: 401, code: 'unauthorized', message: 'bad key' }).body).toMatchObject({ error: { type: 'authentication_error' } });
    expect(inbound.renderError({ status: 503, code: 'overloaded', message: 'busy' })).toMatchObject({ status: 503, body: { error: { type: 'upstream_error' } } });
  });

  test('transport failures without a status are 502, timeouts 504', () => {
    expect(inbound.renderError({ status: 0, code: 'connection_failed', message: 'reset' }).status).toBe(502);
    expect(inbound.renderError({ status: 0, code: 'total_timeout', message: 'too slow' }).status).toBe(504);
  });
});
