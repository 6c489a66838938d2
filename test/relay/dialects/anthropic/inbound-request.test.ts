/**
 * Anthropic Messages requests → hub requests (src/relay/dialects/anthropic/inbound-request.ts), with requests
 * written from https://docs.anthropic.com/en/api/messages and the tool-use, vision and thinking guides. Every hub
 * request is checked against OpenAI's CreateChatCompletionRequest schema.
 */
import { describe, expect, test } from 'bun:test';
import { GatewayError } from '../../../../src/errors/gateway-error.ts';
import { anthropicInbound } from '../../../../src/relay/dialects/anthropic/inbound.ts';
import type { JsonBody } from '../../../../src/relay/types.ts';
import { antImageUrl, base64Jpeg, expectValidOpenAi, getWeatherTool } from './fixtures.ts';

const model = 'claude-sonnet-4-5';
const toHub = (body: JsonBody, stream = false): JsonBody => {
  const hub = anthropicInbound.toHubRequest(body, { model: String(body.model ?? model), stream });
  expectValidOpenAi('CreateChatCompletionRequest', hub);
  return hub;
};
const base = { model, max_tokens: 1024, messages: [{ role: 'user', content: 'Hello, world' }] };

function refusal(body: JsonBody): GatewayError {
  try {
    anthropicInbound.toHubRequest(body, { model, stream: false });
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error('expected a GatewayError');
}

describe('Anthropic request → hub: basics', () => {
  test('the documentation example', () => {
    expect(toHub(base)).toEqual({ model, messages: [{ role: 'user', content: 'Hello, world' }], max_tokens: 1024 });
  });

  test('system as a string and as text blocks with cache_control (dropped)', () => {
    expect(toHub({ ...base, system: 'You are a helpful assistant.' }).messages).toEqual([
      { role: 'system', content: 'You are a helpful assistant.' },
      { role: 'user', content: 'Hello, world' },
    ]);
    const blocks = [
      { type: 'text', text: 'You are an AI assistant tasked with analyzing literary works.' },
      { type: 'text', text: '<the entire contents of Pride and Prejudice>', cache_control: { type: 'ephemeral' } },
    ];
    expect(toHub({ ...base, system: blocks }).messages).toEqual([
      { role: 'system', content: 'You are an AI assistant tasked with analyzing literary works.\n<the entire contents of Pride and Prejudice>' },
      { role: 'user', content: 'Hello, world' },
    ]);
  });

  test('sampling, stop sequences and metadata; top_k is dropped; explicit zeros are kept', () => {
    const hub = toHub({ ...base, temperature: 0, top_p: 0.9, top_k: 40, stop_sequences: ['\n\nHuman:'], metadata: { user_id: '13803d75-b4b5-4c3e-b2a2-6f21399b021b' } });
    expect(hub).toEqual({
      model,
      messages: [{ role: 'user', content: 'Hello, world' }],
      max_tokens: 1024,
      temperature: 0,
      top_p: 0.9,
      stop: ['\n\nHuman:'],
      user: '13803d75-b4b5-4c3e-b2a2-6f21399b021b',
    });
    const absent = toHub(base);
    for (const field of ['temperature', 'top_p', 'stop', 'user', 'top_k', 'stream', 'stream_options']) expect(absent[field]).toBeUndefined();
    expect(toHub({ ...base, stop_sequences: [] }).stop).toBeUndefined();
  });

  test('stream asks the hub for usage', () => {
    expect(toHub({ ...base, stream: true }, true)).toMatchObject({ stream: true, stream_options: { include_usage: true } });
  });

  test('text-only user blocks become one string; content strings pass as they are', () => {
    const hub = toHub({
      ...base,
      messages: [
        { role: 'user', content: [{ type: 'text', text: '<system-reminder>Be brief.</system-reminder>' }, { type: 'text', text: 'What is 2+2?', cache_control: { type: 'ephemeral' } }] },
        { role: 'assistant', content: 'The best answer is (' },
      ],
    });
    expect(hub.messages).toEqual([
      { role: 'user', content: '<system-reminder>Be brief.</system-reminder>\nWhat is 2+2?' },
      { role: 'assistant', content: 'The best answer is (' },
    ]);
  });
});

describe('Anthropic request → hub: tools, images, thinking', () => {
  test('a multi-turn tool conversation (tool-use guide)', () => {
    const hub = toHub({
      ...base,
      tools: [getWeatherTool],
      tool_choice: { type: 'auto' },
      messages: [
        { role: 'user', content: 'What is the weather like in San Francisco?' },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: "I'll check the current weather in San Francisco for you." },
            { type: 'tool_use', id: 'toolu_01A09q90qw90lq917835lq9', name: 'get_weather', input: { location: 'San Francisco, CA', unit: 'celsius' } },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_01A09q90qw90lq917835lq9', content: '15 degrees' },
            { type: 'text', text: 'And in Paris?' },
          ],
        },
      ],
    });
    expect(hub.tools).toEqual([{ type: 'function', function: { name: 'get_weather', description: getWeatherTool.description, parameters: getWeatherTool.input_schema } }]);
    expect(hub.tool_choice).toBe('auto');
    expect(hub.messages).toEqual([
      { role: 'user', content: 'What is the weather like in San Francisco?' },
      {
        role: 'assistant',
        content: "I'll check the current weather in San Francisco for you.",
        tool_calls: [
          { id: 'toolu_01A09q90qw90lq917835lq9', type: 'function', function: { name: 'get_weather', arguments: '{"location":"San Francisco, CA","unit":"celsius"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'toolu_01A09q90qw90lq917835lq9', content: '15 degrees' },
      { role: 'user', content: 'And in Paris?' },
    ]);
  });

  test('tool results as text blocks, errors, images; a tool_use without text has null content', () => {
    const hub = toHub({
      ...base,
      tools: [getWeatherTool],
      messages: [
        { role: 'user', content: 'Weather?' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { location: 'Paris' } }, { type: 'tool_use', id: 'toolu_2', name: 'get_weather', input: { location: 'Nowhere' } }] },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: '15 degrees' }, { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: base64Jpeg } }] },
            { type: 'tool_result', tool_use_id: 'toolu_2', content: 'ConnectionError: the weather service API is not available (HTTP 500)', is_error: true },
          ],
        },
      ],
    });
    expect(hub.messages).toEqual([
      { role: 'user', content: 'Weather?' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Paris"}' } },
          { id: 'toolu_2', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Nowhere"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'toolu_1', content: '15 degrees' },
      { role: 'tool', tool_call_id: 'toolu_2', content: 'Error: ConnectionError: the weather service API is not available (HTTP 500)' },
      { role: 'user', content: [{ type: 'image_url', image_url: { url: `data:image/jpeg;base64,${base64Jpeg}` } }] },
    ]);
  });

  test('tool_choice any, tool, none and disable_parallel_tool_use; server tools are left out', () => {
    const withChoice = (tool_choice: unknown) => toHub({ ...base, tools: [getWeatherTool, { type: 'web_search_20250305', name: 'web_search', max_uses: 5 }], tool_choice });
    expect(withChoice({ type: 'any' }).tool_choice).toBe('required');
    expect(withChoice({ type: 'none' }).tool_choice).toBe('none');
    expect(withChoice({ type: 'tool', name: 'get_weather' }).tool_choice).toEqual({ type: 'function', function: { name: 'get_weather' } });
    const serial = withChoice({ type: 'auto', disable_parallel_tool_use: true });
    expect(serial).toMatchObject({ tool_choice: 'auto', parallel_tool_calls: false });
    expect(serial.tools).toHaveLength(1);
    expect(withChoice(undefined).parallel_tool_calls).toBeUndefined();
  });

  test('images: base64 becomes a data: URL, url sources pass through', () => {
    const hub = toHub({
      ...base,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: base64Jpeg } },
            { type: 'image', source: { type: 'url', url: antImageUrl } },
            { type: 'text', text: 'Describe these images.' },
          ],
        },
      ],
    });
    expect(hub.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'image_url', image_url: { url: `data:image/jpeg;base64,${base64Jpeg}` } },
          { type: 'image_url', image_url: { url: antImageUrl } },
          { type: 'text', text: 'Describe these images.' },
        ],
      },
    ]);
  });

  test('PDF and plain-text documents', () => {
    const hub = toHub({
      ...base,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0xLjcK' } },
            { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'The grass is green.' } },
          ],
        },
      ],
    });
    expect(hub.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'file', file: { file_data: 'data:application/pdf;base64,JVBERi0xLjcK', filename: 'document.pdf' } },
          { type: 'text', text: 'The grass is green.' },
        ],
      },
    ]);
  });

  test('thinking budgets map to efforts at the documented bands', () => {
    const effort = (budget: number) => toHub({ ...base, max_tokens: 32000, thinking: { type: 'enabled', budget_tokens: budget } }).reasoning_effort;
    expect([1024, 4096, 4097, 10000, 16384, 16385, 31999].map(effort)).toEqual(['low', 'low', 'medium', 'medium', 'medium', 'high', 'high']);
    expect(toHub({ ...base, thinking: { type: 'disabled' } }).reasoning_effort).toBeUndefined();
    expect(toHub({ ...base, thinking: { type: 'adaptive' } }).reasoning_effort).toBeUndefined();
    expect(toHub({ ...base, thinking: { type: 'adaptive' }, output_config: { effort: 'high' } }).reasoning_effort).toBe('high');
  });

  test('assistant thinking blocks in the history become reasoning_content; redacted ones are dropped', () => {
    const hub = toHub({
      ...base,
      messages: [
        { role: 'user', content: 'What is the GCD of 1071 and 462?' },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'Let me analyze this step by step...', signature: 'WaUjzkypQ2mUEVM36O2TxuC06KN8xyfbJwyem2dw3URve' },
            { type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpP' },
            { type: 'text', text: 'Based on my analysis...' },
          ],
        },
        { role: 'user', content: 'Thanks.' },
      ],
    });
    expect((hub.messages as JsonBody[])[1]).toEqual({ role: 'assistant', content: 'Based on my analysis...', reasoning_content: 'Let me analyze this step by step...' });
  });
});

describe('Anthropic request → hub: validation names the field', () => {
  test.each([
    ['model', { ...base, model: undefined }],
    ['model', { ...base, model: '' }],
    ['max_tokens', { ...base, max_tokens: undefined }],
    ['max_tokens', { ...base, max_tokens: 0 }],
    ['max_tokens', { ...base, max_tokens: 10.5 }],
    ['max_tokens', { ...base, max_tokens: '1024' }],
    ['messages', { ...base, messages: [] }],
    ['messages', { ...base, messages: 'Hello' }],
    ['messages[0].role', { ...base, messages: [{ role: 'human', content: 'Hi' }] }],
    ['messages[0].content', { ...base, messages: [{ role: 'user', content: 42 }] }],
    ['messages[0].content[0].type', { ...base, messages: [{ role: 'user', content: [{ type: 'video', source: {} }] }] }],
    ['messages[0].content[0].source.type', { ...base, messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'file', file_id: 'file_011CNha8iCJcU1wXNR6q4V8w' } }] }] }],
    ['messages[0].content[0].tool_use_id', { ...base, messages: [{ role: 'user', content: [{ type: 'tool_result', content: 'x' }] }] }],
    ['tools[0].name', { ...base, tools: [{ description: 'no name', input_schema: { type: 'object' } }] }],
    ['tools[0].input_schema', { ...base, tools: [{ name: 'get_weather' }] }],
    ['tool_choice.type', { ...base, tool_choice: { type: 'sometimes' } }],
    ['temperature', { ...base, temperature: 'hot' }],
    ['stop_sequences', { ...base, stop_sequences: 'STOP' }],
    ['thinking.budget_tokens', { ...base, thinking: { type: 'enabled' } }],
  ])('%s is named when refused (case %#)', (field, body) => {
    const error = refusal(body as JsonBody);
    expect(error.code).toBe('invalid_request');
    expect(error.status).toBe(400);
    expect(error.field).toBe(field);
    expect(error.message.startsWith(`${field}: `)).toBe(true);
  });

  test('the max_tokens message says how to fix it', () => {
    expect(refusal({ ...base, max_tokens: undefined }).message).toContain('"max_tokens": 1024');
  });
});
