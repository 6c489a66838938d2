import { describe, expect, test } from 'bun:test';
import { GatewayError } from '../../../../src/errors/gateway-error.ts';
import { geminiInbound } from '../../../../src/relay/dialects/gemini/inbound.ts';
import type { InboundContext } from '../../../../src/relay/dialects/types.ts';
import type { JsonBody } from '../../../../src/relay/types.ts';
import { validateOpenAi } from '../../../helpers/openai-schema.ts';
import { jpegBase64, lightDeclaration, partyDeclarations } from './fixtures.ts';

const context: InboundContext = { model: 'gemini-2.5-flash', stream: false };

/** Converts and checks the result against OpenAI's published request schema. */
function toHub(body: JsonBody, ctx: InboundContext = context): JsonBody {
  const hub = geminiInbound.toHubRequest(body, ctx);
  expect(validateOpenAi('CreateChatCompletionRequest', hub)).toEqual([]);
  return hub;
}

function rejection(body: JsonBody): GatewayError {
  try {
    geminiInbound.toHubRequest(body, context);
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error('expected a GatewayError');
}

describe('geminiInbound.toHubRequest', () => {
  test('text: the model comes from the URL; a role-less content is the user', () => {
    expect(toHub({ contents: [{ parts: [{ text: 'Explain how AI works in a few words' }] }] })).toEqual({
      model: 'gemini-2.5-flash',
      messages: [{ role: 'user', content: 'Explain how AI works in a few words' }],
    });
  });

  test('system instruction and multi-turn chat; model text parts are joined as generated', () => {
    const hub = toHub({
      systemInstruction: { parts: [{ text: 'You are a cat.' }, { text: 'Your name is Neko.' }] },
      contents: [
        { role: 'user', parts: [{ text: 'Hello' }] },
        { role: 'model', parts: [{ text: 'Great to meet you. ' }, { text: 'What would you like to know?' }] },
        { role: 'user', parts: [{ text: 'I have two dogs in my house.' }, { text: 'How many paws are in my house?' }] },
      ],
    });
    expect(hub.messages).toEqual([
      { role: 'system', content: 'You are a cat.\nYour name is Neko.' },
      { role: 'user', content: 'Hello' },
      { role: 'assistant', content: 'Great to meet you. What would you like to know?' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'I have two dogs in my house.' },
          { type: 'text', text: 'How many paws are in my house?' },
        ],
      },
    ]);
  });

  test('an empty systemInstruction adds no system message', () => {
    expect(toHub({ systemInstruction: { parts: [] }, contents: [{ role: 'user', parts: [{ text: 'Hi' }] }] }).messages).toEqual([{ role: 'user', content: 'Hi' }]);
  });

  test('a string systemInstruction (as some SDK versions send it) is accepted', () => {
    expect(toHub({ systemInstruction: 'Be brief.', contents: [{ role: 'user', parts: [{ text: 'Hi' }] }] }).messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hi' },
    ]);
  });

  test('inline images become data: URLs, image files by URI image URLs, audio input_audio, PDFs files', () => {
    const hub = toHub({
      contents: [
        {
          role: 'user',
          parts: [
            { inlineData: { mimeType: 'image/jpeg', data: jpegBase64 } },
            { text: 'Caption this image.' },
            { fileData: { mimeType: 'image/png', fileUri: 'https://example.com/cat.png' } },
            { inlineData: { mimeType: 'audio/mp3', data: 'SUQzBAAAAAAAI1RTU0U=' } },
            { inlineData: { mimeType: 'application/pdf', data: 'JVBERi0xLjQK' } },
          ],
        },
      ],
    });
    expect(hub.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'image_url', image_url: { url: `data:image/jpeg;base64,${jpegBase64}` } },
          { type: 'text', text: 'Caption this image.' },
          { type: 'image_url', image_url: { url: 'https://example.com/cat.png' } },
          { type: 'input_audio', input_audio: { data: 'SUQzBAAAAAAAI1RTU0U=', format: 'mp3' } },
          { type: 'file', file: { filename: 'file.pdf', file_data: 'data:application/pdf;base64,JVBERi0xLjQK' } },
        ],
      },
    ]);
  });

  test('function calling, multi-turn: calls get call_<n> ids and responses the id of the call they answer', () => {
    const hub = toHub({
      contents: [
        { role: 'user', parts: [{ text: 'Turn this place into a party!' }] },
        {
          role: 'model',
          parts: [
            { text: 'Sure, let me set things up.' },
            { functionCall: { name: 'power_disco_ball', args: { power: true } } },
            { functionCall: { name: 'dim_lights', args: { brightness: 0.5 } } },
            { functionCall: { name: 'dim_lights', args: { brightness: 0.2 } } },
          ],
        },
        {
          role: 'user',
          parts: [
            { functionResponse: { name: 'dim_lights', response: { result: 'ok', level: 0.5 } } },
            { functionResponse: { name: 'power_disco_ball', response: { output: 'Disco ball is spinning!' } } },
            { functionResponse: { name: 'dim_lights', response: { result: 'ok', level: 0.2 } } },
            { text: 'And now some music.' },
          ],
        },
        { role: 'model', parts: [{ functionCall: { id: 'fc-7', name: 'start_music', args: { energetic: true, loud: true } } }] },
        { role: 'user', parts: [{ functionResponse: { id: 'fc-7', name: 'start_music', response: { content: 'Playing.' } } }] },
      ],
      tools: [{ functionDeclarations: partyDeclarations }],
    });
    expect(hub.messages).toEqual([
      { role: 'user', content: 'Turn this place into a party!' },
      {
        role: 'assistant',
        content: 'Sure, let me set things up.',
        tool_calls: [
          { id: 'call_1', type: 'function', function: { name: 'power_disco_ball', arguments: '{"power":true}' } },
          { id: 'call_2', type: 'function', function: { name: 'dim_lights', arguments: '{"brightness":0.5}' } },
          { id: 'call_3', type: 'function', function: { name: 'dim_lights', arguments: '{"brightness":0.2}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_2', content: '{"result":"ok","level":0.5}' },
      { role: 'tool', tool_call_id: 'call_1', content: 'Disco ball is spinning!' },
      { role: 'tool', tool_call_id: 'call_3', content: '{"result":"ok","level":0.2}' },
      { role: 'user', content: 'And now some music.' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'fc-7', type: 'function', function: { name: 'start_music', arguments: '{"energetic":true,"loud":true}' } }],
      },
      { role: 'tool', tool_call_id: 'fc-7', content: 'Playing.' },
    ]);
    expect((hub.tools as JsonBody[]).map((tool) => (tool.function as JsonBody).name)).toEqual(['power_disco_ball', 'start_music', 'dim_lights']);
  });

  test('thought parts in the history are dropped, thought-signature-only parts too', () => {
    const hub = toHub({
      contents: [
        { role: 'user', parts: [{ text: 'What is 2+2?' }] },
        { role: 'model', parts: [{ text: 'Adding.', thought: true }, { text: '4', thoughtSignature: 'c2ln' }] },
        { role: 'user', parts: [{ text: 'Thanks' }, { thoughtSignature: 'c2ln' }] },
      ],
    });
    expect(hub.messages).toEqual([
      { role: 'user', content: 'What is 2+2?' },
      { role: 'assistant', content: '4' },
      { role: 'user', content: 'Thanks' },
    ]);
  });

  test('tools: Gemini Schema in upper case and parametersJsonSchema both become JSON Schema', () => {
    const hub = toHub({
      contents: [{ role: 'user', parts: [{ text: 'Dim the lights' }] }],
      tools: [
        {
          functionDeclarations: [
            { name: 'set_light_values', description: lightDeclaration.description, parameters: { type: 'OBJECT', properties: { brightness: { type: 'INTEGER' } }, required: ['brightness'] } },
            { name: 'get_time', parametersJsonSchema: { type: 'object', properties: {}, additionalProperties: false } },
            { name: 'ping' },
          ],
        },
      ],
    });
    expect(hub.tools).toEqual([
      {
        type: 'function',
        function: { name: 'set_light_values', description: lightDeclaration.description, parameters: { type: 'object', properties: { brightness: { type: 'integer' } }, required: ['brightness'] } },
      },
      { type: 'function', function: { name: 'get_time', parameters: { type: 'object', properties: {}, additionalProperties: false } } },
      { type: 'function', function: { name: 'ping' } },
    ]);
  });

  test('toolConfig modes map to tool_choice; allowedFunctionNames narrow the tools', () => {
    const base = { contents: [{ role: 'user', parts: [{ text: 'Party!' }] }], tools: [{ functionDeclarations: partyDeclarations }] };
    const choice = (functionCallingConfig: JsonBody) => toHub({ ...base, toolConfig: { functionCallingConfig } });
    expect(choice({ mode: 'AUTO' }).tool_choice).toBe('auto');
    expect(choice({ mode: 'NONE' }).tool_choice).toBe('none');
    expect(choice({ mode: 'ANY' }).tool_choice).toBe('required');
    const one = choice({ mode: 'ANY', allowedFunctionNames: ['dim_lights'] });
    expect(one.tool_choice).toEqual({ type: 'function', function: { name: 'dim_lights' } });
    expect((one.tools as JsonBody[]).length).toBe(1);
    const two = choice({ mode: 'ANY', allowedFunctionNames: ['dim_lights', 'start_music'] });
    expect(two.tool_choice).toBe('required');
    expect((two.tools as JsonBody[]).map((tool) => (tool.function as JsonBody).name)).toEqual(['start_music', 'dim_lights']);
    expect(toHub(base).tool_choice).toBeUndefined();
  });

  test('generationConfig maps to sampling parameters; explicit zeros are kept, absent ones stay absent', () => {
    const hub = toHub({
      contents: [{ role: 'user', parts: [{ text: 'Hi' }] }],
      generationConfig: {
        temperature: 0,
        topP: 0.95,
        topK: 40,
        maxOutputTokens: 800,
        stopSequences: ['Title'],
        candidateCount: 2,
        presencePenalty: 0,
        frequencyPenalty: 0.5,
        seed: 0,
      },
    });
    expect(hub).toEqual({
      model: 'gemini-2.5-flash',
      messages: [{ role: 'user', content: 'Hi' }],
      temperature: 0,
      top_p: 0.95,
      max_tokens: 800,
      stop: ['Title'],
      n: 2,
      presence_penalty: 0,
      frequency_penalty: 0.5,
      seed: 0,
    });
    expect(toHub({ contents: [{ role: 'user', parts: [{ text: 'Hi' }] }], generationConfig: {} })).toEqual({
      model: 'gemini-2.5-flash',
      messages: [{ role: 'user', content: 'Hi' }],
    });
  });

  test('JSON output: a schema becomes json_schema, no schema json_object', () => {
    const contents = [{ role: 'user', parts: [{ text: 'List a few popular cookie recipes.' }] }];
    const responseSchema = { type: 'ARRAY', items: { type: 'OBJECT', properties: { recipeName: { type: 'STRING' } }, propertyOrdering: ['recipeName'] } };
    expect(toHub({ contents, generationConfig: { responseMimeType: 'application/json', responseSchema } }).response_format).toEqual({
      type: 'json_schema',
      json_schema: { name: 'response', schema: { type: 'array', items: { type: 'object', properties: { recipeName: { type: 'string' } } } } },
    });
    expect(toHub({ contents, generationConfig: { responseMimeType: 'application/json' } }).response_format).toEqual({ type: 'json_object' });
    expect(toHub({ contents, generationConfig: { responseMimeType: 'text/plain' } }).response_format).toBeUndefined();
  });

  test('thinking budget and level become reasoning_effort; dynamic leaves it to the upstream', () => {
    const effort = (thinkingConfig: JsonBody) => toHub({ contents: [{ parts: [{ text: 'Hi' }] }], generationConfig: { thinkingConfig } }).reasoning_effort;
    expect(effort({ thinkingBudget: 0 })).toBe('none');
    expect(effort({ thinkingBudget: 1024 })).toBe('low');
    expect(effort({ thinkingBudget: 8192, includeThoughts: true })).toBe('medium');
    expect(effort({ thinkingBudget: 24576 })).toBe('high');
    expect(effort({ thinkingBudget: -1 })).toBeUndefined();
    expect(effort({ thinkingLevel: 'LOW' })).toBe('low');
  });

  test('streaming asks the hub for usage, which the last event carries', () => {
    const hub = toHub({ contents: [{ parts: [{ text: 'Hi' }] }] }, { model: 'gemini-2.5-flash', stream: true });
    expect(hub.stream).toBe(true);
    expect(hub.stream_options).toEqual({ include_usage: true });
  });
});

describe('geminiInbound.toHubRequest validation', () => {
  const cases: [string, JsonBody, string][] = [
    ['no contents', {}, 'contents'],
    ['empty contents', { contents: [] }, 'contents'],
    ['a content that is not an object', { contents: ['Hello'] }, 'contents[0]'],
    ['an unknown role', { contents: [{ role: 'assistant', parts: [{ text: 'Hi' }] }] }, 'contents[0].role'],
    ['no parts', { contents: [{ role: 'user', parts: [] }] }, 'contents[0].parts'],
    ['an empty part', { contents: [{ role: 'user', parts: [{}] }] }, 'contents[0].parts[0]'],
    ['inline data without a MIME type', { contents: [{ role: 'user', parts: [{ inlineData: { data: 'AAAA' } }] }] }, 'contents[0].parts[0].inlineData.mimeType'],
    ['a video by URI', { contents: [{ role: 'user', parts: [{ fileData: { mimeType: 'video/mp4', fileUri: 'https://generativelanguage.googleapis.com/v1beta/files/abc' } }] }] }, 'contents[0].parts[0].fileData.mimeType'],
    ['a function call from the user', { contents: [{ role: 'user', parts: [{ functionCall: { name: 'f', args: {} } }] }] }, 'contents[0].parts[0].functionCall'],
    ['a function response with no call', { contents: [{ role: 'user', parts: [{ functionResponse: { name: 'dim_lights', response: {} } }] }] }, 'contents[0].parts[0].functionResponse.name'],
    ['a Google-hosted tool', { contents: [{ parts: [{ text: 'news?' }] }], tools: [{ googleSearch: {} }] }, 'tools[0].googleSearch'],
    ['a declaration without a name', { contents: [{ parts: [{ text: 'x' }] }], tools: [{ functionDeclarations: [{ description: 'x' }] }] }, 'tools[0].functionDeclarations[0].name'],
    ['an unknown calling mode', { contents: [{ parts: [{ text: 'x' }] }], tools: [{ functionDeclarations: [lightDeclaration] }], toolConfig: { functionCallingConfig: { mode: 'SOMETIMES' } } }, 'toolConfig.functionCallingConfig.mode'],
    ['a temperature that is not a number', { contents: [{ parts: [{ text: 'x' }] }], generationConfig: { temperature: 'hot' } }, 'generationConfig.temperature'],
    ['stop sequences that are not strings', { contents: [{ parts: [{ text: 'x' }] }], generationConfig: { stopSequences: [1] } }, 'generationConfig.stopSequences'],
    ['a system instruction with an image', { systemInstruction: { parts: [{ inlineData: { mimeType: 'image/png', data: 'AAAA' } }] }, contents: [{ parts: [{ text: 'x' }] }] }, 'systemInstruction'],
    ['cached content', { contents: [{ parts: [{ text: 'x' }] }], cachedContent: 'cachedContents/abc' }, 'cachedContent'],
  ];
  for (const [name, body, field] of cases) {
    test(`${name} → invalid_request naming ${field}`, () => {
      const error = rejection(body);
      expect(error.code).toBe('invalid_request');
      expect(error.status).toBe(400);
      expect(error.field).toBe(field);
      expect(error.message.startsWith(`${field}: `)).toBe(true);
    });
  }

  test('the messages say how to fix the request', () => {
    expect(rejection({}).message).toContain('[{"role": "user", "parts": [{"text": "Hello"}]}]');
    expect(rejection({ contents: [{ role: 'user', parts: [{ functionResponse: { name: 'dim_lights', response: {} } }] }] }).message).toContain('send the model turn that called it first');
  });
});
