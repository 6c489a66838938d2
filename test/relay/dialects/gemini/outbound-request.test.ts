import { describe, expect, test } from 'bun:test';
import { GatewayError } from '../../../../src/errors/gateway-error.ts';
import { geminiOutbound } from '../../../../src/relay/dialects/gemini/outbound.ts';
import type { OutboundContext } from '../../../../src/relay/dialects/types.ts';
import type { JsonBody } from '../../../../src/relay/types.ts';
import { validateOpenAi } from '../../../helpers/openai-schema.ts';
import { jpegBase64, lightDeclaration, lightTool, outboundContext } from './fixtures.ts';

/** Converts a hub request, first checking that it is one by OpenAI's published schema. */
function toGemini(request: JsonBody, context: OutboundContext = outboundContext()): JsonBody {
  const hub = { model: 'gemini-2.5-flash', ...request };
  expect(validateOpenAi('CreateChatCompletionRequest', hub)).toEqual([]);
  return geminiOutbound.fromHubRequest(hub, context);
}

function rejection(request: JsonBody, context: OutboundContext = outboundContext()): GatewayError {
  try {
    geminiOutbound.fromHubRequest({ model: 'gemini-2.5-flash', ...request }, context);
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error('expected a GatewayError');
}

describe('geminiOutbound.fromHubRequest', () => {
  test('system and developer messages → systemInstruction; user/assistant → user/model; no model in the body', () => {
    const body = toGemini({
      messages: [
        { role: 'system', content: 'You are a cat.' },
        { role: 'developer', content: [{ type: 'text', text: 'Your name is Neko.' }] },
        { role: 'user', content: 'Hello' },
        { role: 'assistant', content: 'Great to meet you. What would you like to know?' },
        { role: 'user', content: 'I have two dogs in my house. How many paws are in my house?' },
      ],
    });
    expect(body).toEqual({
      contents: [
        { role: 'user', parts: [{ text: 'Hello' }] },
        { role: 'model', parts: [{ text: 'Great to meet you. What would you like to know?' }] },
        { role: 'user', parts: [{ text: 'I have two dogs in my house. How many paws are in my house?' }] },
      ],
      systemInstruction: { parts: [{ text: 'You are a cat.' }, { text: 'Your name is Neko.' }] },
    });
  });

  test('images: data: URLs inline, other URLs as fileData with a MIME type from the extension', () => {
    const body = toGemini({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Caption these images.' },
            { type: 'image_url', image_url: { url: `data:image/jpeg;base64,${jpegBase64}`, detail: 'low' } },
            { type: 'image_url', image_url: { url: 'https://upload.wikimedia.org/wikipedia/commons/a/a7/Camponotus_flavomarginatus_ant.png' } },
            { type: 'image_url', image_url: { url: 'https://example.com/photo' } },
            { type: 'input_audio', input_audio: { data: 'UklGRiQAAABXQVZF', format: 'wav' } },
            { type: 'file', file: { filename: 'report.pdf', file_data: 'data:application/pdf;base64,JVBERi0xLjQK' } },
          ],
        },
      ],
    });
    expect(body.contents).toEqual([
      {
        role: 'user',
        parts: [
          { text: 'Caption these images.' },
          { inlineData: { mimeType: 'image/jpeg', data: jpegBase64 } },
          { fileData: { fileUri: 'https://upload.wikimedia.org/wikipedia/commons/a/a7/Camponotus_flavomarginatus_ant.png', mimeType: 'image/png' } },
          { fileData: { fileUri: 'https://example.com/photo', mimeType: 'image/jpeg' } },
          { inlineData: { mimeType: 'audio/wav', data: 'UklGRiQAAABXQVZF' } },
          { inlineData: { mimeType: 'application/pdf', data: 'JVBERi0xLjQK' } },
        ],
      },
    ]);
  });

  test('multi-turn function calling: calls, responses named from the call id, one merged user turn', () => {
    const body = toGemini({
      messages: [
        { role: 'user', content: 'Turn this place into a party!' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'power_disco_ball', arguments: '{"power":true}' } },
            { id: 'call_2', type: 'function', function: { name: 'start_music', arguments: '{"energetic":true,"loud":true}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_2', content: 'Playing energetic, loud music.' },
        { role: 'tool', tool_call_id: 'call_1', content: '{"status":"spinning"}' },
        { role: 'user', content: 'Also dim the lights.' },
      ],
      tools: [lightTool],
    });
    expect(body.contents).toEqual([
      { role: 'user', parts: [{ text: 'Turn this place into a party!' }] },
      {
        role: 'model',
        parts: [
          { functionCall: { name: 'power_disco_ball', args: { power: true } }, thoughtSignature: 'skip_thought_signature_validator' },
          { functionCall: { name: 'start_music', args: { energetic: true, loud: true } } },
        ],
      },
      {
        role: 'user',
        // Answered in the other order; sent in the order of the calls.
        parts: [
          { functionResponse: { name: 'power_disco_ball', response: { status: 'spinning' } } },
          { functionResponse: { name: 'start_music', response: { content: 'Playing energetic, loud music.' } } },
          { text: 'Also dim the lights.' },
        ],
      },
    ]);
    expect(body.tools).toEqual([{ functionDeclarations: [lightDeclaration] }]);
  });

  test('parallel calls of one function: the responses follow the calls, whatever order the client answered in', () => {
    const read = (id: string, path: string) => ({ id, type: 'function', function: { name: 'read_file', arguments: JSON.stringify({ path }) } });
    const body = toGemini({
      messages: [
        { role: 'user', content: 'What do a.ts, b.ts and c.ts export?' },
        { role: 'assistant', content: null, tool_calls: [read('toolu_a', 'a.ts'), read('toolu_b', 'b.ts'), read('toolu_c', 'c.ts')] },
        { role: 'tool', tool_call_id: 'toolu_c', content: 'export const c = 3;' },
        { role: 'tool', tool_call_id: 'toolu_a', content: 'export const a = 1;' },
        { role: 'user', content: 'b.ts is still being read.' },
        { role: 'tool', tool_call_id: 'toolu_b', content: 'export const b = 2;' },
      ],
    });
    const response = (content: string) => ({ functionResponse: { name: 'read_file', response: { content } } });
    expect(body.contents).toEqual([
      { role: 'user', parts: [{ text: 'What do a.ts, b.ts and c.ts export?' }] },
      {
        role: 'model',
        parts: [
          { functionCall: { name: 'read_file', args: { path: 'a.ts' } }, thoughtSignature: 'skip_thought_signature_validator' },
          { functionCall: { name: 'read_file', args: { path: 'b.ts' } } },
          { functionCall: { name: 'read_file', args: { path: 'c.ts' } } },
        ],
      },
      // Gemini pairs them by position: the responses take the places responses had, in call order; the text stays put.
      { role: 'user', parts: [response('export const a = 1;'), response('export const b = 2;'), { text: 'b.ts is still being read.' }, response('export const c = 3;')] },
    ]);
  });

  test('a thought signature the hub carried goes back on its call', () => {
    const body = toGemini({
      messages: [
        { role: 'user', content: 'Dim the lights' },
        {
          role: 'assistant',
          content: 'Dimming.',
          tool_calls: [
            {
              id: 'call_1',
              type: 'function',
              function: { name: 'set_light_values', arguments: '{"brightness":25,"color_temp":"warm"}' },
              extra_content: { google: { thought_signature: 'CiQBVKhc7xQv' } },
            },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: [{ type: 'text', text: '{"brightness":25,' }, { type: 'text', text: '"colorTemperature":"warm"}' }] },
      ],
    });
    expect(body.contents).toEqual([
      { role: 'user', parts: [{ text: 'Dim the lights' }] },
      { role: 'model', parts: [{ text: 'Dimming.' }, { functionCall: { name: 'set_light_values', args: { brightness: 25, color_temp: 'warm' } }, thoughtSignature: 'CiQBVKhc7xQv' }] },
      { role: 'user', parts: [{ functionResponse: { name: 'set_light_values', response: { brightness: 25, colorTemperature: 'warm' } } }] },
    ]);
  });

  test('tools: parameters are cleaned; a function without parameters declares none', () => {
    const body = toGemini({
      messages: [{ role: 'user', content: 'What time is it?' }],
      tools: [
        {
          type: 'function',
          function: {
            name: 'get_weather',
            strict: true,
            parameters: {
              $schema: 'http://json-schema.org/draft-07/schema#',
              type: 'object',
              properties: { location: { type: 'string' }, unit: { type: ['string', 'null'], enum: ['c', 'f', null] } },
              required: ['location', 'unit'],
              additionalProperties: false,
            },
          },
        },
        { type: 'function', function: { name: 'get_time', parameters: { type: 'object', properties: {}, additionalProperties: false } } },
        { type: 'function', function: { name: 'ping' } },
      ],
    });
    expect(body.tools).toEqual([
      {
        functionDeclarations: [
          {
            name: 'get_weather',
            parameters: { type: 'object', properties: { location: { type: 'string' }, unit: { type: 'string', nullable: true, enum: ['c', 'f'] } }, required: ['location', 'unit'] },
          },
          { name: 'get_time' },
          { name: 'ping' },
        ],
      },
    ]);
  });

  test('tool_choice → functionCallingConfig', () => {
    const config = (choice: unknown) =>
      toGemini({ messages: [{ role: 'user', content: 'Dim the lights' }], tools: [lightTool], ...(choice === undefined ? {} : { tool_choice: choice }) }).toolConfig;
    expect(config('none')).toEqual({ functionCallingConfig: { mode: 'NONE' } });
    expect(config('auto')).toEqual({ functionCallingConfig: { mode: 'AUTO' } });
    expect(config('required')).toEqual({ functionCallingConfig: { mode: 'ANY' } });
    expect(config({ type: 'function', function: { name: 'set_light_values' } })).toEqual({ functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['set_light_values'] } });
    expect(config({ type: 'allowed_tools', allowed_tools: { mode: 'required', tools: [{ type: 'function', function: { name: 'set_light_values' } }] } })).toEqual({
      functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['set_light_values'] },
    });
    expect(config(undefined)).toBeUndefined();
    const auto = toGemini({
      messages: [{ role: 'user', content: 'Party!' }],
      tools: [lightTool, { type: 'function', function: { name: 'dim_lights' } }],
      tool_choice: { type: 'allowed_tools', allowed_tools: { mode: 'auto', tools: [{ type: 'function', function: { name: 'dim_lights' } }] } },
    });
    expect(auto.toolConfig).toEqual({ functionCallingConfig: { mode: 'AUTO' } });
    expect(auto.tools).toEqual([{ functionDeclarations: [{ name: 'dim_lights' }] }]);
  });

  test('generation parameters: explicit zeros kept, absent ones absent, max_completion_tokens wins', () => {
    const body = toGemini({
      messages: [{ role: 'user', content: 'Hi' }],
      temperature: 0,
      top_p: 0.9,
      max_tokens: 100,
      max_completion_tokens: 200,
      stop: 'END',
      n: 1,
      presence_penalty: 0,
      frequency_penalty: 0.2,
      seed: 42,
    });
    expect(body.generationConfig).toEqual({
      temperature: 0,
      topP: 0.9,
      maxOutputTokens: 200,
      candidateCount: 1,
      presencePenalty: 0,
      frequencyPenalty: 0.2,
      seed: 42,
      stopSequences: ['END'],
    });
    expect(toGemini({ messages: [{ role: 'user', content: 'Hi' }] }).generationConfig).toBeUndefined();
    expect(toGemini({ messages: [{ role: 'user', content: 'Hi' }], stop: ['a', 'b'] }).generationConfig).toEqual({ stopSequences: ['a', 'b'] });
  });

  test('response_format: json_schema → responseSchema (cleaned), json_object → JSON MIME type only', () => {
    const schema = { type: 'object', properties: { name: { type: 'string' }, age: { type: 'integer' } }, required: ['name', 'age'], additionalProperties: false };
    const jsonSchema = toGemini({ messages: [{ role: 'user', content: 'Extract.' }], response_format: { type: 'json_schema', json_schema: { name: 'person', strict: true, schema } } });
    expect(jsonSchema.generationConfig).toEqual({
      responseMimeType: 'application/json',
      responseSchema: { type: 'object', properties: { name: { type: 'string' }, age: { type: 'integer' } }, required: ['name', 'age'] },
    });
    const jsonObject = toGemini({ messages: [{ role: 'user', content: 'Extract.' }], response_format: { type: 'json_object' } });
    expect(jsonObject.generationConfig).toEqual({ responseMimeType: 'application/json' });
  });

  test('thinking: suffixes and reasoning_effort set the budget; thoughts included when thinking', () => {
    const thinking = (model: string, effort?: string) =>
      (toGemini({ messages: [{ role: 'user', content: 'Hi' }], ...(effort === undefined ? {} : { reasoning_effort: effort }) }, outboundContext(model)).generationConfig as JsonBody | undefined)
        ?.thinkingConfig;
    expect(thinking('gemini-2.5-flash-thinking')).toEqual({ thinkingBudget: -1, includeThoughts: true });
    expect(thinking('gemini-2.5-pro-thinking-128')).toEqual({ thinkingBudget: 128, includeThoughts: true });
    expect(thinking('gemini-2.5-flash-nothinking')).toEqual({ thinkingBudget: 0 });
    expect(thinking('gemini-2.5-flash', 'low')).toEqual({ thinkingBudget: 1024, includeThoughts: true });
    expect(thinking('gemini-2.5-flash', 'medium')).toEqual({ thinkingBudget: 8192, includeThoughts: true });
    expect(thinking('gemini-2.5-flash', 'high')).toEqual({ thinkingBudget: 24576, includeThoughts: true });
    expect(thinking('gemini-2.5-flash', 'none')).toEqual({ thinkingBudget: 0 });
    expect(thinking('gemini-2.5-flash-nothinking', 'high')).toEqual({ thinkingBudget: 0 });
    expect(thinking('gemini-2.5-flash')).toBeUndefined();
  });

  test('safety settings come from the channel, verbatim, and are absent otherwise', () => {
    const safety = [
      { category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_NONE' },
      { category: 'HARM_CATEGORY_DANGEROUS_CONTENT', threshold: 'BLOCK_ONLY_HIGH' },
    ];
    const messages = [{ role: 'user', content: 'Hi' }];
    expect(toGemini({ messages }, outboundContext('gemini-2.5-flash', { safety_settings: safety })).safetySettings).toEqual(safety);
    expect(toGemini({ messages }).safetySettings).toBeUndefined();
    const misconfigured = rejection({ messages }, outboundContext('gemini-2.5-flash', { safety_settings: 'BLOCK_NONE' }));
    expect(misconfigured.code).toBe('invalid_config');
    expect(misconfigured.field).toBe('safety_settings');
  });
});

describe('geminiOutbound.fromHubRequest validation', () => {
  const cases: [string, JsonBody, string][] = [
    ['no messages', { messages: [] }, 'messages'],
    ['only a system prompt', { messages: [{ role: 'system', content: 'Be brief.' }] }, 'messages'],
    ['an unknown role', { messages: [{ role: 'function', name: 'f', content: '1' }] }, 'messages[0].role'],
    ['a tool result for no call', { messages: [{ role: 'user', content: 'Hi' }, { role: 'tool', tool_call_id: 'call_9', content: 'x' }] }, 'messages[1].tool_call_id'],
    ['an OpenAI file id', { messages: [{ role: 'user', content: [{ type: 'file', file: { file_id: 'file-abc' } }] }] }, 'messages[0].content[0].file'],
    ['a custom tool', { messages: [{ role: 'user', content: 'Hi' }], tools: [{ type: 'custom', custom: { name: 'grammar' } }] }, 'tools[0].type'],
    ['a tool choice Gemini lacks', { messages: [{ role: 'user', content: 'Hi' }], tools: [lightTool], tool_choice: { type: 'custom', custom: { name: 'x' } } }, 'tool_choice'],
    ['a temperature that is not a number', { messages: [{ role: 'user', content: 'Hi' }], temperature: '0.2' }, 'temperature'],
  ];
  for (const [name, request, field] of cases) {
    test(`${name} → invalid_request naming ${field}`, () => {
      const error = rejection(request);
      expect(error.code).toBe('invalid_request');
      expect(error.field).toBe(field);
    });
  }
});
