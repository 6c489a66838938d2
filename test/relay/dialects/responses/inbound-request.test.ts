/**
 * Responses requests (the examples of https://platform.openai.com/docs/api-reference/responses/create and the
 * conversation shapes of the function-calling and reasoning guides) → hub chat requests, each request held to
 * OpenAI's CreateResponse schema and each result to CreateChatCompletionRequest.
 */
import { describe, expect, test } from 'bun:test';
import { GatewayError } from '../../../../src/errors/gateway-error.ts';
import { createResponsesInbound } from '../../../../src/relay/dialects/responses/inbound.ts';
import type { JsonBody } from '../../../../src/relay/types.ts';
import { chatWeatherTool, expectValidOpenAi, imageUrl, weatherTool } from './fixtures.ts';

const inbound = createResponsesInbound({ now: () => 1_741_476_542_000 });

function toHub(body: JsonBody, stream = false): JsonBody {
  expectValidOpenAi('CreateResponse', body);
  const hub = inbound.toHubRequest(body, { model: String(body.model), stream });
  expectValidOpenAi('CreateChatCompletionRequest', hub);
  return hub;
}

function refusal(body: JsonBody): GatewayError {
  try {
    inbound.toHubRequest(body, { model: String(body.model ?? 'gpt-5.4'), stream: false });
  } catch (error) {
    if (!(error instanceof GatewayError)) throw error;
    expect(error.code).toBe('invalid_request');
    expect(error.status).toBe(400);
    expect(error.message.startsWith(`${error.field}: `)).toBe(true);
    return error;
  }
  throw new Error('expected an invalid_request error');
}

const NEEDS_RESPONSES = 'needs a channel that speaks the Responses API';

describe('Responses request → hub request', () => {
  test('"Text input": a string input is one user message; nothing else is set', () => {
    expect(toHub({ model: 'gpt-5.4', input: 'Tell me a three sentence bedtime story about a unicorn.' })).toEqual({
      model: 'gpt-5.4',
      messages: [{ role: 'user', content: 'Tell me a three sentence bedtime story about a unicorn.' }],
    });
  });

  test('"Streaming": instructions lead as a system message; a stream asks for the usage chunk', () => {
    expect(toHub({ model: 'gpt-5.4', instructions: 'You are a helpful assistant.', input: 'Hello!', stream: true }, true)).toEqual({
      model: 'gpt-5.4',
      messages: [
        { role: 'system', content: 'You are a helpful assistant.' },
        { role: 'user', content: 'Hello!' },
      ],
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  test('"Image input": input_text and input_image parts become text and image_url parts', () => {
    const hub = toHub({
      model: 'gpt-5.4',
      input: [
        {
          role: 'user',
          content: [
            { type: 'input_text', text: 'what is in this image?' },
            { type: 'input_image', image_url: imageUrl, detail: 'high' },
          ],
        },
      ],
    });
    expect(hub.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'what is in this image?' },
          { type: 'image_url', image_url: { url: imageUrl, detail: 'high' } },
        ],
      },
    ]);
  });

  test('input_file by file_data or file_id becomes a file part; by file_url it needs a Responses channel', () => {
    const hub = toHub({
      model: 'gpt-5.4',
      input: [
        {
          role: 'user',
          content: [
            { type: 'input_file', filename: 'letter.pdf', file_data: 'data:application/pdf;base64,JVBERi0=' },
            { type: 'input_file', file_id: 'file-6F2ksmvXxt4VdoqmHRw6kL' },
          ],
        },
      ],
    });
    expect(hub.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'file', file: { file_data: 'data:application/pdf;base64,JVBERi0=', filename: 'letter.pdf' } },
          { type: 'file', file: { file_id: 'file-6F2ksmvXxt4VdoqmHRw6kL' } },
        ],
      },
    ]);
    const byUrl = refusal({
      model: 'gpt-5.4',
      input: [{ role: 'user', content: [{ type: 'input_file', file_url: 'https://www.berkshirehathaway.com/letters/2024ltr.pdf', detail: 'auto' }] }],
    });
    expect(byUrl.field).toBe('input[0].content[0].file_url');
    expect(byUrl.message).toContain(NEEDS_RESPONSES);
  });

  test('"Functions": flat function tools nest under `function`; tool_choice and parallel_tool_calls go with them', () => {
    const hub = toHub({ model: 'gpt-5.4', input: 'What is the weather like in Boston today?', tools: [weatherTool], tool_choice: 'auto', parallel_tool_calls: false });
    expect(hub.tools).toEqual([chatWeatherTool]);
    expect(hub.tool_choice).toBe('auto');
    expect(hub.parallel_tool_calls).toBe(false);
    expect(toHub({ model: 'gpt-5.4', input: 'Hi', tools: [{ ...weatherTool, strict: true }] }).tools).toEqual([
      { type: 'function', function: { ...chatWeatherTool.function, strict: true } },
    ]);
    // Without `strict` (the reference's own example omits it) the chat tool has none either.
    const { strict: _strict, ...loose } = weatherTool;
    const { strict: _chatStrict, ...looseFunction } = chatWeatherTool.function;
    expect(inbound.toHubRequest({ model: 'gpt-5.4', input: 'Hi', tools: [loose] }, { model: 'gpt-5.4', stream: false }).tools).toEqual([{ type: 'function', function: looseFunction }]);
  });

  test('tool_choice: a named function, allowed_tools and required take the chat form; without tools none is sent', () => {
    const forced = toHub({ model: 'gpt-5.4', input: 'Hi', tools: [weatherTool], tool_choice: { type: 'function', name: 'get_current_weather' } });
    expect(forced.tool_choice).toEqual({ type: 'function', function: { name: 'get_current_weather' } });
    const allowed = toHub({
      model: 'gpt-5.4',
      input: 'Hi',
      tools: [weatherTool],
      tool_choice: { type: 'allowed_tools', mode: 'required', tools: [{ type: 'function', name: 'get_current_weather' }] },
    });
    expect(allowed.tool_choice).toEqual({ type: 'allowed_tools', allowed_tools: { mode: 'required', tools: [{ type: 'function', function: { name: 'get_current_weather' } }] } });
    expect(toHub({ model: 'gpt-5.4', input: 'Hi', tools: [weatherTool], tool_choice: 'required' }).tool_choice).toBe('required');
    const bare = toHub({ model: 'gpt-5.4', input: 'Hi', tool_choice: 'none', parallel_tool_calls: true });
    expect(bare.tool_choice).toBeUndefined();
    expect(bare.parallel_tool_calls).toBeUndefined();
  });

  test('a function-calling conversation: reasoning, call and output items become one assistant turn and a tool message', () => {
    const hub = toHub({
      model: 'o4-mini',
      tools: [weatherTool],
      input: [
        { type: 'message', role: 'developer', content: 'Answer in one sentence.' },
        { type: 'message', role: 'user', content: 'What is the weather like in Paris today?' },
        { type: 'reasoning', id: 'rs_1', summary: [{ type: 'summary_text', text: 'The user wants the weather.' }], encrypted_content: 'gAAAA…' },
        { type: 'function_call', id: 'fc_1', call_id: 'call_12345xyz', name: 'get_current_weather', arguments: '{"location":"Paris, France","unit":"celsius"}' },
        { type: 'function_call', id: 'fc_2', call_id: 'call_67890abc', name: 'get_current_weather', arguments: '{"location":"Bogotá, Colombia","unit":"celsius"}' },
        { type: 'function_call_output', call_id: 'call_12345xyz', output: '15°C' },
        { type: 'function_call_output', call_id: 'call_67890abc', output: [{ type: 'input_text', text: '18°C' }] },
        { type: 'message', role: 'assistant', status: 'completed', id: 'msg_1', content: [{ type: 'output_text', text: 'Paris is at 15°C.', annotations: [], logprobs: [] }] },
        { type: 'reasoning', id: 'rs_2', summary: [], encrypted_content: 'gAAAA…' },
        { role: 'user', content: [{ type: 'input_text', text: 'Thanks' }] },
      ],
    });
    expect(hub.messages).toEqual([
      { role: 'system', content: 'Answer in one sentence.' },
      { role: 'user', content: 'What is the weather like in Paris today?' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'call_12345xyz', type: 'function', function: { name: 'get_current_weather', arguments: '{"location":"Paris, France","unit":"celsius"}' } },
          { id: 'call_67890abc', type: 'function', function: { name: 'get_current_weather', arguments: '{"location":"Bogotá, Colombia","unit":"celsius"}' } },
        ],
        reasoning_content: 'The user wants the weather.',
      },
      { role: 'tool', tool_call_id: 'call_12345xyz', content: '15°C' },
      { role: 'tool', tool_call_id: 'call_67890abc', content: '18°C' },
      { role: 'assistant', content: 'Paris is at 15°C.' },
      { role: 'user', content: 'Thanks' },
    ]);
  });

  test('absent parameters stay absent; explicit zeros are copied', () => {
    const absent = toHub({ model: 'gpt-5.4', input: 'Hi' });
    for (const field of ['temperature', 'top_p', 'max_tokens', 'reasoning_effort', 'response_format', 'tools', 'user', 'metadata', 'store']) {
      expect(absent[field]).toBeUndefined();
    }
    const zeros = toHub({ model: 'gpt-5.4', input: 'Hi', temperature: 0, top_p: 0, max_output_tokens: 16 });
    expect([zeros.temperature, zeros.top_p, zeros.max_tokens]).toEqual([0, 0, 16]);
    // null is "not set" too (the schema allows it for most of these fields).
    const nulls = inbound.toHubRequest({ model: 'gpt-5.4', input: 'Hi', temperature: null, top_p: null, max_output_tokens: null, reasoning: null, text: null, tools: null }, { model: 'gpt-5.4', stream: false });
    expect(nulls).toEqual({ model: 'gpt-5.4', messages: [{ role: 'user', content: 'Hi' }] });
  });

  test('reasoning.effort, text.format and text.verbosity take their chat names', () => {
    const schema = { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'], additionalProperties: false };
    const hub = toHub({
      model: 'o4-mini',
      input: 'Hi',
      reasoning: { effort: 'high', summary: 'auto' },
      text: { format: { type: 'json_schema', name: 'answer', description: 'One answer', schema, strict: true }, verbosity: 'low' },
    });
    expect(hub.reasoning_effort).toBe('high');
    expect(hub.response_format).toEqual({ type: 'json_schema', json_schema: { name: 'answer', schema, description: 'One answer', strict: true } });
    expect(hub.verbosity).toBe('low');
    expect(toHub({ model: 'gpt-5.4', input: 'Hi', text: { format: { type: 'json_object' } } }).response_format).toEqual({ type: 'json_object' });
    expect(toHub({ model: 'gpt-5.4', input: 'Hi', text: { format: { type: 'text' } } }).response_format).toBeUndefined();
  });

  test('user, safety_identifier and prompt_cache_key pass; metadata only with store: true', () => {
    const identified = toHub({ model: 'gpt-5.4', input: 'Hi', user: 'user-1', safety_identifier: 'hash-1', prompt_cache_key: 'session-9', metadata: { team: 'a' } });
    expect(identified).toMatchObject({ user: 'user-1', safety_identifier: 'hash-1', prompt_cache_key: 'session-9' });
    expect(identified.metadata).toBeUndefined();
    expect(identified.store).toBeUndefined();
    expect(toHub({ model: 'gpt-5.4', input: 'Hi', store: true, metadata: { team: 'a' } })).toMatchObject({ store: true, metadata: { team: 'a' } });
    // What a chat channel cannot use is not sent: include, truncation, store: false.
    expect(toHub({ model: 'gpt-5.4', input: 'Hi', include: ['reasoning.encrypted_content'], truncation: 'auto', store: false })).toEqual({
      model: 'gpt-5.4',
      messages: [{ role: 'user', content: 'Hi' }],
    });
  });
});

describe('what a chat channel cannot serve is refused, naming the field', () => {
  test('state kept by OpenAI: previous_response_id, conversation, stored prompts, background, compaction', () => {
    const cases: [JsonBody, string][] = [
      [{ previous_response_id: 'resp_67ccd2bed1ec8190b14f964abc0542670bb6a6b452d3795b' }, 'previous_response_id'],
      [{ conversation: 'conv_689667905b048191b4740501625afd940c7533ace33a2dab' }, 'conversation'],
      [{ prompt: { id: 'pmpt_abc123', version: '2' } }, 'prompt'],
      [{ background: true }, 'background'],
      [{ context_management: [{ type: 'compaction', compact_threshold: 1000 }] }, 'context_management'],
    ];
    for (const [extra, field] of cases) {
      const error = refusal({ model: 'gpt-5.4', input: 'Hi', ...extra });
      expect(error.field).toBe(field);
      expect(error.message).toContain(NEEDS_RESPONSES);
    }
    // Their "off" values are fine.
    toHub({ model: 'gpt-5.4', input: 'Hi', previous_response_id: null, conversation: null, background: false, prompt: null });
  });

  test('"Web search" and "File search" examples: built-in tools are refused', () => {
    const web = refusal({ model: 'gpt-5.4', tools: [{ type: 'web_search_preview' }], input: 'What was a positive news story from today?' });
    expect(web.field).toBe('tools[0].type');
    expect(web.message).toContain('"web_search_preview" tool');
    expect(web.message).toContain(NEEDS_RESPONSES);
    for (const tool of [
      { type: 'file_search', vector_store_ids: ['vs_1234567890'], max_num_results: 20 },
      { type: 'computer_use_preview', display_width: 1024, display_height: 768, environment: 'browser' },
      { type: 'code_interpreter', container: { type: 'auto' } },
      { type: 'mcp', server_label: 'deepwiki', server_url: 'https://mcp.deepwiki.com/mcp' },
      { type: 'custom', name: 'code_exec', description: 'Executes arbitrary Python code' },
    ]) {
      expect(refusal({ model: 'gpt-5.4', input: 'Hi', tools: [weatherTool, tool] }).field).toBe('tools[1].type');
    }
    expect(refusal({ model: 'gpt-5.4', input: 'Hi', tools: [weatherTool], tool_choice: { type: 'file_search' } }).field).toBe('tool_choice.type');
  });

  test('stored items and built-in tool items in the input are refused', () => {
    expect(refusal({ model: 'gpt-5.4', input: [{ type: 'item_reference', id: 'msg_123' }] }).field).toBe('input[0]');
    const webCall = refusal({ model: 'gpt-5.4', input: [{ role: 'user', content: 'Hi' }, { type: 'web_search_call', id: 'ws_1', status: 'completed' }] });
    expect(webCall.field).toBe('input[1].type');
    expect(webCall.message).toContain('"web_search_call"');
    const imageFile = refusal({ model: 'gpt-5.4', input: [{ role: 'user', content: [{ type: 'input_image', file_id: 'file-1', detail: 'auto' }] }] });
    expect(imageFile.field).toBe('input[0].content[0].file_id');
    const imageOutput = refusal({
      model: 'gpt-5.4',
      input: [{ type: 'function_call_output', call_id: 'call_1', output: [{ type: 'input_image', image_url: imageUrl, detail: 'auto' }] }],
    });
    expect(imageOutput.field).toBe('input[0].output[0].type');
  });

  test('malformed input is an invalid_request naming the field', () => {
    expect(refusal({ model: '', input: 'Hi' }).field).toBe('model');
    expect(refusal({ model: 'gpt-5.4' }).field).toBe('input');
    expect(refusal({ model: 'gpt-5.4', input: 42 }).field).toBe('input');
    expect(refusal({ model: 'gpt-5.4', input: [] }).field).toBe('input');
    expect(refusal({ model: 'gpt-5.4', instructions: 'Be brief.', input: '' }).field).toBe('input');
    expect(refusal({ model: 'gpt-5.4', input: ['Hi'] }).field).toBe('input[0]');
    expect(refusal({ model: 'gpt-5.4', input: [{ role: 'tool', content: 'x' }] }).field).toBe('input[0].role');
    expect(refusal({ model: 'gpt-5.4', input: [{ content: 'no role or type' }] }).field).toBe('input[0].type');
    expect(refusal({ model: 'gpt-5.4', input: [{ type: 'function_call', name: 'f', arguments: '{}' }] }).field).toBe('input[0].call_id');
    expect(refusal({ model: 'gpt-5.4', input: [{ type: 'function_call_output', output: 'x' }] }).field).toBe('input[0].call_id');
    expect(refusal({ model: 'gpt-5.4', input: [{ role: 'system', content: [{ type: 'input_image', image_url: imageUrl }] }] }).field).toBe('input[0].content[0].type');
    expect(refusal({ model: 'gpt-5.4', input: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'AAA', format: 'wav' } }] }] }).field).toBe(
      'input[0].content[0].type',
    );
    expect(refusal({ model: 'gpt-5.4', input: 'Hi', temperature: 'hot' }).field).toBe('temperature');
    expect(refusal({ model: 'gpt-5.4', input: 'Hi', tools: [{ type: 'function' }] }).field).toBe('tools[0].name');
    expect(refusal({ model: 'gpt-5.4', input: 'Hi', tools: [weatherTool], tool_choice: 'sometimes' }).field).toBe('tool_choice');
    expect(refusal({ model: 'gpt-5.4', input: 'Hi', tools: [weatherTool], parallel_tool_calls: 'yes' }).field).toBe('parallel_tool_calls');
    expect(refusal({ model: 'gpt-5.4', input: 'Hi', text: { format: { type: 'json_schema', schema: {} } } }).field).toBe('text.format.name');
    expect(refusal({ model: 'gpt-5.4', input: 'Hi', text: { format: { type: 'yaml' } } }).field).toBe('text.format.type');
    expect(refusal({ model: 'gpt-5.4', input: 'Hi', reasoning: { effort: 3 } }).field).toBe('reasoning.effort');
  });
});
