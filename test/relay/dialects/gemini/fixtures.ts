/**
 * Gemini requests and replies written after the examples of Google's reference and guides:
 * text generation and multi-turn chat (https://ai.google.dev/gemini-api/docs/text-generation), images
 * (https://ai.google.dev/gemini-api/docs/image-understanding), function calling with `set_light_values` and the
 * parallel "party" functions (https://ai.google.dev/gemini-api/docs/function-calling), thinking
 * (https://ai.google.dev/gemini-api/docs/thinking) and errors (https://ai.google.dev/gemini-api/docs/troubleshooting).
 */
import type { JsonBody } from '../../../../src/relay/types.ts';
import type { OutboundContext, SseIn } from '../../../../src/relay/dialects/types.ts';

export const lightDeclaration = {
  name: 'set_light_values',
  description: 'Sets the brightness and color temperature of a light.',
  parameters: {
    type: 'object',
    properties: {
      brightness: { type: 'integer', description: 'Light level from 0 to 100. Zero is off and 100 is full brightness' },
      color_temp: {
        type: 'string',
        enum: ['daylight', 'cool', 'warm'],
        description: 'Color temperature of the light fixture, which can be `daylight`, `cool` or `warm`.',
      },
    },
    required: ['brightness', 'color_temp'],
  },
};

/** The same tool as an OpenAI function tool. */
export const lightTool = { type: 'function', function: lightDeclaration };

export const partyDeclarations = [
  {
    name: 'power_disco_ball',
    description: 'Powers the spinning disco ball.',
    parameters: { type: 'object', properties: { power: { type: 'boolean', description: 'Whether to turn the disco ball on or off.' } }, required: ['power'] },
  },
  {
    name: 'start_music',
    description: 'Play some music matching the specified parameters.',
    parameters: {
      type: 'object',
      properties: {
        energetic: { type: 'boolean', description: 'Whether the music is energetic or not.' },
        loud: { type: 'boolean', description: 'Whether the music is loud or not.' },
      },
      required: ['energetic', 'loud'],
    },
  },
  {
    name: 'dim_lights',
    description: 'Dim the lights.',
    parameters: { type: 'object', properties: { brightness: { type: 'number', description: 'The brightness of the lights, 0.0 is off, 1.0 is full.' } }, required: ['brightness'] },
  },
];

/** A one-pixel JPEG's worth of base64 (the bytes do not matter to a converter). */
export const jpegBase64 = '/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8UHRofHh0aHBwgJC4nICIsIxwcKDcpLDAxNDQ0Hyc5PTgyPC4zNDL/wAALCAABAAEBAREA/8QAFAABAAAAAAAAAAAAAAAAAAAACf/EABQQAQAAAAAAAAAAAAAAAAAAAAD/2gAIAQEAAD8AKp//2Q==';

export const textResponse: JsonBody = {
  candidates: [
    {
      content: { parts: [{ text: 'AI learns patterns from data to make predictions or decisions.\n' }], role: 'model' },
      finishReason: 'STOP',
      avgLogprobs: -0.0733,
    },
  ],
  usageMetadata: {
    promptTokenCount: 8,
    candidatesTokenCount: 12,
    totalTokenCount: 20,
    promptTokensDetails: [{ modality: 'TEXT', tokenCount: 8 }],
    candidatesTokensDetails: [{ modality: 'TEXT', tokenCount: 12 }],
  },
  modelVersion: 'gemini-2.0-flash',
  responseId: 'mMp8aPqJNq2_nvgP4cyYsQ4',
};

export const thinkingResponse: JsonBody = {
  candidates: [
    {
      content: {
        parts: [
          { text: "**Defining Occam's Razor**\n\nI'm starting with the core idea: the simplest explanation is usually right.", thought: true },
          { text: "Occam's Razor says that among competing explanations, the one with the fewest assumptions is usually best." },
        ],
        role: 'model',
      },
      finishReason: 'STOP',
      index: 0,
    },
  ],
  usageMetadata: {
    promptTokenCount: 14,
    candidatesTokenCount: 22,
    totalTokenCount: 1250,
    cachedContentTokenCount: 6,
    thoughtsTokenCount: 1214,
  },
  modelVersion: 'gemini-2.5-flash',
  responseId: 'Qw18aKLbF6a0nvgPx7u5mQk',
};

export const functionCallResponse: JsonBody = {
  candidates: [
    {
      content: {
        parts: [
          {
            functionCall: { name: 'set_light_values', args: { brightness: 25, color_temp: 'warm' } },
            thoughtSignature: 'CiQBVKhc7xQv7pHcXoSQJpL4kS1nFzqGZ1dn+Q9Y3JrB6cpzYQs=',
          },
        ],
        role: 'model',
      },
      finishReason: 'STOP',
      index: 0,
    },
  ],
  usageMetadata: { promptTokenCount: 77, candidatesTokenCount: 24, totalTokenCount: 155, thoughtsTokenCount: 54 },
  modelVersion: 'gemini-2.5-flash',
  responseId: 'aBx8aOLQC9GwnvgP2Pb9sQ0',
};

export const parallelCallResponse: JsonBody = {
  candidates: [
    {
      content: {
        parts: [
          { functionCall: { name: 'power_disco_ball', args: { power: true } } },
          { functionCall: { name: 'start_music', args: { energetic: true, loud: true } } },
          { functionCall: { name: 'dim_lights', args: { brightness: 0.5 } } },
        ],
        role: 'model',
      },
      finishReason: 'STOP',
      index: 0,
    },
  ],
  usageMetadata: { promptTokenCount: 120, candidatesTokenCount: 30, totalTokenCount: 150 },
  modelVersion: 'gemini-2.0-flash',
  responseId: 'bCx8aNKwE4i0nvgP6ci0sQw',
};

export const blockedPromptResponse: JsonBody = {
  promptFeedback: { blockReason: 'SAFETY', safetyRatings: [{ category: 'HARM_CATEGORY_DANGEROUS_CONTENT', probability: 'HIGH' }] },
  usageMetadata: { promptTokenCount: 9, totalTokenCount: 9 },
  modelVersion: 'gemini-2.0-flash',
  responseId: 'cDx8aPKxF5i0nvgP7ci0sQx',
};

export const apiKeyError = {
  error: {
    code: 400,
    message: 'API key not valid. Please pass a valid API key.',
    status: 'INVALID_ARGUMENT',
    details: [
      { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', domain: 'googleapis.com', metadata: { service: 'generativelanguage.googleapis.com' } },
    ],
  },
};

export function outboundContext(upstreamModel = 'gemini-2.5-flash', settings: Record<string, unknown> = {}, stream = false): OutboundContext {
  return { upstreamModel, stream, settings };
}

export function sse(body: unknown): SseIn {
  return { event: undefined, data: JSON.stringify(body) };
}

/** A hub chat.completion chunk with the given choices (and fields). */
export function hubChunk(choices: JsonBody[], extra: JsonBody = {}): JsonBody {
  return { id: 'chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG', object: 'chat.completion.chunk', created: 1741570283, model: 'gpt-4o-2024-08-06', choices, ...extra };
}

/** A parsed `data:` event. */
export function parsed(event: { event?: string; data: string }): JsonBody {
  if (event.event !== undefined) throw new Error(`Gemini events have no names, got ${event.event}`);
  return JSON.parse(event.data) as JsonBody;
}
