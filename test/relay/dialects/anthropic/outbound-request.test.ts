/**
 * Hub requests (https://platform.openai.com/docs/api-reference/chat/create) → Anthropic Messages requests
 * (https://docs.anthropic.com/en/api/messages), for `anthropic` channels. Every hub request used here is first
 * checked against OpenAI's CreateChatCompletionRequest schema.
 */
import { describe, expect, test } from 'bun:test';
import { GatewayError } from '../../../../src/errors/gateway-error.ts';
import { anthropicOutbound } from '../../../../src/relay/dialects/anthropic/outbound.ts';
import type { OutboundContext } from '../../../../src/relay/dialects/types.ts';
import type { JsonBody } from '../../../../src/relay/types.ts';
import { antImageUrl, base64Jpeg, expectValidOpenAi, getWeatherTool } from './fixtures.ts';

const context = (overrides: Partial<OutboundContext> = {}): OutboundContext => ({ upstreamModel: 'claude-sonnet-4-5', stream: false, settings: {}, ...overrides });
const toNative = (request: JsonBody, options: Partial<OutboundContext> = {}): JsonBody => {
  expectValidOpenAi('CreateChatCompletionRequest', request);
  return anthropicOutbound.fromHubRequest(request, context(options));
};
const hello = { model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'Hello!' }] };
const weatherFunction = { type: 'function', function: { name: 'get_weather', description: getWeatherTool.description, parameters: getWeatherTool.input_schema } };

function refusal(request: JsonBody, options: Partial<OutboundContext> = {}): GatewayError {
  try {
    anthropicOutbound.fromHubRequest(request, context(options));
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error('expected a GatewayError');
}

describe('hub request → Anthropic: basics', () => {
  test('max_tokens defaults to 8192, the channel setting, or the request', () => {
    expect(toNative(hello)).toEqual({ model: 'claude-sonnet-4-5', max_tokens: 8192, messages: [{ role: 'user', content: 'Hello!' }] });
    expect(toNative(hello, { settings: { max_tokens: 4096 } }).max_tokens).toBe(4096);
    expect(toNative({ ...hello, max_tokens: 100 }, { settings: { max_tokens: 4096 } }).max_tokens).toBe(100);
    expect(toNative({ ...hello, max_tokens: 100, max_completion_tokens: 200 }).max_tokens).toBe(200);
  });

  test('system and developer messages become the top-level system; roles are merged to alternate', () => {
    const native = toNative({
      ...hello,
      messages: [
        { role: 'system', content: 'You are a helpful assistant.' },
        { role: 'user', content: 'Hello!' },
        { role: 'user', content: [{ type: 'text', text: 'Are you there?' }] },
        { role: 'developer', content: [{ type: 'text', text: 'Answer in French.' }] },
        { role: 'assistant', content: '' },
        { role: 'assistant', content: 'Bonjour !' },
      ],
    });
    expect(native.system).toBe('You are a helpful assistant.\n\nAnswer in French.');
    expect(native.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'Hello!' }, { type: 'text', text: 'Are you there?' }] },
      { role: 'assistant', content: 'Bonjour !' },
    ]);
  });

  test('cache_control and prompt_cache_breakpoint become Anthropic cache_control', () => {
    const native = toNative({
      ...hello,
      messages: [
        { role: 'system', content: [{ type: 'text', text: 'Long instructions', cache_control: { type: 'ephemeral' } } as JsonBody] },
        { role: 'user', content: [{ type: 'text', text: 'A long document', prompt_cache_breakpoint: { mode: 'explicit' } }] },
      ],
    });
    expect(native.system).toEqual([{ type: 'text', text: 'Long instructions', cache_control: { type: 'ephemeral' } }]);
    expect(native.messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'A long document', cache_control: { type: 'ephemeral' } }] }]);
  });

  test('sampling, stop, user, stream; explicit zero kept, temperature clamped to 1', () => {
    const native = toNative({ ...hello, temperature: 0, top_p: 0.5, stop: 'END', user: 'user-1234' }, { stream: true });
    expect(native).toMatchObject({ temperature: 0, top_p: 0.5, stop_sequences: ['END'], metadata: { user_id: 'user-1234' }, stream: true });
    expect(toNative({ ...hello, temperature: 1.7, stop: ['a', 'b'] })).toMatchObject({ temperature: 1, stop_sequences: ['a', 'b'] });
    const plain = toNative(hello);
    for (const field of ['temperature', 'top_p', 'stop_sequences', 'metadata', 'stream', 'thinking', 'tools', 'tool_choice', 'system']) expect(plain[field]).toBeUndefined();
  });
});

describe('hub request → Anthropic: tools and images', () => {
  test('a multi-turn tool conversation', () => {
    const native = toNative({
      ...hello,
      tools: [weatherFunction],
      tool_choice: 'auto',
      messages: [
        { role: 'user', content: 'What is the weather like in San Francisco and Paris?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"location":"San Francisco, CA"}' } },
            { id: 'call_2', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Paris"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: '15 degrees' },
        { role: 'tool', tool_call_id: 'call_2', content: [{ type: 'text', text: '18 degrees' }] },
        { role: 'user', content: 'Which is warmer?' },
      ],
    });
    expect(native.tools).toEqual([getWeatherTool]);
    expect(native.tool_choice).toEqual({ type: 'auto' });
    expect(native.messages).toEqual([
      { role: 'user', content: 'What is the weather like in San Francisco and Paris?' },
      {
        role: 'assistant',
        content: [
          { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { location: 'San Francisco, CA' } },
          { type: 'tool_use', id: 'call_2', name: 'get_weather', input: { location: 'Paris' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'call_1', content: '15 degrees' },
          { type: 'tool_result', tool_use_id: 'call_2', content: '18 degrees' },
          { type: 'text', text: 'Which is warmer?' },
        ],
      },
    ]);
  });

  test('tool_choice mapping and parallel_tool_calls: false', () => {
    const choice = (tool_choice: unknown, extra: JsonBody = {}) =>
      toNative({ ...hello, tools: [weatherFunction], ...(tool_choice === undefined ? {} : { tool_choice }), ...extra } as JsonBody).tool_choice;
    expect(choice('none')).toEqual({ type: 'none' });
    expect(choice('required')).toEqual({ type: 'any' });
    expect(choice({ type: 'function', function: { name: 'get_weather' } })).toEqual({ type: 'tool', name: 'get_weather' });
    expect(choice('required', { parallel_tool_calls: false })).toEqual({ type: 'any', disable_parallel_tool_use: true });
    expect(choice(undefined, { parallel_tool_calls: false })).toEqual({ type: 'auto', disable_parallel_tool_use: true });
    expect(choice(undefined, { parallel_tool_calls: true })).toBeUndefined();
    expect(toNative({ ...hello, tool_choice: 'none' }).tool_choice).toBeUndefined();
  });

  test('a tool without parameters gets an empty object schema', () => {
    expect(toNative({ ...hello, tools: [{ type: 'function', function: { name: 'now' } }] }).tools).toEqual([{ name: 'now', input_schema: { type: 'object' } }]);
  });

  test('images: data: URLs → base64, http(s) → url; PDFs → documents', () => {
    const native = toNative({
      ...hello,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: "What's in these images?" },
            { type: 'image_url', image_url: { url: `data:image/jpeg;base64,${base64Jpeg}`, detail: 'high' } },
            { type: 'image_url', image_url: { url: antImageUrl } },
            { type: 'file', file: { filename: 'paper.pdf', file_data: 'data:application/pdf;base64,JVBERi0xLjcK' } },
          ],
        },
      ],
    });
    expect(native.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: "What's in these images?" },
          { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: base64Jpeg } },
          { type: 'image', source: { type: 'url', url: antImageUrl } },
          { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0xLjcK' } },
        ],
      },
    ]);
  });
});

describe('hub request → Anthropic: thinking', () => {
  test('reasoning_effort → budget; max_tokens raised above it; temperature and low top_p dropped', () => {
    const native = toNative({ ...hello, reasoning_effort: 'high', max_tokens: 4000, temperature: 0.2, top_p: 0.5 });
    expect(native).toMatchObject({ thinking: { type: 'enabled', budget_tokens: 24576 }, max_tokens: 28576 });
    expect(native.temperature).toBeUndefined();
    expect(native.top_p).toBeUndefined();
    expect(toNative({ ...hello, reasoning_effort: 'low', top_p: 0.97 })).toMatchObject({ thinking: { type: 'enabled', budget_tokens: 1024 }, max_tokens: 8192, top_p: 0.97 });
    expect(toNative({ ...hello, reasoning_effort: 'medium' }).thinking).toEqual({ type: 'enabled', budget_tokens: 8192 });
    expect(toNative({ ...hello, reasoning_effort: 'none' }).thinking).toBeUndefined();
  });

  test('the -thinking suffix is stripped and turns thinking on', () => {
    const native = toNative(hello, { upstreamModel: 'claude-sonnet-4-5-thinking' });
    expect(native).toMatchObject({ model: 'claude-sonnet-4-5', thinking: { type: 'enabled', budget_tokens: 8192 }, max_tokens: 16384 });
    expect(toNative({ ...hello, reasoning_effort: 'high' }, { upstreamModel: 'claude-sonnet-4-5-thinking' }).thinking).toEqual({ type: 'enabled', budget_tokens: 24576 });
  });

  test('no thinking with a forced tool, or after an assistant tool call', () => {
    expect(toNative({ ...hello, tools: [weatherFunction], tool_choice: 'required', reasoning_effort: 'high' }).thinking).toBeUndefined();
    const loop = toNative({
      ...hello,
      reasoning_effort: 'high',
      tools: [weatherFunction],
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: null, reasoning_content: 'I should call the tool.', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Paris"}' } }] } as JsonBody,
        { role: 'tool', tool_call_id: 'call_1', content: '18 degrees' },
      ],
    });
    expect(loop.thinking).toBeUndefined();
    expect((loop.messages as JsonBody[])[1]).toEqual({ role: 'assistant', content: [{ type: 'tool_use', id: 'call_1', name: 'get_weather', input: { location: 'Paris' } }] });
  });
});

describe('hub request → Anthropic: refusals name the field', () => {
  test.each([
    ['messages', { ...hello, messages: [] }],
    ['n', { ...hello, n: 2 }],
    ['messages[0].role', { ...hello, messages: [{ role: 'function', name: 'f', content: 'x' }] }],
    ['messages[0].content[0].image_url.url', { ...hello, messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/bmp;base64,Qk0=' } }] }] }],
    ['messages[0].content[0].image_url.url', { ...hello, messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'ftp://example.com/a.png' } }] }] }],
    ['messages[0].content[0].type', { ...hello, messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } }] }] }],
    ['messages[0].tool_call_id', { ...hello, messages: [{ role: 'tool', content: 'x' }] }],
    ['tools[0].type', { ...hello, tools: [{ type: 'custom', custom: { name: 'grammar' } }] }],
  ])('%s (case %#)', (field, request) => {
    const error = refusal(request as JsonBody);
    expect(error.code).toBe('invalid_request');
    expect(error.field).toBe(field);
  });
});
