/**
 * Hub chat requests (https://platform.openai.com/docs/api-reference/chat/create) → Responses requests
 * (https://platform.openai.com/docs/api-reference/responses/create), every result held to OpenAI's CreateResponse
 * schema.
 */
import { describe, expect, test } from 'bun:test';
import { GatewayError } from '../../../../src/errors/gateway-error.ts';
import { createResponsesOutbound } from '../../../../src/relay/dialects/responses/outbound.ts';
import type { JsonBody } from '../../../../src/relay/types.ts';
import { chatWeatherTool, expectValidOpenAi, imageUrl, outboundContext, weatherTool } from './fixtures.ts';

const outbound = createResponsesOutbound({ now: () => 0 });

function toResponses(request: JsonBody, stream = false): JsonBody {
  expectValidOpenAi('CreateChatCompletionRequest', request);
  const native = outbound.fromHubRequest(request, outboundContext({}, stream));
  expectValidOpenAi('CreateResponse', native);
  return native;
}

function refusal(request: JsonBody): GatewayError {
  try {
    outbound.fromHubRequest(request, outboundContext());
  } catch (error) {
    if (!(error instanceof GatewayError)) throw error;
    expect(error.code).toBe('invalid_request');
    return error;
  }
  throw new Error('expected an invalid_request error');
}

const hi = [{ role: 'user', content: 'Hello!' }];

describe('hub request → Responses request', () => {
  test('messages become input items; the model is the upstream one; nothing is stored', () => {
    expect(
      toResponses({
        model: 'gpt-4o',
        messages: [
          { role: 'developer', content: 'You are a helpful assistant.' },
          { role: 'system', content: [{ type: 'text', text: 'Be brief.' }] },
          { role: 'user', content: 'Hello!' },
          { role: 'assistant', content: 'Hi there! How can I assist you today?' },
          { role: 'user', content: 'Tell me a joke.' },
        ],
      }),
    ).toEqual({
      model: 'gpt-5.4',
      input: [
        { type: 'message', role: 'developer', content: 'You are a helpful assistant.' },
        { type: 'message', role: 'system', content: [{ type: 'input_text', text: 'Be brief.' }] },
        { type: 'message', role: 'user', content: 'Hello!' },
        { type: 'message', role: 'assistant', content: 'Hi there! How can I assist you today?' },
        { type: 'message', role: 'user', content: 'Tell me a joke.' },
      ],
      store: false,
    });
  });

  test('images and files become input_image and input_file parts; detail defaults to auto', () => {
    const native = toResponses({
      model: 'gpt-4o',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: "What's in this image?" },
            { type: 'image_url', image_url: { url: imageUrl } },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'low' } },
            { type: 'file', file: { filename: 'draconomicon.pdf', file_data: 'data:application/pdf;base64,JVBERi0=' } },
            { type: 'file', file: { file_id: 'file-6F2ksmvXxt4VdoqmHRw6kL' } },
          ],
        },
      ],
    });
    expect(native.input).toEqual([
      {
        type: 'message',
        role: 'user',
        content: [
          { type: 'input_text', text: "What's in this image?" },
          { type: 'input_image', image_url: imageUrl, detail: 'auto' },
          { type: 'input_image', image_url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'low' },
          { type: 'input_file', file_data: 'data:application/pdf;base64,JVBERi0=', filename: 'draconomicon.pdf' },
          { type: 'input_file', file_id: 'file-6F2ksmvXxt4VdoqmHRw6kL' },
        ],
      },
    ]);
  });

  test('tools flatten with strict false unless asked; tool_choice flattens; parallel_tool_calls passes', () => {
    const native = toResponses({
      model: 'gpt-4o',
      messages: hi,
      tools: [chatWeatherTool],
      tool_choice: { type: 'function', function: { name: 'get_current_weather' } },
      parallel_tool_calls: false,
    });
    expect(native.tools).toEqual([weatherTool]);
    expect(native.tool_choice).toEqual({ type: 'function', name: 'get_current_weather' });
    expect(native.parallel_tool_calls).toBe(false);
    const { strict: _strict, ...loose } = chatWeatherTool.function;
    expect(toResponses({ model: 'gpt-4o', messages: hi, tools: [{ type: 'function', function: loose }], tool_choice: 'required' })).toMatchObject({
      tools: [{ ...weatherTool, strict: false }],
      tool_choice: 'required',
    });
    expect(toResponses({ model: 'gpt-4o', messages: hi, tools: [{ type: 'function', function: { ...loose, strict: true } }] }).tools).toEqual([{ ...weatherTool, strict: true }]);
    // A function without parameters still gets a schema (Responses requires one).
    expect((toResponses({ model: 'gpt-4o', messages: hi, tools: [{ type: 'function', function: { name: 'now' } }] }).tools as JsonBody[])[0]).toEqual({
      type: 'function',
      name: 'now',
      parameters: { type: 'object', properties: {} },
      strict: false,
    });
    const allowed = toResponses({
      model: 'gpt-4o',
      messages: hi,
      tools: [chatWeatherTool],
      tool_choice: { type: 'allowed_tools', allowed_tools: { mode: 'auto', tools: [{ type: 'function', function: { name: 'get_current_weather' } }] } },
    });
    expect(allowed.tool_choice).toEqual({ type: 'allowed_tools', mode: 'auto', tools: [{ type: 'function', name: 'get_current_weather' }] });
    // Without tools, neither tool_choice nor parallel_tool_calls is sent.
    expect(toResponses({ model: 'gpt-4o', messages: hi, tool_choice: 'none', parallel_tool_calls: true })).toEqual({ model: 'gpt-5.4', input: [{ type: 'message', role: 'user', content: 'Hello!' }], store: false });
  });

  test('a tool round: the assistant turn becomes its text and function_call items, the tool answer a function_call_output', () => {
    const native = toResponses({
      model: 'gpt-4o',
      tools: [chatWeatherTool],
      messages: [
        { role: 'user', content: 'What is the weather like in Boston today?' },
        {
          role: 'assistant',
          content: 'Let me check.',
          reasoning_content: 'The user wants the weather.',
          tool_calls: [{ id: 'call_abc123', type: 'function', function: { name: 'get_current_weather', arguments: '{"location":"Boston, MA","unit":"celsius"}' } }],
        },
        { role: 'tool', tool_call_id: 'call_abc123', content: [{ type: 'text', text: '22°C and sunny' }] },
      ],
    });
    expect(native.input).toEqual([
      { type: 'message', role: 'user', content: 'What is the weather like in Boston today?' },
      { type: 'message', role: 'assistant', content: 'Let me check.' },
      { type: 'function_call', call_id: 'call_abc123', name: 'get_current_weather', arguments: '{"location":"Boston, MA","unit":"celsius"}' },
      { type: 'function_call_output', call_id: 'call_abc123', output: '22°C and sunny' },
    ]);
  });

  test('max_completion_tokens, else max_tokens, becomes max_output_tokens (at least 16); absent stays absent, zero temperature stays', () => {
    expect(toResponses({ model: 'gpt-4o', messages: hi, max_completion_tokens: 300, max_tokens: 100 }).max_output_tokens).toBe(300);
    expect(toResponses({ model: 'gpt-4o', messages: hi, max_tokens: 100 }).max_output_tokens).toBe(100);
    expect(toResponses({ model: 'gpt-4o', messages: hi, max_tokens: 5 }).max_output_tokens).toBe(16);
    const absent = toResponses({ model: 'gpt-4o', messages: hi });
    for (const field of ['max_output_tokens', 'temperature', 'top_p', 'reasoning', 'text', 'tools', 'stream']) expect(absent[field]).toBeUndefined();
    const zeros = toResponses({ model: 'gpt-4o', messages: hi, temperature: 0, top_p: 0 });
    expect([zeros.temperature, zeros.top_p]).toEqual([0, 0]);
  });

  test('reasoning_effort, response_format, verbosity, identifiers, metadata, store and stream take their Responses places', () => {
    const schema = { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'], additionalProperties: false };
    const native = toResponses(
      {
        model: 'o4-mini',
        messages: hi,
        reasoning_effort: 'high',
        response_format: { type: 'json_schema', json_schema: { name: 'answer', schema, strict: true } },
        verbosity: 'low',
        user: 'user-1',
        safety_identifier: 'hash-1',
        prompt_cache_key: 'session-9',
        service_tier: 'flex',
        metadata: { team: 'a' },
        store: true,
        stream: true,
        stream_options: { include_usage: true },
        stop: ['\n\n'],
        seed: 7,
        presence_penalty: 0.5,
      },
      true,
    );
    expect(native).toEqual({
      model: 'gpt-5.4',
      input: [{ type: 'message', role: 'user', content: 'Hello!' }],
      reasoning: { effort: 'high' },
      text: { format: { type: 'json_schema', name: 'answer', schema, strict: true }, verbosity: 'low' },
      user: 'user-1',
      safety_identifier: 'hash-1',
      prompt_cache_key: 'session-9',
      service_tier: 'flex',
      metadata: { team: 'a' },
      store: true,
      stream: true,
    });
    expect(toResponses({ model: 'gpt-4o', messages: hi, response_format: { type: 'json_object' } }).text).toEqual({ format: { type: 'json_object' } });
  });
});

describe('what the Responses API cannot express is refused, naming the field', () => {
  test('several choices, audio in or out, custom tools, legacy function messages', () => {
    expect(refusal({ model: 'gpt-4o', messages: hi, n: 2 }).field).toBe('n');
    expect(refusal({ model: 'gpt-4o-audio-preview', messages: hi, modalities: ['text', 'audio'], audio: { voice: 'alloy', format: 'wav' } }).field).toBe('modalities');
    const audio = refusal({ model: 'gpt-4o', messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'AAA', format: 'wav' } }] }] });
    expect(audio.field).toBe('messages[0].content[0].type');
    expect(refusal({ model: 'gpt-4o', messages: hi, tools: [{ type: 'custom', custom: { name: 'grammar' } }] }).field).toBe('tools[0].type');
    expect(refusal({ model: 'gpt-4o', messages: [{ role: 'function', name: 'f', content: '1' }] }).field).toBe('messages[0].role');
    expect(refusal({ model: 'gpt-4o', messages: [] }).field).toBe('messages');
    expect(refusal({ model: 'gpt-4o', messages: [{ role: 'tool', content: 'x' }] }).field).toBe('messages[0].tool_call_id');
    expect(refusal({ model: 'gpt-4o', messages: hi, response_format: { type: 'yaml' } }).field).toBe('response_format.type');
    // n: 1 is fine.
    toResponses({ model: 'gpt-4o', messages: hi, n: 1 });
  });
});
